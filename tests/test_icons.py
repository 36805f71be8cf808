"""The icon set: every icon the window names is there, crisp at device pixel ratio 2, in the theme's colours."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QSize, Qt
from PySide6.QtGui import QAction, QColor, QIcon, QImage, QPainter, QPalette
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication, QMenu

from app.core.frames import ConnectionState, StateChange
from app.ui.common import icons, theme
from app.ui.connections.panel import STATE, ConnectionsModel
from app.ui.log.model import DIRECTION, OPCODE, SUMMARY
from app.ui.shell.action_icons import ACTION_ICONS
from tests.helpers import REPO, shown_window
from tests.test_themes import log_of_every_colour

ICON_FILES = REPO / "resources" / "icons"


def drawn_colours(image: QImage) -> set[str]:
    """The colours of the image's fully opaque pixels (antialiased edges left out).

    Where two antialiased strokes overlap, the sum may be off by one in a channel: such a pixel
    counts as the more common colour it is that close to.
    """
    pixels = [image.pixelColor(x, y) for y in range(image.height()) for x in range(image.width())]
    counts = Counter((pixel.red(), pixel.green(), pixel.blue()) for pixel in pixels if pixel.alpha() == 255)
    kept: list[tuple[int, int, int]] = []
    for rgb, _count in counts.most_common():
        if not any(max(abs(a - b) for a, b in zip(rgb, other, strict=True)) <= 2 for other in kept):
            kept.append(rgb)
    return {QColor(*rgb).name() for rgb in kept}


def test_the_set_holds_exactly_the_icons_named_with_its_licence() -> None:
    files = {path.stem for path in ICON_FILES.glob("*.svg")}
    assert files == set(icons.ICONS.values())
    licence = (ICON_FILES / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("ISC License") and "Lucide" in licence
    assert "1.87.0" in (ICON_FILES / "README.md").read_text(encoding="utf-8")
    for path in ICON_FILES.glob("*.svg"):
        assert 'stroke="currentColor"' in path.read_text(encoding="utf-8"), f"{path.name} is not drawn in currentColor"


@pytest.mark.parametrize("name", sorted(icons.ICONS))
def test_every_icon_is_sharp_at_pixel_ratio_two(qapp: QApplication, name: str) -> None:
    pixmap = icons.icon(name).pixmap(QSize(16, 16), 2.0)
    assert (pixmap.width(), pixmap.height(), pixmap.devicePixelRatio()) == (32, 32, 2.0)
    assert drawn_colours(pixmap.toImage()), f"{name} draws nothing at 16 px, ratio 2"


def test_an_icon_takes_the_palette_text_colour_and_follows_a_theme_change(themed: bool, qapp: QApplication) -> None:
    plug = icons.icon("action.connect")
    text = theme.palette_for(themed).color(QPalette.ColorRole.WindowText).name()
    assert drawn_colours(plug.pixmap(QSize(24, 24), 2.0).toImage()) == {text}
    qapp.setPalette(theme.palette_for(not themed))  # the same QIcon, drawn after the change
    other = theme.palette_for(not themed).color(QPalette.ColorRole.WindowText).name()
    assert drawn_colours(plug.pixmap(QSize(24, 24), 2.0).toImage()) == {other}


def test_an_icon_in_a_theme_colour_selected_or_disabled(themed: bool) -> None:
    sent = icons.icon("direction.sent", "log.sent")
    assert drawn_colours(sent.pixmap(QSize(16, 16), 2.0).toImage()) == {QColor(theme.colours_for(themed)["log.sent"]).name()}
    palette = theme.palette_for(themed)
    selected = sent.pixmap(QSize(16, 16), 2.0, QIcon.Mode.Selected).toImage()
    assert drawn_colours(selected) == {palette.color(QPalette.ColorRole.HighlightedText).name()}
    disabled = sent.pixmap(QSize(16, 16), 2.0, QIcon.Mode.Disabled).toImage()
    assert drawn_colours(disabled) == {palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText).name()}


def test_a_rows_icon_is_sharp_at_pixel_ratio_two_and_selected(themed: bool) -> None:
    sent = icons.row_icon("direction.sent", "log.sent")
    pixmap = sent.pixmap(QSize(16, 16), 2.0)
    assert (pixmap.width(), pixmap.height(), pixmap.devicePixelRatio()) == (32, 32, 2.0)
    assert drawn_colours(pixmap.toImage()) == {QColor(theme.colours_for(themed)["log.sent"]).name()}
    selected = sent.pixmap(QSize(16, 16), 2.0, QIcon.Mode.Selected).toImage()
    assert drawn_colours(selected) == {theme.palette_for(themed).color(QPalette.ColorRole.HighlightedText).name()}


def test_an_icon_is_drawn_anew_for_any_size(qapp: QApplication) -> None:
    for side in (13, 22, 48, 512):
        pixmap = icons.icon("action.record").pixmap(QSize(side, side), 2.0)
        assert pixmap.width() == pixmap.height() == side * 2


def test_an_icon_survives_a_copy_that_detaches(qapp: QApplication) -> None:
    original = icons.icon("action.clear")
    copy = QIcon(original)
    copy.addPixmap(original.pixmap(QSize(8, 8)))  # Qt clones the engine
    assert copy.pixmap(QSize(16, 16), 2.0).width() == 32
    del copy
    assert not original.pixmap(QSize(16, 16)).isNull()


def test_an_unknown_icon_or_colour_is_told_at_once(qapp: QApplication) -> None:
    with pytest.raises(icons.MissingIconError, match="no icon means 'action.teleport'"):
        icons.icon("action.teleport")
    with pytest.raises(icons.MissingIconError, match="no colour named 'log.nowhere'"):
        icons.icon("direction.sent", "log.nowhere")


def test_resources_are_found_beside_the_app_package() -> None:
    assert icons.resource("icons/plug.svg") == ICON_FILES / "plug.svg"
    with pytest.raises(FileNotFoundError, match="resources/icons/nothing.svg is not installed"):
        icons.resource("icons/nothing.svg")


# -- icons where they carry meaning ---------------------------------------------------------------

def icon_colour(index: QModelIndex) -> str | None:
    """The one colour a cell's decoration is drawn in, or None when it has none."""
    decoration = index.data(Qt.ItemDataRole.DecorationRole)
    if decoration is None:
        return None
    assert isinstance(decoration, QIcon)
    (only,) = drawn_colours(decoration.pixmap(QSize(16, 16), 2.0).toImage())
    return only


def test_the_log_shows_direction_and_opcode_icons_in_their_texts_colour(themed: bool, qapp: QApplication) -> None:
    model = log_of_every_colour()
    for row in range(model.rowCount()):
        for column in (DIRECTION, OPCODE):
            index = model.index(row, column)
            assert icon_colour(index) == index.data(Qt.ItemDataRole.ForegroundRole).name(), (row, column)
        assert model.index(row, SUMMARY).data(Qt.ItemDataRole.DecorationRole) is None
    assert model.index(1, DIRECTION).data() == "sent"  # the text stays beside its icon (which has the arrow)
    assert model.index(1, DIRECTION).data(Qt.ItemDataRole.DecorationRole).cacheKey() == \
        model.index(1, DIRECTION).data(Qt.ItemDataRole.DecorationRole).cacheKey()  # made once, not per paint
    assert model.index(1, DIRECTION).data(Qt.ItemDataRole.DecorationRole).cacheKey() != \
        model.index(2, DIRECTION).data(Qt.ItemDataRole.DecorationRole).cacheKey()  # received: another arrow
    # Drawn once as pixmaps, which Qt paints without calling into Python (no wait for the GIL per icon).
    assert model.index(1, DIRECTION).data(Qt.ItemDataRole.DecorationRole).availableSizes()
    qapp.setPalette(theme.palette_for(not themed))  # the fixture puts its palette back
    sent = model.index(1, DIRECTION)
    assert icon_colour(sent) == sent.data(Qt.ItemDataRole.ForegroundRole).name() == \
        QColor(theme.colours_for(not themed)["log.sent"]).name()


def test_the_connections_panel_shows_each_state_with_its_icon(themed: bool) -> None:
    model = ConnectionsModel()
    for number, state in enumerate(ConnectionState, 1):
        model.state_changed(StateChange(f"client#{number}", "ws://127.0.0.1:1/", state))
    text = theme.palette_for(themed).color(QPalette.ColorRole.Text).name()
    for position, state in enumerate(ConnectionState):
        index = model.index(position, STATE)
        foreground = index.data(Qt.ItemDataRole.ForegroundRole)
        assert icon_colour(index) == (text if foreground is None else foreground.name()), state
        assert model.index(position, 0).data(Qt.ItemDataRole.DecorationRole) is None
    keys = {model.index(position, STATE).data(Qt.ItemDataRole.DecorationRole).cacheKey()
            for position in range(len(ConnectionState))}
    assert len(keys) == len(ConnectionState)


def test_every_action_named_for_an_icon_is_in_the_window_and_shows_it(qtbot) -> None:
    with shown_window(qtbot, "--no-server") as window:
        named = {action.objectName(): action for action in window.findChildren(QAction)}
        assert set(ACTION_ICONS) <= named.keys(), "actions renamed or gone: " + ", ".join(set(ACTION_ICONS) - named.keys())
        for name in ACTION_ICONS:
            assert not named[name].icon().isNull(), name
        log_menu = window.findChild(QMenu, "logMenu")
        assert all(not action.icon().isNull() for action in log_menu.actions() if not action.isSeparator())
        assert not window.follow_button.icon().isNull() and window.follow_button.text() == "Follow"


# -- SocketScope's own icon ----------------------------------------------------------------------

def test_the_window_and_the_application_have_the_icon_in_every_size_sharp_at_ratio_two(qtbot) -> None:
    svg = QSvgRenderer(str(REPO / "resources" / "socketscope.svg"))
    with shown_window(qtbot, "--no-server") as window:
        for shown in (QApplication.windowIcon(), window.windowIcon()):
            assert [size.width() for size in shown.availableSizes()] == [16, 22, 24, 32, 48, 64, 128, 256, 512]
            for side in (16, 32, 512):
                pixmap = shown.pixmap(QSize(side, side), 2.0)
                assert (pixmap.width(), pixmap.devicePixelRatio()) == (side * 2, 2.0)
                drawn = QImage(side * 2, side * 2, QImage.Format.Format_ARGB32_Premultiplied)
                drawn.fill(0)
                painter = QPainter(drawn)
                painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                svg.render(painter)
                painter.end()
                assert pixmap.toImage().convertToFormat(drawn.format()) == drawn  # drawn at 2×, not scaled up


def test_render_icons_writes_the_hicolor_pngs_packaging_installs(tmp_path: Path) -> None:
    theme_folder = tmp_path / "hicolor"
    script = REPO / "packaging" / "render_icons.py"
    done = subprocess.run([sys.executable, str(script), str(theme_folder)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    for side in icons.APP_ICON_SIZES:
        image = QImage(str(theme_folder / f"{side}x{side}" / "apps" / "socketscope.png"))
        assert (image.width(), image.height()) == (side, side)
        assert len(drawn_colours(image)) > 2, f"{side} px is blank"
    usage = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert usage.returncode == 2 and "usage: render_icons.py DIR" in usage.stderr

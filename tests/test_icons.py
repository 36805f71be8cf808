"""The icon set: every icon the window names is there, crisp at device pixel ratio 2, in the theme's colours."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QIcon, QImage, QPalette
from PySide6.QtWidgets import QApplication

from app.ui.common import icons, theme
from tests.helpers import REPO

ICON_FILES = REPO / "resources" / "icons"


@pytest.fixture(params=[False, True], ids=["light", "dark"])
def themed(request: pytest.FixtureRequest, qapp: QApplication) -> Iterator[bool]:
    before = qapp.palette()
    qapp.setPalette(theme.palette_for(request.param))
    try:
        yield request.param
    finally:
        qapp.setPalette(before)


def drawn_colours(image: QImage) -> set[str]:
    """The colours of the image's fully opaque pixels (antialiased edges left out)."""
    return {image.pixelColor(x, y).name() for y in range(image.height()) for x in range(image.width())
            if image.pixelColor(x, y).alpha() == 255}


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

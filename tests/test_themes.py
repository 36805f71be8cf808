"""Themes: one table of colours that every view reads, each colour readable on its theme's palette."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtGui import QAction, QColor, QPalette
from PySide6.QtWidgets import QApplication, QMenu, QWidget

from app.core import jsondoc
from app.core.frames import Direction, Frame, Level, Notice, Opcode, Side
from app.core.ingest import Capture
from app.main import build
from app.ui.common import notify, theme
from app.ui.common.json_highlighter import TOKEN_KINDS, JsonHighlighter, text_formats
from app.ui.log.model import DIRECTION, LogModel
from app.ui.message.tree_model import VALUE, JsonTreeModel
from app.ui.shell import theme_switch
from app.ui.shell.main_window import MainWindow
from app.window_args import build_parser, parse_options
from tests.helpers import REPO

APP_UI = Path(__file__).resolve().parent.parent / "app" / "ui"
# A colour spelled in code: #rrggbb (or #aarrggbb), or a QColor made from numbers or a name.
MINIMUM_CONTRAST = 4.5  # WCAG 2.1 AA for normal text
ROWS = (QPalette.ColorRole.Base, QPalette.ColorRole.AlternateBase)  # a view's rows, every other one alternate
_SPELLED_COLOUR = re.compile(r"#[0-9a-f]{6}(?:[0-9a-f]{2})?\b|QColor\(\s*[\d\"']|Qt\.GlobalColor", re.IGNORECASE)


def test_no_colour_is_spelled_outside_the_theme_table() -> None:
    table = APP_UI / "common" / "theme.py"
    found = [f"{path.relative_to(APP_UI)}:{number}: {line.strip()}"
             for path in sorted(APP_UI.rglob("*.py")) if path != table
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if _SPELLED_COLOUR.search(line)]
    assert not found, "colours belong in app/ui/common/theme.py:\n" + "\n".join(found)


def test_both_themes_name_the_same_colours() -> None:
    assert theme.LIGHT_COLOURS.keys() == theme.DARK_COLOURS.keys()


# -- contrast (WCAG 2.1) -------------------------------------------------------------------------

def relative_luminance(colour: QColor) -> float:
    """WCAG 2.1's relative luminance of an sRGB colour."""
    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4
    return 0.2126 * linear(colour.red()) + 0.7152 * linear(colour.green()) + 0.0722 * linear(colour.blue())


def contrast(first: QColor, second: QColor) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_is_measured_as_wcag_says() -> None:
    assert contrast(QColor("#000000"), QColor("#ffffff")) == pytest.approx(21.0)
    assert contrast(QColor("#777777"), QColor("#ffffff")) == pytest.approx(4.48, abs=0.01)


def unreadable(colours: dict[str, QColor], dark: bool, roles: tuple[QPalette.ColorRole, ...] = ROWS) -> list[str]:
    palette = theme.palette_for(dark)
    return [f"{what} {colour.name()} on {role.name} {palette.color(role).name()}: "
            f"{contrast(colour, palette.color(role)):.2f}:1"
            for what, colour in colours.items() for role in roles
            if contrast(colour, palette.color(role)) < MINIMUM_CONTRAST]


def foregrounds(model: QAbstractItemModel, parent: QModelIndex = QModelIndex()) -> dict[str, QColor]:
    """Every ForegroundRole colour of the model's rows under `parent`, by where it was found."""
    found = {}
    for row in range(model.rowCount(parent)):
        for column in range(model.columnCount(parent)):
            index = model.index(row, column, parent)
            colour = index.data(Qt.ItemDataRole.ForegroundRole)
            if colour is not None:
                found[f"row {row} ({model.index(row, 0, parent).data()}) column {column}"] = QColor(colour)
    return found


def graphql_ping_and_friends() -> list[Frame]:
    """A row of every colour the log has: sent, received, event, error, and a protocol's heartbeat."""
    opened = json.dumps({"url": "ws://127.0.0.1:1/graphql", "subprotocol": "graphql-transport-ws"})
    return [
        Frame("client#1", Side.CLIENT, Direction.EVENT, Opcode.OPEN, opened, 0, 100.0),
        Frame("client#1", Side.CLIENT, Direction.SENT, Opcode.TEXT, '{"type": "connection_init"}', wall_time=100.1),
        Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, '{"type": "connection_ack"}', wall_time=100.2),
        Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, '{"type": "ping"}', wall_time=100.3),
        Frame("client#2", Side.CLIENT, Direction.EVENT, Opcode.ERROR, '{"error": "refused"}', wall_time=100.4),
    ]


def log_of_every_colour() -> LogModel:
    """A log model showing `graphql_ping_and_friends`, the ping read as GraphQL's heartbeat."""
    capture = Capture()
    model = LogModel(capture)
    model.apply(capture.append(graphql_ping_and_friends()))
    for _ in range(100):
        if capture.protocols.catch_up():
            break
    model.announce_new_rows()
    assert capture.protocols.is_heartbeat(3)
    return model


def test_every_log_colour_reads_on_its_theme(themed: bool) -> None:
    model = log_of_every_colour()
    found = foregrounds(model)
    table = theme.colours_for(themed)
    assert {colour.name() for colour in found.values()} == {table[name] for name in table if name.startswith("log.")}
    assert not unreadable(found, themed)


def test_every_tree_colour_reads_on_its_theme(themed: bool) -> None:
    model = JsonTreeModel()
    document = ('{"s": "text", "n": 1, "b": true, "z": null, "o": {}, "a": [], "big": 12345678901234567890, "s": "",'
                ' "bad": 0}')
    model.set_value(jsondoc.parse(document).value)
    model.mark_paths({"$.bad"})  # violates the message's contract
    found = foregrounds(model)
    table = theme.colours_for(themed)
    assert {colour.name() for colour in found.values()} == {table[name] for name in table if name.startswith("tree.")}
    assert not unreadable(found, themed)


def test_a_violating_node_reads_on_its_marked_background(themed: bool) -> None:
    """The mark is a translucent background over the rows: the violation's text must read on it too."""
    table = theme.colours_for(themed)
    palette = theme.palette_for(themed)
    mark, text = QColor(table["violation.background"]), QColor(table["tree.violation"])
    for role in ROWS:
        row = palette.color(role)
        alpha = mark.alphaF()
        blended = QColor.fromRgbF(*(alpha * getattr(mark, part)() + (1 - alpha) * getattr(row, part)()
                                    for part in ("redF", "greenF", "blueF")))
        assert contrast(text, blended) >= MINIMUM_CONTRAST, f"{role.name}: {contrast(text, blended):.2f}:1"


def test_every_json_text_colour_reads_on_its_theme(themed: bool) -> None:
    formats = text_formats(themed)
    assert formats.keys() == set(TOKEN_KINDS)
    assert not unreadable({kind: fmt.foreground().color() for kind, fmt in formats.items()}, themed)
    highlighter = JsonHighlighter()  # follows the application's palette
    assert {kind: fmt.foreground().color() for kind, fmt in highlighter.formats.items()} == \
        {kind: fmt.foreground().color() for kind, fmt in formats.items()}


def test_every_text_colour_of_the_tables_reads_on_rows_and_on_the_window() -> None:
    for dark in (False, True):
        text_colours = {name: QColor(value) for name, value in theme.colours_for(dark).items() if len(value) == 7}
        assert not unreadable(text_colours, dark, (*ROWS, QPalette.ColorRole.Window))


# -- choosing a theme ----------------------------------------------------------------------------

@pytest.fixture
def system_afterwards(qapp: QApplication) -> Iterator[None]:
    """Leave the application showing what a window shows unless told otherwise."""
    yield
    theme_switch.install("system")


def label_colour(label: QWidget) -> str:
    return label.styleSheet().split("color:")[1].split(";")[0].strip()


def shown(window: MainWindow) -> dict[str, str]:
    """What the window draws with now: its palette, a sent row, a tree string, a key, the error labels."""
    return {
        "base": QApplication.palette().color(QPalette.ColorRole.Base).name(),
        "log.sent": window.log_model.index(0, DIRECTION).data(Qt.ItemDataRole.ForegroundRole).name(),
        "tree.string": window.message_view.tree_model.index(0, VALUE).data(Qt.ItemDataRole.ForegroundRole).name(),
        "json.key": window.composer.highlighter.formats["key"].foreground().color().name(),
        "status.error": label_colour(window.notice_label),
        "composer": label_colour(window.composer.error),
    }


def theme_colours(dark: bool) -> dict[str, str]:
    table = theme.colours_for(dark)
    base = (theme.DARK_PALETTE if dark else theme.LIGHT_PALETTE)[QPalette.ColorRole.Base]
    return {"base": base, **{name: table[name] for name in ("log.sent", "tree.string", "json.key", "status.error")},
            "composer": table["status.error"]}


def themed_window(qtbot, *argv: str) -> MainWindow:
    """A window with something in each coloured view: a log row, a tree, an error notice, a composer error."""
    window = build(["--no-server", *argv])
    qtbot.addWidget(window)
    window.show()
    window.session.queue.put(Frame("client#1", Side.CLIENT, Direction.SENT, Opcode.TEXT, '{"n": 1}'))
    qtbot.waitUntil(lambda: window.log_model.rowCount() == 1, timeout=5000)
    window.message_view.tree_model.set_value(jsondoc.parse('{"s": "text"}').value)
    notify.post(Notice(Level.ERROR, "something failed"))
    window.composer.set_text("[tru]")
    assert window.composer.validate() is None
    return window


def theme_actions(window: MainWindow) -> dict[str, QAction]:
    menu = window.findChild(QMenu, "themeMenu")
    assert menu is not None and menu.menuAction() in window.menuBar().findChild(QMenu, "viewMenu").actions()
    return {action.objectName(): action for action in menu.actions()}


def test_the_theme_option_and_the_view_menu_recolour_every_view_and_the_choice_is_kept(
        qtbot, system_afterwards: None) -> None:
    window = themed_window(qtbot, "--theme", "dark")
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    style = app.style()
    assert isinstance(style, theme_switch.ThemeStyle) and style.baseStyle().name().lower() == "fusion"
    assert shown(window) == theme_colours(dark=True)
    actions = theme_actions(window)
    assert list(actions) == ["themeDark", "themeLight", "themeSystem"] and actions["themeDark"].isChecked()
    assert app.palette() == theme.palette_for(dark=True)  # the whole palette, not only Base

    actions["themeLight"].trigger()  # the open window follows at once: models, highlighter, labels
    assert shown(window) == theme_colours(dark=False)
    assert actions["themeLight"].isChecked() and theme_switch.saved_theme() == "light"
    window.shutdown()

    theme_switch.install("dark")
    second = themed_window(qtbot)  # no --theme: the one chosen in the menu last time
    assert shown(second) == theme_colours(dark=False) and theme_actions(second)["themeLight"].isChecked()
    second.shutdown()


def test_system_follows_the_desktops_colour_scheme_while_the_window_is_open(qtbot, system_afterwards: None) -> None:
    window = themed_window(qtbot, "--theme", "system")
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    actions = theme_actions(window)
    assert actions["themeSystem"].isChecked()
    assert shown(window) == theme_colours(dark=False)  # the offscreen desktop says nothing: light
    app.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)  # as Qt does when the desktop turns dark
    assert shown(window) == theme_colours(dark=True)
    app.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert shown(window) == theme_colours(dark=False)

    actions["themeDark"].trigger()  # a theme of its own ignores the desktop
    app.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert shown(window) == theme_colours(dark=True)
    window.shutdown()


def test_the_theme_option_takes_dark_light_or_system() -> None:
    assert parse_options(["--theme", "light"]).theme == "light" and parse_options([]).theme is None
    assert "--theme {" + ",".join(theme_switch.THEMES) + "}" in build_parser().format_help()
    result = subprocess.run([sys.executable, "-m", "app", "--theme", "purple"], cwd=REPO, capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 2
    assert "argument --theme: invalid choice: 'purple'" in result.stderr


def test_the_readme_says_how_to_choose_a_theme_and_what_it_promises() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    paragraph = next((block for block in readme.split("\n- ") if block.startswith("**Themes**")), "")
    for theme_name in theme_switch.THEMES:
        assert f"*{theme_name.capitalize()}*" in paragraph
    assert "*View → Theme*" in paragraph and "`--theme dark|light|system`" in paragraph
    assert f"{MINIMUM_CONTRAST}:1" in paragraph

"""The composer says where Send goes, marks where the payload is wrong, and keeps tokens whole."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QTextCharFormat
from PySide6.QtWidgets import QPlainTextEdit

from app.core.frames import ConnectionState
from app.net.options import ConnectionOptions
from app.ui.common.style import status_colour
from app.ui.common.theme import DARK_COLOURS, LIGHT_COLOURS
from app.ui.compose.composer import Composer
from app.ui.shell.main_window import MainWindow
from tests.helpers import connection_row, shown_window
from tests.ws_server import WsTestServer


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:
    with shown_window(qtbot, "--status-delay", "60", wait_open=True) as window:
        window.composer.set_folded(False)  # it starts folded (Ctrl+E)
        yield window


@pytest.fixture
def server() -> Iterator[WsTestServer]:
    server = WsTestServer().start()
    yield server
    server.stop()


@pytest.fixture
def composer(qtbot) -> Composer:
    composer = Composer()
    qtbot.addWidget(composer)
    composer.resize(320, 200)
    composer.show()
    return composer


def shown_target(window: MainWindow) -> str:
    """The target as painted: the whole text, not shortened, in the row of the Send button."""
    target, send = window.composer.target, window.composer.send_button
    assert target.isVisible() and target.text() == target.full_text()
    assert target.geometry().right() < send.geometry().left()
    assert abs(target.geometry().center().y() - send.geometry().center().y()) <= 4
    return target.text()


def test_the_target_is_named_beside_send_and_follows_the_connection(
        window: MainWindow, server: WsTestServer, qtbot) -> None:
    own_url = window.url_edit.text()
    assert shown_target(window) == f"→ client#1 {own_url}"

    window.session.connect(ConnectionOptions(server.url("/feed")))  # a new connection becomes the target
    qtbot.waitUntil(lambda: window.connection_states.get("client#2") == ConnectionState.OPEN, timeout=5000)
    qtbot.waitUntil(lambda: shown_target(window) == f"→ client#2 {server.url('/feed')}", timeout=3000)

    window.connect_button.click()  # its state shows at once
    qtbot.waitUntil(lambda: shown_target(window) == f"→ client#2 {server.url('/feed')} (closed)", timeout=5000)
    assert "closed" in window.composer.target.toolTip()

    panel = window.connections_panel
    panel.table.selectRow(connection_row(panel.model, "client#1"))  # choosing another target renames it
    qtbot.waitUntil(lambda: shown_target(window) == f"→ client#1 {own_url}", timeout=3000)


def test_a_long_target_is_shortened_in_the_middle(composer: Composer, qtbot) -> None:
    from app.core.frames import StateChange

    url = "ws://127.0.0.1:9000/" + "a" * 300 + "/end"
    composer.show_target(StateChange("client#7", url, ConnectionState.CLOSED))
    qtbot.waitUntil(lambda: "…" in composer.target.text(), timeout=2000)
    shown = composer.target.text()
    assert shown.startswith("→ client#7 ws:") and shown.endswith("/end (closed)")  # name and state stay whole
    assert composer.target.geometry().right() < composer.send_button.geometry().left()
    assert url in composer.target.toolTip()


def error_marks(composer: Composer) -> list[tuple[str, int, int]]:
    """Each extra selection's marked text, 1-based line and column."""
    marks = []
    for selection in composer.editor.extraSelections():
        cursor = selection.cursor
        assert selection.format.underlineStyle() == QTextCharFormat.UnderlineStyle.SpellCheckUnderline
        assert selection.format.underlineColor() == QColor(status_colour("error"))
        start = composer.editor.document().findBlock(cursor.selectionStart())
        column = cursor.selectionStart() - start.position() + 1
        marks.append((cursor.selectedText(), start.blockNumber() + 1, column))
    return marks


def test_the_error_position_is_underlined_and_cleared_when_valid(composer: Composer, qtbot) -> None:
    composer.editor.setFocus()
    composer.editor.selectAll()
    for number, line in enumerate(['{', '  "a": 1,', '  "b": tru', '}']):
        if number:
            qtbot.keyClick(composer.editor, Qt.Key.Key_Return)
        qtbot.keyClicks(composer.editor, line)
    qtbot.waitUntil(lambda: composer.error.text().startswith("Line 3, column 8"), timeout=2000)
    assert error_marks(composer) == [("tru", 3, 8)]

    composer.editor.moveCursor(composer.editor.textCursor().MoveOperation.End)
    composer.editor.moveCursor(composer.editor.textCursor().MoveOperation.Up)
    composer.editor.moveCursor(composer.editor.textCursor().MoveOperation.EndOfLine)
    qtbot.keyClick(composer.editor, Qt.Key.Key_E)  # tru → true
    qtbot.waitUntil(lambda: composer.error.text().startswith("Valid JSON"), timeout=2000)
    assert error_marks(composer) == []


@pytest.mark.parametrize(("text", "mark"), [
    ('["😀😀", tru]', ("tru", 1, 10)),  # columns count characters, the document UTF-16 units
    ("[1, 2,\n\n", (",", 1, 6)),  # ended too early: the last character before the end
    ('{"id": {{nope}}}', ("{{nope}}", 1, 8)),  # an unknown variable: the whole placeholder
    ('{"a": 1 "b": 2}', ('"', 1, 9)),
])
def test_the_mark_covers_the_token_at_the_error(composer: Composer, text: str, mark: tuple[str, int, int]) -> None:
    composer.set_text(text)
    assert composer.validate() is None
    assert error_marks(composer) == [mark]


def test_a_binary_payload_error_is_marked_too(composer: Composer) -> None:
    composer.convert_to("hex")
    composer.set_text("de ad zz ef")
    assert composer.validate() is None
    assert error_marks(composer) and error_marks(composer)[0][1] == 1


def test_long_tokens_are_never_broken_across_lines(composer: Composer, qtbot) -> None:
    long_line = '{"id": "123e4567-e89b-12d3-a456-426614174000", "n": ' + "1234567890" * 20 + "}"
    composer.set_text(long_line)
    qtbot.waitUntil(lambda: composer.editor.document().firstBlock().layout().lineCount() > 0, timeout=2000)
    assert composer.editor.lineWrapMode() == QPlainTextEdit.LineWrapMode.NoWrap
    assert composer.editor.document().firstBlock().layout().lineCount() == 1  # one line, scrolled sideways
    assert composer.editor.horizontalScrollBar().maximum() > 0


def test_status_colours_stay_readable_on_a_dark_palette(composer: Composer, qapp) -> None:
    from PySide6.QtGui import QPalette

    light = qapp.palette()
    dark = QPalette(light)
    dark.setColor(QPalette.ColorRole.Base, QColor("#1b1b1d"))
    dark.setColor(QPalette.ColorRole.Window, QColor("#202124"))
    qapp.setPalette(dark)
    try:
        composer.set_text("[tru]")
        assert composer.validate() is None
        error = DARK_COLOURS["status.error"]  # the light palette's is too dim there
        assert error in composer.error.styleSheet()
        assert composer.editor.extraSelections()[0].format.underlineColor() == QColor(error)
        composer.set_text("[true]")
        assert composer.validate() is not None and DARK_COLOURS["status.valid"] in composer.error.styleSheet()
    finally:
        qapp.setPalette(light)
    composer.validate()
    assert LIGHT_COLOURS["status.valid"] in composer.error.styleSheet()

"""The whole app, built as `make run` builds it, against its real embedded server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QPushButton, QTableView, QTreeView, QWidget

from app.core.frames import Direction, Opcode
from app.main import build
from app.ui.log.model import SUMMARY
from app.ui.message.tree_model import KEY
from app.ui.shell.main_window import MainWindow
from tests.helpers import port_is_free, shown_window, socketscope_threads

NAMED_WIDGETS = {
    "connectionUrl": QLineEdit, "connectButton": QPushButton, "messageLog": QTableView,
    "jsonTree": QTreeView, "rawView": QPlainTextEdit, "composerEditor": QPlainTextEdit,
    "composerError": QLabel, "sendButton": QPushButton,
}


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:
    with shown_window(qtbot, "--status-delay", "0.3") as window:
        yield window


def rows(window: MainWindow, connection: str, direction: Direction, opcode: Opcode = Opcode.TEXT) -> list[int]:
    store = window.store
    return [
        r for r in range(window.log_model.rowCount())
        if store.connection(r) == connection and store.directions[r] == direction and store.opcodes[r] == opcode
    ]


def test_key_widgets_have_object_and_accessible_names(window: MainWindow) -> None:
    for name, kind in NAMED_WIDGETS.items():
        widget: QWidget | None = window.findChild(kind, name)
        assert widget is not None, f"no {kind.__name__} named {name}"
        assert widget.accessibleName() == name


def test_greeting_is_shown_as_a_tree_within_two_seconds(window: MainWindow, qtbot) -> None:
    qtbot.waitUntil(lambda: bool(rows(window, "client#1", Direction.RECEIVED)), timeout=2000)
    row = rows(window, "client#1", Direction.RECEIVED)[0]
    window.log_view.selectRow(row)
    tree = window.message_view.tree_model
    qtbot.waitUntil(lambda: tree.rowCount() == 3, timeout=2000)
    assert [tree.index(r, KEY).data() for r in range(3)] == ["username", "id", "is_active"]
    assert window.server_label.text().startswith("Server: http://127.0.0.1:")
    assert window.state_label.text() == "Open"
    assert window.url_edit.text().endswith("/ws")
    assert json.loads(window.message_view.raw.toPlainText())["username"] == "Alice"


def test_composed_payload_is_sent_and_answered(window: MainWindow, qtbot) -> None:
    qtbot.waitUntil(lambda: window.state_label.text() == "Open", timeout=3000)
    window.composer.editor.setPlainText('{"action": "subscribe", "topic": "prices"}')
    qtbot.keyClick(window.composer.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(rows(window, "client#1", Direction.SENT)), timeout=3000)
    sent = rows(window, "client#1", Direction.SENT)
    assert json.loads(window.store.payloads[sent[0]]) == {"action": "subscribe", "topic": "prices"}

    def reply_rows() -> list[int]:
        return [r for r in rows(window, "client#1", Direction.RECEIVED) if "echo" in window.store.payloads[r]]

    qtbot.waitUntil(lambda: bool(reply_rows()), timeout=3000)
    reply = json.loads(window.store.payloads[reply_rows()[0]])
    assert reply == {"status": "received", "echo": {"action": "subscribe", "topic": "prices"}}
    assert reply_rows()[0] > sent[0]
    assert "↑ 1 sent" not in window.counts_label.text()  # server side counts too: both sides are shown
    assert window.store.sent_count >= 2 and window.store.received_count >= 2


def test_invalid_payload_shows_its_position_and_is_not_sent(window: MainWindow, qtbot) -> None:
    qtbot.waitUntil(lambda: window.state_label.text() == "Open", timeout=3000)
    window.composer.editor.setPlainText('{\n  "a": 1,\n  "b": \n}')
    qtbot.waitUntil(lambda: window.composer.error.text().startswith("Line"), timeout=2000)
    assert window.composer.error.text() == "Line 4, column 1: Expecting value"
    assert not window.composer.send_button.isEnabled()
    window.composer.request_send()
    qtbot.keyClick(window.composer.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    window.drain_events()
    assert rows(window, "client#1", Direction.SENT) == []
    window.composer.editor.setPlainText('{"x": NaN}')
    window.composer.validate()
    assert "NaN is not valid JSON" in window.composer.error.text()


def test_format_pretty_prints_and_keeps_duplicates(window: MainWindow, qtbot) -> None:
    window.composer.editor.setPlainText('{"a":1,"a":[2]}')
    qtbot.keyClick(window.composer.editor, Qt.Key.Key_F,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.composer.text() == '{\n  "a": 1,\n  "a": [\n    2\n  ]\n}'
    window.composer.minify_button.click()
    assert window.composer.text() == '{"a":1,"a":[2]}'
    window.composer.editor.setPlainText('{"a": 12345678901234567890123, "b": }')
    window.composer.minify_button.click()
    assert window.composer.text().endswith('"b": }')  # left as it was, the error shown
    assert window.composer.error.text().startswith("Line 1, column 37")
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.url_edit.hasFocus()


def test_closing_the_window_leaves_no_thread_and_no_port(qtbot) -> None:
    window = build(["--port", "0"])
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.state_label.text() == "Open", timeout=3000)
    port = window.session.server_address.port
    assert not port_is_free(port)
    assert {"socketscope-server", "socketscope-client"} <= set(socketscope_threads())
    server = window.session.server
    window.close()
    assert server is not None and not server.running and window.session.server is None
    assert not window.session.inspector.alive
    assert socketscope_threads() == []
    assert port_is_free(port)
    closes = rows(window, "client#1", Direction.SENT, Opcode.CLOSE)
    assert closes and json.loads(window.store.payloads[closes[0]])["code"] == 1001
    assert all(t.name != "socketscope-server" for t in threading.enumerate())


def test_filter_shows_matching_rows_and_reports_bad_expressions(window: MainWindow, qtbot) -> None:
    qtbot.waitUntil(lambda: window.store.received_count >= 2, timeout=3000)
    everything = window.log_model.rowCount()
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.filter_bar.edit.hasFocus()
    window.filter_bar.edit.setText("conn:client#1 dir:received Alice")
    qtbot.waitUntil(lambda: window.filter_bar.status.text().endswith("shown"), timeout=3000)
    assert window.log_model.rowCount() == 1
    assert "Alice" in window.log_model.index(0, SUMMARY).data()
    window.log_view.selectRow(0)
    qtbot.waitUntil(lambda: window.message_view.tree_model.rowCount() == 3, timeout=2000)  # maps to the store row

    window.filter_bar.edit.setText("/[oops/")
    qtbot.waitUntil(lambda: "Bad regular expression" in window.filter_bar.status.text(), timeout=3000)
    assert window.log_model.rowCount() == 1  # the previous filter stays until a valid one replaces it

    window.filter_bar.edit.setText("Alice dir:received conn:client#1")
    def one_shown() -> None:
        assert window.filter_bar.status.text() == f"1 of {len(window.store)} shown", (
            window.filter_bar.status.text(), len(window.store), window.log_model.rowCount())

    qtbot.waitUntil(one_shown, timeout=3000)
    window.composer.editor.setPlainText('{"Alice": "again"}')
    window.composer.request_send()
    qtbot.waitUntil(lambda: any("again" in str(p) for p in window.store.payloads[-4:]), timeout=5000)
    # the reply arrives while the filter is in force: it passes the live filter
    qtbot.waitUntil(lambda: window.log_model.rowCount() == 2, timeout=5000)
    window.filter_bar.edit.clear()
    qtbot.waitUntil(lambda: window.log_model.rowCount() >= everything + 4, timeout=3000)
    assert window.filter_bar.status.text() == ""


def test_pausing_the_view_never_pauses_capture(window: MainWindow, qtbot) -> None:
    qtbot.waitUntil(lambda: window.state_label.text() == "Open", timeout=3000)
    qtbot.waitUntil(lambda: window.log_model.rowCount() >= 4, timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert window.pause_button.isChecked()
    shown = window.log_model.rowCount()
    window.composer.editor.setPlainText('{"while": "paused"}')
    window.composer.request_send()
    qtbot.waitUntil(lambda: window.new_badge.text().startswith("+"), timeout=3000)
    qtbot.waitUntil(lambda: window.new_badge.text() == "+4 new", timeout=3000)  # sent + received, both sides
    assert window.log_model.rowCount() == shown and len(window.store) == shown + 4
    window.pause_button.click()
    assert window.log_model.rowCount() == shown + 4 and window.new_badge.text() == ""
    window.follow_button.setChecked(False)
    assert not window.follow_tail
    window.follow_button.setChecked(True)
    assert window.follow_tail


def test_the_inspector_stamps_what_it_sends_when_it_goes_to_the_wire(window: MainWindow, qtbot) -> None:
    """Both ends of the window's own connection: what client#1 sent is never stamped after server#1 got it."""
    store = window.store
    qtbot.waitUntil(lambda: window.state_label.text() == "Open", timeout=5000)
    window.composer.editor.setPlainText('{"stamp": "check"}')
    qtbot.keyClick(window.composer.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    def times(connection: str, direction: Direction, opcode: Opcode, text: str = "") -> list[float]:
        return [store.wall_times[r] for r in rows(window, connection, direction, opcode) if text in store.payloads[r]]

    qtbot.waitUntil(lambda: bool(times("server#1", Direction.RECEIVED, Opcode.TEXT, "check")
                                 and times("client#1", Direction.SENT, Opcode.TEXT, "check")), timeout=5000)
    assert times("client#1", Direction.SENT, Opcode.TEXT, "check")[0] <= \
        times("server#1", Direction.RECEIVED, Opcode.TEXT, "check")[0]

    qtbot.mouseClick(window.connect_button, Qt.MouseButton.LeftButton)  # the client closes
    qtbot.waitUntil(lambda: bool(times("server#1", Direction.RECEIVED, Opcode.CLOSE)
                                 and times("client#1", Direction.SENT, Opcode.CLOSE)), timeout=5000)
    assert times("client#1", Direction.SENT, Opcode.CLOSE)[0] <= times("server#1", Direction.RECEIVED, Opcode.CLOSE)[0]
    qtbot.waitUntil(lambda: bool(times("client#1", Direction.RECEIVED, Opcode.CLOSE)), timeout=5000)
    assert times("client#1", Direction.SENT, Opcode.CLOSE)[0] <= times("client#1", Direction.RECEIVED, Opcode.CLOSE)[0]

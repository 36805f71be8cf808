"""The composer as a tool, in the whole app against its real embedded server: binary frames,
templates, repeats, dropped files, history, library, and what survives a restart."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from app.core.frames import ConnectionState, Direction, Opcode
from app.main import build
from app.ui.shell.main_window import MainWindow
from tests.helpers import shown_window


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:
    with shown_window(qtbot, "--status-delay", "0.3", wait_open=True) as window:
        yield window


def payloads(window: MainWindow, connection: str, direction: Direction, opcode: Opcode = Opcode.TEXT) -> list:
    store = window.store
    return [store.payloads[r] for r in range(len(store))
            if store.connection(r) == connection and store.directions[r] == direction and store.opcodes[r] == opcode]


def connect_to(window: MainWindow, qtbot, path: str) -> str:
    """Open a second inspector connection to the embedded server's `path` and make it the target."""
    address = window.session.server_address
    assert address is not None
    connection = window.session.connect(f"ws://127.0.0.1:{address.port}{path}")
    window.current_connection = connection
    qtbot.waitUntil(lambda: window.connection_states.get(connection) == ConnectionState.OPEN, timeout=5000)
    return connection


def test_binary_payloads_typed_as_hex_or_base64_are_echoed_as_binary(window: MainWindow, qtbot) -> None:
    echo = connect_to(window, qtbot, "/ws/echo")
    composer = window.composer
    composer.mode_combo.setCurrentIndex(composer.mode_combo.findData("hex"))
    composer.set_text("de ad be ef\n0x00 0xff")
    qtbot.keyClick(composer.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: b"\xde\xad\xbe\xef\x00\xff" in payloads(window, echo, Direction.RECEIVED, Opcode.BINARY),
                    timeout=3000)
    assert payloads(window, echo, Direction.SENT, Opcode.BINARY) == [b"\xde\xad\xbe\xef\x00\xff"]

    composer.mode_combo.setCurrentIndex(composer.mode_combo.findData("base64"))
    assert composer.text() == "3q2+7wD/"  # the typed bytes, converted
    composer.set_text("AAEC")
    composer.request_send()
    qtbot.waitUntil(lambda: b"\x00\x01\x02" in payloads(window, echo, Direction.RECEIVED, Opcode.BINARY),
                    timeout=3000)

    sent_before = len(payloads(window, echo, Direction.SENT, Opcode.BINARY))
    composer.set_text("AA*C")
    composer.request_send()
    assert composer.error.text() == "Line 1, column 3: '*' is not a base64 character"
    assert not composer.send_button.isEnabled()
    composer.mode_combo.setCurrentIndex(composer.mode_combo.findData("hex"))
    composer.set_text("0a 0")
    composer.request_send()
    assert "odd number of hex digits" in composer.error.text()
    composer.set_text("0a zz")
    composer.request_send()
    assert composer.error.text() == "Line 1, column 4: 'z' is not a hex digit"
    assert composer.editor.textCursor().positionInBlock() == 3  # the cursor is put on the mistake

    # Sent in order after the refused ones: if a refused payload had been sent, it would show before this.
    composer.set_text("ff")
    composer.request_send()
    qtbot.waitUntil(lambda: b"\xff" in payloads(window, echo, Direction.RECEIVED, Opcode.BINARY), timeout=3000)
    assert payloads(window, echo, Direction.SENT, Opcode.BINARY)[sent_before:] == [b"\xff"]
    history = window.payload_tools.history
    qtbot.waitUntil(lambda: len(history.model.rows) == 3, timeout=3000)
    assert [entry.payload for entry in history.model.rows] == [b"\xff", b"\x00\x01\x02",
                                                                  b"\xde\xad\xbe\xef\x00\xff"]


def test_variables_expand_at_send_time_and_errors_are_not_sent(window: MainWindow, qtbot) -> None:
    echo = connect_to(window, qtbot, "/ws/echo")
    composer = window.composer
    window.payload_tools.variables.set_variable("user", "alice")
    composer.set_text('{"user": "{{user}}", "n": {{seq}}, "id": "{{uuid}}", "r": {{random_int(1, 6)}}}')
    composer.request_send()
    composer.request_send()
    qtbot.waitUntil(lambda: len(payloads(window, echo, Direction.RECEIVED)) == 2, timeout=3000)
    first, second = (json.loads(p) for p in payloads(window, echo, Direction.SENT))
    assert (first["user"], first["n"], second["n"]) == ("alice", 1, 2)
    assert first["id"] != second["id"] and 1 <= first["r"] <= 6

    composer.set_text('{\n  "who": {{nobody}}\n}')
    composer.request_send()
    assert composer.error.text().startswith("Line 2, column 10: unknown variable {{nobody}}")
    composer.set_text('{"x": {{user}}}')  # expands to a bare word: not JSON
    composer.request_send()
    assert composer.error.text().startswith("After expanding variables: Line 1, column 7")
    composer.set_text('{"x": NaN}')
    composer.request_send()
    assert "NaN is not valid JSON" in composer.error.text()
    composer.set_text('"last"')
    composer.request_send()
    qtbot.waitUntil(lambda: '"last"' in payloads(window, echo, Direction.RECEIVED), timeout=3000)
    assert len(payloads(window, echo, Direction.SENT)) == 3  # nothing refused was sent


def test_repeat_n_times_sends_each_once_in_order(window: MainWindow, qtbot) -> None:
    echo = connect_to(window, qtbot, "/ws/echo")
    composer = window.composer
    composer.set_text('{"n": {{seq}}}')
    composer.repeat_count.setValue(7)
    composer.repeat_interval.setValue(0)
    composer.repeat_button.click()
    qtbot.waitUntil(lambda: len(payloads(window, echo, Direction.RECEIVED)) == 7, timeout=5000)
    qtbot.waitUntil(lambda: not composer.repeater.running, timeout=2000)
    assert [json.loads(p)["n"] for p in payloads(window, echo, Direction.SENT)] == list(range(1, 8))
    assert composer.repeat_status.text() == "Sent 7 (done)"
    assert composer.repeat_button.isEnabled() and not composer.stop_button.isEnabled()
    history = window.payload_tools.history
    qtbot.waitUntil(lambda: len(history.model.rows) == 7, timeout=2000)


def test_repeat_every_t_ms_until_stopped(window: MainWindow, qtbot) -> None:
    echo = connect_to(window, qtbot, "/ws/echo")
    composer = window.composer
    composer.set_text('{"tick": {{seq}}}')
    composer.repeat_count.setValue(0)  # until stopped
    assert composer.repeat_count.text() == "until stopped"
    composer.repeat_interval.setValue(40)
    qtbot.keyClick(composer.editor, Qt.Key.Key_Return,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert composer.repeater.running and composer.stop_button.isEnabled()
    qtbot.waitUntil(lambda: len(payloads(window, echo, Direction.SENT)) >= 2, timeout=5000)
    composer.set_text('"edited meanwhile"')  # the repeat keeps sending what it started with
    qtbot.waitUntil(lambda: len(payloads(window, echo, Direction.SENT)) >= 4, timeout=5000)
    assert composer.repeat_status.text().endswith("until stopped")
    composer.stop_button.click()
    qtbot.waitUntil(lambda: not composer.repeater.running, timeout=2000)
    count = composer.repeater.count
    assert composer.repeat_status.text() == f"Sent {count} (stopped)"

    # A marker sent after the stop arrives right after the repeat's last send: nothing came between.
    composer.set_text('"marker"')
    composer.request_send()
    qtbot.waitUntil(lambda: '"marker"' in payloads(window, echo, Direction.RECEIVED), timeout=3000)
    sent = payloads(window, echo, Direction.SENT)
    assert sent[-1] == '"marker"' and len(sent) == count + 1
    assert [json.loads(p)["tick"] for p in sent[:-1]] == list(range(1, count + 1))


def drop_files(widget, paths: list[Path]) -> None:
    """A real drag-enter and drop, as a file manager sends them."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path)) for path in paths])
    target = widget.viewport()
    point = QPoint(10, 10)
    with warnings.catch_warnings():  # PySide6 flags the only QDragEnterEvent constructor as deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(point, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(point), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, drop)


def test_dropping_a_json_file_loads_it(window: MainWindow, tmp_path: Path) -> None:
    document = tmp_path / "order.json"
    document.write_text('{"order": 17, "items": ["a", "b"]}\n', encoding="utf-8")
    drop_files(window.composer.editor, [document])
    assert window.composer.text() == '{"order": 17, "items": ["a", "b"]}\n'
    assert window.composer.error.text() == "Valid JSON"

    not_utf8 = tmp_path / "latin1.json"
    not_utf8.write_bytes(b'{"caf\xe9": 1}')
    drop_files(window.composer.editor, [not_utf8])
    assert "not UTF-8 text (invalid byte at offset 5)" in window.composer.error.text()
    assert window.composer.text() == '{"order": 17, "items": ["a", "b"]}\n'  # nothing lost

    window.composer.mode_combo.setCurrentIndex(window.composer.mode_combo.findData("hex"))
    assert window.composer.load_file(not_utf8)
    assert window.composer.text() == "7b 22 63 61 66 e9 22 3a 20 31 7d"
    assert not window.composer.load_file(tmp_path / "missing.json")
    assert "Not loaded: missing.json" in window.composer.error.text()


def test_history_loads_and_resends_with_one_key(window: MainWindow, qtbot) -> None:
    echo = connect_to(window, qtbot, "/ws/echo")
    composer = window.composer
    composer.set_text('{"from": "history", "n": {{seq}}}')
    composer.request_send()
    history = window.payload_tools.history
    qtbot.waitUntil(lambda: len(history.model.rows) == 1, timeout=3000)
    entry = history.model.rows[0]
    assert entry.payload == '{"from": "history", "n": 1}' and entry.target.endswith("/ws/echo")

    history.table.setFocus()
    history.table.selectRow(0)
    qtbot.keyClick(history.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)  # re-send as sent
    qtbot.waitUntil(lambda: len(payloads(window, echo, Direction.SENT)) == 2, timeout=3000)
    assert payloads(window, echo, Direction.SENT) == ['{"from": "history", "n": 1}'] * 2
    qtbot.waitUntil(lambda: len(history.model.rows) == 2, timeout=3000)

    composer.set_text("{}")
    history.table.selectRow(1)
    qtbot.keyClick(history.table, Qt.Key.Key_Return)  # load
    assert composer.text() == '{"from": "history", "n": 1}'
    history.search.setText("HISTORY")
    history.refresh()
    assert len(history.model.rows) == 2
    history.search.setText("nothing like it")
    history.refresh()
    assert history.model.rows == []
    history.search.clear()
    history.refresh()
    history.table.setFocus()
    history.table.selectRow(0)
    qtbot.keyClick(history.table, Qt.Key.Key_Delete)
    assert len(history.model.rows) == 1 and len(history.store.history()) == 1


def test_library_saves_searches_loads_and_deletes(window: MainWindow, qtbot) -> None:
    library = window.payload_tools.library
    composer = window.composer
    composer.set_text('{"login": "{{user}}"}')
    library.name_edit.setText("login")
    library.save_button.click()
    assert "Not saved" in library.status.text()  # {{user}} is not defined yet
    window.payload_tools.variables.set_variable("user", "bob")
    library.tags_edit.setText("auth, smoke")
    library.save_button.click()
    assert library.status.text() == "Saved 'login'"
    library.save_button.click()
    assert library.status.text() == "Replaced 'login'"
    composer.set_text('{"action": "ping"}')
    library.name_edit.setText("ping")
    library.tags_edit.setText("smoke")
    qtbot.keyClick(library.name_edit, Qt.Key.Key_Return)
    assert [s.name for s in library.model.rows] == ["login", "ping"]

    qtbot.keyClick(window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert library.search.hasFocus()
    qtbot.keyClicks(library.search, "#auth")
    library.refresh()
    assert [s.name for s in library.model.rows] == ["login"]
    assert library.model.rows[0].payload == '{"login": "{{user}}"}'  # the template, not its expansion
    qtbot.keyClick(library.search, Qt.Key.Key_Return)  # into the list
    assert library.table.hasFocus()
    qtbot.keyClick(library.table, Qt.Key.Key_Return)  # load
    assert composer.text() == '{"login": "{{user}}"}'

    library.search.clear()
    library.refresh()
    library.table.selectRow(1)
    library.delete_button.click()
    assert [s.name for s in library.model.rows] == ["login"]
    library.table.setFocus()
    library.table.selectRow(0)
    qtbot.keyClick(library.table, Qt.Key.Key_Delete)
    assert library.model.rows == [] and library.store.saved_payloads() == []


def test_history_library_variables_and_layout_survive_a_restart(qtbot, private_user_data: Path) -> None:
    first = build(["--port", "0"])
    qtbot.addWidget(first)
    first.show()
    qtbot.waitUntil(lambda: first.state_label.text() == "Open", timeout=5000)
    first.payload_tools.variables.set_variable("tenant", "acme")
    first.composer.set_text('{"tenant": "{{tenant}}"}')
    first.composer.request_send()
    qtbot.waitUntil(lambda: len(first.payload_tools.history.store.history()) == 1, timeout=3000)
    first.payload_tools.library.name_edit.setText("tenant hello")
    first.payload_tools.library.save_current()
    # The offscreen screen is 800 × 800 and Qt keeps a restored window on its screen: stay as narrow as allowed.
    first.resize(first.minimumSizeHint().width(), 700)
    qtbot.waitUntil(lambda: first.height() == 700, timeout=2000)
    main_splitter = first.splitters[0]
    main_splitter.setSizes([300, main_splitter.width() - 300 - main_splitter.handleWidth()])
    sizes = main_splitter.sizes()
    first.payload_tools.history_dock.hide()
    first.shutdown()

    second = build(["--port", "0"])
    qtbot.addWidget(second)
    second.show()
    try:
        tools = second.payload_tools
        assert [entry.payload for entry in tools.history.model.rows] == ['{"tenant": "acme"}']
        assert [(s.name, s.payload) for s in tools.library.model.rows] == [("tenant hello", '{"tenant": "{{tenant}}"}')]
        assert tools.variables.variables() == {"tenant": "acme"}
        assert second.composer.variables == {"tenant": "acme"}
        assert second.height() == 700
        qtbot.waitUntil(lambda: second.splitters[0].sizes() == sizes, timeout=2000)
        assert not tools.history_dock.isVisible()  # dock state restored
    finally:
        second.shutdown()
    assert (private_user_data / "settings" / "SocketScope" / "SocketScope.ini").exists()  # never the user's own


def test_last_url_is_restored_when_nothing_connects_at_start(qtbot) -> None:
    first = build(["--no-server"])
    qtbot.addWidget(first)
    first.url_edit.setText("ws://127.0.0.1:9/ws/echo")
    first.shutdown()
    second = build(["--no-server"])
    qtbot.addWidget(second)
    try:
        assert second.url_edit.text() == "ws://127.0.0.1:9/ws/echo"
    finally:
        second.shutdown()


def test_an_unreadable_data_file_is_reported_and_the_tools_still_work(qtbot, private_user_data: Path) -> None:
    data = private_user_data / "data"
    data.mkdir(parents=True, exist_ok=True)
    (data / "socketscope.sqlite3").write_bytes(b"not a database at all" * 200)
    window = build(["--no-server"])
    qtbot.addWidget(window)
    try:
        assert window.notice_label.text().startswith("History and library are not saved this run:")
        window.payload_tools.library.name_edit.setText("kept in memory")
        window.payload_tools.library.save_current()
        assert [s.name for s in window.payload_tools.library.model.rows] == ["kept in memory"]
    finally:
        window.shutdown()
    assert (data / "socketscope.sqlite3").read_bytes() == b"not a database at all" * 200  # left for the user

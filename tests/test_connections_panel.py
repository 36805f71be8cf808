"""The connections panel and options dialog in the real window, against real servers."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDockWidget

from app.core.frames import ConnectionState, Direction, Frame, Opcode, Side, StateChange
from app.net.options import ConnectionOptions
from app.ui.common.style import colour
from app.ui.connections.dialog import ConnectionDialog
from app.ui.connections.panel import COLUMNS, RATE, SPARK_SECONDS, STATE, ConnectionsModel, ConnectionsPanel
from app.ui.shell.main_window import MainWindow
from tests.helpers import connection_row, shown_window
from tests.ws_server import WsTestServer

# Waiting on the servers goes through qtbot.waitUntil: blocking the GUI thread would stop the
# window's own sends and closes, which run as tasks on its event loop.


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:
    with shown_window(qtbot, "--status-delay", "60", wait_open=True) as window:
        yield window


@pytest.fixture
def servers() -> Iterator[tuple[WsTestServer, WsTestServer]]:
    first, second = WsTestServer().start(), WsTestServer().start()
    yield first, second
    first.stop()
    second.stop()


def activate(window, qtbot) -> None:
    """Shortcuts need an active window; offscreen, closing a dialog leaves none active."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)


def press_shortcut(widget, key: Qt.Key, qtbot) -> None:
    """Ctrl+Shift+key; then let go of every modifier, which QTest itself leaves held."""
    qtbot.keyClick(widget, key, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    receiver = QApplication.activeModalWidget() or widget
    qtbot.keyRelease(receiver, Qt.Key.Key_Shift)
    assert QGuiApplication.keyboardModifiers() == Qt.KeyboardModifier.NoModifier


def add_through_dialog(panel: ConnectionsPanel, qtbot, **fields: str) -> ConnectionDialog:
    window = panel.window()
    activate(window, qtbot)
    press_shortcut(window, Qt.Key.Key_N, qtbot)
    qtbot.waitUntil(lambda: panel.dialog is not None and panel.dialog.isVisible(), timeout=2000)
    dialog = panel.dialog
    assert dialog is not None
    dialog.url.setText(fields.pop("url"))
    for name, value in fields.items():
        getattr(dialog, name).setText(value)
    dialog.ok_button.click()
    return dialog


def state_of(panel: ConnectionsPanel, connection: str) -> str:
    row = panel.model.row_of(connection)
    return row.state_text() if row else ""


def test_two_connections_listed_and_the_selected_one_receives_the_send(
        window: MainWindow, servers: tuple[WsTestServer, WsTestServer], qtbot) -> None:
    panel = window.connections_panel
    first, second = servers
    add_through_dialog(panel, qtbot, url=first.url("/a"))
    qtbot.waitUntil(lambda: state_of(panel, "client#2") == "open", timeout=5000)
    assert window.current_connection == "client#2"  # a new connection becomes the target
    add_through_dialog(panel, qtbot, url=second.url("/b"))
    qtbot.waitUntil(lambda: state_of(panel, "client#3") == "open", timeout=5000)
    model = panel.model
    listed = [(model.index(r, 0).data(), model.index(r, 1).data(), model.index(r, 2).data()) for r in range(model.rowCount())]
    assert listed[1:] == [("client#2", first.url("/a"), "open"), ("client#3", second.url("/b"), "open")]
    assert listed[0][0] == "client#1" and listed[0][2] == "open"

    activate(window, qtbot)
    panel.table.selectRow(connection_row(model, "client#2"))
    assert window.current_connection == "client#2"
    assert window.url_edit.text() == first.url("/a") and window.state_label.text() == "Open"
    window.composer.editor.setPlainText('{"to": "first"}')
    qtbot.keyClick(window.composer.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyRelease(window.composer.editor, Qt.Key.Key_Control)  # QTest leaves Ctrl held otherwise
    qtbot.waitUntil(lambda: first.connections[0].messages == ['{"to": "first"}'], timeout=5000)

    panel.table.selectRow(connection_row(model, "client#3"))
    assert window.current_connection == "client#3"
    window.composer.editor.setPlainText('{"to": "second"}')
    qtbot.keyClick(window.composer.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyRelease(window.composer.editor, Qt.Key.Key_Control)  # QTest leaves Ctrl held otherwise
    qtbot.waitUntil(lambda: second.connections[0].messages == ['{"to": "second"}'], timeout=5000)
    assert first.connections[0].messages == ['{"to": "first"}']
    qtbot.waitUntil(lambda: model.index(connection_row(model, "client#3"), 4).data() == "1", timeout=3000)  # echo counted
    assert model.index(connection_row(model, "client#3"), 5).data() == "1"


def test_ping_and_close_with_code_from_the_panel(
        window: MainWindow, servers: tuple[WsTestServer, WsTestServer], qtbot) -> None:
    panel = window.connections_panel
    first, _ = servers
    window.session.connect(ConnectionOptions(first.url()))
    qtbot.waitUntil(lambda: state_of(panel, "client#2") == "open", timeout=5000)
    assert panel.selected().id == "client#2"
    press_shortcut(window, Qt.Key.Key_I, qtbot)
    qtbot.waitUntil(lambda: panel.model.index(connection_row(panel.model, "client#2"), 3).data().endswith(" ms"), timeout=5000)
    assert window.notice_label.text().startswith("client#2: RTT ")

    panel.close_code.setValue(4001)
    panel.close_reason.setText("bye")
    panel.close_button.click()
    qtbot.waitUntil(lambda: first.connections[0].ended.is_set(), timeout=5000)
    seen = first.connections[0]
    assert (seen.close_code, seen.close_reason) == (4001, "bye")
    qtbot.waitUntil(lambda: state_of(panel, "client#2") == "closed by the client with 4001: bye", timeout=3000)
    assert panel.connect_button.isEnabled() and not panel.ping_button.isEnabled()

    panel.connect_button.click()  # the same connection, opened again
    qtbot.waitUntil(lambda: len(first.connections) == 2, timeout=5000)
    qtbot.waitUntil(lambda: state_of(panel, "client#2") == "open", timeout=5000)
    panel.close_code.setValue(2000)
    panel.close_button.click()
    qtbot.waitUntil(lambda: "2000 is not a close code" in window.notice_label.text(), timeout=3000)
    assert state_of(panel, "client#2") == "open"


def test_reconnecting_shows_a_countdown_and_disconnect_stops_it(window: MainWindow, qtbot) -> None:
    probe = WsTestServer().start()
    url = probe.url()
    probe.stop()
    panel = window.connections_panel
    window.session.connect(ConnectionOptions(url, reconnect=True, reconnect_initial=20, reconnect_max=20))
    qtbot.waitUntil(lambda: state_of(panel, "client#2").startswith("reconnecting in "), timeout=5000)
    seconds = int(state_of(panel, "client#2").split()[2])
    assert 10 <= seconds <= 20
    assert window.state_label.text().startswith("Reconnecting: attempt 1 in ")
    assert window.connect_button.text() == "Disconnect"
    panel.disconnect_button.click()
    qtbot.waitUntil(lambda: state_of(panel, "client#2") == "closed: reconnection stopped", timeout=3000)
    assert window.connection_states["client#2"] == ConnectionState.CLOSED


def test_dialog_keeps_bad_options_open_and_sends_headers_and_auth(
        window: MainWindow, servers: tuple[WsTestServer, WsTestServer], qtbot) -> None:
    panel = window.connections_panel
    first, _ = servers
    dialog = add_through_dialog(panel, qtbot, url="http://127.0.0.1/ws")
    assert dialog.isVisible() and "use ws:// or wss://" in dialog.problems.text()
    dialog.url.setText(first.url("/auth"))
    dialog.headers.add_row("X-Team", "blue")
    dialog.auth.setCurrentIndex(dialog.auth.findData("basic"))
    dialog.username.setText("ada")
    dialog.password.setText("lovelace")
    dialog.subprotocols.setText("json, chat")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=2000)
    qtbot.waitUntil(lambda: bool(first.connections), timeout=5000)
    seen = first.connections[0]
    assert seen.headers["x-team"] == "blue"
    assert base64.b64decode(seen.headers["authorization"].split()[1]) == b"ada:lovelace"
    assert seen.headers["sec-websocket-protocol"] == "json, chat"
    qtbot.waitUntil(lambda: state_of(panel, "client#2") == "open", timeout=5000)


def test_dialog_round_trips_every_option(qtbot) -> None:
    options = ConnectionOptions(
        "wss://example.test/feed", query=(("v", "2"),), headers=(("X-A", "1"),), subprotocols=("graphql-ws", "json"),
        auth="bearer", bearer_token="secret", ca_file="/ca.pem", client_cert="/c.pem", client_key="/k.pem",
        insecure=True, max_size=64 * 1024 * 1024, compression=True, ping_interval=0, ping_timeout=5,
        reconnect=True, reconnect_initial=0.25, reconnect_max=3,
        on_connect=('{"auth": "t"}', "SUBSCRIBE prices"), extra={"name": "prices feed"},
    )
    dialog = ConnectionDialog(options)
    qtbot.addWidget(dialog)
    assert dialog.options() == options and dialog.options().extra == {"name": "prices feed"}
    assert dialog.on_connect_note.text() == "Line 2 is not JSON: sent as plain text."
    assert dialog.ping_interval.text() == "off"


def test_connections_model_passes_qtmodeltester(qtmodeltester) -> None:
    model = ConnectionsModel()
    model.state_changed(StateChange("client#1", "ws://a/", ConnectionState.CONNECTING))
    model.state_changed(StateChange("client#1", "ws://a/", ConnectionState.OPEN))
    model.state_changed(StateChange("client#2", "ws://b/", ConnectionState.RECONNECTING, "attempt 2 in 4.0 s", 4.0))
    model.state_changed(StateChange("client#3", "ws://c/", ConnectionState.FAILED, "Connection refused"))
    qtmodeltester.check(model, force_py=True)
    assert [r.state_text() for r in model.rows] == ["open", "reconnecting in 4 s", "failed: Connection refused"]


def test_a_long_state_leaves_the_counts_in_view(window: MainWindow, qtbot) -> None:
    body = "go away: you are not on the list " * 30  # a refusal's body, up to a KiB
    window.session.queue.put(StateChange("client#9", "ws://127.0.0.1:9/deny", ConnectionState.FAILED,
                                         f"Handshake rejected with HTTP 403 Forbidden: {body}"))
    table = window.connections_panel.table
    model = window.connections_panel.model
    qtbot.waitUntil(lambda: model.row_of("client#9") is not None, timeout=3000)
    QApplication.processEvents()
    last = len(COLUMNS) - 1  # "↑ out"
    assert table.columnViewportPosition(last) + table.columnWidth(last) <= table.viewport().width()
    assert not table.horizontalScrollBar().isVisible()
    state = model.index(connection_row(model, "client#9"), STATE)
    assert "not on the list" in state.data(Qt.ItemDataRole.ToolTipRole)  # all of it, where it is cut


def test_counts_show_at_once_then_at_most_every_repaint_interval_and_true_after_a_flood(qtbot) -> None:
    """Every dataChanged re-fits the columns to their contents: not once per drain under a flood."""
    model = ConnectionsModel()
    model.state_changed(StateChange("client#1", "ws://127.0.0.1:1/", ConnectionState.OPEN))
    received = model.index(0, COLUMNS.index("↓ in"))
    shown: list[str] = []
    model.dataChanged.connect(lambda *_: shown.append(received.data()))
    batch = [Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, "{}")] * 50
    model.observe(batch)
    assert shown == ["50"]  # a quiet connection's count shows at once
    for _ in range(199):  # drains in a row, before the interval is over
        model.observe(batch)
    assert shown == ["50"]
    with qtbot.waitSignal(model.dataChanged, timeout=2000):
        pass  # the one update after the flood
    assert shown == ["50", "10,000"]


def test_a_flood_through_the_window_ends_with_the_panel_showing_every_message(window: MainWindow, qtbot) -> None:
    model = window.connections_panel.model
    row = connection_row(model, "client#1")
    received = model.index(row, COLUMNS.index("↓ in"))
    before = model.rows[row].received
    shown: list[str] = []
    model.dataChanged.connect(lambda *_: shown.append(received.data()))
    for _ in range(25_000):  # more than one drain takes
        window.session.queue.put(Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, "{}"))
    counted = model.rows[row]
    qtbot.waitUntil(lambda: counted.received >= before + 25_000 and shown[-1:] == [f"{counted.received:,}"],
                    timeout=10_000)


def test_each_connection_has_a_sparkline_of_its_last_minute(window: MainWindow, qtbot) -> None:
    model, table = window.connections_panel.model, window.connections_panel.table
    for n in range(3):
        window.composer.set_text(f'{{"n": {n}}}')
        window.composer.request_send()
    store = window.store

    def messages() -> int:
        return sum(1 for row in store.rows() if store.connection(row) == "client#1"
                   and store.opcodes[row] in (Opcode.TEXT, Opcode.BINARY))

    qtbot.waitUntil(lambda: messages() >= 6, timeout=5000)  # three sent, three echoed
    row = connection_row(model, "client#1")
    # Whole seconds only: the last sends show once their second is over.
    qtbot.waitUntil(lambda: sum(model.rows[row].per_second or []) == messages(), timeout=5000)
    counts = model.rows[row].per_second
    assert len(counts) == SPARK_SECONDS
    cell = model.index(row, RATE)
    assert cell.data() == f"{counts[-1]:,}/s"
    assert f"at most {max(counts):,}" in cell.data(Qt.ItemDataRole.ToolTipRole)
    window.dock_layout.reveal(window.findChild(QDockWidget, "connectionsDock"))  # the band starts folded
    table.clearSelection()
    table.scrollTo(cell)
    qtbot.waitUntil(lambda: table.visualRect(cell).height() > 0
                    and table.viewport().rect().contains(table.visualRect(cell)))
    picture = table.viewport().grab().toImage()
    box = table.visualRect(cell)
    line = colour("chart.1").rgb()
    assert any(picture.pixel(x, y) == line for x in range(box.left(), box.right()) for y in range(box.top(), box.bottom()))

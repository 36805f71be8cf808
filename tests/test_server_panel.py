"""The server panel: connected clients, pushing from the server, closing clients, restarting."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from websockets.sync.client import connect

from app.core.frames import Direction, Opcode
from app.ui.server.panel import ServerClientsModel
from app.ui.shell.main_window import MainWindow
from tests.helpers import shown_window


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:
    with shown_window(qtbot, "--status-delay", "60", wait_open=True) as window:
        yield window


def payloads(window: MainWindow, connection: str, direction: Direction) -> list[str | bytes]:
    store = window.store
    return [store.payloads[r] for r in range(len(store)) if store.connection(r) == connection
            and store.directions[r] == direction and store.opcodes[r] == Opcode.TEXT]


def test_panel_lists_clients_and_pushes_to_all_and_to_one(window: MainWindow, qtbot) -> None:
    panel = window.server_panel
    assert window.findChild(type(panel.table), "serverClients") is panel.table
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=3000)
    with connect(window.session.server_address.ws_url("/ws/echo"), open_timeout=5) as outsider:
        qtbot.waitUntil(lambda: panel.model.rowCount() == 2, timeout=3000)
        first, second = panel.model.clients
        assert (first.path, second.path) == ("/ws", "/ws/echo")
        assert first.peer.startswith("127.0.0.1:") and first.sent >= 1 and first.state == "open"
        window.composer.editor.setPlainText('{"broadcast": true}')
        panel.push_all.click()  # the GUI must run to push: wait on it before reading
        qtbot.waitUntil(lambda: "Pushed to 2 clients" in window.notice_label.text(), timeout=3000)
        assert outsider.recv(timeout=5) == '{"broadcast": true}'
        qtbot.waitUntil(lambda: '{"broadcast": true}' in payloads(window, "client#1", Direction.RECEIVED), timeout=3000)

        panel.table.selectRow(1)
        window.composer.editor.setPlainText('{"only": "you"}')
        panel.push_selected.click()
        qtbot.waitUntil(lambda: "Pushed to 1 client" in window.notice_label.text(), timeout=3000)
        assert outsider.recv(timeout=5) == '{"only": "you"}'
        panel.close_code.setValue(4001)
        panel.close_reason.setText("kicked by test")
        panel.close_button.click()
        qtbot.waitUntil(lambda: panel.model.clients[1].state == "closed by the server with 4001: kicked by test", timeout=3000)
    assert '{"only": "you"}' not in payloads(window, "client#1", Direction.RECEIVED)
    assert panel.model.clients[0].state == "open"


def test_invalid_payload_is_not_pushed(window: MainWindow, qtbot) -> None:
    window.composer.editor.setPlainText("{broken")
    window.server_panel.push_all.click()
    qtbot.waitUntil(lambda: "not valid JSON" in window.notice_label.text(), timeout=2000)
    assert payloads(window, "server#1", Direction.SENT) == [payloads(window, "server#1", Direction.SENT)[0]]


def test_restart_on_another_port_reconnects_the_inspector(window: MainWindow, qtbot) -> None:
    old_port = window.session.server_address.port
    window.server_panel.port.setValue(0)
    window.server_panel.restart_button.click()
    qtbot.waitUntil(lambda: window.session.server_address.port != old_port
                    and window.state_label.text() == "Open" and window.current_connection == "client#2",
                    timeout=10000)
    qtbot.waitUntil(lambda: any(c.id == "server#2" for c in window.server_panel.model.clients), timeout=3000)
    assert window.server_panel.model.clients[0].state.startswith("closed")
    assert window.server_panel.address.text().endswith(str(window.session.server_address.port))
    window.server_panel.stop_button.click()
    qtbot.waitUntil(lambda: window.server_panel.address.text() == "Server: stopped", timeout=10000)
    assert window.session.server is None and window.server_panel.start_button.isEnabled()


def test_clients_model_passes_qtmodeltester(qtmodeltester) -> None:
    from app.core.frames import Frame, Side

    model = ServerClientsModel()
    opened = json.dumps({"peer": "127.0.0.1:5", "path": "/ws", "origin": None})
    model.observe([
        Frame("server#1", Side.SERVER, Direction.EVENT, Opcode.OPEN, opened, 0),
        Frame("server#1", Side.SERVER, Direction.RECEIVED, Opcode.TEXT, "{}"),
        Frame("server#1>upstream", Side.CLIENT, Direction.SENT, Opcode.TEXT, "{}"),
        Frame("server#2", Side.SERVER, Direction.EVENT, Opcode.REFUSED, json.dumps({"status": 403, "path": "/ws"}), 0),
    ])
    qtmodeltester.check(model, force_py=True)
    assert [c.state for c in model.clients] == ["open", "refused 403"]
    assert model.clients[0].received == 1 and model.live_ids() == ["server#1"]


def test_a_client_that_closes_is_shown_in_the_words_of_the_rest_of_the_app(window: MainWindow, qtbot) -> None:
    panel = window.server_panel
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=3000)
    with connect(window.session.server_address.ws_url("/ws/echo"), open_timeout=5) as outsider:
        qtbot.waitUntil(lambda: panel.model.rowCount() == 2, timeout=3000)
        outsider.close(4002, "bye")
    qtbot.waitUntil(lambda: panel.model.clients[1].state != "open", timeout=3000)
    assert panel.model.clients[1].state == "closed by the client with 4002: bye"
    assert panel.model.index(1, panel.model.columnCount() - 1).data() == "closed by the client with 4002: bye"


def test_client_counts_show_at_once_then_at_most_every_repaint_interval_and_true_after_a_flood(qtbot) -> None:
    from app.core.frames import Frame, Side

    model = ServerClientsModel()
    opened = json.dumps({"peer": "127.0.0.1:5", "path": "/ws", "origin": None})
    model.observe([Frame("server#1", Side.SERVER, Direction.EVENT, Opcode.OPEN, opened, 0)])
    received = model.index(0, model.columns.index("↓ in"))
    shown: list[str] = []
    model.dataChanged.connect(lambda *_: shown.append(received.data()))
    batch = [Frame("server#1", Side.SERVER, Direction.RECEIVED, Opcode.TEXT, "{}")] * 50
    model.observe(batch)
    assert shown == ["50"]
    for _ in range(199):  # drains in a row, before the interval is over: each dataChanged re-fits the columns
        model.observe(batch)
    assert shown == ["50"]
    with qtbot.waitSignal(model.dataChanged, timeout=2000):
        pass  # the one update after the flood
    assert shown == ["50", "10,000"]

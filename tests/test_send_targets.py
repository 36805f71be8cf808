"""Where a composed payload goes: a connection that cannot take it says why, and the server panel
pushes templated and binary payloads to one client or all, recorded as sent by the server."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
from websockets.sync.client import connect

from app.core.frames import ConnectionState, Direction, Opcode
from app.net.options import ConnectionOptions
from app.ui.shell.main_window import MainWindow
from tests.helpers import shown_window
from tests.ws_server import WsTestServer


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:
    with shown_window(qtbot, "--status-delay", "60", wait_open=True) as window:
        yield window


def frames(window: MainWindow, connection: str, direction: Direction, opcode: Opcode) -> list[str | bytes]:
    store = window.store
    return [store.payloads[r] for r in range(len(store)) if store.connection(r) == connection
            and store.directions[r] == direction and store.opcodes[r] == opcode]


def test_a_send_to_a_connection_that_cannot_take_it_says_why(window: MainWindow, qtbot) -> None:
    probe = WsTestServer().start()
    url = probe.url()
    probe.stop()
    panel = window.connections_panel
    connection = window.session.connect(ConnectionOptions(url, reconnect=True, reconnect_initial=30, reconnect_max=30))
    qtbot.waitUntil(lambda: window.connection_states.get(connection) == ConnectionState.RECONNECTING, timeout=5000)
    assert window.current_connection == connection
    composer = window.composer
    composer.set_text('{"hello": 1}')
    history_before = len(window.payload_tools.store.history())
    composer.request_send()
    qtbot.waitUntil(lambda: composer.error.text().startswith(f"Not sent: {connection} is reconnecting in "), timeout=2000)
    assert "send again once it is open" in composer.error.text()
    assert composer.send_button.isEnabled()  # the payload is fine; only the connection is not
    assert len(window.payload_tools.store.history()) == history_before  # not recorded as sent

    panel.disconnect_button.click()
    qtbot.waitUntil(lambda: window.connection_states.get(connection) == ConnectionState.CLOSED, timeout=3000)
    composer.request_send()
    qtbot.waitUntil(lambda: composer.error.text()
                    == f"Not sent: {connection} is closed: reconnection stopped. Connect opens it again", timeout=2000)
    assert frames(window, connection, Direction.SENT, Opcode.TEXT) == []


def test_server_pushes_templated_and_binary_payloads_to_one_client_and_to_all(
        window: MainWindow, qtbot) -> None:
    panel = window.server_panel
    composer = window.composer
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=3000)
    with connect(window.session.server_address.ws_url("/ws/echo"), open_timeout=5) as outsider:
        qtbot.waitUntil(lambda: panel.model.rowCount() == 2, timeout=3000)
        outsider_id = panel.model.clients[1].id
        inspector_side = panel.model.clients[0].id

        # A template to one client: expanded once, valid JSON, recorded as sent by that server socket.
        composer.set_text('{"id": "{{uuid}}", "n": {{seq}}, "at": {{epoch_ms}}}')
        panel.table.selectRow(1)
        panel.push_selected.click()
        qtbot.waitUntil(lambda: window.notice_label.text() == "Pushed to 1 client", timeout=3000)
        received = outsider.recv(timeout=5)
        document = json.loads(received)
        uuid.UUID(document["id"])
        assert document["n"] == 1 and isinstance(document["at"], int)
        qtbot.waitUntil(lambda: frames(window, outsider_id, Direction.SENT, Opcode.TEXT) == [received], timeout=3000)
        assert received not in frames(window, inspector_side, Direction.SENT, Opcode.TEXT)

        # Bytes typed as hex to all: a binary frame to each client, each recorded by its own socket.
        composer.mode_combo.setCurrentIndex(composer.mode_combo.findData("hex"))
        composer.set_text("de ad be ef")
        panel.push_all.click()
        qtbot.waitUntil(lambda: window.notice_label.text() == "Pushed to 2 clients", timeout=3000)
        assert outsider.recv(timeout=5) == b"\xde\xad\xbe\xef"
        qtbot.waitUntil(lambda: frames(window, "client#1", Direction.RECEIVED, Opcode.BINARY) == [b"\xde\xad\xbe\xef"],
                        timeout=3000)
        for server_side in (outsider_id, inspector_side):
            assert frames(window, server_side, Direction.SENT, Opcode.BINARY) == [b"\xde\xad\xbe\xef"]

        # An unknown variable is never pushed.
        composer.mode_combo.setCurrentIndex(composer.mode_combo.findData("text"))
        composer.set_text('{"who": "{{nobody}}"}')
        panel.push_all.click()
        qtbot.waitUntil(lambda: "Not pushed" in window.notice_label.text(), timeout=3000)
        assert "nobody" in composer.error.text() and "nobody" in window.notice_label.text()

    # The selected client has gone: the push says so instead of "Pushed to 0 clients".
    qtbot.waitUntil(lambda: panel.model.clients[1].state != "open", timeout=3000)
    composer.set_text('{"late": true}')
    window.push_from_server([outsider_id])
    qtbot.waitUntil(lambda: window.notice_label.text() == "Not pushed: the client has disconnected", timeout=3000)

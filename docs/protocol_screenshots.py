"""Regenerate docs/socketio.png, docs/graphql.png and docs/msgpack.png from the real window:
`python docs/protocol_screenshots.py` (offscreen; starts the app and a GraphQL server on free ports).

- socketio.png: the embedded server's Socket.IO demo, two `chat` events emitted from the composer's
  Socket.IO event mode with acks, a heartbeat, and the ack selected: `reply to #N · … ms`.
- graphql.png: a strawberry GraphQL subscription over graphql-transport-ws, its `next`s and `complete`
  paired with the `subscribe`.
- msgpack.png: a MessagePack frame echoed by /ws/echo on a connection read as MessagePack, as a tree.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator

import msgpack
import strawberry
from screenshot_kit import open_window, pump, save, settle
from strawberry.asgi import GraphQL

from app.core.frames import Direction
from app.net.options import ConnectionOptions
from app.ui.compose.composer import EVENT
from embedded_server.runner import EmbeddedServer


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "world"


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def prices(self, symbol: str = "ACME") -> AsyncGenerator[float]:
        for n in range(4):
            yield 100.0 + n * 0.25
            await asyncio.sleep(0.2)


def rows_of(window, connection: str) -> list[int]:
    store = window.store
    return [row for row in range(store.first, store.end) if store.connection(row) == connection]


def filter_to(app, window, expression: str) -> None:
    window.filter_bar.edit.setText(expression)
    window.filter_bar.apply()
    pump(app, lambda: not window.filter_bar.filtering)


def select(app, window, row: int) -> None:
    position = window.view.positions([row])[row]
    window.log_view.selectRow(position)
    pump(app, lambda: window.shown_row == row)
    settle(app)


def socketio(app, window) -> None:
    port = window.session.server_address.port
    window.url_edit.setText(f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket")
    window.open_typed_url()
    connection = window.current_connection
    pump(app, lambda: window.connection_states.get(connection) is not None
         and window.connection_states[connection].value == "open")  # after the namespace connect
    composer = window.composer
    composer.mode_combo.setCurrentIndex(composer.mode_combo.findData(EVENT))
    composer.event_name.setText("chat")
    composer.expect_ack.setChecked(True)
    for text in ('{"text": "hello, room"}', '[{"text": "two args"}, {"mood": "curious"}]'):
        composer.set_text(text)
        composer.request_send()
        pump(app, lambda: sum(str(window.store.payloads[r]).startswith("43") for r in rows_of(window, connection))
             >= 1 + (text.startswith("[")))
    pump(app, lambda: any(window.store.payloads[r] == "2" for r in rows_of(window, connection)), 12)
    filter_to(app, window, f"conn:{connection}")
    acks = [r for r in rows_of(window, connection) if str(window.store.payloads[r]).startswith("43")]
    pump(app, lambda: window.capture.protocols.partner(acks[-1]) is not None)
    select(app, window, acks[-1])
    save(window, "socketio.png")


def graphql(app, window) -> None:
    server = EmbeddedServer(GraphQL(strawberry.Schema(query=Query, subscription=Subscription)), lambda _: None,
                            port=0)
    server.start()
    assert server.wait_ready(10), server.error
    try:
        assert server.address is not None
        url = server.address.ws_url("/graphql")
        connection = window.session.connect(ConnectionOptions(url, subprotocols=("graphql-transport-ws",)))
        pump(app, lambda: window.connection_states.get(connection) is not None
             and window.connection_states[connection].value == "open")
        inspector = window.session.inspector
        inspector.submit_send(connection, json.dumps({"type": "connection_init", "payload": {}})).result(5)
        pump(app, lambda: any("connection_ack" in str(window.store.payloads[r]) for r in rows_of(window, connection)))
        subscribe = {"id": "prices-1", "type": "subscribe", "payload": {
            "operationName": "Prices", "query": 'subscription Prices { prices(symbol: "ACME") }'}}
        inspector.submit_send(connection, json.dumps(subscribe)).result(5)
        pump(app, lambda: any('"complete"' in str(window.store.payloads[r]) for r in rows_of(window, connection)))
        filter_to(app, window, f"conn:{connection}")
        window.log_columns.add_latency_column()
        nexts = [r for r in rows_of(window, connection) if '"next"' in str(window.store.payloads[r])]
        select(app, window, nexts[-1])
        save(window, "graphql.png")
    finally:
        server.stop()


def messagepack(app, window) -> None:
    url = f"ws://127.0.0.1:{window.session.server_address.port}/ws/echo"
    connection = window.session.connect(ConnectionOptions(url, protocol="msgpack"))
    pump(app, lambda: window.connection_states.get(connection) is not None
         and window.connection_states[connection].value == "open")
    document = {"sensor": "thermo-7", "at": msgpack.Timestamp(1796601600, 250_000_000),
                "readings": [21.5, 21.75, 22.0], "raw": b"\x00\x01\xfe\xff", "flags": {1: "calibrated", 2: None}}
    window.session.inspector.submit_send(connection, msgpack.packb(document)).result(5)

    def received() -> list[int]:
        return [r for r in rows_of(window, connection) if window.store.directions[r] == Direction.RECEIVED
                and isinstance(window.store.payloads[r], bytes)]
    pump(app, lambda: bool(received()))
    filter_to(app, window, f"conn:{connection}")
    select(app, window, received()[-1])
    view = window.message_view
    view.tree.expandAll()
    settle(app)
    save(window, "msgpack.png")


def main() -> None:
    app, window = open_window(1440, 860)
    window.splitters[0].setSizes([760, 680])
    window.splitters[1].setSizes([560, 200])
    socketio(app, window)
    graphql(app, window)
    messagepack(app, window)
    window.shutdown()


if __name__ == "__main__":
    main()

"""The embedded server's Socket.IO demo, driven by python-socketio's own client and by the inspector."""

from __future__ import annotations

import asyncio
from typing import Any

import socketio

from app.core.capture import CaptureStore
from app.core.frames import Direction, Opcode
from app.core.protocols.socketio import SocketIo
from app.core.protocols.tracker import ProtocolTracker
from app.net.inspector import Inspector
from app.net.loop_thread import LoopThread
from embedded_server.runner import EmbeddedServer
from embedded_server.socketio_demo import NEWS
from tests.helpers import WaitableQueue

TIMEOUT = 10.0


def socketio_url(server: EmbeddedServer) -> str:
    return server.address.ws_url("/socket.io/?EIO=4&transport=websocket")


async def chat_as_two_clients(server: EmbeddedServer) -> dict[str, Any]:
    """Two python-socketio clients: each gets the news; one chats, asking for an ack; both get the broadcast."""
    seen: dict[str, Any] = {}
    clients = [socketio.AsyncClient(reconnection=False) for _ in range(2)]
    news = [asyncio.Event() for _ in clients]
    broadcasts: list[asyncio.Queue[Any]] = [asyncio.Queue() for _ in clients]
    for client, got_news, broadcast in zip(clients, news, broadcasts, strict=True):
        client.on("news", lambda data, got=got_news: (seen.setdefault("news", data), got.set()))
        client.on("chat", lambda data, queue=broadcast: queue.put_nowait(data))
    try:
        for client in clients:
            await client.connect(server.address.http_url, transports=["websocket"], wait_timeout=TIMEOUT)
        for got_news in news:
            await asyncio.wait_for(got_news.wait(), TIMEOUT)
        seen["ack"] = await clients[0].call("chat", {"text": "hello"}, timeout=TIMEOUT)
        seen["broadcasts"] = [await asyncio.wait_for(queue.get(), TIMEOUT) for queue in broadcasts]
        seen["sid"] = clients[0].get_sid()
    finally:
        for client in clients:
            await client.disconnect()
    return seen


def test_python_socketio_clients_get_the_news_and_chat_with_an_ack(demo_server: EmbeddedServer) -> None:
    clients = LoopThread("socketscope-test-socketio-clients")  # a loop of their own: the window's may be running
    clients.start()
    try:
        seen = clients.submit(chat_as_two_clients(demo_server)).result(3 * TIMEOUT)
    finally:
        assert clients.stop()
    assert seen["news"] == NEWS
    assert seen["ack"] == {"status": "delivered", "n": 1}
    expected = {"from": seen["sid"], "n": 1, "message": {"text": "hello"}}
    assert seen["broadcasts"] == [expected, expected]  # the sender included


def test_the_inspector_chats_on_the_demo_and_its_ack_pairs_with_its_event(
        demo_server: EmbeddedServer, inspector: Inspector, events: WaitableQueue) -> None:
    connection = inspector.new_connection(socketio_url(demo_server))
    inspector.submit_open(connection).result(TIMEOUT)
    decoder = SocketIo()

    def received(kind: str) -> list[Any]:
        frames = [f for f in events.frames("client#") if f.direction == Direction.RECEIVED and f.opcode == Opcode.TEXT]
        decoded = [decoder.decode(f.opcode, f.payload) for f in frames]
        return [d for d in decoded if d is not None and d.kind == kind]

    news = events.wait_for(lambda _: received("event"), TIMEOUT)
    assert news[0].value == {"event": "news", "args": [NEWS], "namespace": "/", "ack": None}
    inspector.submit_send(connection.id, '421["chat",{"text":"hi"}]').result(TIMEOUT)
    ack = events.wait_for(lambda _: received("ack"), TIMEOUT)[0]
    assert ack.value == {"args": [{"status": "delivered", "n": 1}], "namespace": "/", "ack": 1}
    broadcast = events.wait_for(lambda _: [d for d in received("event") if d.name == "chat"], TIMEOUT)[0]
    assert broadcast.value["args"][0]["message"] == {"text": "hi"}

    store = CaptureStore()
    store.extend(events.frames("client#"))
    tracker = ProtocolTracker(store)
    for _ in range(100):
        if tracker.catch_up():
            break
    assert tracker.protocol_of(connection.id).name == "socket.io"
    payloads = [store.payloads[row] for row in range(store.first, store.end)]
    event_row, ack_row = payloads.index('421["chat",{"text":"hi"}]'), payloads.index('431[{"status":"delivered","n":1}]')
    assert tracker.partner(event_row) == ack_row and tracker.partner(ack_row) == event_row
    assert tracker.latency(ack_row) is not None

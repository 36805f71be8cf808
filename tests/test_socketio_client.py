"""The inspector speaks Socket.IO as a client: against a real python-socketio server it connects its
namespace, answers every ping, and stays connected; what the server emits decodes to events."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import socketio

from app.core.frames import ConnectionState, Direction, Frame, Opcode, StateChange
from app.core.protocols.socketio import SocketIo
from app.net.inspector import Inspector
from app.net.options import ConnectionOptions
from embedded_server.runner import EmbeddedServer
from tests.helpers import WaitableQueue

# The suite holds the connection 10 s; SOCKETSCOPE_SOCKETIO_SECONDS=60 (with --timeout=120) for a minute.
STAY_CONNECTED = float(os.environ.get("SOCKETSCOPE_SOCKETIO_SECONDS", "4"))  # each of its pings a chance to drop us
PING_INTERVAL = 1  # seconds: the server pings every second and drops a client silent for one more
SECRET = {"token": "s3cret"}


def socketio_app() -> Any:
    """A python-socketio server that greets each client with a `welcome` event and acks `chat`."""
    server = socketio.AsyncServer(async_mode="asgi", ping_interval=PING_INTERVAL, ping_timeout=PING_INTERVAL)

    @server.on("connect")
    async def connect(sid: str, environ: dict[str, Any], auth: Any) -> None:
        await server.emit("welcome", {"sid": sid}, to=sid)

    @server.on("connect", namespace="/admin")
    async def connect_admin(sid: str, environ: dict[str, Any], auth: Any) -> bool:
        if auth != SECRET:
            return False
        await server.emit("welcome", {"auth": auth}, to=sid, namespace="/admin")
        return True

    @server.on("chat")
    async def chat(sid: str, text: str) -> dict[str, Any]:
        return {"received": text}

    return socketio.ASGIApp(server)


@pytest.fixture
def socketio_server(events: WaitableQueue) -> Iterator[EmbeddedServer]:
    """The python-socketio app in real uvicorn, on an ephemeral loopback port."""
    server = EmbeddedServer(socketio_app(), events.put, port=0)
    server.start()
    assert server.wait_ready(10), server.error
    yield server
    assert server.stop(), "server thread did not stop"


def url(server: EmbeddedServer) -> str:
    return server.address.ws_url("/socket.io/?EIO=4&transport=websocket")


def client_frames(events: WaitableQueue, direction: Direction) -> list[Frame]:
    return [f for f in events.frames("client#") if f.direction == direction and f.opcode == Opcode.TEXT]


def decoded_events(events: WaitableQueue) -> list[dict[str, Any]]:
    decoder = SocketIo()
    found = [decoder.decode(f.opcode, f.payload) for f in client_frames(events, Direction.RECEIVED)]
    return [d.value for d in found if d is not None and d.kind == "event"]


def closed(events: WaitableQueue) -> list[StateChange]:
    return [s for s in events.seen if isinstance(s, StateChange) and s.connection.startswith("client#")
            and s.state is ConnectionState.CLOSED]


def test_the_inspector_stays_connected_answering_every_ping(socketio_server: EmbeddedServer, inspector: Inspector,
                                                           events: WaitableQueue) -> None:
    connection = inspector.new_connection(url(socketio_server))
    inspector.submit_open(connection).result(10)
    sent = [f.payload for f in client_frames(events, Direction.SENT)]
    assert sent[:1] == ["40"]  # the namespace connect, answering the open packet, before the connection opened
    received = [str(f.payload) for f in client_frames(events, Direction.RECEIVED)]
    assert received[0].startswith('0{"sid"')  # the open packet
    # The server's connect reply ended the handshake: it came before the connection counted as open.
    seen = events.seen
    reply = next(n for n, f in enumerate(seen) if isinstance(f, Frame) and str(f.payload).startswith('40{"sid"'))
    opened = next(n for n, s in enumerate(seen) if isinstance(s, StateChange) and s.state is ConnectionState.OPEN)
    assert reply < opened
    welcome = events.wait_for(lambda _: decoded_events(events))
    assert welcome[0]["event"] == "welcome" and welcome[0]["namespace"] == "/"

    pings = round(STAY_CONNECTED / PING_INTERVAL)
    events.wait_for(lambda _: closed(events) or sum(f.payload == "3" for f in client_frames(events, Direction.SENT))
                    >= pings, timeout=STAY_CONNECTED + 5)
    assert not closed(events), closed(events)
    assert connection.state is ConnectionState.OPEN
    # Every ping was answered, each pong logged after its ping.
    frames = [(f.direction, f.payload) for f in events.frames("client#") if f.payload in ("2", "3")]
    assert frames[:2 * pings:2] == [(Direction.RECEIVED, "2")] * pings
    assert frames[1:2 * pings:2] == [(Direction.SENT, "3")] * pings

    inspector.submit_send(connection.id, '421["chat","hi"]').result(5)
    ack = events.wait_for(lambda _: [f for f in client_frames(events, Direction.RECEIVED) if str(f.payload).startswith("43")])
    decoded = SocketIo().decode(Opcode.TEXT, ack[0].payload)
    assert decoded.value == {"args": [{"received": "hi"}], "namespace": "/", "ack": 1} and decoded.key == "/,1"


def test_a_namespace_is_connected_with_its_auth(socketio_server: EmbeddedServer, inspector: Inspector,
                                                events: WaitableQueue) -> None:
    options = ConnectionOptions(url(socketio_server), socketio_namespace="/admin", socketio_auth='{"token": "s3cret"}')
    connection = inspector.new_connection(options)
    inspector.submit_open(connection).result(10)
    assert client_frames(events, Direction.SENT)[0].payload == '40/admin,{"token":"s3cret"}'
    welcome = events.wait_for(lambda _: decoded_events(events))
    assert welcome[0] == {"event": "welcome", "args": [{"auth": SECRET}], "namespace": "/admin", "ack": None}


def test_a_refused_namespace_ends_the_handshake_and_shows_the_servers_refusal(
        socketio_server: EmbeddedServer, inspector: Inspector, events: WaitableQueue) -> None:
    options = ConnectionOptions(url(socketio_server), socketio_namespace="/admin", socketio_auth='{"token": "no"}')
    connection = inspector.new_connection(options)
    inspector.submit_open(connection).result(10)  # not 10 s of waiting: the refusal ends the handshake
    refusal = [SocketIo().decode(f.opcode, f.payload) for f in client_frames(events, Direction.RECEIVED)][-1]
    assert refusal.kind == "connect_error" and refusal.value["namespace"] == "/admin"
    assert connection.state is ConnectionState.OPEN


def test_socketio_options_are_checked() -> None:
    assert ConnectionOptions("ws://h/socket.io/", socketio_namespace="admin").problems() == [
        "Socket.IO namespace 'admin' must start with / and hold no comma"]
    assert ConnectionOptions("ws://h/socket.io/", socketio_auth="[1]").problems() == [
        "Socket.IO auth must be a JSON object"]
    options = ConnectionOptions("ws://h/", socketio_namespace="/a", socketio_auth='{"t": 1}')
    assert ConnectionOptions.from_dict(options.to_dict()) == options


def test_the_protocol_chosen_in_the_options_decides_whether_the_inspector_speaks_socketio() -> None:
    from app.net.speaking import speaker_for

    assert speaker_for(ConnectionOptions("ws://127.0.0.1:1/socket.io/?EIO=4&transport=websocket")) is not None
    assert speaker_for(ConnectionOptions("ws://127.0.0.1:1/socket.io/?EIO=4", protocol="raw")) is None
    assert speaker_for(ConnectionOptions("ws://127.0.0.1:1/engine", protocol="socket.io")) is not None
    assert speaker_for(ConnectionOptions("ws://127.0.0.1:1/engine")) is None

"""Relay to a separate upstream server: both legs recorded byte-exact, closes passed through."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect
from websockets.sync.server import Server, ServerConnection, serve

from app.core.frames import Direction, Opcode
from embedded_server.runner import EmbeddedServer
from tests.helpers import WaitableQueue


def upstream_handler(websocket: ServerConnection) -> None:
    for message in websocket:
        if message == "close-me":
            websocket.close(4002, "upstream says bye")
            return
        websocket.send(message if isinstance(message, bytes) else "up:" + message)


@pytest.fixture
def upstream() -> Iterator[Server]:
    server = serve(upstream_handler, "127.0.0.1", 0, compression=None, max_size=None)
    thread = threading.Thread(target=server.serve_forever, name="test-upstream")
    thread.start()
    yield server
    server.shutdown()
    thread.join(5)
    assert not thread.is_alive()


def relay_url(server: EmbeddedServer, target: str) -> str:
    return server.address.ws_url("/relay?target=" + quote(target, safe=""))


def test_both_legs_are_recorded_byte_exact(demo_server: EmbeddedServer, upstream: Server, events: WaitableQueue) -> None:
    target = f"ws://127.0.0.1:{upstream.socket.getsockname()[1]}/feed"
    sent = ['{"a": 1, "a": 2}', "déjà vu", b"\x00\xff\x10"]
    with connect(relay_url(demo_server, target), open_timeout=5) as ws:
        replies = []
        for payload in sent:
            ws.send(payload)
            replies.append(ws.recv(timeout=5))
        ws.send("close-me")
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    assert replies == ["up:" + sent[0], "up:" + sent[1], sent[2]]
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4002, "upstream says bye")

    def data(connection: str, direction: Direction) -> list[str | bytes]:
        return [f.payload for f in events.frames(connection) if f.direction == direction
                and f.opcode in (Opcode.TEXT, Opcode.BINARY) and f.connection == connection]

    events.wait_for(lambda _: [f for f in events.frames("server#1>") if f.opcode == Opcode.CLOSE])
    assert data("server#1", Direction.RECEIVED) == sent + ["close-me"]
    assert data("server#1>upstream", Direction.SENT) == sent + ["close-me"]
    assert data("server#1>upstream", Direction.RECEIVED) == replies
    assert data("server#1", Direction.SENT) == replies
    opened = [json.loads(f.payload) for f in events.frames("server#1>upstream") if f.opcode == Opcode.OPEN]
    assert opened == [{"url": target, "relay_of": "server#1", "subprotocol": None}]
    upstream_close = [json.loads(f.payload) for f in events.frames("server#1>upstream") if f.opcode == Opcode.CLOSE]
    assert upstream_close[0] == {"code": 4002, "reason": "upstream says bye", "by": "server"}


def test_client_close_code_reaches_the_upstream(demo_server: EmbeddedServer, upstream: Server, events: WaitableQueue) -> None:
    target = f"ws://127.0.0.1:{upstream.socket.getsockname()[1]}/"
    with connect(relay_url(demo_server, target), open_timeout=5) as ws:
        ws.send("x")
        assert ws.recv(timeout=5) == "up:x"
        ws.close(4003, "client leaving")
    closes = events.wait_for(lambda _: [json.loads(f.payload) for f in events.frames("server#1>upstream")
                                        if f.opcode == Opcode.CLOSE and f.direction == Direction.SENT])
    assert closes[0]["code"] == 4003 and closes[0]["reason"] == "client leaving"


def test_unreachable_upstream_gives_a_clear_close_reason(demo_server: EmbeddedServer) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    with connect(relay_url(demo_server, f"ws://127.0.0.1:{dead_port}/"), open_timeout=5) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=15)
    assert closed.value.rcvd.code == 1014 and closed.value.rcvd.reason.startswith("Upstream unreachable")


def test_relay_without_a_target_is_refused(demo_server: EmbeddedServer) -> None:
    from websockets.exceptions import InvalidStatus

    with pytest.raises(InvalidStatus):
        with connect(demo_server.address.ws_url("/relay"), open_timeout=5):
            pass
    with pytest.raises(InvalidStatus):
        with connect(relay_url(demo_server, "http://127.0.0.1:1/"), open_timeout=5):
            pass


def test_relay_survives_bad_input_and_a_20_mib_message(demo_server: EmbeddedServer, upstream: Server) -> None:
    target = f"ws://127.0.0.1:{upstream.socket.getsockname()[1]}/"
    big = "x" * (20 * 1024 * 1024)
    with connect(relay_url(demo_server, target), open_timeout=5, max_size=None) as ws, \
            connect(relay_url(demo_server, target), open_timeout=5) as bystander:
        ws.send("{not json")
        assert ws.recv(timeout=5) == "up:{not json"  # a relay passes frames on, JSON or not
        ws.send(big)
        assert ws.recv(timeout=30) == "up:" + big
        bystander.send("still here?")
        assert bystander.recv(timeout=5) == "up:still here?"

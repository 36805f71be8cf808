"""Relay to a separate upstream server: both legs recorded byte-exact, closes passed through."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import threading
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect
from websockets.sync.server import Server, ServerConnection, serve

from app.core.frames import Direction, Opcode
from embedded_server.runner import EmbeddedServer
from embedded_server.tap import TEXT_UTF8
from tests.helpers import WaitableQueue
from tests.raw_peer import RawPeer, frame, read_frame


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
    texts = ['{"a": 1, "a": 2}', "déjà vu"]
    sent: list[str | bytes] = [*texts, b"\x00\xff\x10"]
    with connect(relay_url(demo_server, target), open_timeout=5) as ws:
        replies = []
        for payload in sent:
            ws.send(payload)
            replies.append(ws.recv(timeout=5))
        ws.send("close-me")
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    assert replies == ["up:" + texts[0], "up:" + texts[1], sent[2]]
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


def upstream_rows(events: WaitableQueue, leg: str = "server#1>upstream") -> list[tuple[Direction, Opcode, dict, int, float]]:
    return [(f.direction, f.opcode, json.loads(f.payload), f.size, f.wall_time) for f in events.frames(leg)
            if f.opcode in (Opcode.CLOSE, Opcode.ERROR)]


def test_client_close_rows_are_in_order_with_wire_sizes(
    demo_server: EmbeddedServer, upstream: Server, events: WaitableQueue
) -> None:
    target = f"ws://127.0.0.1:{upstream.socket.getsockname()[1]}/"
    with connect(relay_url(demo_server, target), open_timeout=5) as ws:
        ws.send("x")
        assert ws.recv(timeout=5) == "up:x"
        ws.close(4003, "client leaving")
    rows = events.wait_for(lambda _: len(upstream_rows(events)) >= 2 and upstream_rows(events))
    demo_server.stop()  # everything the legs will ever record is in
    rows = upstream_rows(events)
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (Direction.SENT, Opcode.CLOSE, {"code": 4003, "reason": "client leaving", "by": "client"}),
        (Direction.RECEIVED, Opcode.CLOSE, {"code": 4003, "reason": "client leaving", "by": "server"}),
    ]
    assert [r[3] for r in rows] == [2 + len("client leaving")] * 2  # bytes of the close payload on the wire
    assert rows[0][4] <= rows[1][4]  # the answer is not stamped before the close that caused it


def test_upstream_close_is_recorded_once_with_its_wire_size(
    demo_server: EmbeddedServer, upstream: Server, events: WaitableQueue
) -> None:
    target = f"ws://127.0.0.1:{upstream.socket.getsockname()[1]}/"
    with connect(relay_url(demo_server, target), open_timeout=5) as ws:
        ws.send("close-me")
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
    events.wait_for(lambda _: upstream_rows(events))
    events.wait_for(lambda _: [f for f in events.frames("server#1") if f.connection == "server#1"
                               and f.opcode == Opcode.CLOSE])
    demo_server.stop()
    rows = upstream_rows(events)
    assert [(r[0], r[2], r[3]) for r in rows] == [
        (Direction.RECEIVED, {"code": 4002, "reason": "upstream says bye", "by": "server"}, 2 + len("upstream says bye")),
    ]  # the close websockets answered is not recorded a second time as the client's


class SilentlyDroppingUpstream:
    """A raw upstream that completes the handshake, then drops the TCP connection when a close arrives."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, name="test-dropping-upstream", daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        connection, _ = self.listener.accept()
        with connection:
            connection.settimeout(10)
            request = b""
            while b"\r\n\r\n" not in request:
                request += connection.recv(4096)
            key = next(line.split(b":", 1)[1].strip() for line in request.split(b"\r\n")
                       if line.lower().startswith(b"sec-websocket-key:"))
            accept = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
            connection.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                               b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n")
            while chunk := connection.recv(4096):
                if chunk[0] & 0x0F == 0x8:  # a close frame: vanish without answering it
                    return

    def close(self) -> None:
        self.listener.close()
        self.thread.join(10)


def test_upstream_lost_after_the_clients_close_is_recorded_after_that_close(
    demo_server: EmbeddedServer, events: WaitableQueue
) -> None:
    upstream = SilentlyDroppingUpstream()
    try:
        with connect(relay_url(demo_server, f"ws://127.0.0.1:{upstream.port}/"), open_timeout=5) as ws:
            events.wait_for(lambda _: [f for f in events.frames("server#1>") if f.opcode == Opcode.OPEN])
            ws.close(4004, "done")
        rows = events.wait_for(lambda _: len(upstream_rows(events)) >= 2 and upstream_rows(events), timeout=15)
    finally:
        upstream.close()
    assert [(r[0], r[1]) for r in rows] == [(Direction.SENT, Opcode.CLOSE), (Direction.EVENT, Opcode.ERROR)]
    assert rows[0][2] == {"code": 4004, "reason": "done", "by": "client"} and rows[0][3] == 2 + len("done")
    assert "1006" in rows[1][2]["error"] and rows[0][4] <= rows[1][4]


def test_messages_relayed_as_they_came_in_order_with_a_fragmented_and_an_undecodable_one(
        demo_server: EmbeddedServer, events: WaitableQueue) -> None:
    """One upstream read of mixed frames: each message reaches the client unchanged and in order, is
    recorded once on each leg with its wire size; the message that is not UTF-8 still fails with 1007."""
    long_text = "é" * 40_000  # 80,000 bytes: the 8-byte length
    async def script(reader, writer) -> None:
        writer.write(frame(1, b"a") + frame(2, b"\x00\xff") + frame(1, b"x" * 126)
                     + frame(1, b"frag", fin=False) + frame(0, b"mented") + frame(1, "déjà".encode())
                     + frame(1, long_text.encode()) + frame(1, b"caf\xe9") + frame(1, b"never"))
        await read_frame(reader)  # the relay's 1007
        writer.close()

    expected: list[str | bytes] = ["a", b"\x00\xff", "x" * 126, "fragmented", "déjà", long_text]
    with RawPeer(script) as peer, connect(relay_url(demo_server, peer.url), open_timeout=5, max_size=None) as ws:
        received = [ws.recv(timeout=5) for _ in expected]
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    assert received == expected
    assert closed.value.rcvd.code == 1014  # the relay's "bad gateway", naming the upstream's failure
    assert "1007" in closed.value.rcvd.reason

    def data(connection: str, direction: Direction) -> list[tuple[str | bytes, int]]:
        return [(f.payload, f.size) for f in events.frames(connection) if f.direction == direction
                and f.opcode in (Opcode.TEXT, Opcode.BINARY) and f.connection == connection]

    events.wait_for(lambda _: len(data("server#1", Direction.SENT)) == len(expected))
    sizes = [len(m.encode()) if isinstance(m, str) else len(m) for m in expected]
    assert data("server#1>upstream", Direction.RECEIVED) == list(zip(expected, sizes, strict=True))
    assert data("server#1", Direction.SENT) == list(zip(expected, sizes, strict=True))


@pytest.mark.parametrize("payload", ["", "x" * 125, "x" * 126, "é" * 32_767, "x" * 65_536, b"", b"\x00" * 70_000])
def test_a_frame_built_by_the_server_is_the_library_frame(payload: str | bytes) -> None:
    from websockets.frames import Frame, Opcode

    from embedded_server.protocol import framed

    text = isinstance(payload, str)
    message = {"type": "websocket.send", "text": payload} if text else {"type": "websocket.send", "bytes": payload}
    data = payload.encode() if isinstance(payload, str) else payload
    library = Frame(Opcode.TEXT if text else Opcode.BINARY, data).serialize(mask=False, extensions=[])
    assert framed(message) == library
    if text:
        assert framed({**message, TEXT_UTF8: data}) == library

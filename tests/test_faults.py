"""Peers that misbehave at the protocol level: the server records what happened and keeps serving."""

from __future__ import annotations

import base64
import json
import os
import socket
import struct

from websockets.sync.client import connect

from app.core.frames import Opcode
from embedded_server.demo_app import GREETING
from embedded_server.runner import EmbeddedServer
from tests.helpers import WaitableQueue


def handshake(port: int, path: str = "/ws") -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    response = b""
    while b"\r\n\r\n" not in response:
        chunk = sock.recv(4096)
        assert chunk, "connection closed during the handshake"
        response += chunk
    assert response.startswith(b"HTTP/1.1 101"), response
    return sock


def masked_frame(opcode: int, payload: bytes) -> bytes:
    mask = os.urandom(4)
    header = bytes([0x80 | opcode])
    length = len(payload)
    header += bytes([0x80 | length]) if length < 126 else bytes([0x80 | 126]) + struct.pack("!H", length)
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def still_serves(server: EmbeddedServer) -> None:
    with connect(server.address.ws_url("/ws"), open_timeout=5) as ws:
        assert json.loads(ws.recv(timeout=5)) == GREETING


def test_invalid_utf8_in_a_text_frame_is_closed_with_1007(demo_server: EmbeddedServer, events: WaitableQueue) -> None:
    sock = handshake(demo_server.address.port, "/ws/echo")
    with sock:
        sock.sendall(masked_frame(0x1, b'{"bad": "\xff\xfe"}'))
        data = b""
        while len(data) < 4:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    assert data[0] == 0x88, data  # a close frame
    assert struct.unpack("!H", data[2:4])[0] == 1007
    closes = events.wait_for(lambda _: [json.loads(f.payload) for f in events.frames("server#1")
                                        if f.opcode == Opcode.CLOSE])
    assert closes[0]["code"] == 1007
    still_serves(demo_server)


def test_garbage_instead_of_a_handshake_leaves_the_server_up(demo_server: EmbeddedServer) -> None:
    for garbage in (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(64), b"HELLO\r\n\r\n",
                    b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n"):
        with socket.create_connection(("127.0.0.1", demo_server.address.port), timeout=5) as sock:
            sock.sendall(garbage)
            sock.shutdown(socket.SHUT_WR)
            while sock.recv(4096):
                pass
    still_serves(demo_server)


def test_client_vanishing_mid_stream_is_recorded_as_1006(demo_server: EmbeddedServer, events: WaitableQueue) -> None:
    sock = handshake(demo_server.address.port, "/ws/stream?rate=1000&count=100000&size=100")
    sock.recv(4096)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()  # RST: no close frame
    closes = events.wait_for(lambda _: [json.loads(f.payload) for f in events.frames("server#1")
                                        if f.opcode == Opcode.CLOSE], timeout=10)
    assert closes[0]["code"] == 1006 and closes[0]["by"] == "client"
    still_serves(demo_server)


def test_app_returning_without_close_is_recorded_as_a_dropped_connection(events: WaitableQueue) -> None:
    import pytest
    from websockets.exceptions import ConnectionClosed

    async def curt_app(scope, receive, send):
        await receive()
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": "bye"})

    server = EmbeddedServer(curt_app, events.put, port=0)
    server.start()
    try:
        assert server.wait_ready(10)
        with connect(server.address.ws_url("/"), open_timeout=5) as ws:
            assert ws.recv(timeout=5) == "bye"
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=5)
        assert closed.value.rcvd is None  # uvicorn sends no close frame: the client sees 1006
        closes = events.wait_for(lambda _: [json.loads(f.payload) for f in events.frames("server#1")
                                            if f.opcode == Opcode.CLOSE])
        assert [(c["code"], c["by"]) for c in closes] == [(1006, "server")]
    finally:
        assert server.stop()


def close_code_from(sock: socket.socket) -> int:
    """Read frames until a close frame arrives; return its code."""
    return read_until_close(sock)[0]


def read_until_close(sock: socket.socket) -> tuple[int, int]:
    """Read frames until a close frame arrives; return its code and how many frames came before it."""
    data = b""
    before = 0
    while True:
        chunk = sock.recv(65536)
        assert chunk, f"connection ended without a close frame after {data[:64]!r}"
        data += chunk
        while len(data) >= 2:
            length = data[1] & 0x7F
            start = 2 + {126: 2, 127: 8}.get(length, 0)
            if len(data) < start:
                break
            if length >= 126:
                length = int.from_bytes(data[2:start], "big")
            if len(data) < start + length:
                break
            if data[0] & 0x0F == 0x8:
                return struct.unpack("!H", data[start:start + 2])[0], before
            data = data[start + length:]
            before += 1


def server_closes(events: WaitableQueue, connection: str) -> list[dict]:
    return [json.loads(f.payload) for f in events.frames(connection) if f.opcode == Opcode.CLOSE
            and f.connection == connection]


def test_frame_beyond_the_servers_limit_is_closed_with_1009(demo_server: EmbeddedServer, events: WaitableQueue) -> None:
    with handshake(demo_server.address.port, "/ws/echo") as sock:
        # Only the header of a 300 MiB frame: the limit (256 MiB) is enforced before any payload is read.
        sock.sendall(bytes([0x81, 0x80 | 127]) + struct.pack("!Q", 300 * 1024 * 1024) + os.urandom(4) + b"x" * 1024)
        assert close_code_from(sock) == 1009
    closes = events.wait_for(lambda _: server_closes(events, "server#1"))
    assert closes[0]["code"] == 1009
    still_serves(demo_server)


def test_message_beyond_the_inspectors_limit_is_closed_with_1009(
    demo_server: EmbeddedServer, events: WaitableQueue
) -> None:
    from app.net.inspector import Inspector
    from app.net.options import ConnectionOptions

    inspector = Inspector(events)
    inspector.start()
    try:
        options = ConnectionOptions(url=demo_server.address.ws_url("/ws/echo"), max_size=1024)  # a user's limit
        connection = inspector.new_connection(options)
        inspector.submit_open(connection).result(10)
        inspector.submit_send(connection.id, json.dumps({"pad": "x" * 4096})).result(10)  # echoed back: too big
        closes = events.wait_for(lambda _: [json.loads(f.payload) for f in events.frames("client#1")
                                            if f.opcode == Opcode.CLOSE])
        assert closes[0]["code"] == 1009 and closes[0]["by"] == "client"
        assert [f for f in events.frames("client#1") if f.opcode == Opcode.TEXT and f.direction.name == "RECEIVED"] == []
        server_side = events.wait_for(lambda _: server_closes(events, "server#1"))
        assert server_side[0]["code"] == 1009
    finally:
        assert inspector.stop()
    still_serves(demo_server)


def server_loop_state(server: EmbeddedServer) -> tuple[int, int]:
    """(asyncio tasks on the server loop, connections uvicorn holds): what a leak would grow."""
    import asyncio

    uvicorn_server = server._server  # noqa: SLF001 - uvicorn's own state, inspected, not changed
    assert uvicorn_server is not None and uvicorn_server.loop is not None

    async def count() -> tuple[int, int]:
        return len(asyncio.all_tasks()) - 1, len(uvicorn_server.server_state.connections)

    return asyncio.run_coroutine_threadsafe(count(), uvicorn_server.loop).result(5)


def test_200_clients_coming_and_going_during_a_chat_broadcast_leak_nothing(
    demo_server: EmbeddedServer, events: WaitableQueue
) -> None:
    import asyncio
    import concurrent.futures
    import threading

    from websockets.asyncio.client import connect as connect_async

    from tests.helpers import wait_until

    url = demo_server.address.ws_url("/ws/chat")
    tasks_before, connections_before = server_loop_state(demo_server)
    threads_before = threading.active_count()

    async def scenario() -> tuple[int, int]:
        async with connect_async(url) as speaker, connect_async(url) as listener:
            said = heard = 0
            target: int | None = None  # what the listener must have heard once the speaker stops
            done, caught_up = asyncio.Event(), asyncio.Event()

            async def speak() -> None:
                nonlocal said
                while not done.is_set():
                    await speaker.send(json.dumps({"n": said}))
                    said += 1
                    await asyncio.sleep(0.005)  # noqa: sleep-ok - paces the speaker, synchronises nothing

            async def drain(websocket, count_messages: bool) -> None:
                nonlocal heard
                async for text in websocket:
                    event = json.loads(text)
                    if count_messages and event.get("event") == "message" and event["user"] == "user1":
                        assert event["data"] == {"n": heard}, event  # none lost, none reordered
                        heard += 1
                        if target is not None and heard >= target:
                            caught_up.set()

            readers = [asyncio.create_task(drain(speaker, False)), asyncio.create_task(drain(listener, True))]
            talking = asyncio.create_task(speak())

            async def visit() -> None:
                async with connect_async(url, open_timeout=10) as visitor:
                    assert json.loads(await asyncio.wait_for(visitor.recv(), 10))["event"] == "join"

            for _ in range(20):  # 200 visitors, ten at a time
                await asyncio.gather(*(visit() for _ in range(10)))
            done.set()
            await talking
            last = target = said
            if heard >= last:
                caught_up.set()
            await asyncio.wait_for(caught_up.wait(), 10)
            for reader in readers:
                reader.cancel()
            return last, heard

    # On a thread of its own: a window test may have made this thread's loop the GUI's qasync loop.
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="visitors") as runner:
        said, heard = runner.submit(asyncio.run, scenario()).result(60)
    assert said > 0 and heard == said
    wait_until(lambda: demo_server.clients() == [], timeout=10)
    wait_until(lambda: server_loop_state(demo_server) == (tasks_before, connections_before), timeout=10)
    assert threading.active_count() == threads_before
    opened = [f for f in events.frames("server#") if f.opcode == Opcode.OPEN]
    assert len(opened) == 202
    still_serves(demo_server)


def test_a_chat_member_that_stops_reading_is_dropped_without_slowing_the_others(
    demo_server: EmbeddedServer, events: WaitableQueue
) -> None:
    port = demo_server.address.port
    broadcasts = 3000  # 12 MB of 4 KB messages: far more than socket buffers and one member's outbox hold
    with connect(demo_server.address.ws_url("/ws/chat"), open_timeout=5) as speaker:
        speaker.recv(timeout=5)  # own join
        with connect(demo_server.address.ws_url("/ws/chat"), open_timeout=5) as listener:
            listener.recv(timeout=5)
            speaker.recv(timeout=5)
            stuck = socket.socket()
            stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            stuck.connect(("127.0.0.1", port))
            stuck.settimeout(10)
            key = base64.b64encode(os.urandom(16)).decode()
            stuck.sendall((f"GET /ws/chat HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
            with stuck:
                events.wait_for(lambda _: len([f for f in events.frames("server#") if f.opcode == Opcode.OPEN]) == 3)
                pad = "x" * 4000
                for first in range(0, broadcasts, 100):  # the member that reads nothing never holds the others up
                    for n in range(first, first + 100):
                        speaker.send(json.dumps({"n": n, "pad": pad}))
                    for expected in range(first, first + 100):
                        for websocket in (listener, speaker):
                            while True:
                                event = json.loads(websocket.recv(timeout=10))
                                if event.get("event") == "message":
                                    assert event["data"]["n"] == expected
                                    break
                # Reading at last, the stuck member finds the backlog the server kept for it, then 1008.
                response = b""
                while b"\r\n\r\n" not in response:
                    response += stuck.recv(1)
                code, backlog = read_until_close(stuck)
                assert code == 1008
                assert backlog < broadcasts, "everything was buffered for a member that did not read"
    closes = events.wait_for(lambda _: server_closes(events, "server#3"))
    assert closes[0]["code"] == 1008 and closes[0]["by"] == "server"
    still_serves(demo_server)

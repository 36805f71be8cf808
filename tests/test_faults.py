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

    async def curt_app(scope, receive, send):  # type: ignore[no-untyped-def]
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

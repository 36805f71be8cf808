"""The fast stream server's fallback where Node is missing: one Python process per client, frames prebuilt.

`python bench/fast_stream_server.py COUNT SIZE [RATE]` serves what bench/fast_stream_server.js serves
(the messages of bench/stream_server.py, then a 1000 close; with RATE, paced at RATE messages/s) on
127.0.0.1 and prints its port. Each client gets a forked process that writes the stream, framed once in
advance, with `sendall`: no per-message work, so the server is not what a reader waits for.
Exits, and stops its children, when its stdin closes.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import selectors
import signal
import socket
import sys
import time
from typing import cast

from stream_server import message

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
CLOSE_1000 = b"\x88\x02\x03\xe8"
PACE_S = 0.01
BATCH = 256  # frames per write
CLIENT_TIMEOUT_S = 300


def text_frame(payload: bytes) -> bytes:
    """One unmasked server-to-client text frame."""
    length = len(payload)
    if length < 126:
        header = bytes([0x81, length])
    elif length < 1 << 16:
        header = bytes([0x81, 126]) + length.to_bytes(2, "big")
    else:
        header = bytes([0x81, 127]) + length.to_bytes(8, "big")
    return header + payload


def handshake(connection: socket.socket) -> bool:
    request = b""
    while b"\r\n\r\n" not in request and len(request) < 65536:
        chunk = connection.recv(4096)
        if not chunk:
            return False
        request += chunk
    key = next((line.split(b":", 1)[1].strip() for line in request.split(b"\r\n")
                if line.lower().startswith(b"sec-websocket-key:")), None)
    if key is None:
        return False
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
    connection.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                       b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n")
    return True


def serve_client(connection: socket.socket, frame: bytes, count: int, rate: float) -> None:
    connection.settimeout(CLIENT_TIMEOUT_S)
    connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if not handshake(connection):
        return
    if rate <= 0:  # in writes of BATCH frames, as the Node server does: one huge write starves some readers
        batch = frame * BATCH
        for _ in range(count // BATCH):
            connection.sendall(batch)
        connection.sendall(frame * (count % BATCH))
    else:
        sent, started = 0, time.monotonic()
        while sent < count:
            due = min(count, int((time.monotonic() - started) * rate) + 1)
            if due > sent:
                connection.sendall(frame * (due - sent))
                sent = due
            time.sleep(PACE_S)
    connection.sendall(CLOSE_1000)
    # The server closes the TCP connection once the client's close frame is in: a client waits for that
    # (`websockets` up to its close timeout, which its clock would count).
    while True:
        chunk = connection.recv(65536)
        if not chunk or b"\x88" in chunk:
            break


def main(count: int, size: int, rate: float) -> None:
    frame = text_frame(message(0, size).encode())
    listener = socket.create_server(("127.0.0.1", 0))
    print(listener.getsockname()[1], flush=True)
    children: list[int] = []
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ, "accept")
    selector.register(sys.stdin, selectors.EVENT_READ, "stdin")
    try:
        while True:
            for key, _ in selector.select():
                if key.data == "stdin":
                    if not cast(io.BufferedReader, sys.stdin.buffer).read1(65536):
                        return
                    continue
                connection, _ = listener.accept()
                child = os.fork()
                if child == 0:
                    code = 0
                    try:
                        listener.close()
                        serve_client(connection, frame, count, rate)
                    except OSError:
                        code = 1  # the reader went away
                    finally:
                        os._exit(code)
                connection.close()
                children.append(child)
                children = [pid for pid in children if os.waitpid(pid, os.WNOHANG) == (0, 0)]
    finally:
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]) if len(sys.argv) > 3 else 0.0)

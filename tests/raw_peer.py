"""A hostile WebSocket server written by hand: it speaks just enough of the protocol to misbehave.

A real library server would never send invalid UTF-8, announce an oversized frame, stop
reading or vanish without a close frame; this one does, on purpose. It runs on its own
loop thread on 127.0.0.1 (ephemeral port). Each connection reads the HTTP upgrade, answers
with `response` (101 by default, or any raw refusal), then plays `script(reader, writer)`.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import struct
import threading
from collections.abc import Awaitable, Callable

from app.net.loop_thread import LoopThread

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def frame(opcode: int, payload: bytes, length: int | None = None) -> bytes:
    """One unmasked server frame (FIN set); `length` may announce more than `payload` holds."""
    length = len(payload) if length is None else length
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, length)
    elif length < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 127, length)
    return header + payload


async def read_frame(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One masked client frame: (opcode, unmasked payload)."""
    first, second = await reader.readexactly(2)
    length = second & 0x7F
    if length == 126:
        (length,) = struct.unpack("!H", await reader.readexactly(2))
    elif length == 127:
        (length,) = struct.unpack("!Q", await reader.readexactly(8))
    mask = await reader.readexactly(4)
    data = await reader.readexactly(length)
    return first & 0x0F, bytes(b ^ mask[i % 4] for i, b in enumerate(data))


async def close_without_a_close_frame(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Wait for the client's close frame, then drop the TCP connection without answering it."""
    try:
        while (await read_frame(reader))[0] != 8:
            pass
    except (asyncio.IncompleteReadError, ConnectionError):
        pass  # the client went first: nothing left to drop
    writer.close()


def sends_then_drops(data: bytes) -> Script:
    """Send `data` (frames, valid or not), then drop the connection when the client closes."""

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(data)
        await writer.drain()
        await close_without_a_close_frame(reader, writer)

    return script


class RawPeer:
    """A hand-written WebSocket server on a loopback port; `url` to connect, `stop()` when done."""

    def __init__(self, script: Script | None = None, response: bytes | None = None) -> None:
        self.script = script
        self.response = response
        self.connected = threading.Event()  # a handshake was answered
        self._loop_thread = LoopThread("socketscope-test-rawpeer")
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []
        self.port = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    def start(self) -> RawPeer:
        self._loop_thread.start()
        self._server = self._loop_thread.submit(asyncio.start_server(self._handle, "127.0.0.1", 0)).result(5)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        async def shut() -> None:
            assert self._server is not None
            self._server.close()
            for writer in self._writers:
                writer.transport.abort()
            await self._server.wait_closed()

        self._loop_thread.submit(shut()).result(5)
        self._loop_thread.stop(5)

    def __enter__(self) -> RawPeer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        try:
            request = await reader.readuntil(b"\r\n\r\n")
            if self.response is not None:
                writer.write(self.response)
                await writer.drain()
                writer.close()
                return
            key = next(line.split(b":", 1)[1].strip() for line in request.split(b"\r\n")
                       if line.lower().startswith(b"sec-websocket-key:"))
            accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
            writer.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n")
            await writer.drain()
            self.connected.set()
            if self.script is not None:
                await self.script(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()  # the client left first
        except asyncio.CancelledError:
            writer.close()  # the peer is stopping: end quietly (asyncio logs a handler that ends cancelled)

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
import zlib
from collections.abc import Awaitable, Callable

from app.net.loop_thread import LoopThread

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def frame(opcode: int, payload: bytes, length: int | None = None, compressed: bool = False,
          fin: bool = True) -> bytes:
    """One unmasked server frame; `length` may announce more than `payload` holds;
    `compressed` sets RSV1 (permessage-deflate); `fin=False` for all but a message's last fragment."""
    length = len(payload) if length is None else length
    first = (0x80 if fin else 0) | (0x40 if compressed else 0) | opcode
    if length < 126:
        header = struct.pack("!BB", first, length)
    elif length < 65536:
        header = struct.pack("!BBH", first, 126, length)
    else:
        header = struct.pack("!BBQ", first, 127, length)
    return header + payload


def deflated_zeros(size: int) -> bytes:
    """A permessage-deflate payload that inflates to `size` zero bytes (a few KiB per 64 MiB on the wire)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = bytes(1 << 20)
    parts = [compressor.compress(chunk) for _ in range(size >> 20)]
    parts.append(compressor.compress(bytes(size & ((1 << 20) - 1))))
    parts.append(compressor.flush(zlib.Z_SYNC_FLUSH))
    return b"".join(parts)[:-4]  # without the 00 00 ff ff the receiver adds back


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

    def __init__(self, script: Script | None = None, response: bytes | None = None,
                 extensions: bytes = b"", with_upgrade: bytes = b"") -> None:
        self.script = script
        self.response = response
        self.with_upgrade = with_upgrade  # frames written in the same write as the 101 answer
        self.extensions = extensions  # the Sec-WebSocket-Extensions answered, e.g. b"permessage-deflate"
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
            extensions = b"Sec-WebSocket-Extensions: " + self.extensions + b"\r\n" if self.extensions else b""
            writer.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         b"Sec-WebSocket-Accept: " + accept + b"\r\n" + extensions + b"\r\n" + self.with_upgrade)
            await writer.drain()
            self.connected.set()
            if self.script is not None:
                await self.script(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()  # the client left first
        except asyncio.CancelledError:
            writer.close()  # the peer is stopping: end quietly (asyncio logs a handler that ends cancelled)

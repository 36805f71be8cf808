"""uvicorn's WebSocket protocol with what a monitor's server needs on top: honest, prompt, lean closes.

- **Who closed.** When the server itself fails a connection (1009 message too big, 1007 invalid
  UTF-8, 1002 protocol error, 1011 keepalive timeout), uvicorn hands the app the same
  `websocket.disconnect` a client's close would produce. Here that event carries `CLOSED_BY_SERVER`,
  so the traffic tap records the server's close as sent by the server. A connection lost without
  any close frame is reported as 1006 (uvicorn says 1005, "no status code", which only a close
  frame can say).
- **A peer that does not read cannot keep its connection.** uvicorn's `websocket.close` first waits
  until the write buffer drains, then closes the transport gracefully: a client that never reads
  holds both the app's close and its TCP connection (with megabytes buffered) for as long as it
  stays. Here the close frame is queued at once and, if the peer has neither answered it nor read
  anything for `CLOSE_TIMEOUT` seconds, the connection is reset.
- **One system call per turn of the loop, not per message.** The transport is corked: what the app sends
  within one turn of the server's loop (a relay forwarding everything one upstream read carried, a
  broadcast) leaves in one write, in the order it was sent; closing flushes first.
- **A message is framed here**, two to ten bytes of header before its payload, rather than through the
  protocol object's general frame writer; a text the relay received goes out in the UTF-8 it came in.
- **A refused message is freed with its refusal.** The fragments of a message refused as too big
  (up to `max_size`) are dropped at once, not when a reference cycle around the connection is
  collected, which with automatic collection off may be much later.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import struct
import sys
from typing import TYPE_CHECKING, Any, cast

from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.exceptions import InvalidState
from websockets.protocol import State

from app.core.heap import return_freed_memory
from embedded_server.tap import CLOSED_BY_SERVER, TEXT_UTF8

if TYPE_CHECKING:
    from uvicorn._types import WebSocketDisconnectEvent

log = logging.getLogger("socketscope.server")

CLOSE_TIMEOUT = 3.0  # seconds a peer may take to answer a close, or to read on, before it is reset
CORK_LIMIT = 64 * 1024  # bytes held back for the end of a turn of the loop; more are written at once


class CorkedTransport:
    """A transport whose writes within one turn of the loop leave in one `write`, in order.

    At the wire limit a write per message is a `send()` system call per message; here the first
    write of a turn schedules the flush and the others join it. Past `CORK_LIMIT` bytes the writes
    go through at once, so the transport's buffer still pauses a sender that outpaces its peer
    (uvicorn's `writable`) within a turn that never yields. Everything but writing, closing and the
    buffer's size is the wrapped transport's own.
    """

    def __init__(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        self._pending: list[bytes] = []
        self._pending_size = 0

    def write(self, data: bytes) -> None:
        if not self._pending:
            asyncio.get_running_loop().call_soon(self.flush)
        self._pending.append(data)
        self._pending_size += len(data)
        if self._pending_size >= CORK_LIMIT:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending)
            self._pending = []
            self._pending_size = 0
            self.transport.write(data)

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def abort(self) -> None:
        self._pending = []
        self._pending_size = 0
        self.transport.abort()

    def get_write_buffer_size(self) -> int:
        return self.transport.get_write_buffer_size() + self._pending_size

    def __getattr__(self, name: str) -> Any:
        return getattr(self.transport, name)


class MonitoredWebSocketProtocol(WebSocketsSansIOProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.close_timeout = CLOSE_TIMEOUT
        self._unsent_at_last_check = 0  # bytes still to write when the close was queued, then at each check
        self._dropped = 0  # bytes of the biggest message dropped unread on this connection

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(cast(asyncio.Transport, CorkedTransport(cast(asyncio.Transport, transport))))

    # -- who closed ------------------------------------------------------------------------

    def handle_parser_exception(self) -> None:
        """The peer broke the protocol or sent too much: the server fails the connection."""
        self._drop_fragments()
        close = self.conn.close_sent
        assert close is not None
        if self.conn.parser_exc is not None:
            self.conn.parser_exc.__traceback__ = None  # its frames would keep the parser, and us, in a cycle
        self.queue.put_nowait(_closed_by_server(close.code, close.reason))
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.close_sent = True
        self.transport.close()

    def keepalive_timeout(self) -> None:
        if not (self.close_sent or self.transport.is_closing()):
            self.queue.put_nowait(_closed_by_server(1011, "keepalive ping timeout"))
        super().keepalive_timeout()

    def connection_lost(self, exc: Exception | None) -> None:
        self._drop_fragments()
        if self.handshake_complete and self.initial_response is None and not self.close_sent \
                and self.conn.close_rcvd is None:
            self.queue.put_nowait({"type": "websocket.disconnect", "code": 1006})  # before uvicorn's 1005
        super().connection_lost(exc)
        self._trim_after_close()

    def _drop_fragments(self) -> None:
        """Free the fragments of a message that will never be delivered (up to max_size)."""
        held = sum(len(fragment) for fragment in self.frames)
        self.frames = []
        return_freed_memory(held)
        self._dropped = max(self._dropped, held)

    def _trim_after_close(self) -> None:
        """Once a connection that dropped a big message is gone, hand back what its buffers held too.

        The trim at the drop runs while the parser's buffers and the events of the failed read are
        still alive; freed later, their pages would stay with the allocator until the next big drop.
        """
        if self._dropped:
            self.loop.call_soon(return_freed_memory, self._dropped)

    # -- closing without waiting for a peer that does not read -----------------------------

    async def send(self, message: Any) -> None:
        kind = message["type"]
        if kind == "websocket.send" and self._may_frame_directly():
            if self.writable.is_set() or (await self.writable.wait() and self._may_frame_directly()):
                frame = framed(message)
                if frame is not None:
                    self.transport.write(frame)
                    return
        if kind == "websocket.close" and self._may_close_now():
            self._close_now(message.get("code", 1000), message.get("reason") or "")
            return
        await super().send(message)

    def _may_frame_directly(self) -> bool:
        """A message may go out as a frame built here: the connection is open, nothing negotiated
        (compression) changes the frame, and no fragmented message is under way."""
        conn = self.conn
        return (self.handshake_complete and self.initial_response is None and not self.close_sent
                and not self.disconnected and conn.state is State.OPEN and not conn.extensions
                and not conn.expect_continuation_frame)

    def _may_close_now(self) -> bool:
        return (self.handshake_complete and self.initial_response is None and not self.close_sent
                and not self.disconnected and not self.transport.is_closing())

    def _close_now(self, code: int, reason: str) -> None:
        """uvicorn's close, minus the wait for the write buffer: the close frame queues behind it."""
        try:
            self.conn.send_close(code, reason)
        except InvalidState:  # the peer's close or the loss of the connection came first
            raise ClientDisconnected() from None
        self.queue.put_nowait({"type": "websocket.disconnect", "code": code, "reason": reason})
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.close_sent = True
        if self.read_paused:
            self.read_paused = False
            self.transport.resume_reading()
        self._unsent_at_last_check = unsent_bytes(self.transport)
        self.close_timer = self.loop.call_later(self.close_timeout, self._close_timed_out)

    def _close_timed_out(self) -> None:
        """No close answer yet: wait on while the peer still reads what was sent before, else reset."""
        unsent = unsent_bytes(self.transport)
        if 0 < unsent < self._unsent_at_last_check:
            self._unsent_at_last_check = unsent
            self.close_timer = self.loop.call_later(self.close_timeout, self._close_timed_out)
            return
        self.close_timer = None
        reset_on_close(self.transport)
        self.transport.abort()


def framed(message: Any) -> bytes | None:
    """The frame of a `websocket.send` (RFC 6455 5.2: the server's frames are not masked), or None if it
    holds no payload. A text already in UTF-8 (`TEXT_UTF8`, as the relay received it) is not encoded again."""
    data = message.get("bytes")
    if data is not None:
        first = 0x82  # FIN, binary
    else:
        text = message.get("text")
        if text is None:
            return None
        data = message.get(TEXT_UTF8)
        if data is None:
            data = text.encode()
        first = 0x81  # FIN, text
    length = len(data)
    if length < 126:
        return bytes((first, length)) + data
    if length < 65536:
        return struct.pack("!BBH", first, 126, length) + data
    return struct.pack("!BBQ", first, 127, length) + data


def unsent_bytes(transport: Any) -> int:
    """Bytes written but not yet taken by the peer: the transport's buffer and, on Linux, the kernel's."""
    unsent = transport.get_write_buffer_size()
    sock = transport.get_extra_info("socket")
    if sock is not None and sys.platform.startswith("linux"):
        import fcntl
        import termios

        try:
            unsent += struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0"))[0]
        except OSError as error:  # closed meanwhile
            log.debug("cannot read the socket's send queue: %r", error)
    return unsent


def reset_on_close(transport: Any) -> None:
    """Make closing the socket send a reset: the kernel drops what the peer never read at once,
    instead of keeping it (and the peer's connection) while it waits for the peer to read."""
    sock = transport.get_extra_info("socket")
    if sock is None:
        return
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError as error:  # closed meanwhile: nothing left to drop
        log.debug("cannot make the socket reset on close: %r", error)


def _closed_by_server(code: int, reason: str) -> WebSocketDisconnectEvent:
    """uvicorn's disconnect event, marked for the tap as the server's own doing (a key ASGI does not know)."""
    return cast("WebSocketDisconnectEvent", {"type": "websocket.disconnect", "code": code, "reason": reason,
                                             CLOSED_BY_SERVER: True})

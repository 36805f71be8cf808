"""Relay: join a client of the embedded server to a real upstream WebSocket server.

`ws://127.0.0.1:PORT/relay?target=wss://api.example/ws` accepts the client, opens
the upstream connection, and pumps frames both ways. The client leg is recorded
by the traffic tap like any connection (`server#N`); the upstream leg is recorded
here as `server#N>upstream`, so the two are linked in the log by name. Close codes
and reasons pass through in both directions.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
from collections.abc import Callable
from typing import Any, cast
from urllib.parse import parse_qs

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State

from app.core.frames import Direction, Frame, Opcode, Side
from app.net.client_connection import WireTimedConnection
from embedded_server.tap import CONNECTION_KEY, TEXT_UTF8, Sink, close_payload, close_size

log = logging.getLogger("socketscope.server")

RELAY_PATH = "/relay"
UPSTREAM_MAX_SIZE = 256 * 1024 * 1024
HIGH_WATER = 1024 * 1024  # bytes of upstream messages waiting for the client before reading pauses
LOW_WATER = HIGH_WATER // 4  # and resumes
BAD_GATEWAY = 1014  # RFC 6455 registry: "the server was acting as a gateway and got an invalid response"


def _client_close_code(code: int | None) -> int:
    """A code that may be sent in a close frame (1005 and 1006 may not)."""
    if code in (None, 1005):
        return 1000
    if code == 1006:
        return 1011
    return code


class RelayRouter:
    """ASGI middleware: `/relay` WebSockets are relayed upstream, everything else goes to `app`."""

    def __init__(self, app: Any, sink: Sink, *, upstream: str | None = None) -> None:
        self.app = app
        self.sink = sink
        self.upstream = upstream

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "websocket" and scope.get("path") == RELAY_PATH:
            await self._relay(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def _target(self, scope: dict[str, Any]) -> tuple[str | None, str | None]:
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        target = query.get("target", [self.upstream])[0]
        if not target:
            return None, "No upstream: add ?target=ws://host/path"
        if not target.startswith(("ws://", "wss://")):
            return None, f"Upstream must be a ws:// or wss:// URL, not {target[:60]!r}"
        return target, None

    async def _relay(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        leg = f"{scope.get(CONNECTION_KEY, 'server#?')}>upstream"

        def record(direction: Direction, opcode: Opcode, payload: str | bytes, size: int = -1) -> None:
            self.sink(Frame(leg, Side.CLIENT, direction, opcode, payload, size))

        await receive()  # websocket.connect
        target, problem = self._target(scope)
        if problem is not None:
            await send({"type": "websocket.close", "code": 1008, "reason": problem[:120]})
            return
        assert target is not None
        try:
            upstream = await connect(target, max_size=UPSTREAM_MAX_SIZE, compression=None, open_timeout=10,
                                     subprotocols=scope.get("subprotocols") or None,
                                     create_connection=UpstreamConnection)
        except Exception as error:  # refused, bad handshake, TLS, timeout: all go back to the client
            reason = f"Upstream unreachable: {error}"[:120]
            record(Direction.EVENT, Opcode.ERROR, json.dumps({"url": target, "error": str(error)}), size=0)
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.close", "code": BAD_GATEWAY, "reason": reason})
            return
        record(Direction.EVENT, Opcode.OPEN, json.dumps({"url": target, "relay_of": leg.split(">")[0],
                                                         "subprotocol": upstream.subprotocol}), size=0)
        await send({"type": "websocket.accept", "subprotocol": upstream.subprotocol})
        relayed = _RelayedConnection(cast(UpstreamConnection, upstream), record)
        downstream = asyncio.create_task(relayed.pump_down(send), name=f"{leg}-down")
        try:
            await relayed.pump_up(receive)
        finally:
            await upstream.close()
            await asyncio.wait({downstream}, timeout=5)
            downstream.cancel()


class UpstreamConnection(WireTimedConnection):
    """The relay's upstream connection: whole messages go from the socket read to the pump as they came,
    their UTF-8 kept beside the decoded text, so they are forwarded without being encoded again.

    It reads as the inspector's connections do (`WireTimedConnection`: messages in one frame cut out
    of each read, everything else through the library, which still fails a bad message with 1007).
    Whole messages wait in `arrived` for the pump, and reading pauses while it holds more than
    `HIGH_WATER` bytes (the client downstream is slower than the upstream).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.arrived: collections.deque[tuple[str | bytes, bytes | bytearray]] = collections.deque()
        self._arrived_bytes = 0
        self._paused = False  # reading paused here (the library's queue pauses on its own)
        self._wakeup: asyncio.Future[None] | None = None
        self._deliver = self._arrive  # from the first message: the pump records and forwards them in order

    def _arrive(self, message: str | bytes, data: bytes | bytearray, _wall_time: float) -> None:
        self.arrived.append((message, data))
        self._arrived_bytes += len(data)
        if self._arrived_bytes > HIGH_WATER and not self._paused:
            self._paused = True
            self.transport.pause_reading()
        if self._wakeup is not None and not self._wakeup.done():
            self._wakeup.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        if self._wakeup is not None and not self._wakeup.done():
            self._wakeup.set_result(None)

    def take(self) -> tuple[str | bytes, bytes | bytearray] | None:
        """The next message that has arrived whole, with its bytes as they came, if there is one."""
        if not self.arrived:
            return None
        message, data = self.arrived.popleft()
        self._arrived_bytes -= len(data)
        if self._paused and self._arrived_bytes <= LOW_WATER:
            self._paused = False
            if not self.recv_messages.paused:  # else the library's queue resumes reading when it has room
                self.transport.resume_reading()
        return message, data

    async def next_message(self) -> tuple[str | bytes, bytes | bytearray | None]:
        """The next message and, unless it was fragmented, its bytes as they came; `ConnectionClosed`
        once the connection has ended and every message has been taken."""
        while True:
            taken = self.take()
            if taken is not None:
                return taken
            if not self.delivering_directly or self.connection_lost_waiter.done():
                message = await self.recv()  # at the end: ConnectionClosed, as the library says it closed
                self.deliver_directly(self._arrive)  # once the library's queue is empty
                return message, None
            self._wakeup = self.loop.create_future()
            try:
                await self._wakeup
            finally:
                self._wakeup = None


class _RelayedConnection:
    """One client joined to its upstream; records the upstream leg in the order things happen there."""

    def __init__(self, upstream: UpstreamConnection, record: Callable[..., None]) -> None:
        self.upstream = upstream
        self.record = record
        self.close_recorded = False  # the relay's close to the upstream has been recorded

    def _record_close_sent(self, code: int, reason: str) -> None:
        """Recorded as it is sent: before the upstream can answer it or drop the connection over it."""
        self.close_recorded = True
        self.record(Direction.SENT, Opcode.CLOSE, close_payload(code, reason, "client"), size=close_size(code, reason))

    async def pump_up(self, receive: Any) -> None:
        """Client → upstream, until the client leaves or the upstream closes."""
        upstream = self.upstream
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                if upstream.protocol.state is not State.OPEN:
                    return  # the upstream closed first; websockets has answered its close
                code = _client_close_code(message.get("code"))
                reason = message.get("reason") or ""
                self._record_close_sent(code, reason)
                await upstream.close(code, reason)
                return
            payload = message.get("text")
            if payload is None:
                payload = message.get("bytes") or b""
            try:
                await upstream.send(payload)
            except ConnectionClosed:
                return
            self.record(Direction.SENT, Opcode.TEXT if isinstance(payload, str) else Opcode.BINARY, payload)

    async def pump_down(self, send: Any) -> None:
        """Upstream → client; the upstream's close code and reason go to the client."""
        upstream, record = self.upstream, self.record
        try:
            while True:
                # Without a coroutine per message while messages wait.
                message, data = upstream.take() or await upstream.next_message()
                size = -1 if data is None else len(data)
                if isinstance(message, str):
                    record(Direction.RECEIVED, Opcode.TEXT, message, size)
                    await send({"type": "websocket.send", "text": message, TEXT_UTF8: data})
                else:
                    record(Direction.RECEIVED, Opcode.BINARY, message, size)
                    await send({"type": "websocket.send", "bytes": message})
        except ConnectionClosed:
            pass  # handled below from the close state
        except (RuntimeError, OSError) as error:  # the client is gone
            log.debug("relay client gone: %r", error)
            return
        protocol = upstream.protocol
        sent, received = protocol.close_sent, protocol.close_rcvd
        upstream_first = received is not None and bool(protocol.close_rcvd_then_sent)
        relay_failed = sent is not None and not self.close_recorded and not upstream_first
        if relay_failed:  # the relay's own close: the upstream sent too much (1009) or broke the protocol
            assert sent is not None
            self._record_close_sent(sent.code, sent.reason)
        if received is not None:
            record(Direction.RECEIVED, Opcode.CLOSE, close_payload(received.code, received.reason, "server"),
                   size=close_size(received.code, received.reason))
        else:
            record(Direction.EVENT, Opcode.ERROR, json.dumps({"error": "upstream connection lost (1006)"}), size=0)
        if upstream_first:
            assert received is not None
            code, reason = _client_close_code(received.code), received.reason
        elif relay_failed:
            assert sent is not None
            code, reason = BAD_GATEWAY, f"Upstream failed: {sent.code} {sent.reason}"[:120]
        elif received is None and not self.close_recorded:
            code, reason = 1011, "upstream connection lost"
        else:
            return  # the client closed first and has gone: nothing to pass on
        try:
            await send({"type": "websocket.close", "code": code, "reason": reason})
        except (RuntimeError, OSError) as error:
            log.debug("relay client gone before close: %r", error)

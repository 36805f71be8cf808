"""The inspector: WebSocket client connections recorded frame by frame.

Every frame a connection receives, and every frame it has actually sent, goes
into the event queue as a `Frame`; state changes go there as `StateChange`.
The GUI never touches a socket: it calls `submit_*`, which run on the client
thread and return futures.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import json
import logging

import websockets
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from app.core.events import EventQueue
from app.core.frames import ConnectionState, Direction, Frame, Opcode, Side, StateChange
from app.net.loop_thread import LoopThread

log = logging.getLogger("socketscope.client")

# Big enough for the 64 MiB messages the inspector promises to open;
# the library's 1 MiB default would close such a connection with 1009.
DEFAULT_MAX_SIZE = 256 * 1024 * 1024
OPEN_TIMEOUT = 10.0


class NotConnectedError(RuntimeError):
    """A send was asked of a connection that is not open."""


def _close_payload(code: int | None, reason: str, closed_by: str) -> str:
    return json.dumps({"code": code, "reason": reason, "by": closed_by}, ensure_ascii=False)


class InspectorConnection:
    """One client connection; lives on the client thread."""

    def __init__(self, connection_id: str, url: str, queue: EventQueue, loop_thread: LoopThread) -> None:
        self.id = connection_id
        self.url = url
        self._queue = queue
        self._loop_thread = loop_thread
        self._websocket: ClientConnection | None = None
        self.state = ConnectionState.CLOSED

    def _set_state(self, state: ConnectionState, detail: str = "") -> None:
        self.state = state
        self._queue.put(StateChange(self.id, self.url, state, detail))

    def _record(self, direction: Direction, opcode: Opcode, payload: str | bytes, size: int = -1) -> None:
        self._queue.put(Frame(self.id, Side.CLIENT, direction, opcode, payload, size))

    async def open(self) -> None:
        """Connect, then keep reading in a background task until the connection ends."""
        self._set_state(ConnectionState.CONNECTING)
        try:
            websocket = await connect(
                self.url,
                max_size=DEFAULT_MAX_SIZE,
                compression=None,
                open_timeout=OPEN_TIMEOUT,
                user_agent_header=f"SocketScope websockets/{websockets.__version__}",
            )
        except (OSError, InvalidURI, InvalidHandshake, TimeoutError, ValueError) as error:
            reason = _describe_failure(error)
            self._record(Direction.EVENT, Opcode.ERROR, json.dumps({"url": self.url, "error": reason}), size=0)
            self._set_state(ConnectionState.FAILED, reason)
            raise ConnectionError(reason) from error
        self._websocket = websocket
        details = {
            "url": self.url,
            "subprotocol": websocket.subprotocol,
            "response_headers": dict(websocket.response.headers.raw_items()) if websocket.response else {},
        }
        self._record(Direction.EVENT, Opcode.OPEN, json.dumps(details), size=0)
        self._set_state(ConnectionState.OPEN)
        self._loop_thread.spawn(self._read(websocket), name=f"read-{self.id}")

    async def _read(self, websocket: ClientConnection) -> None:
        put = self._queue.put
        connection = self.id
        try:
            # A plain async-for: wrapping each recv in wait_for costs a task per message.
            async for message in websocket:
                if isinstance(message, str):
                    put(Frame(connection, Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, message))
                else:
                    put(Frame(connection, Side.CLIENT, Direction.RECEIVED, Opcode.BINARY, message))
        except ConnectionClosed:
            pass  # reported below from the protocol's close state
        finally:
            self._record_close(websocket)
            self._websocket = None

    def _record_close(self, websocket: ClientConnection) -> None:
        protocol = websocket.protocol
        sent, received = protocol.close_sent, protocol.close_rcvd
        frames = []
        if sent is not None:
            frames.append((Direction.SENT, sent, "client"))
        if received is not None:
            frames.append((Direction.RECEIVED, received, "server"))
        if protocol.close_rcvd_then_sent:
            frames.reverse()
        for direction, close, by in frames:
            self._record(direction, Opcode.CLOSE, _close_payload(close.code, close.reason, by),
                         size=0 if close.code in (1005, 1006) else 2 + len(close.reason.encode()))
        if received is None:
            self._record(Direction.EVENT, Opcode.ERROR,
                         json.dumps({"url": self.url, "error": "connection lost without a close frame (1006)"}),
                         size=0)
        code = websocket.close_code
        self._set_state(ConnectionState.CLOSED, f"closed with {code}" + (f": {websocket.close_reason}" if websocket.close_reason else ""))

    async def send(self, payload: str | bytes) -> None:
        websocket = self._websocket
        if websocket is None:
            raise NotConnectedError(f"{self.id} is not connected")
        await websocket.send(payload)
        # Recorded only once the library has written it: the log never shows what was not sent.
        opcode = Opcode.TEXT if isinstance(payload, str) else Opcode.BINARY
        self._record(Direction.SENT, opcode, payload)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        websocket = self._websocket
        if websocket is None:
            return
        self._set_state(ConnectionState.CLOSING)
        await websocket.close(code, reason)


def _describe_failure(error: BaseException) -> str:
    if isinstance(error, InvalidURI):
        return f"Not a WebSocket URL: {error.uri} (use ws:// or wss://)"
    if isinstance(error, ConnectionRefusedError):
        return "Connection refused: nothing is listening there"
    if isinstance(error, TimeoutError):
        return f"No answer within {OPEN_TIMEOUT:.0f} s"
    text = str(error) or type(error).__name__
    return text[0].upper() + text[1:]


class Inspector:
    """The client side of SocketScope: a loop thread and its connections."""

    def __init__(self, queue: EventQueue) -> None:
        self._queue = queue
        self._loop_thread = LoopThread("socketscope-client")
        self._ids = itertools.count(1)
        self.connections: dict[str, InspectorConnection] = {}

    def start(self) -> None:
        self._loop_thread.start()

    @property
    def alive(self) -> bool:
        return self._loop_thread.alive

    def new_connection(self, url: str) -> InspectorConnection:
        connection = InspectorConnection(f"client#{next(self._ids)}", url, self._queue, self._loop_thread)
        self.connections[connection.id] = connection
        return connection

    def submit_open(self, connection: InspectorConnection) -> concurrent.futures.Future[None]:
        return self._loop_thread.submit(connection.open())

    def submit_send(self, connection_id: str, payload: str | bytes) -> concurrent.futures.Future[None]:
        return self._loop_thread.submit(self.connections[connection_id].send(payload))

    def submit_close(self, connection_id: str, code: int = 1000, reason: str = "") -> concurrent.futures.Future[None]:
        return self._loop_thread.submit(self.connections[connection_id].close(code, reason))

    def stop(self, timeout: float = 5.0) -> bool:
        """Close every open connection with 1001 (going away), then stop the thread."""

        async def close_all() -> None:
            await asyncio.gather(
                *(c.close(1001, "SocketScope is closing") for c in self.connections.values()),
                return_exceptions=True,
            )

        if self._loop_thread.alive:
            try:
                self._loop_thread.submit(close_all()).result(timeout)
            except (concurrent.futures.TimeoutError, RuntimeError) as error:
                log.warning("connections did not close in time: %r", error)
        return self._loop_thread.stop(timeout)


def describe_state(change: StateChange) -> str:
    text = change.state.value.capitalize()
    return f"{text}: {change.detail}" if change.detail else text


__all__ = ["Inspector", "InspectorConnection", "NotConnectedError", "describe_state", "DEFAULT_MAX_SIZE"]

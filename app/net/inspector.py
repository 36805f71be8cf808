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
import logging
from typing import TYPE_CHECKING

from app.core.errors import SocketScopeError
from app.core.events import EventQueue
from app.core.frames import ConnectionState, StateChange
from app.net.loop_thread import LoopThread
from app.net.options import ConnectionOptions

if TYPE_CHECKING:  # the connections, and `websockets` with them, are imported by the first one made
    from app.net.client_connection import InspectorConnection

log = logging.getLogger("socketscope.client")

OPEN_TIMEOUT = 10.0
PING_TIMEOUT = 10.0
# A connection that stayed open this long starts the next backoff from the first delay again.
STABLE_AFTER = 10.0
# A peer that stopped answering pings will not answer a close either: do not wait the usual 10 s for it.
KEEPALIVE_CLOSE_TIMEOUT = 1.0
TLS_VERIFY_FAILED = "TLS certificate verify failed"
REFUSAL_BODY_SHOWN = 1024  # bytes of a refused handshake's body put in its error
NOT_ANSWERING_PINGS = "not answering pings"
CONNECTION_LOST = "connection lost without a close frame (1006)"
LIVE_STATES = (ConnectionState.CONNECTING, ConnectionState.OPEN, ConnectionState.RECONNECTING)


class NotConnectedError(SocketScopeError, RuntimeError):
    """A send was asked of a connection that is not open."""


class ConnectFailed(SocketScopeError, ConnectionError):
    """An attempt to open a connection failed; `transient` says whether trying again may help."""

    def __init__(self, reason: str, transient: bool) -> None:
        super().__init__(reason)
        self.transient = transient


def describe_close(code: int, reason: str, closed_by: str) -> str:
    """How a connection ended, in the words the state label, the panel and the commands share."""
    return f"closed by the {closed_by} with {code}" + (f": {reason}" if reason else "")


def format_rtt(seconds: float) -> str:
    milliseconds = seconds * 1000
    return f"{milliseconds:.1f} ms" if milliseconds < 100 else f"{milliseconds:,.0f} ms"


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

    def new_connection(self, options: ConnectionOptions | str) -> InspectorConnection:
        """A connection (not yet opened) with its own id; a bare URL takes the default options."""
        from app.net.client_connection import InspectorConnection  # noqa: PLC0415 - see its module's docstring

        connection = InspectorConnection(f"client#{next(self._ids)}", options, self._queue, self._loop_thread)
        self.connections[connection.id] = connection
        return connection

    def submit_open(self, connection: InspectorConnection) -> concurrent.futures.Future[None]:
        return self._loop_thread.submit(connection.open())

    def submit_send(self, connection_id: str, payload: str | bytes) -> concurrent.futures.Future[None]:
        return self._loop_thread.submit(self.connections[connection_id].send(payload))

    def submit_ping(self, connection_id: str) -> concurrent.futures.Future[float]:
        return self._loop_thread.submit(self.connections[connection_id].ping())

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
    """"Open", "Failed: Connection refused", "Closed by the server with 1000": a detail that
    already starts with the state's word continues it instead of repeating it."""
    state, detail = change.state.value, change.detail
    if not detail:
        return state.capitalize()
    if detail.startswith(state + " "):
        return detail[0].upper() + detail[1:]
    return f"{state.capitalize()}: {detail}"


__all__ = [
    "CONNECTION_LOST", "ConnectFailed", "Inspector", "LIVE_STATES",
    "NOT_ANSWERING_PINGS", "NotConnectedError", "TLS_VERIFY_FAILED",
    "describe_close", "describe_state", "format_rtt",
]

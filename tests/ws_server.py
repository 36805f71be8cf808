"""A small real `websockets` server for client tests: records what each connection brought.

It runs on its own loop thread on 127.0.0.1 (ephemeral port, or a given one to come
back on after a restart), optionally with TLS, and remembers for every connection
the request path and headers, the negotiated subprotocol, the messages received and
the close code and reason the client sent.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from app.net.loop_thread import LoopThread


@dataclass
class SeenConnection:
    path: str
    headers: dict[str, str]
    subprotocol: str | None
    messages: list[str | bytes] = field(default_factory=list)
    close_code: int | None = None
    close_reason: str | None = None
    ended: threading.Event = field(default_factory=threading.Event)


class WsTestServer:
    """Echoes every message; the text "drop" makes it vanish without a close frame (1006)."""

    def __init__(self, port: int = 0, ssl_context: ssl.SSLContext | None = None,
                 subprotocols: list[str] | None = None, compression: str | None = None) -> None:
        self._loop_thread = LoopThread("socketscope-test-wsserver")
        self._server: Server | None = None
        self.port = port
        self.ssl_context = ssl_context
        self.subprotocols = subprotocols
        self.compression = compression
        self.connections: list[SeenConnection] = []
        self._changed = threading.Condition()

    def start(self) -> WsTestServer:
        self._loop_thread.start()
        self._server = self._loop_thread.submit(self._serve()).result(5)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _serve(self) -> Server:
        return await serve(self._handle, "127.0.0.1", self.port, ssl=self.ssl_context,
                           select_subprotocol=self._select_subprotocol, compression=self.compression,
                           max_size=None)

    def _select_subprotocol(self, _connection: ServerConnection, offered: Sequence[Subprotocol]) -> Subprotocol | None:
        """The first of ours the client offered, in our order of preference; none is fine too."""
        return next((Subprotocol(p) for p in self.subprotocols or () if p in offered), None)

    async def _handle(self, websocket: ServerConnection) -> None:
        request = websocket.request
        assert request is not None
        seen = SeenConnection(request.path, {k.lower(): v for k, v in request.headers.raw_items()},
                              websocket.subprotocol)
        self._update(lambda: self.connections.append(seen))
        try:
            async for message in websocket:
                self._update(lambda: seen.messages.append(message))
                if message == "drop":
                    websocket.transport.abort()
                    break
                await websocket.send(message)
        except ConnectionClosed:
            pass
        finally:
            received = websocket.protocol.close_rcvd

            def ended() -> None:
                if received is not None:
                    seen.close_code, seen.close_reason = received.code, received.reason
                seen.ended.set()

            self._update(ended)

    def _update(self, change: Callable[[], None]) -> None:
        with self._changed:
            change()
            self._changed.notify_all()

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Wait until `predicate()` is truthy (checked after every change); return it or fail."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not (result := predicate()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"server condition not met within {timeout} s; saw {self.connections!r:.1500}")
                self._changed.wait(remaining)
            return result

    def url(self, path: str = "/ws") -> str:
        scheme = "wss" if self.ssl_context else "ws"
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        """Close the listener and every connection (1001 going away), then the thread."""
        server = self._server
        if server is not None:
            async def close() -> None:
                server.close()
                await server.wait_closed()

            self._loop_thread.submit(close()).result(10)
            self._server = None
        assert self._loop_thread.stop(5), "test server thread did not stop"

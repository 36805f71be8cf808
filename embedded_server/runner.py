"""Run an ASGI app under uvicorn in a background thread, tapped, on loopback.

The listening socket is bound here, before uvicorn starts, so the port is known
at once and a taken default port falls back to a free one instead of failing.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import errno
import logging
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import uvicorn

from app.core.errors import SocketScopeError
from embedded_server.defaults import DEFAULT_HOST, DEFAULT_PORT
from embedded_server.protocol import MonitoredWebSocketProtocol
from embedded_server.relay import RelayRouter
from embedded_server.security import AccessGuard, is_loopback
from embedded_server.tap import ASGIApp, Sink, TrafficTap

log = logging.getLogger("socketscope.server")

SHUTDOWN_TIMEOUT = 5.0


class PortInUseError(SocketScopeError, OSError):
    """The requested port is taken and falling back to another was not allowed."""


def bind_listening_socket(host: str, port: int, *, fallback: bool) -> tuple[socket.socket, bool]:
    """Bind `host:port`, or a free port if it is taken and `fallback` is set.

    Returns the socket and whether it fell back.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for candidate in (port, 0) if fallback and port != 0 else (port,):
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, candidate))
        except OSError as error:
            sock.close()
            if error.errno == errno.EADDRINUSE and candidate != 0 and fallback:
                continue
            if error.errno == errno.EADDRINUSE:
                raise PortInUseError(error.errno, f"Port {candidate} on {host} is already in use") from None
            raise
        sock.listen(2048)
        sock.setblocking(False)
        return sock, candidate != port
    raise AssertionError("unreachable: port 0 always binds")


@dataclass(frozen=True, slots=True)
class ServerAddress:
    host: str
    port: int
    fell_back_from: int | None = None
    token: str | None = None

    @property
    def http_url(self) -> str:
        return f"http://{self._netloc}"

    def ws_url(self, path: str = "/ws") -> str:
        """The URL a native client uses; it carries the access token when one is required."""
        if self.token is None:
            return f"ws://{self._netloc}{path}"
        separator = "&" if "?" in path else "?"
        return f"ws://{self._netloc}{path}{separator}token={self.token}"

    @property
    def _netloc(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


class _NotifyingServer(uvicorn.Server):
    """A uvicorn Server that calls back once it is really listening."""

    def __init__(self, config: uvicorn.Config, on_started: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_started = on_started
        self.loop: asyncio.AbstractEventLoop | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        self.loop = asyncio.get_running_loop()
        await super().startup(sockets)
        if self.started:
            self._on_started()


class EmbeddedServer:
    """The embedded server thread: start it, learn its address, stop it."""

    def __init__(
        self,
        app: ASGIApp,
        sink: Sink,
        *,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        fallback: bool = True,
        token: str | None = None,
        allowed_origins: Iterable[str] = (),
        allowed_hosts: Iterable[str] = (),
        upstream: str | None = None,
        connection_ids: Iterator[int] | None = None,
        on_ready: Callable[[ServerAddress], None] | None = None,
        on_failed: Callable[[str], None] | None = None,
    ) -> None:
        """Serve `app` tapped and guarded.

        Listening beyond loopback without a `token` raises `ValueError`: anyone on
        the network could otherwise drive the server.
        """
        if not is_loopback(host) and not token:
            raise ValueError(f"Listening on {host} (beyond loopback) requires an access token")
        self.token = token
        self.host = host
        self.port = port
        self.fallback = fallback
        relayed = RelayRouter(app, sink, upstream=upstream)
        guarded = AccessGuard(relayed, bind_host=host, token=token, allowed_origins=allowed_origins,
                              allowed_hosts=allowed_hosts)
        self._app = TrafficTap(guarded, sink, connection_ids)
        self._on_ready = on_ready
        self._on_failed = on_failed
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._server: _NotifyingServer | None = None
        self.address: ServerAddress | None = None
        self.error: str | None = None

    def start(self) -> ServerAddress:
        """Bind the port and start the thread; returns before uvicorn is ready.

        Raises `PortInUseError` (or another `OSError`) if the port cannot be bound.
        """
        sock, fell_back = bind_listening_socket(self.host, self.port, fallback=self.fallback)
        bound_host, bound_port = sock.getsockname()[:2]
        self.address = ServerAddress(bound_host, bound_port, self.port if fell_back else None, self.token)
        if fell_back:
            log.warning("port %d is in use; the embedded server uses %d instead", self.port, bound_port)
        config = uvicorn.Config(
            self._app,
            log_config=None,
            ws=MonitoredWebSocketProtocol,
            lifespan="auto",
            timeout_graceful_shutdown=2,
            ws_max_size=256 * 1024 * 1024,
        )
        self._server = _NotifyingServer(config, self._started)
        self._thread = threading.Thread(
            target=self._run, args=(sock,), name="socketscope-server", daemon=True
        )
        self._thread.start()
        return self.address

    def _started(self) -> None:
        self._ready.set()
        log.info("embedded server listening on %s", self.address.http_url if self.address else "?")
        if self._on_ready and self.address:
            self._on_ready(self.address)

    def _run(self, sock: socket.socket) -> None:
        assert self._server is not None
        try:
            self._server.run(sockets=[sock])
        except BaseException as error:  # SystemExit from a failed lifespan startup included
            self.error = f"embedded server stopped: {error!r}"
            log.exception("embedded server failed")
            if self._on_failed:
                self._on_failed(self.error)
        finally:
            sock.close()
            self._ready.set()

    def wait_ready(self, timeout: float = 10.0) -> bool:
        """Block until uvicorn is listening (for tests and the headless runner)."""
        return self._ready.wait(timeout) and self._server is not None and self._server.started

    # -- acting on connected clients (from any thread) -------------------------------------

    def clients(self) -> list[str]:
        """Ids of the accepted connections that are still open."""
        return list(self._app.live)

    def _submit(self, messages: list[tuple[str, dict[str, Any]]]) -> concurrent.futures.Future[int]:
        loop = self._server.loop if self._server is not None and self._server.started else None
        if loop is None:
            raise RuntimeError("the embedded server is not running")
        live = self._app.live

        async def deliver() -> int:
            delivered = 0
            for connection, message in messages:
                send = live.get(connection)
                if send is None:
                    continue  # left meanwhile
                try:
                    await send(message)
                    delivered += 1
                except (RuntimeError, OSError) as error:
                    log.info("%s could not take the message: %r", connection, error)
            return delivered

        return asyncio.run_coroutine_threadsafe(deliver(), loop)

    def submit_send(self, payload: str | bytes, connections: list[str] | None = None) -> concurrent.futures.Future[int]:
        """Push a frame to some clients (all when `connections` is None); resolves to how many got it.

        It goes through the traffic tap, so it is recorded as sent by the server.
        """
        targets = self.clients() if connections is None else connections
        key = "text" if isinstance(payload, str) else "bytes"
        return self._submit([(c, {"type": "websocket.send", key: payload}) for c in targets])

    def submit_close(self, connection: str, code: int = 1000, reason: str = "") -> concurrent.futures.Future[int]:
        return self._submit([(connection, {"type": "websocket.close", "code": code, "reason": reason})])

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = SHUTDOWN_TIMEOUT) -> bool:
        """Ask uvicorn to exit and join the thread; returns whether it ended in time."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is None:
            return True
        self._thread.join(timeout)
        if self._thread.is_alive() and self._server is not None:
            self._server.force_exit = True
            self._thread.join(1.0)
        return not self._thread.is_alive()

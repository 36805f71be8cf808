"""A session: the embedded server, the inspector and the queue that joins them to a UI.

Starting never blocks on the network: the server thread tells the inspector to
connect once uvicorn is listening, and everything that happens is reported
through the event queue.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.core.capture import DEFAULT_BUDGET
from app.core.events import EventQueue
from app.core.frames import Level, Notice, ServerStatus
from app.net.inspector import Inspector
from app.net.options import ConnectionOptions
from embedded_server.defaults import DEFAULT_HOST, DEFAULT_PORT

if TYPE_CHECKING:  # the server stack is imported when the server starts, after the window has painted
    from embedded_server.runner import EmbeddedServer, ServerAddress

log = logging.getLogger("socketscope")


@dataclass(frozen=True, slots=True)
class LaunchOptions:
    """What a session runs: the window's command line (`app.window_args`) or a headless command fills it in."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    server: bool = True
    connect: str | None = None  # None: the embedded server's /ws
    token: str | None = None  # required (and generated if absent) beyond loopback
    allowed_origins: tuple[str, ...] = ()
    allowed_hosts: tuple[str, ...] = ()  # Host names accepted besides loopback ones (without a token)
    app: str | None = None  # module:attr of the user's own ASGI app; None: the demo
    record: str | None = None  # JSONL capture to record every frame to from launch
    status_delay: float = 3.0
    memory_budget: int = DEFAULT_BUDGET  # bytes the message log may keep before dropping the oldest
    theme: str | None = None  # the window's theme for this run: dark, light or system (None: the one last chosen)


class Session:
    def __init__(self, options: LaunchOptions, queue: EventQueue | None = None) -> None:
        self.options = options
        self.queue = queue if queue is not None else EventQueue()  # an empty queue is falsy
        self.inspector = Inspector(self.queue)
        self.server: EmbeddedServer | None = None
        self.server_address: ServerAddress | None = None
        self._closing = False
        self._started_once = False
        self._server_connection_ids = itertools.count(1)  # server#N stays unique across restarts

    def start(self) -> None:
        self.inspector.start()
        if self.options.server:
            self.start_server(self.options.port)
        elif self.options.connect:
            self.connect(self.options.connect)

    def start_server(self, port: int) -> bool:
        """Start the embedded server on `port` (from any thread); False if it could not start.

        Everything that happens, failures included, is reported through the queue.
        """
        from embedded_server.demo_app import create_app  # the heavy import comes after the window
        from embedded_server.loader import AppLoadError, load_app
        from embedded_server.runner import EmbeddedServer
        from embedded_server.security import is_loopback, new_token

        if self.server is not None and self.server.running:
            self.queue.put(Notice(Level.WARNING, "The embedded server is already running"))
            return False
        if self.options.app:
            try:
                app = load_app(self.options.app)
            except AppLoadError as error:
                self.queue.put(Notice(Level.ERROR, f"Embedded server not started: {error}"))
                return False
        else:
            app = create_app(status_delay=self.options.status_delay)
        token = self.options.token
        if not is_loopback(self.options.host):
            token = token or new_token()
            self.queue.put(Notice(
                Level.WARNING,
                f"The embedded server listens on {self.options.host}, beyond this machine; "
                f"clients must present the access token {token}",
            ))
        self.server = EmbeddedServer(
            app,
            self.queue.put,
            host=self.options.host,
            port=port,
            token=token,
            allowed_origins=self.options.allowed_origins,
            allowed_hosts=self.options.allowed_hosts,
            connection_ids=self._server_connection_ids,
            on_ready=self._server_ready,
            on_failed=lambda text: self.queue.put(Notice(Level.ERROR, text)),
        )
        try:
            self.server_address = self.server.start()
        except OSError as error:
            self.server = None
            self.queue.put(Notice(Level.ERROR, f"Embedded server not started: {error.strerror or error}"))
            if self.options.connect and not self._started_once:
                self.connect(self.options.connect)
            return False
        if self.server_address.fell_back_from is not None:
            self.queue.put(Notice(
                Level.WARNING,
                f"Port {self.server_address.fell_back_from} is in use; "
                f"the embedded server listens on {self.server_address.port}",
            ))
        return True

    def stop_server(self, timeout: float = 5.0) -> bool:
        """Stop the embedded server and join its thread (blocks: call it off the GUI thread)."""
        server, self.server = self.server, None
        if server is None:
            return True
        stopped = server.stop(timeout)
        self.queue.put(ServerStatus("", "stopped"))
        return stopped

    def _server_ready(self, address: ServerAddress) -> None:
        """Called on the server thread once uvicorn listens."""
        self.queue.put(ServerStatus(address.http_url))
        first, self._started_once = not self._started_once, True
        if self._closing:
            return
        if self.options.connect:
            if first:
                self.connect(self.options.connect)
        elif self.options.app:  # the user's app may have no /ws: let them pick the endpoint
            self.queue.put(Notice(Level.INFO, f"{self.options.app} is served at {address.http_url}; "
                                          "type its WebSocket URL above to connect"))
        else:
            self.connect(address.ws_url("/ws"))

    def connect(self, target: str | ConnectionOptions) -> str:
        """Open a new inspector connection to a URL or with full options (from any thread); returns its id."""
        connection = self.inspector.new_connection(target)
        return self.reopen(connection.id)

    def reopen(self, connection_id: str) -> str:
        """Open a closed inspector connection again, with the same id and options."""
        connection = self.inspector.connections[connection_id]
        future = self.inspector.submit_open(connection)
        future.add_done_callback(lambda f: f.cancelled() or f.exception())  # failures are reported as events
        return connection.id

    def shutdown(self, timeout: float = 5.0) -> bool:
        """Close connections with 1001, stop the server, join both threads."""
        self._closing = True
        clean = self.inspector.stop(timeout)
        return self.stop_server(timeout) and clean

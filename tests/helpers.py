"""Test helpers: real servers on ephemeral loopback ports, and waiting without sleeping."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core.events import EventQueue
from app.core.frames import Frame

if TYPE_CHECKING:
    from app.ui.connections.panel import ConnectionsModel

REPO = Path(__file__).resolve().parent.parent
# The shared corpora sit beside the checkout; SOCKETSCOPE_CORPORA points elsewhere (a checkout in another place).
CORPORA = Path(os.environ.get("SOCKETSCOPE_CORPORA", REPO.parent / "shared" / "corpora"))
CORPUS = CORPORA / "JSONTestSuite" / "test_parsing"


class WaitableQueue(EventQueue):
    """An EventQueue that remembers everything put into it and lets a test wait on it."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[Any] = []
        self._changed = threading.Condition()

    def put(self, item: Any) -> None:
        super().put(item)
        with self._changed:
            self.seen.append(item)
            self._changed.notify_all()

    def wait_for(self, predicate: Callable[[list[Any]], Any], timeout: float = 5.0) -> Any:
        """Wait until `predicate(seen)` is truthy; return its value or fail after `timeout`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                result = predicate(self.seen)
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"condition not met within {timeout} s; saw {self.seen!r:.2000}")
                self._changed.wait(remaining)

    def frames(self, connection_prefix: str = "") -> list[Frame]:
        with self._changed:
            return [f for f in self.seen if isinstance(f, Frame) and f.connection.startswith(connection_prefix)]


def raw_request(port: int, request: bytes) -> bytes:
    """Send raw bytes to a loopback port and read until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(request)
        response = b""
        while chunk := sock.recv(65536):
            response += chunk
    return response


def http_get(port: int, path: str, host: str = "127.0.0.1") -> bytes:
    return raw_request(port, f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Nothing listens on `port` (connections lingering in TIME_WAIT do not count)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True


def listening_addresses_of_this_process(pid: int | str = "self") -> set[tuple[str, int]]:
    """(address, port) of every socket this process (or process `pid`) listens on, read from /proc (Linux).

    Addresses are given as /proc writes them: `0100007F` is 127.0.0.1, `00000000` any.
    """

    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:  # closed while we looked
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = set()
    for table in (f"/proc/{pid}/net/tcp", f"/proc/{pid}/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                address, port = fields[1].rsplit(":", 1)
                found.add((address, int(port, 16)))
    return found


def listening_sockets_of_this_process() -> set[int]:
    return {port for _, port in listening_addresses_of_this_process()}


def socketscope_threads() -> list[str]:
    return sorted(
        t.name for t in threading.enumerate()
        if t.name.startswith("socketscope-") and not t.name.startswith("socketscope-worker") and t.is_alive()
    )


class PeerProcess:
    """tests/peer_server.py in another process: a real peer that can be killed like a crashed server."""

    def __init__(self, mode: str) -> None:
        import subprocess
        import sys

        self.process = subprocess.Popen([sys.executable, str(REPO / "tests" / "peer_server.py"), mode],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line.strip().isdigit(), f"peer did not start: {line!r}"
        self.url = f"ws://127.0.0.1:{int(line)}/"

    def kill(self) -> None:
        """SIGKILL: the peer vanishes without a close frame, as a crashed server does."""
        self.process.kill()
        self.process.wait(10)

    def __enter__(self) -> PeerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()


def wait_until(predicate: Callable[[], Any], timeout: float = 5.0, interval: float = 0.02) -> Any:
    """Poll `predicate()` until it is truthy; return its value or fail after `timeout` (for state no event announces)."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s: last value {result!r}")
        pause.wait(interval)


@contextlib.contextmanager
def shown_window(qtbot: Any, *argv: str, wait_open: bool = False, active: bool = False) -> Iterator[Any]:
    """The real window (embedded server on an ephemeral port), shown; shut down afterwards.

    With `wait_open`, returns once the inspector's connection to the embedded server is open;
    with `active`, once the window is exposed and active (its shortcuts and Tab work).
    """
    from app.main import build

    window = build(["--port", "0", *argv])
    qtbot.addWidget(window)
    window.show()
    try:
        if active:
            qtbot.waitExposed(window)
            window.activateWindow()
            qtbot.waitUntil(window.isActiveWindow, timeout=2000)
        if wait_open:
            qtbot.waitUntil(lambda: window.state_label.text() == "Open", timeout=5000)
        yield window
    finally:
        window.shutdown()


def open_typed(window: Any, qtbot: Any, path: str) -> str:
    """Connect to `path` on the embedded server as the URL bar does; the new connection, once open."""
    window.url_edit.setText(f"ws://127.0.0.1:{window.session.server_address.port}{path}")
    window.open_typed_url()
    connection: str = window.current_connection
    qtbot.waitUntil(lambda: window.connection_states.get(connection) is not None
                    and window.connection_states[connection].value == "open", timeout=5000)
    return connection


def connection_row(model: ConnectionsModel, connection: str) -> int:
    """The row of `connection` in the connections panel; fails if it is not listed."""
    position = model.position(connection)
    assert position is not None, f"{connection} is not in the connections panel"
    return position

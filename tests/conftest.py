from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from embedded_server.demo_app import create_app  # noqa: E402
from embedded_server.runner import EmbeddedServer  # noqa: E402
from tests.helpers import WaitableQueue, listening_sockets_of_this_process, socketscope_threads  # noqa: E402


@pytest.fixture(autouse=True)
def no_leaked_threads_or_listeners() -> Iterator[None]:
    """Fail a test that leaves a SocketScope thread running or a port listening."""
    threads_before = socketscope_threads()
    ports_before = listening_sockets_of_this_process()
    yield
    leaked_threads = [t for t in socketscope_threads() if t not in threads_before]
    leaked_ports = listening_sockets_of_this_process() - ports_before
    assert not leaked_threads, f"threads still running after the test: {leaked_threads}"
    assert not leaked_ports, f"ports still listening after the test: {leaked_ports}"


@pytest.fixture(autouse=True)
def private_user_data(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the data directory and QSettings at a fresh directory, never the user's own."""
    root = tmp_path_factory.mktemp("user-data")
    monkeypatch.setenv("SOCKETSCOPE_DATA_DIR", str(root / "data"))
    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(root / "settings"))
    return root


@pytest.fixture
def events() -> WaitableQueue:
    return WaitableQueue()


@pytest.fixture
def demo_server(events: WaitableQueue) -> Iterator[EmbeddedServer]:
    """The demo app in a real uvicorn thread on an ephemeral loopback port."""
    server = EmbeddedServer(create_app(status_delay=0.2), events.put, port=0)
    server.start()
    assert server.wait_ready(10), server.error
    yield server
    assert server.stop(), "server thread did not stop"

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.net.inspector import Inspector
from embedded_server.demo_app import create_app
from embedded_server.runner import EmbeddedServer
from tests.helpers import WaitableQueue, listening_sockets_of_this_process, shown_window, socketscope_threads

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from app.ui.message.view import MessageView
    from app.ui.shell.main_window import MainWindow


def top_level_widgets() -> set[int]:
    """Identities of the live top-level Qt widgets, once the test run has a QApplication.

    Widgets whose deletion is pending (`deleteLater`) are deleted first, so a window a test
    closed and deleted (pytest-qt's `qtbot.addWidget` does both) does not count.
    """
    widgets = sys.modules.get("PySide6.QtWidgets")
    if widgets is None or widgets.QApplication.instance() is None:
        return set()
    from PySide6.QtCore import QEvent
    from shiboken6 import getCppPointer

    widgets.QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return {getCppPointer(w)[0] for w in widgets.QApplication.topLevelWidgets()
            if w.objectName() not in _QT_OWN_WIDGETS}


# Top-level widgets Qt creates for itself and keeps (one tooltip label for the whole app).
_QT_OWN_WIDGETS = {"qtooltip_label"}


def _describe_widgets(identities: set[int]) -> list[str]:
    from PySide6.QtWidgets import QApplication
    from shiboken6 import getCppPointer


    return [f"{type(w).__name__}({w.objectName()!r})" for w in QApplication.topLevelWidgets()
            if getCppPointer(w)[0] in identities]


@pytest.fixture(autouse=True)
def no_leaked_threads_or_listeners() -> Iterator[None]:
    """Fail a test that leaves a SocketScope thread running, a port listening or a top-level widget alive."""
    threads_before = socketscope_threads()
    ports_before = listening_sockets_of_this_process()
    widgets_before = top_level_widgets()
    yield
    leaked_threads = [t for t in socketscope_threads() if t not in threads_before]
    leaked_ports = listening_sockets_of_this_process() - ports_before
    assert not leaked_threads, f"threads still running after the test: {leaked_threads}"
    assert not leaked_ports, f"ports still listening after the test: {leaked_ports}"
    leaked_widgets = top_level_widgets() - widgets_before
    assert not leaked_widgets, (
        f"top-level widgets still alive after the test: {_describe_widgets(leaked_widgets)}; "
        "close and delete them (qtbot.addWidget does both)"
    )


@pytest.fixture(autouse=True)
def private_user_data(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the data directory and QSettings at a fresh directory, never the user's own.

    The environment variables reach the processes a test starts (`python -m app`, probes), which
    QSettings.setPath does not: Qt finds the user's settings under XDG_CONFIG_HOME there.
    """
    root = tmp_path_factory.mktemp("user-data")
    monkeypatch.setenv("SOCKETSCOPE_DATA_DIR", str(root / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(root / "settings"))
    from PySide6.QtCore import QSettings

    for settings_format in (QSettings.Format.IniFormat, QSettings.Format.NativeFormat):  # Native: Qt's file dialogs
        QSettings.setPath(settings_format, QSettings.Scope.UserScope, str(root / "settings"))
    return root


@pytest.fixture(params=[False, True], ids=["light", "dark"])
def themed(request: pytest.FixtureRequest, qapp: QApplication) -> Iterator[bool]:
    """The application showing the light or the dark theme's palette; its own palette afterwards."""
    from app.ui.common import theme

    before = qapp.palette()
    qapp.setPalette(theme.palette_for(request.param))
    try:
        yield request.param
    finally:
        qapp.setPalette(before)


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:
    """The window with no embedded server, shown (a test module may define its own `window` instead)."""
    with shown_window(qtbot, "--no-server") as window:
        yield window


@pytest.fixture
def view(qtbot) -> MessageView:
    """A message view of its own, shown, on the qasync loop (a test module may define its own `view`)."""
    from PySide6.QtGui import QGuiApplication

    from app.ui.common import async_loop
    from app.ui.message.view import MessageView

    async_loop.install(QGuiApplication.instance())  # type: ignore[arg-type]
    view = MessageView()
    qtbot.addWidget(view)
    view.show()
    return view


@pytest.fixture
def events() -> WaitableQueue:
    return WaitableQueue()


@pytest.fixture
def inspector(events: WaitableQueue) -> Iterator[Inspector]:
    """A real inspector: its own asyncio loop in the client thread, stopped (and checked) after the test."""
    inspector = Inspector(events)
    inspector.start()
    yield inspector
    assert inspector.stop(), "client thread did not stop"


@pytest.fixture
def demo_server(events: WaitableQueue) -> Iterator[EmbeddedServer]:
    """The demo app in a real uvicorn thread on an ephemeral loopback port."""
    server = EmbeddedServer(create_app(status_delay=0.2), events.put, port=0)
    server.start()
    assert server.wait_ready(10), server.error
    yield server
    assert server.stop(), "server thread did not stop"

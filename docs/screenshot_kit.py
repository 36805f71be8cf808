"""What the docs' screenshot scripts share: the real window, offscreen, with its own data.

Importing this module first sets up a private data folder and settings, before any of the app's modules
load, so the screenshots' sends, profiles and layout never land in the user's own history and settings.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_PRIVATE = tempfile.mkdtemp(prefix="socketscope-screenshot-")
os.environ["SOCKETSCOPE_DATA_DIR"] = _PRIVATE
DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))

from PySide6.QtCore import QEventLoop, QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, _PRIVATE)

from app.main import build  # noqa: E402
from app.ui.shell.main_window import MainWindow  # noqa: E402
from embedded_server.runner import ServerAddress  # noqa: E402


def pump(app: QApplication, until: Callable[[], bool], timeout: float = 5.0) -> None:
    """Run the event loop until `until()` holds or `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while not until() and time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def settle(app: QApplication) -> None:
    """Let the last repaints happen before a grab."""
    pump(app, lambda: False, 0.3)


def open_window(width: int, height: int) -> tuple[QApplication, MainWindow]:
    """The real window on a free port, shown, with the embedded server's greeting and status received."""
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    window = build(["--port", "0", "--status-delay", "0.3"])
    window.resize(width, height)
    window.show()
    pump(app, lambda: window.store.received_count >= 3)
    return app, window


def send_through_composer(app: QApplication, window: MainWindow, payloads: Sequence[str]) -> None:
    """Send each payload as typed in the composer and wait for the embedded server's echo of it."""
    def echoes() -> int:
        return sum('"echo"' in p for p in window.store.payloads if isinstance(p, str))

    for payload in payloads:
        before = echoes()
        window.composer.editor.setPlainText(payload)
        window.composer.request_send()
        pump(app, lambda: echoes() >= before + 2)  # the server's sent echo and the inspector's received one


def save(window: MainWindow, name: str) -> Path:
    """Grab the window into docs/NAME and say where."""
    out = DOCS / name
    window.grab().save(str(out))
    print(out)
    return out


def require_x_server(script: str) -> None:
    """Draw on the X server named by DISPLAY (for example Xvfb), or stop saying so: the pictures of
    the window as people see it are taken from a real screen, not rendered offscreen."""
    if not os.environ.get("DISPLAY"):
        sys.exit(f"{script} needs an X server: set DISPLAY (for example run it under Xvfb)")
    os.environ["QT_QPA_PLATFORM"] = "xcb"


def grab_screen(window: MainWindow, name: str) -> Path:
    """Take the window's part of the screen, as the X server shows it, into docs/NAME and say where."""
    out = DOCS / name
    geometry = window.frameGeometry()
    window.screen().grabWindow(0, geometry.x(), geometry.y(), geometry.width(), geometry.height()).save(str(out))
    print(out)
    return out


def open_x_window(*argv: str, width: int = 1280, height: int = 800,
                  greetings: int = 1) -> tuple[QApplication, MainWindow, ServerAddress]:
    """The real window with `argv`, at the screen's top left, once `greetings` messages have arrived;
    and the embedded server's address."""
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    window = build(["--port", "0", *argv])
    window.resize(width, height)
    window.move(0, 0)
    window.show()
    pump(app, lambda: window.store.received_count >= greetings)
    address = window.session.server_address
    assert address is not None, "the embedded server did not start"
    return app, window, address

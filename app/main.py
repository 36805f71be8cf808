"""Entry points: `build()` assembles the app without running it; `main()` runs it."""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app import __version__
from app.services.session import Session
from app.ui.common import async_loop, unexpected
from app.ui.common.icons import app_icon
from app.ui.shell import gui_thread_gc, theme_switch
from app.ui.shell.main_window import MainWindow
from app.window_args import parse_options

GIL_SWITCH_INTERVAL = 0.0005  # seconds; CPython's default is 0.005


def _application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("SocketScope")
    app.setOrganizationName("SocketScope")
    app.setApplicationVersion(__version__)
    app.setWindowIcon(app_icon())  # every window's, in each size from 16 to 512 pixels
    return app


def build(argv: list[str] | None = None, *, start: bool = True) -> MainWindow:
    """Build the services and the main window and (unless `start` is false) start the network threads.

    Does not enter the event loop, so tests and embedders can drive the window;
    call `window.shutdown()` (or close it) to stop everything.
    """
    options = parse_options(list(sys.argv[1:] if argv is None else argv))
    # Painting the log calls into Python once per cell and role; while the client thread
    # reads a flood each call waits for the GIL. A shorter switch interval bounds that wait.
    sys.setswitchinterval(GIL_SWITCH_INTERVAL)
    app = _application()
    loop = async_loop.install(app)
    gui_thread_gc.install(app)
    theme_switch.install(options.theme or theme_switch.saved_theme())  # before the window: it is built in its colours
    session = Session(options)
    window = MainWindow(session)
    unexpected.install(loop)  # until window.shutdown(): an uncaught error is logged and told, not lost
    app.aboutToQuit.connect(window.shutdown)
    if start:
        session.start()
    return window


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    window = build(argv, start=False)
    window.show()
    app = QApplication.instance()
    assert app is not None
    # Paint first: starting the session imports the server stack (FastAPI, uvicorn), which
    # takes longer than building the window did.
    app.processEvents()
    QTimer.singleShot(0, window.session.start)
    code = app.exec()
    window.shutdown()
    return code

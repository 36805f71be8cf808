"""The one route by which the window tells the user anything: `info()`, `warning()`, `error()`.

Code anywhere in app/ui posts a `Notice` here instead of reaching for the window; the
main window connects its status-bar notice area to the bridge once. Every notice is
also written to the log (the `socketscope.ui` logger) here, once, whoever shows it.

Posting is safe from any thread: the bridge's signal reaches the notice area, a widget
of the GUI thread, through Qt's queued connection when it is emitted elsewhere. A
receiver that Qt destroys is disconnected by Qt, so a notice reaches only live windows.
"""

from __future__ import annotations

import logging
import threading
from types import TracebackType

from PySide6.QtCore import QObject, Signal

from app.core.frames import Level, Notice

log = logging.getLogger("socketscope.ui")

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]

_LOG_LEVELS = {Level.INFO: logging.INFO, Level.WARNING: logging.WARNING, Level.ERROR: logging.ERROR}


class NoticeBridge(QObject):
    """Carries notices to whatever shows them (the main window's notice area)."""

    posted = Signal(object)  # a Notice


_bridge: NoticeBridge | None = None
_bridge_lock = threading.Lock()


def bridge() -> NoticeBridge:
    """The process's one bridge, created on first use."""
    global _bridge
    with _bridge_lock:
        if _bridge is None:
            _bridge = NoticeBridge()
        return _bridge


def post(notice: Notice, exc_info: ExcInfo | None = None) -> None:
    """Log `notice` (with the traceback of `exc_info`, if given) and show it (from any thread)."""
    log.log(_LOG_LEVELS[notice.level], notice.text, exc_info=exc_info)
    bridge().posted.emit(notice)


def info(text: str) -> None:
    post(Notice(Level.INFO, text))


def warning(text: str) -> None:
    post(Notice(Level.WARNING, text))


def error(text: str, exc_info: ExcInfo | None = None) -> None:
    post(Notice(Level.ERROR, text), exc_info)


__all__ = ["NoticeBridge", "bridge", "error", "info", "post", "warning"]

"""The GUI thread's asyncio loop (qasync), so UI code can await cross-thread work.

The loop is created "already running" on top of Qt's own event loop: Qt drives it
whether the app is in `exec()` or a test is processing events, and a coroutine
started from a slot can `await asyncio.wrap_future(...)` without blocking.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from typing import Any

import qasync
from PySide6.QtWidgets import QApplication

# Parsing big documents and similar work that must not run on the GUI thread.
_workers = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="socketscope-worker")


_installed: qasync.QEventLoop | None = None


def install(app: QApplication) -> qasync.QEventLoop:
    """The GUI thread's loop, created once per process.

    It is never stopped: stopping an "already running" qasync loop calls
    `QCoreApplication.exit()`, which outside `exec()` makes every later nested Qt
    event loop (dialogs, test waits) return at once.
    """
    global _installed
    if _installed is None or _installed.is_closed():
        _installed = qasync.QEventLoop(app, already_running=True)
        asyncio.set_event_loop(_installed)
    return _installed


def submit[T](function: Callable[..., T], *args: Any) -> concurrent.futures.Future[T]:
    """Run `function(*args)` on a worker thread; the future lets shutdown wait for work that must finish."""
    return _workers.submit(function, *args)


async def in_worker[T](function: Callable[..., T], *args: Any) -> T:
    """Run `function(*args)` on a worker thread and await its result on the GUI loop."""
    return await asyncio.wrap_future(submit(function, *args))

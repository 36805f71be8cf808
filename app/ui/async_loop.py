"""The GUI thread's asyncio loop (qasync), so UI code can await cross-thread work.

The loop is created "already running" on top of Qt's own event loop: Qt drives it
whether the app is in `exec()` or a test is processing events, and a coroutine
started from a slot can `await asyncio.wrap_future(...)` without blocking.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from typing import Any, TypeVar

import qasync
from PySide6.QtWidgets import QApplication

T = TypeVar("T")

# Parsing big documents and similar work that must not run on the GUI thread.
_workers = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="socketscope-worker")


def install(app: QApplication) -> qasync.QEventLoop:
    loop = qasync.QEventLoop(app, already_running=True)
    asyncio.set_event_loop(loop)
    return loop


def release(loop: qasync.QEventLoop) -> None:
    """Undo `install`: the loop stops counting as running and is closed."""
    if loop.is_closed():
        return
    loop.stop()
    asyncio.events._set_running_loop(None)
    loop.close()
    asyncio.set_event_loop(None)


async def in_worker(function: Callable[..., T], *args: Any) -> T:
    """Run `function(*args)` on a worker thread and await its result on the GUI loop."""
    return await asyncio.wrap_future(_workers.submit(function, *args))

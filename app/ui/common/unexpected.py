"""Errors nobody caught: logged with their traceback and told in an error notice, never lost on stderr.

While a window runs, `install` routes three places Python hands an uncaught error to:
`sys.excepthook` (a slot that raised, an `asyncSlot` coroutine that failed),
`threading.excepthook` (a thread that died) and the GUI loop's exception handler
(a callback or task of the qasync loop). `restore` puts back what was there before,
once every window that installed them has shut down. A hook that was there before and is not
Python's own (a test harness's capture) still hears of every error; Python's own would only
print to stderr what the log already has.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

from app.ui.common import notify

_previous_excepthook: Callable[[type[BaseException], BaseException, TracebackType | None], Any] | None = None
_previous_threading_hook: Callable[[threading.ExceptHookArgs], Any] | None = None
_previous_loop_handler: Callable[[asyncio.AbstractEventLoop, dict[str, Any]], object] | None = None
_loop: asyncio.AbstractEventLoop | None = None
_installs = 0


def report(error: BaseException, where: str = "") -> None:
    """Log `error` with its traceback and tell the user in an error notice (from any thread)."""
    what = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    notify.error(f"Unexpected error{where}: {what}; details in the log",
                 exc_info=(type(error), error, error.__traceback__))


def _excepthook(kind: type[BaseException], error: BaseException, traceback: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt) and _previous_excepthook is not None:
        _previous_excepthook(kind, error, traceback)  # Ctrl+C keeps its usual meaning
        return
    report(error.with_traceback(traceback))
    if _previous_excepthook not in (None, sys.__excepthook__):
        _previous_excepthook(kind, error, traceback)


def _threading_hook(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None or issubclass(args.exc_type, SystemExit):
        return  # a thread that exits quietly, as threading's own hook treats it
    name = args.thread.name if args.thread is not None else "a thread"
    report(args.exc_value.with_traceback(args.exc_traceback), f" in {name}")
    if _previous_threading_hook not in (None, threading.__excepthook__):
        _previous_threading_hook(args)


def _loop_handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    error = context.get("exception")
    if isinstance(error, Exception):
        report(error)
    else:  # no exception to show (a task destroyed while pending, say): asyncio's own report, in the log
        loop.default_exception_handler(context)


def install(loop: asyncio.AbstractEventLoop) -> None:
    """Route uncaught errors to the log and the notice area; each call is matched by one `restore`."""
    global _installs, _previous_excepthook, _previous_threading_hook, _previous_loop_handler, _loop
    _installs += 1
    if _installs > 1:
        return
    _previous_excepthook, sys.excepthook = sys.excepthook, _excepthook
    _previous_threading_hook, threading.excepthook = threading.excepthook, _threading_hook
    _loop = loop
    _previous_loop_handler = loop.get_exception_handler()
    loop.set_exception_handler(_loop_handler)


def restore() -> None:
    """Put back the hooks that were there before the first `install` (when it is the last one to go)."""
    global _installs, _loop
    if _installs == 0:
        return
    _installs -= 1
    if _installs > 0:
        return
    if sys.excepthook is _excepthook and _previous_excepthook is not None:  # else someone else replaced it since
        sys.excepthook = _previous_excepthook
    if threading.excepthook is _threading_hook and _previous_threading_hook is not None:
        threading.excepthook = _previous_threading_hook
    if _loop is not None:  # qasync keeps its handler to itself (get_exception_handler says None): set it back
        _loop.set_exception_handler(_previous_loop_handler)
    _loop = None


__all__ = ["install", "report", "restore"]

"""Waiting on a condition outside Qt and the event queue: files, processes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

_POLL = 0.02


def wait_until[T](predicate: Callable[[], T], timeout: float = 5.0, what: str = "condition") -> T:
    """Poll `predicate` until it is truthy; return its value, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    idle = threading.Event()
    while True:
        result: T | None
        try:
            result = predicate()
        except (OSError, ValueError):  # a file not there yet, a line half written
            result = None
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} not met within {timeout} s")
        idle.wait(_POLL)

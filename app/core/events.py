"""The one channel from network threads to the GUI thread.

Producers (the server tap, the inspector client) call `put` from any thread; the
GUI drains it on a timer and handles a whole batch at once, so the per-message
cost on the GUI side is a list append, not a signal emission.
"""

from __future__ import annotations

import collections
from typing import Any


class EventQueue:
    """A thread-safe FIFO of plain records (`Frame`, `StateChange`, ...)."""

    def __init__(self) -> None:
        # deque.append and popleft are atomic in CPython: no lock needed.
        self._items: collections.deque[Any] = collections.deque()

    def put(self, item: Any) -> None:
        self._items.append(item)

    def drain(self, limit: int = 50_000) -> list[Any]:
        """Take up to `limit` records, oldest first, without blocking."""
        items = self._items
        batch: list[Any] = []
        append = batch.append
        popleft = items.popleft
        for _ in range(min(limit, len(items))):
            append(popleft())
        return batch

    def __len__(self) -> int:
        return len(self._items)

"""The view: which stored rows the log shows, kept up to date as frames arrive.

Without a filter the view is the store itself (no index array at all). With one,
it holds the matching store rows; a new filter is applied in chunks through
`refilter_steps()`, so a caller on the GUI thread can spread a million rows over
many short ticks instead of freezing.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator

from app.core.capture import CaptureStore
from app.core.filters import RowPredicate

REFILTER_CHUNK = 25_000


class View:
    def __init__(self, store: CaptureStore) -> None:
        self.store = store
        self.predicate: RowPredicate | None = None
        self.rows: array[int] | None = None  # None: every stored row, in order
        self._scanned = 0  # store rows already considered

    def __len__(self) -> int:
        return len(self.store) if self.rows is None else len(self.rows)

    def store_row(self, view_row: int) -> int:
        return view_row if self.rows is None else self.rows[view_row]

    def catch_up(self) -> int:
        """Consider rows stored since the last call; return how many became visible."""
        store, start = self.store, self._scanned
        end = len(store)
        self._scanned = end
        if self.rows is None:
            return end - start
        predicate = self.predicate
        assert predicate is not None
        before = len(self.rows)
        self.rows.extend(row for row in range(start, end) if predicate(store, row))
        return len(self.rows) - before

    def refilter_steps(self, predicate: RowPredicate | None, chunk: int = REFILTER_CHUNK) -> Iterator[float]:
        """Apply a new filter, yielding the fraction done after each chunk.

        The new rows replace the old ones only at the end, so the view stays
        consistent (showing the old filter) until the new one is complete.
        """
        store = self.store
        end = len(store)
        if predicate is None:
            self.predicate, self.rows, self._scanned = None, None, end
            yield 1.0
            return
        rows: array[int] = array("Q")
        for start in range(0, end, chunk):
            stop = min(start + chunk, end)
            rows.extend(row for row in range(start, stop) if predicate(store, row))
            yield stop / end if end else 1.0
        self.predicate, self.rows, self._scanned = predicate, rows, end
        if end == 0:
            yield 1.0

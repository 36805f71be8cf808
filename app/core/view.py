"""The view: which stored rows the log shows, in which order, kept up to date as frames arrive.

Without a filter the view is the store itself (no index array at all). With one,
`matched` holds the matching store rows in store order. A sort puts a permutation
of them in `order`; rows that arrive while sorted go at the end of it, until the
next sort. A new filter is applied through `refilter_steps()`, which yields after
at most `chunk` rows or `budget` seconds, so a caller on the GUI thread can spread
a million rows — even slow JSONPath ones — over many short ticks instead of freezing.

Rows are absolute store row numbers; when the store drops its oldest rows,
`forget_dropped()` removes them here and says how the displayed rows changed.
"""

from __future__ import annotations

import time
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator

from app.core.capture import CaptureStore
from app.core.filters import RowPredicate

REFILTER_CHUNK = 25_000
STEP_BUDGET = 0.02  # seconds of work per step on the GUI thread
SLICE = 32  # rows between two looks at the clock (a JSONPath row can take 50 µs)


class View:
    def __init__(self, store: CaptureStore) -> None:
        self.store = store
        self.predicate: RowPredicate | None = None
        self.matched: array[int] | None = None  # None: every stored row, in order
        self.order: array[int] | None = None  # None: not sorted, show `matched` (or the store)
        self._scanned = store.first  # absolute number of the next store row to consider
        self._first = store.first  # the store's first row when this view last looked
        self._snapshot_first = store.first  # the store's first row when the last sort began
        # What was shown before the last refilter (rows, store's first row), so a caller can
        # tell which messages its selection held once the new rows are in place.
        self._previous: tuple[array[int] | None, int] = (None, store.first)
        # The store row decoding has reached (the protocol tracker's): a filter with protocol terms
        # never judges a row before it is decoded, so it never shows one it should not.
        self.decoded_until: Callable[[], int] | None = None
        # Likewise the store row contract checking has reached, for a filter with contract terms.
        self.checked_until: Callable[[], int] | None = None

    @property
    def rows(self) -> array[int] | None:
        """The displayed store rows, or None when the store is shown as it is."""
        return self.order if self.order is not None else self.matched

    def __len__(self) -> int:
        rows = self.rows
        return len(self.store) if rows is None else len(rows)

    def store_row(self, view_row: int) -> int:
        rows = self.rows
        return self.store.first + view_row if rows is None else rows[view_row]

    def positions(self, store_rows: Iterable[int]) -> dict[int, int]:
        """The displayed position of each of `store_rows` that is shown (store row → view row).

        Unsorted views answer by arithmetic or bisection; a sorted one is searched at C speed
        for a few rows, in one pass for many.
        """
        wanted = set(store_rows)
        store, rows = self.store, self.rows
        if rows is None:
            return {row: row - store.first for row in wanted if store.first <= row < store.first + len(self)}
        if self.order is None:
            found = {}
            for row in wanted:
                position = bisect_left(rows, row)
                if position < len(rows) and rows[position] == row:
                    found[row] = position
            return found
        if len(wanted) <= 16:
            found = {}
            for row in wanted:
                try:
                    found[row] = rows.index(row)
                except ValueError:
                    continue  # not shown
            return found
        return {row: position for position, row in enumerate(rows) if row in wanted}

    def previous_store_row(self, view_row: int) -> int:
        """The store row that was at `view_row` before the last refilter or reordering drop."""
        rows, first = self._previous
        return first + view_row if rows is None else rows[view_row]

    def _end_for(self, predicate: RowPredicate | None) -> int:
        """Where `predicate` may judge rows up to: the store's end, or what is decoded if it needs that."""
        end = self.store.end
        if self.decoded_until is not None and getattr(predicate, "needs_decoding", False):
            end = min(end, self.decoded_until())
        if self.checked_until is not None and getattr(predicate, "needs_verdicts", False):
            end = min(end, self.checked_until())
        return end

    def catch_up(self) -> int:
        """Consider rows stored since the last call; return how many became visible."""
        store = self.store
        start = max(self._scanned, store.first)
        end = max(start, self._end_for(self.predicate))
        self._scanned = end
        new: range | array[int]
        if self.matched is None:
            new = range(start, end)
        else:
            predicate = self.predicate
            assert predicate is not None
            new = array("Q", (row for row in range(start, end) if predicate(store, row)))
            self.matched.extend(new)
        if self.order is not None:
            self.order.extend(new)
        return len(new)

    def forget_dropped(self) -> int | None:
        """Remove rows the store has dropped; return how many left the top, or None if they were scattered.

        Unsorted, dropped rows are always the first ones displayed; sorted, they
        may be anywhere (the caller then resets its model).
        """
        store = self.store
        first, previous_first = store.first, self._first
        removed_top = first - previous_first if self.matched is None else 0
        self._first = first
        if self.matched is not None:
            removed_top = bisect_left(self.matched, first)
            del self.matched[:removed_top]
        if self.order is None:
            return removed_top
        self._previous = (self.order, previous_first)  # for the caller's selection: see previous_store_row
        self.order = array("Q", (row for row in self.order if row >= first))  # ~0.1 s per million
        return None

    def sort_snapshot(self) -> tuple[array[int] | range, int]:
        """The rows to sort (in store order) and the store row the snapshot ends before."""
        self.catch_up()
        self._snapshot_first = self.store.first
        end = self._scanned
        if self.matched is None:
            return range(self.store.first, end), end
        return array("Q", self.matched), end

    def install_order(self, order: array[int] | None, snapshot_end: int = 0) -> None:
        """Show the rows sorted as `order` (from a `sort_snapshot()` ending at `snapshot_end`), or unsorted (None).

        Rows that joined the view after the snapshot go at the end, as rows arriving while sorted do;
        rows dropped meanwhile are left out.
        """
        if order is None:
            self.order = None
            return
        first = self.store.first
        if first > self._snapshot_first:  # rare: a drop while sorting
            order = array("Q", (row for row in order if row >= first))
        if self.matched is None:
            order.extend(range(max(snapshot_end, first), self._scanned))
        else:
            order.extend(self.matched[bisect_left(self.matched, snapshot_end):])
        self.order = order

    def refilter_steps(self, predicate: RowPredicate | None, chunk: int = REFILTER_CHUNK,
                       budget: float | None = STEP_BUDGET) -> Iterator[float]:
        """Apply a new filter, yielding the fraction done after each step.

        A step ends after `chunk` rows or `budget` seconds, whichever comes first.
        The new rows replace the old ones only at the end, so the view stays
        consistent (showing the old filter) until the new one is complete: they are put
        in place by the call that ends the iteration, never before. Any sort order is
        dropped: the caller sorts again.
        """
        store = self.store
        if predicate is None:
            yield 1.0
            self._previous = (self.rows, store.first)
            self.predicate, self.matched, self.order, self._scanned = None, None, None, store.end
            return
        end = self._end_for(predicate)
        rows: array[int] = array("Q")
        row = store.first
        clock = time.perf_counter
        stepped = False
        while row < end:
            deadline = clock() + budget if budget is not None else None
            stop = min(row + chunk, end)
            while row < stop:
                row = max(row, store.first)  # the store may have dropped rows meanwhile
                slice_end = min(row + SLICE, stop)
                rows.extend(r for r in range(row, slice_end) if predicate(store, r))
                row = slice_end
                if deadline is not None and clock() >= deadline:
                    break
            total = end - store.first
            stepped = True
            yield (row - store.first) / total if total > 0 else 1.0
        if not stepped:
            yield 1.0
        del rows[:bisect_left(rows, store.first)]
        self._previous = (self.rows, store.first)
        self.predicate, self.matched, self.order, self._scanned = predicate, rows, None, end
        self._first = store.first

"""Sorting a million log rows by any column without freezing the window.

`SortJob.steps()` does the work in short steps (each at most `budget` seconds),
yielding the fraction done: first it extracts every row's key (a JSON field may
need a parse per row), then sorts runs of `RUN` keys, then merges the runs. Only
the final order is installed, so the log shows the old order until then.

Key order: numbers (numerically), then text (case-insensitively); rows without
a value come last in either direction.
"""

from __future__ import annotations

import heapq
import json
import math
import time
from array import array
from collections.abc import Callable, Iterator, Sequence
from itertools import islice
from typing import Any

from app.core.capture import CaptureStore
from app.core.json_query import MISSING  # a key function's answer for a row without a value

RUN = 10_000  # keys sorted in one step before the merge
SLICE = 32  # rows between two looks at the clock (a JSONPath row can take 50 µs)
KeyFunction = Callable[[CaptureStore, int], Any]


def sort_value(value: Any) -> tuple[int, Any] | None:
    """A comparable form of a JSON value: (0, number), (1, text), or None when missing."""
    if value is MISSING:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and math.isnan(value):
            return (1, "nan")
        return (0, value)
    if isinstance(value, str):
        return (1, value.casefold())
    return (1, json.dumps(value, ensure_ascii=False, separators=(",", ":")).casefold())


class SortJob:
    """Sort `rows` of `store` by `key`; the result is in `order` once `steps()` is exhausted."""

    def __init__(self, store: CaptureStore, rows: Sequence[int], key: KeyFunction, descending: bool = False,
                 budget: float = 0.02) -> None:
        self.store, self.rows, self.key = store, rows, key
        self.descending, self.budget = descending, budget
        self.order: array[int] | None = None

    def steps(self) -> Iterator[float]:
        # Keys live in plain lists beside arrays of rows, and runs are lists of int positions: no
        # million tuples for the garbage collector to walk (that alone stalled the window ~200 ms).
        clock, budget = time.perf_counter, self.budget
        store, key, rows = self.store, self.key, self.rows
        total = len(rows)
        groups: tuple[tuple[list[Any], array[int]], ...] = (([], array("Q")), ([], array("Q")))  # numbers, texts
        missing = array("Q")
        position = 0
        while position < total:  # 1. keys: 70 % of the progress
            deadline = clock() + budget
            while position < total:  # at least one slice per step, however small the budget
                for row in rows[position:position + SLICE]:
                    if row < store.first:
                        continue  # dropped meanwhile
                    value = sort_value(key(store, row))
                    if value is None:
                        missing.append(row)
                    else:
                        values, group_rows = groups[value[0]]
                        values.append(value[1])
                        group_rows.append(row)
                position = min(position + SLICE, total)
                if clock() >= deadline:
                    break
            yield 0.7 * position / total
        present = len(groups[0][1]) + len(groups[1][1])
        sorted_count = 0
        runs: list[list[list[int]]] = []
        deadline = clock() + budget
        for values, _rows in groups:  # 2. sorted runs of positions: 15 %
            group_runs = []
            for start in range(0, len(values), RUN):
                group_runs.append(sorted(range(start, min(start + RUN, len(values))), key=values.__getitem__))
                sorted_count += min(RUN, len(values) - start)
                if clock() >= deadline:
                    yield 0.7 + 0.15 * sorted_count / present
                    deadline = clock() + budget
            runs.append(group_runs)
        order = array("Q")
        for (values, group_rows), group_runs in zip(groups, runs, strict=True):  # 3. merge: 15 %
            stream = heapq.merge(*group_runs, key=values.__getitem__)
            done = False
            while not done:
                deadline = clock() + budget
                while not done:
                    chunk = [group_rows[index] for index in islice(stream, 4096)]
                    order.extend(chunk)
                    done = len(chunk) < 4096
                    if clock() >= deadline:
                        break
                if not done:
                    yield 0.85 + 0.15 * len(order) / present
            yield from _release(group_runs, values, clock, budget)  # freeing a million keys at once takes ~50 ms
        if self.descending:
            order.reverse()
        order.extend(missing)
        self.order = order
        yield 1.0


def _release(runs: list[list[int]], values: list[Any], clock: Callable[[], float], budget: float) -> Iterator[float]:
    """Free the sorted runs and the keys in pieces, yielding between them."""
    deadline = clock() + budget
    while runs or values:
        if runs:
            runs.pop()
        else:
            del values[-RUN:]
        if clock() >= deadline:
            yield 0.99
            deadline = clock() + budget

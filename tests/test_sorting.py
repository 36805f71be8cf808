"""Sorting in steps: key order, and rows that arrive or are dropped while a sort runs."""

from __future__ import annotations

import json
from typing import Any

from app.core.capture import CaptureStore
from app.core.filters import parse_payload
from app.core.frames import Direction, Frame, Opcode, Side
from app.core.json_query import MISSING
from app.core.sorting import SortJob, sort_value
from app.core.view import View


def key_k(store: CaptureStore, row: int) -> Any:
    document = parse_payload(store, row)
    return document.get("k", MISSING) if isinstance(document, dict) else MISSING


def frames(numbers: range) -> list[Frame]:
    return [Frame("c", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, json.dumps({"k": i % 7, "i": i}))
            for i in numbers]


def test_sort_values_put_numbers_before_text_and_missing_nowhere() -> None:
    assert sort_value(MISSING) is None
    assert sort_value(3) == (0, 3) and sort_value(2.5) == (0, 2.5)
    assert sort_value(True) == (1, "true") and sort_value(None) == (1, "null")
    assert sort_value("Beta") == (1, "beta") and sort_value(float("nan")) == (1, "nan")
    assert sort_value({"A": [1]}) == (1, '{"a":[1]}')


def test_rows_arriving_or_dropped_during_a_sort_stay_consistent() -> None:
    store = CaptureStore()
    store.extend(frames(range(100)))
    view = View(store)
    rows, end = view.sort_snapshot()
    job = SortJob(store, rows, key_k, budget=0.0)
    steps = job.steps()
    next(steps)
    store.extend(frames(range(100, 105)))  # arrive mid-sort
    store.drop_oldest(10)  # and the oldest go
    assert view.forget_dropped() == 10
    view.catch_up()
    progress = list(steps)
    assert progress[-1] == 1.0 and all(0 <= p <= 1 for p in progress)
    view.install_order(job.order, end)
    shown = [view.store_row(r) for r in range(len(view))]
    assert sorted(shown) == list(range(10, 105))
    assert shown[-5:] == [100, 101, 102, 103, 104]  # new rows at the end until the next sort
    keys = [key_k(store, row) for row in shown[:-5]]
    assert keys == sorted(keys)
    same_key = [row for row in shown[:-5] if key_k(store, row) == 3]
    assert same_key == sorted(same_key)  # equal keys keep arrival order
    store.extend(frames(range(105, 107)))
    assert view.catch_up() == 2 and view.store_row(len(view) - 1) == 106

"""A field plot's values from real frames in a real store: numbers only, per connection, bounded work."""

from __future__ import annotations

import json
import time

import pytest

from app.core import field_series
from app.core.capture import CaptureStore
from app.core.field_series import PARSE_LIMIT, FieldSeries
from app.core.frames import Direction, Frame, Opcode, Side
from app.core.json_query import FilterError


def message(connection: str, payload: object, at: float, opcode: Opcode = Opcode.TEXT) -> Frame:
    text = payload if isinstance(payload, str | bytes) else json.dumps(payload)
    return Frame(connection, Side.CLIENT, Direction.RECEIVED, opcode, text, wall_time=at)


def test_numbers_at_the_path_per_connection_with_their_capture_times() -> None:
    store = CaptureStore()
    store.extend([message("client#1", {"price": 1.5}, 10.0), message("client#2", {"price": 7}, 11.0),
                  message("client#1", {"price": "2"}, 12.0), message("client#1", {"price": True}, 13.0),
                  message("client#1", {"other": 1}, 14.0), message("client#1", "not json", 15.0),
                  message("client#1", b'{"price": 9}', 16.0, Opcode.BINARY),
                  message("client#1", '{"price": NaN}', 17.0), message("client#1", {"price": 10 ** 400}, 18.0),
                  message("client#1", {"price": -3}, 19.0)])
    series = FieldSeries(store, " $.price ")
    assert series.catch_up() and series.next_row == store.end and series.behind == 0
    assert list(series.series) == ["client#1", "client#2"]
    assert list(series.series["client#1"].times) == [10.0, 19.0]
    assert list(series.series["client#1"].values) == [1.5, -3.0]
    assert list(series.series["client#2"].values) == [7.0]
    assert series.read == 9  # text messages; the binary one is not read
    assert not series.catch_up()  # nothing new
    store.extend([message("client#2", {"price": 8}, 20.0)])
    assert series.catch_up() and list(series.series["client#2"].values) == [7.0, 8.0]


def test_big_messages_are_skipped_and_bad_paths_refused() -> None:
    store = CaptureStore()
    store.extend([message("client#1", {"price": 1, "pad": "x" * PARSE_LIMIT}, 1.0), message("client#1", {"price": 2}, 2.0)])
    series = FieldSeries(store, "$.price")
    series.catch_up()
    assert list(series.series["client#1"].values) == [2.0] and series.skipped == 1
    with pytest.raises(FilterError):
        FieldSeries(store, "$[")


def test_reading_is_bounded_in_time_and_resumes_where_it_stopped() -> None:
    store = CaptureStore()
    store.extend([message("client#1", {"n": n}, float(n)) for n in range(20_000)])
    series = FieldSeries(store, "$.n")
    assert series.next_row == 10_000  # the last HISTORY_ROWS rows stored before the plot opened
    series.catch_up(budget=0)  # one message parsed, then the clock says stop
    assert series.next_row == 10_001 and series.behind == 9_999
    for _ in range(1000):
        if series.behind == 0:
            break
        series.catch_up()
    assert list(series.series["client#1"].values) == [float(n) for n in range(10_000, 20_000)]


def test_memory_is_bounded(monkeypatch) -> None:
    monkeypatch.setattr(field_series, "MAX_POINTS", 10)
    monkeypatch.setattr(field_series, "MAX_CONNECTIONS", 2)
    store = CaptureStore()
    store.extend([message(f"client#{n % 3}", {"n": n}, float(n)) for n in range(60)])
    series = FieldSeries(store, "$.n")
    series.catch_up(budget=30)  # all of it, however loaded the machine
    assert list(series.series) == ["client#0", "client#1"] and series.not_shown == 20
    assert list(series.series["client#0"].values) == [float(n) for n in range(30, 60, 3)]


def test_one_call_stays_near_its_budget_when_each_message_is_slow_to_search() -> None:
    """A path that walks 13,000 values of each 50 kB message (and finds none) must not hold the GUI thread."""
    store = CaptureStore()
    payload = json.dumps([{"a": 1}] * 6500, separators=(",", ":"))
    assert len(payload) < PARSE_LIMIT
    store.extend([message("client#1", payload, float(at)) for at in range(40)])
    series = FieldSeries(store, "$..b")
    started = time.perf_counter()
    series.catch_up(budget=0.003)
    assert time.perf_counter() - started < 0.25  # one message's walk past the budget, not a slice of 64
    assert 0 < series.next_row < store.end
    for _ in range(store.end):  # each call reads on from where the last stopped
        if series.behind == 0:
            break
        series.catch_up(budget=0.003)
    assert series.behind == 0 and series.read == 40 and not series.series

"""The filter language and the view it drives."""

from __future__ import annotations

import pytest

from app.core.capture import CaptureStore
from app.core.filters import FilterError, compile_filter
from app.core.frames import Direction, Frame, Opcode, Side
from app.core.view import View


@pytest.fixture
def store() -> CaptureStore:
    store = CaptureStore()
    store.extend([
        Frame("client#1", Side.CLIENT, Direction.SENT, Opcode.TEXT, '{"action": "Subscribe", "topic": "prices"}'),
        Frame("server#1", Side.SERVER, Direction.RECEIVED, Opcode.TEXT, '{"action": "subscribe"}'),
        Frame("server#1", Side.SERVER, Direction.SENT, Opcode.BINARY, b"\xde\xad\xbe\xef"),
        Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.CLOSE, '{"code": 1000}'),
        Frame("client#12", Side.CLIENT, Direction.EVENT, Opcode.OPEN, '{"url": "ws://x"}'),
        Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, '{"note": "déjà Vu"}'),
    ])
    return store


def matching(store: CaptureStore, expression: str) -> list[int]:
    predicate = compile_filter(expression)
    assert predicate is not None
    return [row for row in range(len(store)) if predicate(store, row)]


@pytest.mark.parametrize("expression, rows", [
    ("subscribe", [0, 1]),
    ("SUBSCRIBE prices", [0]),
    ('"déjà vu"', [5]),
    ("'\"action\": \"subscribe\"'", [0, 1]),
    ("/\"topic\":\\s*\"pri/", [0]),
    ("dir:sent", [0, 2]),
    ("dir:event", [4]),
    ("op:binary|close", [2, 3]),
    ("conn:client#1", [0, 3, 4, 5]),
    ("conn:server#1 -op:binary", [1]),
    ("de ad", [2]),
    ("DÉJÀ", [5]),
])
def test_terms_select_the_expected_rows(store: CaptureStore, expression: str, rows: list[int]) -> None:
    assert matching(store, expression) == rows


@pytest.mark.parametrize("expression, rows", [
    ("$.action", [0, 1]),
    ("$.action == 'subscribe'", [1]),
    ('$.action == "Subscribe"', [0]),
    ("$.action=='Subscribe'", [0]),
    ("$.action =~ /subscribe/i", [0, 1]),
    ("$.code >= 1000", [3]),
    ("$.code < 1000", []),
    ("$[?@ == 'prices']", [0]),
    ("-$.action", [2, 3, 4, 5]),
    ("$.action dir:received", [1]),
    ("$.action -conn:server", [0]),
    ("prices $.topic", [0]),
    ("'$.action'", []),
])
def test_jsonpath_terms_select_the_expected_rows(store: CaptureStore, expression: str, rows: list[int]) -> None:
    assert matching(store, expression) == rows


def test_non_json_rows_never_match_a_jsonpath_term() -> None:
    store = CaptureStore()
    store.extend([
        Frame("c", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, "not json {"),
        Frame("c", Side.CLIENT, Direction.RECEIVED, Opcode.BINARY, b'{"a": 1}'),
        Frame("c", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, '{"a": 1}'),
        Frame("c", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, "[" * 100_000),
        Frame("c", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, "null"),
    ])
    assert matching(store, "$.a") == [2]
    assert matching(store, "$") == [2, 4]  # the JSON document null is JSON
    assert matching(store, "-$.a") == [0, 1, 3, 4]
    assert matching(store, "$.a == 1 /a/") == [2]  # one decode serves both terms


@pytest.mark.parametrize("expression, message", [
    ("$..[", "Bad JSONPath \\$..\\[: unexpected end of query"),
    ("$.a ==", "needs a value to compare with"),
    ("$.a == nope", "Bad JSONPath comparison"),
    ("/[unclosed/", "Bad regular expression"),
    ("dir:sideways", "dir: takes sent, received or event"),
    ("op:text|jpeg", "not jpeg"),
    ("conn:", "needs a connection name"),
    ('"open quote', "Unbalanced quotes"),
])
def test_bad_expressions_say_what_to_fix(expression: str, message: str) -> None:
    with pytest.raises(FilterError, match=message):
        compile_filter(expression)


def test_empty_expression_shows_everything() -> None:
    assert compile_filter("   ") is None


def test_view_refilters_in_chunks_and_keeps_up_with_new_rows(store: CaptureStore) -> None:
    view = View(store)
    assert view.catch_up() == 6 and len(view) == 6 and view.store_row(3) == 3
    steps = list(view.refilter_steps(compile_filter("dir:received"), chunk=2))
    assert steps == [2 / 6, 4 / 6, 1.0]
    assert list(view.rows or []) == [1, 3, 5] and view.store_row(1) == 3
    store.extend([Frame("c", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, "{}"),
                  Frame("c", Side.CLIENT, Direction.SENT, Opcode.TEXT, "{}")])
    assert view.catch_up() == 1 and list(view.rows or []) == [1, 3, 5, 6]
    list(view.refilter_steps(None))
    assert view.rows is None and len(view) == 8 and view.catch_up() == 0


def test_view_shows_the_old_rows_until_a_refilter_completes(store: CaptureStore) -> None:
    view = View(store)
    view.catch_up()
    steps = view.refilter_steps(compile_filter("dir:sent"), chunk=3)
    next(steps)
    assert len(view) == 6  # unchanged mid-way
    list(steps)
    assert len(view) == 2


def test_a_million_rows_refilter_in_bounded_chunks() -> None:
    store = CaptureStore()
    frame = Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, '{"type": "tick", "seq": 1}')
    store.extend([frame] * 1_000_000)
    view = View(store)
    view.catch_up()
    steps = list(view.refilter_steps(compile_filter("tick dir:received"), budget=None))
    assert len(steps) == 40 and len(view) == 1_000_000


def test_a_slow_filter_yields_when_its_time_budget_is_spent(store: CaptureStore) -> None:
    """Each step stops after `budget` seconds, however few rows it managed."""
    many = CaptureStore()
    many.extend([store.frame(0)] * 5_000)
    view = View(many)
    steps = list(view.refilter_steps(compile_filter("$.action == 'Subscribe'"), budget=0.0))
    assert len(steps) >= 5_000 // 256 and steps[-1] == 1.0 and len(view) == 5_000

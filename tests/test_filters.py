"""The filter language and the view it drives."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.capture import CaptureStore
from app.core.filters import (
    OPERATORS,
    README_BEGIN,
    README_END,
    TERMS,
    Node,
    RowCache,
    RowPredicate,
    TermKind,
    Token,
    compile_filter,
    compile_tree,
    help_line,
    help_tooltip,
    parse,
    readme_section,
)
from app.core.frames import Direction, Frame, Opcode, Side
from app.core.json_query import FilterError
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


# --- Or, groups and negated groups ------------------------------------------------------------------

@pytest.mark.parametrize("expression, rows", [
    ("dir:event | op:binary", [2, 4]),
    ("dir:sent | dir:received dir:event", [0, 2]),  # space binds tighter than |
    ("dir:received conn:client | op:binary", [2, 3, 5]),
    ("(dir:sent | dir:received) conn:client#1", [0, 3, 5]),
    ("conn:client#1 (subscribe | $.code == 1000)", [0, 3]),
    ("-(dir:sent | dir:event)", [1, 3, 5]),
    ("-(conn:client -dir:received)", [1, 2, 3, 5]),
    ("((op:binary))", [2]),
    ("(dir:sent (op:binary | prices)) | vu", [0, 2, 5]),
    ("--op:binary", [2]),
    ("-(-op:binary)", [2]),
    ("op:binary|close", [2, 3]),  # | inside a word belongs to it
    ("op:binary| dir:event", [2, 4]),  # ... but not at its end
    ("op:binary |dir:event", [2, 4]),
    ("($.action=='subscribe'|$.code>=1000)", [1, 3]),
    ("($.action)", [0, 1]),
    ("$.action| dir:event", [0, 1, 4]),
    ("$.code|$.url", [3, 4]),  # | ends a query too
    ("$.action -($.action == 'Subscribe')", [1]),
])
def test_or_groups_and_negated_groups_select_the_expected_rows(
        store: CaptureStore, expression: str, rows: list[int]) -> None:
    assert matching(store, expression) == rows


def test_the_issues_example_combines_every_operator() -> None:
    store = CaptureStore()
    store.extend([
        Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, '{"type": "trade", "note": "heartbeat"}'),
        Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, '{"type": "trade"}'),
        Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, '{"type": "quote"}'),
        Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, '{"type": "news"}'),
        Frame("client#2", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, '{"type": "trade"}'),
        Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.BINARY, b'{"type": "trade"}'),
    ])
    expression = "conn:client#1 ($.type == 'trade' | $.type == 'quote') -(/heartbeat/ | op:binary)"
    assert matching(store, expression) == [1, 2]


@pytest.mark.parametrize("expression, rows", [
    ('"a | b"', [1]),
    ("'(x)'", [2]),
    ('-"a | b"', [0, 2, 3]),
    ("/b \\| \\(/", [3]),
    ("/\\(x\\)/ | 'a | b'", [1, 2]),
    ("(/\\(x\\)/)", [2]),
    ("f(x)", [2]),  # a word keeps the parentheses it opens
    ("(f(x))", [2]),
])
def test_phrases_regexes_and_words_may_hold_the_operators(expression: str, rows: list[int]) -> None:
    store = CaptureStore()
    store.extend([Frame("c", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, text)
                  for text in ("plain", "say a | b", "call f(x)", "b | (")])
    assert matching(store, expression) == rows


@pytest.mark.parametrize("expression, message", [
    ("dir:sent (op:text", "column 10: unclosed parenthesis"),
    ("conn:client#1 ($.type == 'trade' | $.type == 'quote'", "column 15: unclosed parenthesis"),
    ("(a (b) c", "column 1: unclosed parenthesis"),
    ("a b)", "column 4: '\\)' without a '\\(' before it"),
    ("a | ", "column 3: nothing after '\\|'"),
    ("a | | b", "column 3: nothing after '\\|'"),
    ("(a |) b", "column 4: nothing after '\\|'"),
    ("| a", "column 1: nothing before '\\|'"),
    ("(| a)", "column 2: nothing before '\\|'"),
    ("x ()", "column 3: nothing inside the parentheses"),
    ("x -()", "column 4: nothing inside the parentheses"),
    ("ok (a | /[bad/)", "column 9: Bad regular expression"),
    ("ok | dir:up", "column 6: dir: takes"),
    ("a | 'open", "column 5: Unbalanced quotes"),
    ("x $.a&$.b", "column 3: Bad JSONPath \\$.a&\\$.b: one query at a time"),
])
def test_errors_name_the_column(expression: str, message: str) -> None:
    with pytest.raises(FilterError, match=f"^{message}"):
        compile_filter(expression)


@pytest.mark.parametrize("expression, tree", [
    ("a b | c", ("or", [("and", ["a", "b"]), "c"])),
    ("a (b | c)", ("and", ["a", ("or", ["b", "c"])])),
    ("a | b c | d", ("or", ["a", ("and", ["b", "c"]), "d"])),
    ("-a -(b | -c)", ("and", [("not", ["a"]), ("not", [("or", ["b", ("not", ["c"])])])])),
    ("((a))", "a"),
    ("- a", ("and", ["-", "a"])),  # a lone - is a word
    ('"x | y" (/a b/)', ("and", ["x | y", "/a b/"])),
])
def test_precedence_and_nesting(expression: str, tree: object) -> None:
    def shape(node: Node | None) -> object:
        if isinstance(node, Token):
            return node.text
        assert node is not None
        operator, children = node
        return operator, [shape(child) for child in children]
    assert shape(parse(expression)) == tree


def test_an_and_tries_column_terms_before_payload_scans_and_parses() -> None:
    """Costlier terms are not even asked once a cheaper one has ruled the row out, whatever the order written."""
    store = CaptureStore()
    store.extend([Frame("c", Side.CLIENT, Direction.SENT, Opcode.TEXT, '{"a": 1}')])
    asked: list[str] = []

    def spied(kind: TermKind) -> TermKind:
        def compile_term(token: str, rows: RowCache) -> RowPredicate:
            inner = kind.compile(token, rows)

            def predicate(store: CaptureStore, row: int) -> bool:
                asked.append(kind.name)
                return inner(store, row)
            return predicate
        return dataclasses.replace(kind, compile=compile_term)

    def spy(node: Node) -> Node:
        if isinstance(node, Token):
            assert node.kind is not None
            return dataclasses.replace(node, kind=spied(node.kind))
        return node[0], [spy(child) for child in node[1]]

    tree = parse("$.a == 1 (a | $.a) dir:received")
    assert tree is not None
    predicate = compile_tree(spy(tree))
    assert predicate(store, 0) is False and asked == ["direction"]
    asked.clear()
    assert compile_tree(spy(parse("$.a == 1 -a dir:sent")))(store, 0) is False
    assert asked == ["direction", "word"]  # then the word rules it out before the parse


# --- Random trees against a direct evaluation -----------------------------------------------------

FRAME_PARTS: list[tuple[Direction, Opcode, str | bytes]] = [
        (Direction.SENT, Opcode.TEXT, '{"n": 1, "word": "alpha"}'),
        (Direction.RECEIVED, Opcode.TEXT, '{"n": 2, "word": "beta"}'),
        (Direction.RECEIVED, Opcode.TEXT, "alpha beta"),
        (Direction.SENT, Opcode.BINARY, b"\x01\x02"),
        (Direction.EVENT, Opcode.OPEN, '{"url": "ws://x"}'),
        (Direction.RECEIVED, Opcode.TEXT, '{"n": 3}'),
        (Direction.SENT, Opcode.TEXT, "gamma (alpha | beta)"),
]
FRAMES = [Frame(f"client#{n % 3}", Side.CLIENT, direction, opcode, payload)
          for n, (direction, opcode, payload) in enumerate(FRAME_PARTS)]
# (expression, direct test of a frame)
SIMPLE_TERMS = [
    ("dir:sent", lambda f: f.direction == Direction.SENT),
    ("dir:received", lambda f: f.direction == Direction.RECEIVED),
    ("op:text|binary", lambda f: f.opcode in (Opcode.TEXT, Opcode.BINARY)),
    ("conn:client#1", lambda f: f.connection == "client#1"),
    ("alpha", lambda f: isinstance(f.payload, str) and "alpha" in f.payload),
    ("BETA", lambda f: isinstance(f.payload, str) and "beta" in f.payload),
    ('"a | b"', lambda f: isinstance(f.payload, str) and "a | b" in f.payload),
    ("/\\(al/", lambda f: isinstance(f.payload, str) and "(al" in f.payload),
    ("$.n >= 2", lambda f: isinstance(f.payload, str) and f.payload.startswith("{")
     and json.loads(f.payload).get("n", 0) >= 2),
    ("$.word", lambda f: isinstance(f.payload, str) and f.payload.startswith("{") and "word" in json.loads(f.payload)),
]


def trees() -> st.SearchStrategy[Any]:
    """A term's index into SIMPLE_TERMS, ("not", tree), or ("and" | "or", [trees])."""
    leaf = st.integers(0, len(SIMPLE_TERMS) - 1)
    return st.recursive(leaf, lambda children: st.one_of(
        st.tuples(st.just("not"), children),
        st.tuples(st.sampled_from(["and", "or"]), st.lists(children, min_size=2, max_size=3)),
    ), max_leaves=8)


def render(tree: Any, spaces: st.DataObject) -> str:
    """The tree as an expression, with optional parentheses and spacing where they change nothing."""
    pad = spaces.draw(st.sampled_from(["", " ", "  "]))
    if isinstance(tree, int):
        text = SIMPLE_TERMS[tree][0]
        return f"({pad}{text}{pad})" if spaces.draw(st.booleans()) else text
    operator, operands = tree
    if operator == "not":
        return f"-({pad}{render(operands, spaces)}{pad})"
    # `|` needs a space on at least one side: `a|b` is one word, as `op:text|binary` is.
    separator = " " if operator == "and" else spaces.draw(st.sampled_from([" | ", " |", "| "]))
    inner = separator.join(render(child, spaces) for child in operands)
    return f"({pad}{inner}{pad})"


def evaluate(tree: Any, frame: Frame) -> bool:
    if isinstance(tree, int):
        return bool(SIMPLE_TERMS[tree][1](frame))
    operator, operands = tree
    if operator == "not":
        return not evaluate(operands, frame)
    results = [evaluate(child, frame) for child in operands]
    return all(results) if operator == "and" else any(results)


@settings(max_examples=300, deadline=None)
@given(tree=trees(), spaces=st.data())
def test_random_trees_match_a_direct_evaluation(tree: object, spaces: st.DataObject) -> None:
    store = CaptureStore()
    store.extend(FRAMES)
    expression = render(tree, spaces)
    expected = [row for row, frame in enumerate(FRAMES) if evaluate(tree, frame)]
    assert matching(store, expression) == expected, expression


# --- The help, generated from the registry ---------------------------------------------------------

def test_the_help_names_every_term_kind_and_operator() -> None:
    tooltip, line = help_tooltip(), help_line()
    for kind in TERMS:
        assert kind.brief in line
        for example, meaning in kind.forms:
            assert example in tooltip and meaning in tooltip
    for example, meaning in OPERATORS:
        assert example in tooltip and meaning in tooltip
    assert "a | b" in line


def test_readme_filter_table_is_the_one_the_registry_generates() -> None:
    """Regenerate it with `python -m app.core.filters` when the language changes."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    begin, end = readme.index(README_BEGIN), readme.index(README_END) + len(README_END)
    in_readme = readme[readme.rindex("\n", 0, begin) + 1:end]
    assert in_readme == readme_section()


def test_the_table_printer_prints_the_readme_section() -> None:
    result = subprocess.run([sys.executable, "-m", "app.core.filters"], capture_output=True, text=True,
                            timeout=30, cwd=Path(__file__).resolve().parent.parent)
    assert result.returncode == 0, result.stderr
    assert result.stdout == readme_section() + "\n"


@pytest.mark.parametrize("expression, rows", [
    ("$.n is number", [0, 1]),
    ("$.n is integer", [0]),
    ("$.n is string", [2]),
    ("$.n is boolean", [3]),
    ("$.n is null", [4]),
    ("$.m.k is array", [0]),
    ("$.m is object", [0]),
    ("$.absent is null", []),
    ("-$.n is number", [2, 3, 4, 5]),
    ("$.n is number | $.n is string", [0, 1, 2]),
    ("($.n is boolean)", [3]),
])
def test_a_type_term_checks_the_json_type_of_the_value_found(expression: str, rows: list[int]) -> None:
    store = CaptureStore()
    store.extend([Frame("c", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, text) for text in (
        '{"n": 7, "m": {"k": []}}', '{"n": 1.5}', '{"n": "7"}', '{"n": true}', '{"n": null}', "not json")])
    assert matching(store, expression) == rows


def test_a_type_term_names_the_types_it_knows() -> None:
    with pytest.raises(FilterError, match=r"\$.n is text: the type is one of string, number, integer"):
        compile_filter("$.n is text")

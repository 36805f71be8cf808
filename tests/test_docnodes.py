"""Answers about a parsed document, page by page: the same for small and big documents."""

from __future__ import annotations

import pytest

from app.core import docnodes, jsondoc
from app.core.docnodes import LocalDocument
from tests.helpers import CORPUS


def document(text: str) -> LocalDocument:
    parsed = jsondoc.parse(text, allow_nonstandard=True)
    return LocalDocument(parsed.value, parsed.warnings)


def test_children_come_in_pages_with_duplicates_flagged_in_order() -> None:
    doc = document('{"a": 1, "b": [1, 2, 3], "a": {"x": null}, "a": "s"}')
    rows = doc.children((), 0, 2) + doc.children((), 2, 10)
    assert [(r.key, r.kind, r.preview, r.count) for r in rows] == [
        ("a", "number", "1", 0), ("b", "array", "[3 items]", 3), ("a", "object", "{1 key}", 1),
        ("a", "string", '"s"', 0),
    ]
    assert [r.warning is not None for r in rows] == [False, False, True, True]
    assert rows[2].warning.startswith("Duplicate key 'a'")
    assert [r.key for r in doc.children((1,), 1, 5)] == [1, 2]


def test_odd_values_are_flagged() -> None:
    doc = document('[9007199254740993, 9007199254740991, NaN, -Infinity, 1e400, "x\\ud800"]')
    rows = doc.children((), 0, 10)
    assert "2^53" in rows[0].warning and rows[1].warning is None
    assert "not standard" in rows[2].warning and rows[3].preview == "-Infinity"
    assert rows[4].preview == "1e400" and "literal" in rows[4].warning
    assert rows[5].preview == '"x\\ud800"'
    assert doc.copy_text((5,)) == ("x\\ud800", False)


def test_json_paths() -> None:
    assert docnodes.json_path([]) == "$"
    assert docnodes.json_path(["data", "items", 3, "id"]) == "$.data.items[3].id"
    assert docnodes.json_path(["key with space", "it's", "back\\slash"]) == (
        "$['key with space']['it\\'s']['back\\\\slash']"
    )


def test_find_returns_matches_in_tree_order_and_caps() -> None:
    doc = document('{"user": {"name": "Alice", "tags": ["admin", "x"]}, "Names": [1, "alice2"], "n": true}')
    found = doc.find("NAME")
    assert found.paths == [(0, 0), (1,)] and not found.capped
    assert doc.find("alice").paths == [(0, 0), (1, 1)]
    assert doc.find("true").paths == [(2,)]
    capped = doc.find("a", limit=2)
    assert len(capped.paths) == 2 and capped.capped


def test_copy_text_is_capped_with_a_flag() -> None:
    doc = document('{"items": [' + ",".join(['"abcdefghij"'] * 1000) + "]}")
    text, cut = doc.copy_text((0,), limit=100)
    assert cut and len(text) == 100
    full, cut = doc.copy_text(())
    assert not cut and jsondoc.parse(full).value == doc.root


def test_scan_warnings_matches_the_parser() -> None:
    text = '{"a": [1, {"k": 1, "k": 2}], "big": -9007199254740993}'
    fast, complete = jsondoc.parse_large(text)
    assert not complete
    scanned = LocalDocument(fast.value, fast.warnings, scanned=False).warnings()
    assert sorted(scanned) == sorted(jsondoc.parse(text).warnings)


def test_deep_documents_are_walked_without_recursion() -> None:
    doc = document("[" * 5000 + '"needle"' + "]" * 5000)
    found = doc.find("needle")
    assert found.paths == [(0,) * 5000]
    assert doc.children((0,) * 4999, 0, 5)[0].preview == '"needle"'


@pytest.mark.parametrize("prefix", ["y", "i"])
def test_fast_parse_equals_the_careful_one_on_the_corpus(prefix: str) -> None:
    for path in sorted(CORPUS.glob(f"{prefix}_*.json")):
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            continue  # not text: shown as a binary frame, never parsed
        try:
            careful = jsondoc.parse(text, allow_nonstandard=True)
        except jsondoc.JsonSyntaxError:
            with pytest.raises(jsondoc.JsonSyntaxError):
                jsondoc.parse_large(text)
            continue
        fast, complete = jsondoc.parse_large(text)
        assert jsondoc.dumps(fast.value) == jsondoc.dumps(careful.value), path.name
        warnings = LocalDocument(fast.value, fast.warnings, scanned=complete).warnings()
        assert bool(warnings) == bool(careful.warnings), path.name


def test_expand_plan_is_breadth_first_and_stops_at_the_limit() -> None:
    doc = document('{"a": [1, {"b": [2, 3]}], "c": {"d": null}}')
    plan, limited = doc.expand_plan(100)
    assert not limited
    assert [(step.parent, step.row, [r.key for r in step.rows]) for step in plan] == [
        (-1, 0, ["a", "c"]), (0, 0, [0, 1]), (0, 1, ["d"]), (1, 1, ["b"]), (3, 0, [0, 1]),
    ]
    plan, limited = doc.expand_plan(3)
    assert limited and sum(len(step.rows) for step in plan) == 3


def test_deep_matches_share_their_paths_prefix() -> None:
    """A thousand matches 5,000 levels down store 5,000 + 1,000 positions, not five million."""
    doc = document("[" * 5000 + ",".join(['"x"'] * 1000) + "]" * 5000)
    found = doc.find("x")
    assert len(found) == 1000 and not found.capped
    assert len(found.positions) == len(found.parents) == 4999 + 1000
    assert found.path(0) == (0,) * 4999 + (0,) and found.path(999) == (0,) * 4999 + (999,)


def test_a_node_path_is_not_named_like_a_file_path() -> None:
    """`docnodes.NodePath` and `pathlib.Path` can be imported side by side without renaming either."""
    assert docnodes.NodePath == tuple[int, ...]
    assert not hasattr(docnodes, "Path")

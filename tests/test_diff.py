"""Structural differences between two JSON values, and line differences between two texts."""

from __future__ import annotations

from typing import Any

import pytest

from app.core import jsondoc
from app.core.comparison import compare_payloads
from app.core.diff import MAX_CHANGES, diff_lines, diff_values, format_path
from app.core.frames import Opcode


def parse(text: str) -> Any:
    return jsondoc.parse(text).value


def changes(left: str, right: str) -> list[tuple[str, str, Any, Any]]:
    return [(c.path, c.kind, c.left, c.right) for c in diff_values(parse(left), parse(right)).changes]


def nested(depth: int, leaf: Any) -> list:
    root: list = []
    node = root
    for _ in range(depth - 1):
        child: list = []
        node.append(child)
        node = child
    node.append(leaf)
    return root


def test_identical_documents_have_no_changes() -> None:
    text = '{"a": [1, {"b": null}], "a": "dup", "big": 18446744073709551617, "x": 1e400}'
    result = diff_values(parse(text), parse(text))
    assert result.changes == [] and not result.truncated
    assert result.summary() == "No differences"


def test_added_removed_and_changed_members() -> None:
    assert changes('{"a": 1, "b": 2}', '{"a": 3, "c": 4}') == [
        ("$.a", "changed", 1, 3), ("$.b", "removed", 2, None), ("$.c", "added", None, 4),
    ]


def test_type_changes_are_their_own_kind() -> None:
    found = changes('{"a": "1", "b": [], "c": null, "d": true}', '{"a": 1, "b": {}, "c": false, "d": 1}')
    assert [(path, kind) for path, kind, _, _ in found] == [
        ("$.a", "type-changed"), ("$.b", "type-changed"), ("$.c", "type-changed"), ("$.d", "type-changed"),
    ]
    assert isinstance(found[1][3], jsondoc.JsonObject) and not isinstance(found[1][2], jsondoc.JsonObject)
    assert (found[2][2], found[2][3], found[3][2], found[3][3]) == (None, False, True, 1)


def test_nested_changes_carry_their_full_path_and_locations() -> None:
    result = diff_values(parse('{"user": {"tags": ["a", "b"], "odd key": 1}}'),
                         parse('{"user": {"tags": ["a", "c"], "odd key": 2}}'))
    assert [c.path for c in result.changes] == ["$.user.tags[1]", "$.user['odd key']"]
    assert result.changes[0].left_location == (("user", 1), ("tags", 1), 1)


def test_longer_and_shorter_arrays() -> None:
    assert changes("[1, 2]", "[1, 2, 3, 4]") == [("$[2]", "added", None, 3), ("$[3]", "added", None, 4)]
    assert changes("[1, 2, 3]", "[1]") == [("$[1]", "removed", 2, None), ("$[2]", "removed", 3, None)]


def test_an_element_inserted_in_a_short_array_is_one_change() -> None:
    assert changes('[{"id": 1}, {"id": 2}, {"id": 3}]', '[{"id": 0}, {"id": 1}, {"id": 2}, {"id": 3}]') == [
        ("$[0]", "added", None, parse('{"id": 0}')),
    ]


def test_duplicate_keys_are_compared_by_occurrence() -> None:
    assert changes('{"a": 1, "a": 2}', '{"a": 1, "a": 3, "a": 4}') == [
        ("$.a#2", "changed", 2, 3), ("$.a#3", "added", None, 4),
    ]
    assert changes('{"a": 1, "a": 2}', '{"a": 2}') == [("$.a", "changed", 1, 2), ("$.a#2", "removed", 2, None)]


def test_big_integers_are_compared_exactly() -> None:
    assert changes("[18446744073709551617]", "[18446744073709551617]") == []
    assert changes("[18446744073709551617]", "[18446744073709551616]") == [
        ("$[0]", "changed", 2**64 + 1, 2**64),
    ]
    assert changes("[1e400]", "[1E400]") == [("$[0]", "changed", "1e400", "1E400")]
    assert changes("[1]", "[1.0]") == [("$[0]", "changed", 1, 1.0)]


def test_5000_deep_documents_compare_without_recursion_error() -> None:
    result = diff_values(nested(5000, 1), nested(5000, 2))
    assert len(result.changes) == 1
    assert result.changes[0].path == "$" + "[0]" * 5000
    assert diff_values(nested(5000, 1), nested(5000, 1)).changes == []


def test_output_stops_at_the_limit_and_says_so() -> None:
    result = diff_values(list(range(MAX_CHANGES + 5)), [-1] * (MAX_CHANGES + 5))
    assert len(result.changes) == MAX_CHANGES and result.truncated
    assert "stopped" in result.summary()


def test_paths_are_jsonpath() -> None:
    assert format_path(()) == "$"
    assert format_path((("a", 1), 0, ("it's", 1), ("b", 3))) == "$.a[0]['it\\'s'].b#3"


@pytest.mark.parametrize("left, right, expected", [
    ("a\nb\nc", "a\nB\nc", [("line 2", "changed", "b", "B")]),
    ("a\nb", "a\nb\nc\nd", [("lines 3–4", "added", None, "c\nd")]),
    ("a\nb\nc", "c", [("lines 1–2", "removed", "a\nb", None)]),
    ("same", "same", []),
])
def test_non_json_texts_are_compared_by_lines(left: str, right: str, expected: list) -> None:
    result = diff_lines(left.split("\n"), right.split("\n"))
    assert [(c.path, c.kind, c.left, c.right) for c in result.changes] == expected


def test_comparison_aligns_printed_documents_and_marks_changed_lines() -> None:
    left = '{"id": 1, "tags": ["a"], "gone": true, "big": 18446744073709551617}'
    right = '{"id": 2, "tags": ["a", "b"], "big": 18446744073709551617, "new": {"x": null}}'
    comparison = compare_payloads((Opcode.TEXT, left), (Opcode.TEXT, right))
    assert comparison.as_json
    assert [c.path for c in comparison.differences.changes] == ["$.id", "$.tags[1]", "$.gone", "$.new"]
    pairs = [(comparison.left_lines[i] if i is not None else None, comparison.right_lines[j] if j is not None else None)
             for i, j in comparison.rows]
    assert ('  "id": 1,', '  "id": 2,') in pairs
    assert ('  "gone": true,', None) in pairs
    assert (None, '    "b"') in pairs
    assert ('  "big": 18446744073709551617', '  "big": 18446744073709551617,') in pairs
    marked_right = {comparison.right_lines[j]: kind for j, kind in comparison.right_marks.items()}
    assert marked_right == {'  "id": 2,': "changed", '    "b"': "added", '  "new": {': "added",
                            '    "x": null': "added", "  }": "added"}
    first_row = comparison.rows[comparison.change_rows[2]]
    assert comparison.left_lines[first_row[0]] == '  "gone": true,'
    assert comparison.notes[0] == "4 differences"


def test_comparison_of_text_messages_says_why() -> None:
    comparison = compare_payloads((Opcode.TEXT, "hello\nworld"), (Opcode.TEXT, '{"a": 1}'))
    assert not comparison.as_json
    assert comparison.notes[1].startswith("Compared as text: the left message is not JSON")
    assert [c.kind for c in comparison.differences.changes] == ["changed"]

"""Pretty text parses back to the value printed, each location's lines hold its value, at any depth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.core import jsondoc, pretty
from app.core.pretty import LineKeys, Location, LocationTrie
from tests.helpers import CORPUS


def accepted_corpus() -> list[Path]:
    files = sorted(CORPUS.glob("y_*.json"))
    assert files, f"JSONTestSuite not found at {CORPUS}"
    return files


def every_location(value: Any) -> list[tuple[Location, Any]]:
    """Each location in the value with the value there, in document order."""
    found: list[tuple[Location, Any]] = []
    stack: list[tuple[Location, Any]] = [((), value)]
    while stack:
        location, item = stack.pop()
        found.append((location, item))
        stack.extend((location + (segment,), child) for segment, child in reversed(pretty.members(item) or []))
    return found


def member_text(lines: list[str], span: tuple[int, int], location: Location) -> str:
    """The value's own text within its lines: without indentation, key and trailing comma."""
    text = "\n".join(lines[span[0]:span[1] + 1]).lstrip(" ")
    if location and not isinstance(location[-1], int):
        key = jsondoc.json_string(location[-1][0]) + ": "
        assert text.startswith(key)
        text = text[len(key):]
    return text.removesuffix(",")


@pytest.mark.parametrize("path", accepted_corpus(), ids=lambda p: p.name)
def test_each_location_spans_the_lines_of_its_value(path: Path) -> None:
    value = jsondoc.parse(jsondoc.decode_utf8(path.read_bytes())).value
    located = every_location(value)
    keys = LineKeys({})
    lines, spans = pretty.pretty_lines(value, wanted=LocationTrie(loc for loc, _ in located), keys=keys)
    assert jsondoc.parse("\n".join(lines)).value == value
    assert spans[()] == (0, len(lines) - 1)
    for location, item in located:
        assert jsondoc.dumps(jsondoc.parse(member_text(lines, spans[location], location)).value) == \
            jsondoc.dumps(item), location
    # One key a line; a container's closing line has its opening line's key, negated minus one.
    assert len(keys.lines) == len(lines)
    for first, last in spans.values():
        if last > first:
            assert keys.lines[last] == -1 - keys.lines[first]


def test_duplicates_big_integers_and_keys_with_colons_survive() -> None:
    text = '{"a": 1, "a": 18446744073709551617, "k: v": [1e400]}'
    value = jsondoc.parse(text).value
    assert pretty.compact(value) == '{"a":1,"a":18446744073709551617,"k: v":[1e400]}'
    assert jsondoc.parse(pretty.pretty(value)).value == value


def test_printed_by_the_one_writer() -> None:
    """Pretty and compact text come from `jsondoc`'s writer, so a dict prints as a JSON object there too."""
    value = {"a": [1, {"b": None}], "c": {}}
    expected = '{\n  "a": [\n    1,\n    {\n      "b": null\n    }\n  ],\n  "c": {}\n}'
    assert jsondoc.dumps(value) == pretty.pretty(value) == expected
    assert jsondoc.dumps(value, indent=None) == pretty.compact(value) == '{"a":[1,{"b":null}],"c":{}}'
    assert pretty.scalar_text is jsondoc.scalar_text


def test_deep_documents_print() -> None:
    value = jsondoc.parse("[" * 100_000 + "]" * 100_000).value
    lines, spans = pretty.pretty_lines(value, wanted=LocationTrie([(0,) * 99_999]), keys=LineKeys({}))
    assert len(lines) == 199_999 and lines[99_999] == " " * (2 * jsondoc.MAX_INDENT_LEVEL) + "[]"  # indent capped
    assert spans[(0,) * 99_999] == (99_999, 99_999)
    assert pretty.compact(value) == "[" * 100_000 + "]" * 100_000


def test_spans_of_wanted_locations() -> None:
    value = jsondoc.parse('{"a": 1, "b": {"c": [true, false]}, "a": 2}').value
    wanted = [(("a", 2),), (("b", 1),), (("b", 1), ("c", 1), 1), (("missing", 1),)]
    lines, spans = pretty.pretty_lines(value, wanted=LocationTrie(wanted))
    assert lines[spans[(("a", 2),)][0]] == '  "a": 2'
    assert spans[(("b", 1),)] == (2, 7)
    assert lines[spans[(("b", 1), ("c", 1), 1)][0]].strip() == "false"
    assert (("missing", 1),) not in spans

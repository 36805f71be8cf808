"""The iterative printer writes what jsondoc.dumps writes, at any depth, and finds a path's lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core import jsondoc, pretty
from app.core.pretty import LocationTrie
from tests.helpers import CORPUS


def parsed_corpus() -> list[Path]:
    files = sorted(CORPUS.glob("[yi]_*.json"))
    assert files, f"JSONTestSuite not found at {CORPUS}"
    return files


@pytest.mark.parametrize("path", parsed_corpus(), ids=lambda p: p.name)
def test_same_text_as_jsondoc_dumps(path: Path) -> None:
    try:
        value = jsondoc.parse(jsondoc.decode_utf8(path.read_bytes()), allow_nonstandard=True).value
    except jsondoc.JsonSyntaxError:
        return
    try:
        expected_pretty, expected_compact = jsondoc.dumps(value), jsondoc.dumps(value, indent=None)
    except RecursionError:  # the recursive writer gives up; the printer must not
        assert pretty.compact(value).startswith("[[[")
        return
    assert pretty.pretty(value) == expected_pretty
    assert pretty.compact(value) == expected_compact


def test_duplicates_big_integers_and_keys_with_colons_survive() -> None:
    text = '{"a": 1, "a": 18446744073709551617, "k: v": [1e400]}'
    value = jsondoc.parse(text).value
    assert pretty.compact(value) == '{"a":1,"a":18446744073709551617,"k: v":[1e400]}'
    assert jsondoc.dumps(value, indent=None) == pretty.compact(value)
    assert jsondoc.parse(pretty.pretty(value)).value == value


def test_deep_documents_print() -> None:
    value = jsondoc.parse("[" * 900 + "]" * 900).value
    lines = pretty.pretty(value).split("\n")
    assert len(lines) == 1799 and lines[899] == " " * (2 * jsondoc.MAX_INDENT_LEVEL) + "[]"  # indent capped


def test_spans_of_wanted_locations() -> None:
    value = jsondoc.parse('{"a": 1, "b": {"c": [true, false]}, "a": 2}').value
    wanted = [(("a", 2),), (("b", 1),), (("b", 1), ("c", 1), 1), (("missing", 1),)]
    lines, spans = pretty.pretty_lines(value, wanted=LocationTrie(wanted))
    assert lines[spans[(("a", 2),)][0]] == '  "a": 2'
    assert spans[(("b", 1),)] == (2, 7)
    assert lines[spans[(("b", 1), ("c", 1), 1)][0]].strip() == "false"
    assert (("missing", 1),) not in spans

"""Faithful JSON parsing, checked against the JSONTestSuite corpus and the odd cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.core import jsondoc
from app.core.jsondoc import JsonObject, JsonSyntaxError, NumberLiteral
from tests.helpers import CORPUS


def corpus(prefix: str) -> list[Path]:
    files = sorted(CORPUS.glob(f"{prefix}_*.json"))
    assert files, f"JSONTestSuite not found at {CORPUS}"
    return files


def load(path: Path, **options: bool) -> jsondoc.JsonDocument:
    return jsondoc.parse(jsondoc.decode_utf8(path.read_bytes()), **options)


@pytest.mark.parametrize("path", corpus("y"), ids=lambda p: p.name)
def test_valid_corpus_files_parse(path: Path) -> None:
    document = load(path)
    # What we show and what we re-serialise (format, export) is the same document.
    assert jsondoc.parse(jsondoc.dumps(document.value)).value == document.value


@pytest.mark.parametrize("path", corpus("n"), ids=lambda p: p.name)
def test_invalid_corpus_files_are_refused_with_a_position(path: Path) -> None:
    with pytest.raises(JsonSyntaxError) as caught:
        load(path)
    assert caught.value.line >= 1 and caught.value.column >= 1
    assert str(caught.value).startswith("Line ")


@pytest.mark.parametrize("path", corpus("i"), ids=lambda p: p.name)
def test_implementation_defined_files_never_crash(path: Path) -> None:
    try:
        load(path, allow_nonstandard=True)
    except JsonSyntaxError as error:
        assert error.message


def test_error_position_is_line_and_column() -> None:
    with pytest.raises(JsonSyntaxError) as caught:
        jsondoc.parse('{\n  "a": 1,\n  "b": }')
    assert (caught.value.line, caught.value.column) == (3, 8)


def test_duplicate_keys_are_kept_in_order_and_flagged() -> None:
    document = jsondoc.parse('{"a": 1, "b": 2, "a": 3}')
    assert isinstance(document.value, JsonObject)
    assert list(document.value) == [("a", 1), ("b", 2), ("a", 3)]
    assert document.value.get("a") == 3
    assert any("Duplicate key 'a'" in w for w in document.warnings)


def test_integers_beyond_2_53_are_exact_and_flagged() -> None:
    document = jsondoc.parse("[9007199254740993, 12]")
    assert document.value == [9007199254740993, 12]
    assert any("2^53" in w for w in document.warnings)
    assert not jsondoc.parse("[9007199254740991]").warnings


def test_nan_is_refused_strictly_and_flagged_leniently() -> None:
    with pytest.raises(JsonSyntaxError) as caught:
        jsondoc.parse('{"x": NaN}')
    assert caught.value.column == 7
    document = jsondoc.parse('{"x": NaN}', allow_nonstandard=True)
    assert any("NaN" in w for w in document.warnings)


def test_numbers_a_double_cannot_hold_keep_their_text() -> None:
    document = jsondoc.parse("[1e400, 1E-999, 0e-999]")
    assert document.value[:2] == [NumberLiteral("1e400"), NumberLiteral("1E-999")]
    assert document.value[2] == 0.0
    huge = "9" * 5000
    assert jsondoc.parse(f"[{huge}]").value == [NumberLiteral(huge)]


def depth_of(value: object) -> int:
    depth = 0
    while isinstance(value, list) and value:
        value = value[0][1] if isinstance(value, JsonObject) else value[0]
        depth += 1
    return depth


def test_deep_nesting_is_parsed_without_recursion() -> None:
    document = jsondoc.parse("[" * 100_000 + "]" * 100_000)
    assert depth_of(document.value) == 99_999  # the innermost array is empty
    assert jsondoc.dumps(document.value, indent=None) == "[" * 100_000 + "]" * 100_000
    text, cut = jsondoc.dumps_capped(document.value, 1000)
    assert cut and len(text) == 1000


def test_deep_documents_keep_every_check() -> None:
    inner = '[1, NaN, "x\\ud800", 9007199254740993, {"k": 1, "k": 2}]'
    document = jsondoc.parse('{"a":' * 5000 + inner + "}" * 5000, allow_nonstandard=True)
    assert depth_of(document.value) == 5001
    warnings = " ".join(document.warnings)
    assert "NaN" in warnings and "2^53" in warnings and "Duplicate key 'k'" in warnings
    for bad in ("[" * 5000, "[" * 5000 + "1,]" + "]" * 4999, '{"a":' * 5000 + "1" + "}" * 4999 + "x",
                "[" * 5000 + "]" * 5000 + "x", '{"a":' * 5000 + "NaN" + "}" * 5000):
        with pytest.raises(JsonSyntaxError):
            jsondoc.parse(bad)


def test_lone_surrogates_are_escaped_when_serialised() -> None:
    value = jsondoc.parse('{"s": "x\\ud800y", "key: with colon": 1}').value
    assert jsondoc.dumps(value, indent=None) == '{"s":"x\\ud800y","key: with colon":1}'
    jsondoc.dumps(value).encode("utf-8")  # valid Unicode: can go to a clipboard or a file


def test_invalid_utf8_reports_the_byte() -> None:
    with pytest.raises(JsonSyntaxError) as caught:
        jsondoc.decode_utf8(b'["ok", "\xff"]')
    assert caught.value.offset == 8 and "0xff" in caught.value.message


def test_dumps_round_trips_duplicates_and_literals() -> None:
    text = '{"a":1,"a":[true,null,"\\ud800"],"n":1e400,"e":{},"l":[]}'
    value = jsondoc.parse(text).value
    compact = jsondoc.dumps(value, indent=None)
    assert jsondoc.parse(compact).value == value
    assert compact.count('"a"') == 2 and "1e400" in compact
    pretty = jsondoc.dumps(value, indent=2)
    assert pretty.startswith('{\n  "a": 1,') and jsondoc.parse(pretty).value == value
    assert json.loads(jsondoc.dumps([1, "x"], indent=None)) == [1, "x"]


def test_the_writer_says_what_each_line_is() -> None:
    value = jsondoc.parse('{"a": [1, {}], "a": "x"}').value
    assert list(jsondoc.iter_lines(value)) == [
        (jsondoc.OPEN, None, "{"), (jsondoc.OPEN, "a", '  "a": ['), (jsondoc.LEAF, 0, "    1,"),
        (jsondoc.LEAF, 1, "    {}"), (jsondoc.CLOSE, None, "  ],"), (jsondoc.LEAF, "a", '  "a": "x"'),
        (jsondoc.CLOSE, None, "}"),
    ]
    assert [text for _, _, text in jsondoc.iter_lines(value, indent=None)] == ["{", '"a":[', "1,", "{}", "],",
                                                                               '"a":"x"', "}"]

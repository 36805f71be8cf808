"""simdjson's lazy documents answer the tree exactly as a faithful parse does, or are refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core import jsondoc, lazyjson
from app.core.docnodes import LocalDocument, NodePath
from tests.helpers import CORPUS


def faithful_document(data: bytes) -> LocalDocument:
    parsed = jsondoc.parse(data.decode("utf-8", "surrogatepass"), allow_nonstandard=True)
    return LocalDocument(parsed.value, parsed.warnings)


def lazy_document(data: bytes) -> LocalDocument:
    root = lazyjson.parse_lazily(data)
    assert root is not None, data[:80]
    return LocalDocument(root, [], scanned=False)


# Searches: some a subtree's text can rule out (letters), some it cannot (digits, which floats spell apart).
NEEDLES = ["a", "A", "ab", "true", "null", "k", "user 1", "e", "1", "00", "é", "ss", "\n", '"']


def everything(document: LocalDocument, page: int = 3) -> list[Any]:
    """Every row the tree could show (fetched in small pages), search results, the kinds of warning, and the
    copied root.

    (A scan names the first duplicate key it meets; the parser names each one.)
    """
    seen: list[Any] = [document.wrapped, document.count]
    pending: list[tuple[NodePath, int]] = [((), document.count)]
    for _ in range(100_000):  # bounded: the corpus and the generated documents are small
        if not pending:
            break
        path, count = pending.pop()
        for start in range(0, count, page):
            for offset, row in enumerate(document.children(path, start, page)):
                seen.append((path, row))
                if row.count:
                    pending.append((path + (start + offset,), row.count))
    else:
        raise AssertionError("the document did not end")
    seen.extend(document.find(needle) for needle in NEEDLES)
    seen.append({warning.split()[0] for warning in document.warnings()})
    seen.append(document.copy_text(()))
    return seen


def test_every_valid_corpus_file_reads_the_same_lazily() -> None:
    lazy = 0
    for path in sorted(CORPUS.glob("y_*.json")):
        data = path.read_bytes()
        if lazyjson.parse_lazily(data) is None:
            continue
        lazy += 1
        assert everything(lazy_document(data)) == everything(faithful_document(data)), path.name
    assert lazy >= 90  # all but the documents only the faithful parser renders exactly


def test_every_invalid_corpus_file_is_refused() -> None:
    accepted = [path.name for path in sorted(CORPUS.glob("n_*.json")) if lazyjson.parse_lazily(path.read_bytes())
                is not None]
    assert accepted == []


def test_implementation_defined_files_read_the_same_or_are_refused() -> None:
    for path in sorted(CORPUS.glob("i_*.json")):
        data = path.read_bytes()
        if lazyjson.parse_lazily(data) is not None:
            assert everything(lazy_document(data)) == everything(faithful_document(data)), path.name


@pytest.mark.parametrize("text", [
    '[18446744073709551616]',  # beyond 64 bits
    '[-9223372036854775809]',
    '[1e400]',  # overflows a double
    '[1e-400]',  # underflows to zero: simdjson would say 0.0
    '[2.5E-324]',
    '[0.' + '0' * 330 + '1]',
    '[NaN]', '[-Infinity]',
    '["\\ud800"]',  # a lone surrogate
    '[' * 2000 + ']' * 2000,  # deeper than simdjson's limit
    '{"a": 1,}',
])
def test_what_only_the_faithful_parser_renders_is_refused(text: str) -> None:
    assert lazyjson.parse_lazily(text.encode()) is None


def test_invalid_utf8_and_raw_lone_surrogates_are_refused() -> None:
    assert lazyjson.parse_lazily(b'["\xff"]') is None
    assert lazyjson.parse_lazily('["\ud800"]'.encode("utf-8", "surrogatepass")) is None


def test_small_negative_exponents_and_hyphenated_words_stay_lazy() -> None:
    assert lazyjson.parse_lazily(b'{"note": "re-use the e-mail", "x": 1.5e-7, "y": 2E-99}') is not None


def test_duplicate_and_nul_keys_at_depth_read_exactly() -> None:
    data = b'{"a": [{"k": 1, "k": {"k": [2]}, "n\\u0000": 3}], "n\\u0000": null, "big": 9007199254740993}'
    lazy = lazy_document(data)
    assert everything(lazy) == everything(faithful_document(data))
    assert [row.key for row in lazy.children((0, 0), 0, 10)] == ["k", "k", "n\x00"]
    assert lazy.children((0, 0), 0, 10)[1].warning.startswith("Duplicate key 'k'")
    assert lazy.find("k").paths == [(0, 0, 0), (0, 0, 1), (0, 0, 1, 0)]


def test_search_finds_what_the_tree_shows_where_simdjson_spells_it_differently() -> None:
    data = rb'{"big": [1000000000000000.0, 9.999999999999998e15], "K": "\u212a", "word": "Stra\u00dfe"}'
    lazy = lazy_document(data)
    assert lazy.children((0,), 0, 5)[0].preview == "1000000000000000.0"  # simdjson's own text says 1e+15
    assert lazy.find("000000").paths == [(0, 0)]
    assert lazy.find("000000") == faithful_document(data).find("000000")
    assert lazy.find("k").paths == [(1,)]  # the Kelvin sign folds to k
    assert lazy.find("strasse").paths == [(2,)]
    assert lazy.find("missing").paths == []


def test_integers_up_to_64_bits_are_exact_and_flagged() -> None:
    lazy = lazy_document(b'[18446744073709551615, -9223372036854775808, 9007199254740991]')
    rows = lazy.children((), 0, 5)
    assert [row.preview for row in rows] == ["18446744073709551615", "-9223372036854775808", "9007199254740991"]
    assert [row.warning is not None for row in rows] == [True, True, False]
    assert any("beyond 2^53" in warning for warning in lazy.warnings())
    assert lazy_document(b"9007199254740992").warnings() == jsondoc.parse("9007199254740992").warnings != []


def test_the_warning_scan_runs_in_slices_and_ends_with_the_same_warnings() -> None:
    items = json.dumps([{"id": i, "tags": ["a", "b"]} for i in range(50_000)])
    text = '{"items": %s, "last": {"k": 1, "k": 2}, "huge": -9007199254740993}' % items
    lazy = lazy_document(text.encode())
    assert lazy.warnings(wait=False) is None
    assert not lazy.scan_step(0.0)  # one slice does not see 150,000 values
    for _ in range(10_000):  # bounded
        if lazy.scan_step(0.005):
            break
    assert lazy.warnings(wait=False) == jsondoc.parse(text).warnings == [
        "Duplicate key 'k': every occurrence is shown; most parsers keep only the last.",
        "Integer -9007199254740993 is beyond 2^53: JavaScript clients will round it.",
    ]


json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-2**64 + 1, max_value=2**64 - 1),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8),
)


def to_text(value: Any) -> str:
    """JSON text in which an object is a list of pairs, so keys may repeat."""
    if isinstance(value, tuple):
        return "{" + ",".join(json.dumps(key) + ":" + to_text(item) for key, item in value) + "}"
    if isinstance(value, list):
        return "[" + ",".join(to_text(item) for item in value) + "]"
    return json.dumps(value)


json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.lists(st.tuples(st.sampled_from(["a", "b", "ключ", "\x00", ""]), children), max_size=5).map(tuple),
    ),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_generated_documents_read_the_same_lazily_or_are_refused(value: Any) -> None:
    data = to_text(value).encode()
    if lazyjson.parse_lazily(data) is not None:
        assert everything(lazy_document(data)) == everything(faithful_document(data))

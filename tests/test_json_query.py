"""The fast path for common JSONPath queries gives exactly the library's answers."""

from __future__ import annotations

from typing import Any

import jsonpath
import pytest

from app.core.json_query import MISSING, chain_of, compares_true, finds_something, first_value

DOCUMENTS: list[Any] = [
    {"type": "chat", "data": {"id": 7, "tags": ["a", "b"]}, "n": 3, "flag": True, "none": None},
    {"type": "Chat", "data": {"id": "7"}, "n": 3.5, "flag": 1},
    {"type": 5, "data": [{"id": 1}], "n": "3", "flag": False},
    {"data": {"0": "zero", "id": None}},
    [{"type": "chat"}, 2, "x"],
    "just a string", 42, None, True, [],
]
PATHS = ["$.type", "$.data.id", "$.data.tags[1]", "$.data.tags[-1]", "$.data.tags[5]", "$[0].type", "$[-1]",
         "$.data[0]", "$.data.id.deeper", "$.none", "$.flag"]
COMPARISONS = ["== 'chat'", '!= "chat"', "== 7", "== '7'", "< 10", ">= 3", "<= 3.5", "> 'a'", "== true",
               "!= false", "== 1"]


@pytest.mark.parametrize("path", PATHS)
def test_first_values_and_existence_agree_with_the_library(path: str) -> None:
    query = jsonpath.compile(path)
    assert chain_of(query) is not None  # these all take the fast path
    fast_value, exists = first_value(query), finds_something(query)
    for document in DOCUMENTS:
        match = query.match(document)
        expected = MISSING if match is None else match.obj
        assert fast_value(document) == expected or (fast_value(document) is expected), (path, document)
        assert exists(document) == (match is not None), (path, document)


@pytest.mark.parametrize("comparison", COMPARISONS)
@pytest.mark.parametrize("path", ["$.type", "$.data.id", "$.n", "$.flag", "$[0].type", "$.missing"])
def test_comparisons_agree_with_the_library(path: str, comparison: str) -> None:
    compiled = jsonpath.compile(f"$[?@{path[1:]} {comparison}]")
    test = compares_true(compiled)
    for document in DOCUMENTS:
        assert test(document) == (compiled.match([document]) is not None), (path, comparison, document)


def test_other_queries_run_through_the_library() -> None:
    for path in ("$..id", "$.data.*", "$.data.tags[0:1]", "$[?@.id]"):
        assert chain_of(jsonpath.compile(path)) is None
    assert first_value(jsonpath.compile("$..id"))(DOCUMENTS[0]) == 7

"""JSONPath for log filters and columns: the library parses and defines the meaning, a fast path runs it.

python-jsonpath takes 20–50 µs to run even `$.type` on a small document, which
over a million messages is most of a minute. The common queries — a chain of
names and indices (`$.data.id`, `$.items[0]`), alone or compared with a
literal (`$.type == 'chat'`, `$.seq < 1000`) — are resolved here by walking
the parsed document along the library's own parsed segments, and compared with
the library's own `compare()`; anything else (wildcards, descendants, filters,
slices, regex matches, a name step on a list, an index step on an object) runs
through the library itself. tests/test_json_query.py checks both paths agree.

The library is imported by the first compile, not with this module: building its
parser takes ~45 ms, most of the window's start-up budget, and a first start has
no query to compile.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, NamedTuple

from app.core.errors import SocketScopeError


class _Missing:
    """What a query that finds nothing yields (the library's own "undefined" is compared as this)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class FilterError(SocketScopeError, ValueError):
    """The expression is not valid; the message says what to fix."""


def library_error(error: Exception) -> str:
    """The library's message without its multi-line source excerpt."""
    return str(error).splitlines()[0].strip() if str(error) else type(error).__name__


def compile_query(path: str) -> Any:
    """The library's compiled query for one JSON path, or FilterError in the words filters and columns share."""
    if not path.startswith("$"):
        raise FilterError(f"A JSON path starts with $, e.g. $.type or $.data.id (not {path!r})")
    import jsonpath  # noqa: PLC0415 - see the module's docstring
    try:
        query = jsonpath.compile(path)
    except jsonpath.JSONPathError as error:
        raise FilterError(f"Bad JSONPath {path}: {library_error(error)}") from None
    if not isinstance(query, jsonpath.JSONPath):  # the library's `|` or `&` of two queries
        raise FilterError(f"Bad JSONPath {path}: one query at a time (a filter combines terms with a space or |)")
    return query


_ASK_LIBRARY = object()
FAST_OPERATORS = frozenset(("==", "!=", "<", "<=", ">", ">="))


def chain_of(query: Any) -> tuple[str | int, ...] | None:
    """The names and indices of a query made only of child name/index selectors, else None."""
    parsed = _parsed_forms()
    if parsed is None:
        return None
    steps: list[str | int] = []
    for segment in query.segments:
        if type(segment) is not parsed.segment or len(segment.selectors) != 1:
            return None
        selector = segment.selectors[0]
        if type(selector) is parsed.name:
            steps.append(selector.name)
        elif type(selector) is parsed.index:
            steps.append(selector.index)
        else:
            return None
    return tuple(steps)


def walk(document: Any, steps: tuple[str | int, ...]) -> Any:
    """The value at `steps`, MISSING if absent, or _ASK_LIBRARY where the library has its own rules."""
    value = document
    for step in steps:
        if isinstance(step, str):
            if type(value) is dict:
                if step not in value:
                    return MISSING
                value = value[step]
            elif type(value) is list:
                return _ASK_LIBRARY
            else:
                return MISSING
        else:
            if type(value) is list:
                if not -len(value) <= step < len(value):
                    return MISSING
                value = value[step]
            elif type(value) is dict:
                return _ASK_LIBRARY
            else:
                return MISSING
    return value


def first_value(query: Any) -> Callable[[Any], Any]:
    """A function from a parsed document to the first value `query` finds there, or MISSING."""
    steps = chain_of(query)

    def by_library(document: Any) -> Any:
        match = query.match(document)
        return MISSING if match is None else match.obj

    if steps is None:
        return by_library

    def fast(document: Any) -> Any:
        value = walk(document, steps)
        return by_library(document) if value is _ASK_LIBRARY else value
    return fast


def finds_something(query: Any) -> Callable[[Any], bool]:
    """A test of a parsed document: `query` finds at least one node."""
    value_of = first_value(query)
    return lambda document: value_of(document) is not MISSING


def compares_true(comparison: Any) -> Callable[[Any], bool]:
    """A test of a parsed document for `$[?@<path> <op> <literal>]` compiled by the library, run on `[document]`."""
    def by_library(document: Any) -> bool:
        return comparison.match([document]) is not None

    fast = _fast_comparison(comparison)
    if fast is None:
        return by_library
    steps, operator, literal = fast
    compare: Callable[[Any, str, Any], bool] = comparison.env.compare
    from jsonpath.filter import UNDEFINED  # noqa: PLC0415 - loaded by the compile that made `comparison`

    def test(document: Any) -> bool:
        value = walk(document, steps)
        if value is _ASK_LIBRARY:
            return by_library(document)
        return compare(UNDEFINED if value is MISSING else value, operator, literal)
    return test


def _fast_comparison(comparison: Any) -> tuple[tuple[str | int, ...], str, Any] | None:
    parsed = _parsed_forms()
    if parsed is None:
        return None
    try:
        (segment,) = comparison.segments
        (selector,) = segment.selectors
        expression = selector.expression.expression
    except (AttributeError, ValueError):
        return None
    if type(expression) is not parsed.infix or expression.operator not in FAST_OPERATORS:
        return None
    left, right = expression.left, expression.right
    if type(left) is not parsed.relative_query or type(right) not in parsed.literals:
        return None
    steps = chain_of(left.path)
    literal: Any = right  # one of parsed.literals, all of which hold a value
    return None if steps is None else (steps, expression.operator, literal.value)


class _ParsedForms(NamedTuple):
    """The library's classes for the parsed parts the fast path reads (Any: compared by identity only)."""

    segment: Any
    name: Any
    index: Any
    infix: Any
    relative_query: Any
    literals: tuple[Any, ...]


@cache
def _parsed_forms() -> _ParsedForms | None:
    """The library's parsed forms, or None (every query then runs through the library) if they have moved."""
    try:
        from jsonpath.filter import (  # noqa: PLC0415 - see the module's docstring
            BooleanLiteral,
            FloatLiteral,
            InfixExpression,
            IntegerLiteral,
            RelativeFilterQuery,
            StringLiteral,
        )
        from jsonpath.segments import JSONPathChildSegment  # noqa: PLC0415
        from jsonpath.selectors import IndexSelector, NameSelector  # noqa: PLC0415
    except ImportError:  # pragma: no cover - a future python-jsonpath
        return None
    return _ParsedForms(JSONPathChildSegment, NameSelector, IndexSelector, InfixExpression, RelativeFilterQuery,
                        (IntegerLiteral, FloatLiteral, StringLiteral, BooleanLiteral))


__all__ = ["MISSING", "compares_true", "finds_something", "first_value"]

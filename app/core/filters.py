"""The log filter: a small expression language compiled once into a row predicate.

Terms are separated by spaces and must all match (AND):

- a word: the payload contains it, ignoring case (`"two words"` for a phrase)
- `/regex/`: the payload matches the regular expression (Python syntax)
- `dir:sent`, `dir:received`, `dir:event`: the direction
- `conn:client#1`: the connection name starts with this
- `op:text|binary|close|ping|pong|open|refused|error`: the opcode (`|` means any of them)
- `$.data.id`: a JSONPath query (RFC 9535, python-jsonpath) finds something in the payload parsed as JSON
- `$.type == 'chat'`: a JSONPath query compared with a JSON value: `==`, `!=`, `<`, `<=`, `>`, `>=`, or
  `=~ /regex/i` (which must match the whole string); the library's own filter syntax works inside a
  query, e.g. `$.items[?@.price > 10]`
- `-term`: the opposite of any term above

Binary payloads are searched as their hex form. Binary, non-JSON and very large
payloads (over `JSON_PARSE_LIMIT`) never match a JSONPath term, so `-$.x` matches
them. Cheap terms are tried before payload scans and JSONPath ones, and a row's
payload is decoded and parsed once for all its terms. A bad expression raises
`FilterError` with a message for the user; it never half-applies.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import jsonpath

from app.core.capture import CaptureStore
from app.core.frames import DIRECTION_NAMES, OPCODE_NAMES
from app.core.json_query import compares_true, finds_something

RowPredicate = Callable[[CaptureStore, int], bool]

OPCODES = {name: opcode for opcode, name in OPCODE_NAMES.items()}
DIRECTIONS = {name: direction for direction, name in DIRECTION_NAMES.items()}


JSON_PARSE_LIMIT = 1024 * 1024  # bytes; bigger payloads are not parsed on the GUI thread
COMPARISONS = ("==", "!=", "<=", ">=", "=~", "<", ">")
NOT_JSON = object()
# How soon a term is tried: column lookups, then payload scans, then JSON parses.
COLUMN, SCAN, PARSE = 0, 1, 2


class FilterError(ValueError):
    """The expression is not valid; the message says what to fix."""


class RowCache:
    """One row's payload decoded, lower-cased and parsed at most once, however many terms ask."""

    def __init__(self) -> None:
        self._store: CaptureStore | None = None
        self._row = -1
        self._text: str | None = None
        self._lower: str | None = None
        self._document: Any = None

    def _at(self, store: CaptureStore, row: int) -> None:
        self._store, self._row = store, row
        self._text = self._lower = self._document = None

    def text(self, store: CaptureStore, row: int) -> str:
        """The payload as text (binary as hex)."""
        if row != self._row or store is not self._store:
            self._at(store, row)
        text = self._text
        if text is None:
            text = self._text = _payload_text(store.payloads[row])
        return text

    def lower(self, store: CaptureStore, row: int) -> str:
        if row != self._row or store is not self._store:
            self._at(store, row)
        lower = self._lower
        if lower is None:
            text = self._text
            if text is None:
                text = self._text = _payload_text(store.payloads[row])
            lower = self._lower = text.lower()
        return lower

    def document(self, store: CaptureStore, row: int) -> Any:
        """The parsed payload, or NOT_JSON (binary, too big, or not JSON)."""
        if row != self._row or store is not self._store:
            self._at(store, row)
        if self._document is None:
            payloads = store.payloads
            if not payloads.is_text(row) or payloads.length(row) > JSON_PARSE_LIMIT:
                self._document = NOT_JSON
            else:
                self._document = _loads(self.text(store, row))
            if self._document is None:  # the JSON document `null`
                self._document = _NULL
        return None if self._document is _NULL else self._document


_NULL = object()


def parse_payload(store: CaptureStore, row: int) -> Any:
    payloads = store.payloads
    if not payloads.is_text(row) or payloads.length(row) > JSON_PARSE_LIMIT:
        return NOT_JSON
    return _loads(payloads[row])  # type: ignore[arg-type]


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return NOT_JSON


def library_error(error: Exception) -> str:
    """The library's message without its multi-line source excerpt."""
    return str(error).splitlines()[0].strip() if str(error) else type(error).__name__


def compile_jsonpath(path: str, operator: str | None, value: str | None) -> Callable[[Any], bool]:
    """A test of a parsed document: the query finds something (and it compares true)."""
    try:
        query = jsonpath.compile(path)
    except jsonpath.JSONPathError as error:
        raise FilterError(f"Bad JSONPath {path}: {library_error(error)}") from None
    if operator is None:
        return finds_something(query)
    if not value:
        raise FilterError(f"{path} {operator} needs a value to compare with, e.g. 'chat' or 42")
    # The library's filter syntax tests children; wrapping the document in a list makes it the one child.
    expression = f"$[?@{path[1:]} {operator} {value}]"
    try:
        comparison = jsonpath.compile(expression)
    except jsonpath.JSONPathError as error:
        raise FilterError(f"Bad JSONPath comparison {path} {operator} {value}: {library_error(error)}") from None
    return compares_true(comparison)


def _payload_text(payload: str | bytes) -> str:
    return payload.hex(" ") if isinstance(payload, bytes) else payload


def _term(token: str, rows: RowCache, phrase: bool = False) -> tuple[RowPredicate, int]:
    """Compile one term (a quoted `phrase` is never JSONPath); also say how costly it is to test."""
    if token.startswith("-") and len(token) > 1:
        inner, cost = _term(token[1:], rows, phrase)
        return (lambda store, row: not inner(store, row)), cost
    if token.startswith("$") and not phrase:
        path, operator, value = split_comparison(token)
        test = compile_jsonpath(path, operator, value)

        def json_term(store: CaptureStore, row: int) -> bool:
            document = rows.document(store, row)
            return document is not NOT_JSON and test(document)
        return json_term, PARSE
    if len(token) >= 2 and token.startswith("/") and token.endswith("/"):
        try:
            pattern = re.compile(token[1:-1])
        except re.error as error:
            raise FilterError(f"Bad regular expression {token}: {error}") from None
        return (lambda store, row: pattern.search(rows.text(store, row)) is not None), SCAN
    key, colon, value = token.partition(":")
    if colon and key == "dir":
        if value not in DIRECTIONS:
            raise FilterError(f"dir: takes sent, received or event, not {value!r}")
        wanted = DIRECTIONS[value]
        return (lambda store, row: store.directions[row] == wanted), COLUMN
    if colon and key == "op":
        names = value.split("|")
        unknown = [n for n in names if n not in OPCODES]
        if unknown or not value:
            raise FilterError(f"op: takes {', '.join(OPCODES)}; not {', '.join(unknown) or 'nothing'}")
        codes = frozenset(OPCODES[n] for n in names)
        return (lambda store, row: store.opcodes[row] in codes), COLUMN
    if colon and key == "conn":
        if not value:
            raise FilterError("conn: needs a connection name, e.g. conn:client#1")
        return (lambda store, row: store.connection(row).startswith(value)), COLUMN
    needle = token.casefold()
    if needle.isascii():
        # ASCII-only needles: a lower() of the payload is enough and much faster than casefold().
        return (lambda store, row: needle in rows.lower(store, row)), SCAN
    return (lambda store, row: needle in rows.text(store, row).casefold()), SCAN


def split_comparison(token: str) -> tuple[str, str | None, str | None]:
    """`$.a.b == 'x'` → ("$.a.b", "==", "'x'"); `$.a.b` → ("$.a.b", None, None)."""
    end = _scan_path(token, 0)
    path, rest = token[:end], token[end:].strip()
    if not rest:
        return path, None, None
    for operator in COMPARISONS:
        if rest.startswith(operator):
            return path, operator, rest[len(operator):].strip()
    raise FilterError(f"After {path} expected ==, !=, <, <=, >, >= or =~, not {rest!r}")


def _scan_path(text: str, start: int) -> int:
    """The end of a JSONPath query starting at `start`: whitespace or a comparison outside brackets and quotes."""
    depth, quote, position = 0, "", start
    while position < len(text):
        char = text[position]
        if quote:
            if char == "\\":
                position += 1
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in "[(":
            depth += 1
        elif char in "])":
            depth = max(0, depth - 1)
        elif depth == 0 and (char.isspace() or text.startswith(COMPARISONS, position)):
            break
        position += 1
    return position


def _scan_value(text: str, start: int) -> int:
    """The end of a comparison's value: a quoted string, a /regex/flags, or a word."""
    if start < len(text) and text[start] in "'\"/":
        quote, position = text[start], start + 1
        while position < len(text) and text[position] != quote:
            position += 2 if text[position] == "\\" else 1
        position += 1
        while quote == "/" and position < len(text) and text[position].isalpha():
            position += 1  # regex flags
        return min(position, len(text))
    position = start
    while position < len(text) and not text[position].isspace():
        position += 1
    return position


def _jsonpath_token(expression: str, start: int) -> int:
    """The end of a JSONPath term starting at `start` (after an optional `-`), comparison included."""
    position = _scan_path(expression, start)
    look = position
    while look < len(expression) and expression[look].isspace():
        look += 1
    operator = next((op for op in COMPARISONS if expression.startswith(op, look)), None)
    if operator is None:
        return position
    look += len(operator)
    while look < len(expression) and expression[look].isspace():
        look += 1
    return _scan_value(expression, look)


_TOKEN = re.compile(r"""-?/(?:\\.|[^/\\])*/(?=\s|$)|-?"[^"]*"|-?'[^']*'|\S+""")


def tokenize(expression: str) -> list[tuple[str, bool]]:
    """Split into terms: `/regex with spaces/`, quoted phrases, JSONPath terms, words.

    Each comes with whether it was a quoted phrase (its quotes removed).
    """
    tokens = []
    position = 0
    while position < len(expression):
        if expression[position].isspace():
            position += 1
            continue
        body = position + 1 if expression[position] == "-" else position
        if expression.startswith("$", body):
            end = _jsonpath_token(expression, body)
            tokens.append((expression[position:end].strip(), False))
            position = end
            continue
        match = _TOKEN.match(expression, position)
        assert match is not None  # \S+ matches any non-space
        token = match.group()
        position = match.end()
        body_text = token[1:] if token.startswith("-") else token
        phrase = body_text[:1] in "\"'"
        if phrase:
            if len(body_text) < 2 or body_text[-1] != body_text[0]:
                raise FilterError(f"Unbalanced quotes in {token!r}: close the phrase with {body_text[0]}")
            token = ("-" if token.startswith("-") else "") + body_text[1:-1]
        tokens.append((token, phrase))
    return tokens


def compile_filter(expression: str) -> RowPredicate | None:
    """Compile `expression`; None means "show everything"."""
    tokens = tokenize(expression)
    if not tokens:
        return None
    rows = RowCache()
    compiled = sorted((_term(token, rows, phrase) for token, phrase in tokens), key=lambda term: term[1])
    terms = [predicate for predicate, _cost in compiled]
    if len(terms) == 1:
        return terms[0]
    return lambda store, row: all(term(store, row) for term in terms)

"""The log filter: a small expression language compiled once into a row predicate.

Every kind of term is one entry of `TERMS`: how it is recognised, how it is compiled, how costly it
is to test and how it is explained. The filter bar's placeholder and tooltip and README's table are
generated from that registry (`python -m app.core.filters` prints the README's table), so the help
cannot drift from the language.

Terms combine: a space means and, `a | b` means or (space binds tighter), parentheses group, and
`-` before a term or a group negates it. `|` inside a word belongs to it (`op:text|binary`) but ends a
JSONPath query; quoted phrases and /regexes/ may contain `|`, `(` and `)`.

Binary payloads are searched as their hex form. Binary, non-JSON and very large
payloads (over `JSON_PARSE_LIMIT`) never match a JSONPath term, so `-$.x` matches
them. Within an and, cheap terms are tried before payload scans and JSONPath ones, and
a row's payload is decoded and parsed once for all its terms. A bad expression raises
`FilterError` with a message that names the column; it never half-applies.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.core.capture import CaptureStore
from app.core.frames import DIRECTION_NAMES, OPCODE_NAMES
from app.core.json_query import (
    MISSING,
    FilterError,
    compares_true,
    compile_query,
    finds_something,
    first_value,
    library_error,
)

if TYPE_CHECKING:
    from app.core.contracts.live import LiveChecks
    from app.core.protocols.tracker import ProtocolTracker

RowPredicate = Callable[[CaptureStore, int], bool]

OPCODES = {name: opcode for opcode, name in OPCODE_NAMES.items()}
DIRECTIONS = {name: direction for direction, name in DIRECTION_NAMES.items()}


JSON_PARSE_LIMIT = 1024 * 1024  # bytes; bigger payloads are not parsed on the GUI thread
COMPARISONS = ("==", "!=", "<=", ">=", "=~", "<", ">")
# `$.seq is number`: the value's JSON type, for what changes from message to message (scenario tests).
JSON_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda value: type(value) is str,
    "number": lambda value: type(value) in (int, float),
    "integer": lambda value: type(value) is int or type(value) is float and value.is_integer(),
    "boolean": lambda value: type(value) is bool,
    "null": lambda value: value is None,
    "array": lambda value: type(value) is list,
    "object": lambda value: type(value) is dict,
}
_IS_TYPE = re.compile(r"is\s+(\w+)(?=[\s|)]|\Z)")
NOT_JSON = object()
# How soon a term is tried: column lookups, then payload scans, then JSON parses.
COLUMN, SCAN, PARSE = 0, 1, 2


class RowCache:
    """One row's payload decoded, lower-cased and parsed at most once, however many terms ask."""

    def __init__(self, protocols: ProtocolTracker | None = None, checks: LiveChecks | None = None) -> None:
        self.protocols = protocols  # what the protocol terms ask (None: they cannot be used)
        self.checks = checks  # what the contract terms ask (None: they cannot be used)
        self.reads_verdicts = False  # a contract term was compiled: rows are judged once checked
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


def compile_jsonpath(path: str, operator: str | None, value: str | None) -> Callable[[Any], bool]:
    """A test of a parsed document: the query finds something (and it compares true)."""
    query = compile_query(path)
    if operator is None:
        return finds_something(query)
    if operator == "is":
        return _has_type(query, path, value or "")
    if not value:
        raise FilterError(f"{path} {operator} needs a value to compare with, e.g. 'chat' or 42")
    # The library's filter syntax tests children; wrapping the document in a list makes it the one child.
    expression = f"$[?@{path[1:]} {operator} {value}]"
    import jsonpath  # noqa: PLC0415 - loaded by compile_query above; app/core/json_query.py says why not at start-up
    try:
        comparison = jsonpath.compile(expression)
    except jsonpath.JSONPathError as error:
        raise FilterError(f"Bad JSONPath comparison {path} {operator} {value}: {library_error(error)}") from None
    return compares_true(comparison)


def _has_type(query: Any, path: str, name: str) -> Callable[[Any], bool]:
    """A test that the first value `query` finds has the JSON type `name` (JSON Schema's names)."""
    if name not in JSON_TYPES:
        raise FilterError(f"{path} is {name or '…'}: the type is one of {', '.join(JSON_TYPES)}")
    value_of, is_type = first_value(query), JSON_TYPES[name]

    def test(document: Any) -> bool:
        value = value_of(document)
        return value is not MISSING and is_type(value)
    return test


def _payload_text(payload: str | bytes) -> str:
    return payload.hex(" ") if isinstance(payload, bytes) else payload


# --- Where a term ends ----------------------------------------------------------------------------

def split_comparison(token: str) -> tuple[str, str | None, str | None]:
    """`$.a.b == 'x'` → ("$.a.b", "==", "'x'"); `$.a.b` → ("$.a.b", None, None)."""
    end = _scan_path(token, 0)
    path, rest = token[:end], token[end:].strip()
    if not rest:
        return path, None, None
    if (typed := _IS_TYPE.match(rest)) is not None:
        return path, "is", typed.group(1)
    for operator in COMPARISONS:
        if rest.startswith(operator):
            return path, operator, rest[len(operator):].strip()
    raise FilterError(f"After {path} expected ==, !=, <, <=, >, >= or =~, not {rest!r}")


def _scan_path(text: str, start: int) -> int:
    """The end of a JSONPath query starting at `start`: whitespace, a comparison, a group's `)` or `|`.

    Only outside the query's own brackets, parentheses and quotes.
    """
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
            if depth == 0 and char == ")":
                break  # closes a group the query is in
            depth = max(0, depth - 1)
        elif depth == 0 and (char.isspace() or text.startswith(COMPARISONS, position)):
            break
        elif depth == 0 and char == "|":
            break  # the or operator: `$.a|$.b` is `$.a | $.b`
        position += 1
    return position


def _scan_value(text: str, start: int) -> int:
    """The end of a comparison's value: a quoted string, a /regex/flags, or a word (up to `|` or `)`)."""
    if start < len(text) and text[start] in "'\"/":
        quote, position = text[start], start + 1
        while position < len(text) and text[position] != quote:
            position += 2 if text[position] == "\\" else 1
        position += 1
        while quote == "/" and position < len(text) and text[position].isalpha():
            position += 1  # regex flags
        return min(position, len(text))
    position = start
    while position < len(text) and not text[position].isspace() and text[position] not in "|)":
        position += 1
    return position


def _jsonpath_token(expression: str, start: int) -> int:
    """The end of a JSONPath term starting at `start`, comparison included."""
    position = _scan_path(expression, start)
    look = position
    while look < len(expression) and expression[look].isspace():
        look += 1
    operator = next((op for op in COMPARISONS if expression.startswith(op, look)), None)
    if operator is None:
        typed = _IS_TYPE.match(expression, look)
        return position if typed is None else typed.end()
    look += len(operator)
    while look < len(expression) and expression[look].isspace():
        look += 1
    return _scan_value(expression, look)


_REGEX = re.compile(r"/(?:\\.|[^/\\])*/(?=[\s|)]|$)")
_ENDS_TERM = frozenset("|)")


def _word_end(expression: str, start: int) -> int:
    """A word runs to a space or to a `)` it did not open; a `|` at its end is the or operator."""
    depth, position = 0, start
    while position < len(expression) and not expression[position].isspace():
        char = expression[position]
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                break
            depth -= 1
        position += 1
    while position > start + 1 and expression[position - 1] == "|":
        position -= 1
    return position



def _scan_phrase(expression: str, start: int) -> tuple[int, str]:
    """A quoted phrase: its text without the quotes."""
    quote = expression[start]
    close = expression.find(quote, start + 1)
    if close < 0:
        raise FilterError(f"Unbalanced quotes in {expression[start:_word_end(expression, start)]!r}: "
                          f"close the phrase with {quote}")
    return close + 1, expression[start + 1:close]


def _scan_regex(expression: str, start: int) -> tuple[int, str] | None:
    """`/regex/` up to a space, `|`, `)` or the end; None when it is not closed (then it is a word)."""
    match = _REGEX.match(expression, start)
    return None if match is None else (match.end(), match.group())


def _scan_jsonpath(expression: str, start: int) -> tuple[int, str]:
    """A JSONPath query with its comparison, if any."""
    end = _jsonpath_token(expression, start)
    return end, expression[start:end].strip()


# --- The registry of term kinds --------------------------------------------------------------------

TermCompiler = Callable[[str, RowCache], RowPredicate]
# Where a term that starts at `start` ends, and its text; None: not this kind after all.
TermScanner = Callable[[str, int], tuple[int, str] | None]


@dataclass(frozen=True)
class TermKind:
    """One kind of term: how it is recognised and compiled, how soon it is tried, how it is explained."""

    name: str
    prefixes: tuple[str, ...]  # how its terms start (none for a plain word)
    cost: int  # COLUMN, SCAN or PARSE: within an and, cheaper terms are tried first
    brief: str = field(repr=False)  # for the filter box's placeholder
    forms: tuple[tuple[str, str], ...] = field(repr=False)  # (example, meaning) for the tooltip and README
    compile: TermCompiler = field(repr=False)
    scan: TermScanner | None = field(default=None, repr=False)  # None: the term is a word with that prefix
    decoded: bool = field(default=False, repr=False)  # reads what the protocol tracker decoded


TERMS: list[TermKind] = []


def term_kind(name: str, prefixes: tuple[str, ...], cost: int, brief: str, *forms: tuple[str, str],
              scan: TermScanner | None = None, decoded: bool = False) -> Callable[[TermCompiler], TermCompiler]:
    """Register the decorated compiler as the term kind `name` (in help order)."""
    def register(compile_term: TermCompiler) -> TermCompiler:
        TERMS.append(TermKind(name, prefixes, cost, brief, forms, compile_term, scan, decoded))
        return compile_term
    return register


@term_kind("word", (), SCAN, "words (all must match)",
           ("word", "the payload contains it, ignoring case"))
def _word(token: str, rows: RowCache) -> RowPredicate:
    needle = token.casefold()
    if needle.isascii():
        # ASCII-only needles: a lower() of the payload is enough and much faster than casefold().
        return lambda store, row: needle in rows.lower(store, row)
    return lambda store, row: needle in rows.text(store, row).casefold()


@term_kind("phrase", ('"', "'"), SCAN, '"a phrase"',
           ('"a phrase"', "the payload contains it, ignoring case (also 'a phrase'; may hold | ( ) and $)"),
           scan=_scan_phrase)
def _phrase(text: str, rows: RowCache) -> RowPredicate:
    return _word(text, rows)


@term_kind("regex", ("/",), SCAN, "/regex/",
           ("/regex/", "the payload matches the regular expression (Python syntax; may hold spaces, | ( ))"),
           scan=_scan_regex)
def _regex(token: str, rows: RowCache) -> RowPredicate:
    try:
        pattern = re.compile(token[1:-1])
    except re.error as error:
        raise FilterError(f"Bad regular expression {token}: {error}") from None
    return lambda store, row: pattern.search(rows.text(store, row)) is not None


@term_kind("direction", ("dir:",), COLUMN, "dir:sent|received|event",
           ("dir:sent", "the direction: sent, received or event"))
def _direction(token: str, rows: RowCache) -> RowPredicate:
    value = token[len("dir:"):]
    if value not in DIRECTIONS:
        raise FilterError(f"dir: takes sent, received or event, not {value!r}")
    wanted = DIRECTIONS[value]
    return lambda store, row: store.directions[row] == wanted


@term_kind("connection", ("conn:",), COLUMN, "conn:client#1",
           ("conn:client#1", "the connection name starts with this"))
def _connection(token: str, rows: RowCache) -> RowPredicate:
    value = token[len("conn:"):]
    if not value:
        raise FilterError("conn: needs a connection name, e.g. conn:client#1")
    return lambda store, row: store.connection(row).startswith(value)


@term_kind("opcode", ("op:",), COLUMN, "op:text|binary|close|open|refused|error",
           ("op:text|binary", f"the opcode is one of these: {', '.join(OPCODES)}"))
def _opcode(token: str, rows: RowCache) -> RowPredicate:
    value = token[len("op:"):]
    names = value.split("|")
    unknown = [n for n in names if n not in OPCODES]
    if unknown or not value:
        raise FilterError(f"op: takes {', '.join(OPCODES)}; not {', '.join(unknown) or 'nothing'}")
    codes = frozenset(OPCODES[n] for n in names)
    return lambda store, row: store.opcodes[row] in codes


def _tracker(rows: RowCache, term: str) -> ProtocolTracker:
    if rows.protocols is None:
        raise FilterError(f"{term} needs the window's protocol decoding")
    return rows.protocols


IS_WORDS = ("heartbeat", "request", "reply", "pending", "unanswered", "valid", "invalid")
_VERDICT_WORDS = ("valid", "invalid")


def _checks(rows: RowCache, term: str) -> LiveChecks:
    if rows.checks is None:
        raise FilterError(f"{term} needs the window's contract checks")
    rows.reads_verdicts = True
    return rows.checks


@term_kind("is", ("is:",), COLUMN, "is:pending|unanswered|reply|heartbeat|invalid",
           ("is:pending", "a request still waiting for its reply (within the timeout, 30 s)"),
           ("is:unanswered", "a request no reply came to within the timeout"),
           ("is:reply", "a reply paired with its request (is:request: a request)"),
           ("is:heartbeat", "a protocol's keep-alive (Socket.IO ping, GraphQL ping, MQTT PINGREQ…)"),
           ("is:invalid", "the message violates its connection's contract (is:valid: passes it)"), decoded=True)
def _is(token: str, rows: RowCache) -> RowPredicate:
    words = token[len("is:"):].split("|")
    unknown = [word for word in words if word not in IS_WORDS]
    if unknown or not words[0]:
        raise FilterError(f"is: takes {', '.join(IS_WORDS)}; not {', '.join(unknown) or 'nothing'}")
    tests: dict[str, Callable[[int], bool]] = {}
    if any(word not in _VERDICT_WORDS for word in words):
        tracker = _tracker(rows, "is:")
        tests.update(heartbeat=tracker.is_heartbeat, reply=tracker.is_reply, pending=tracker.is_pending,
                     unanswered=tracker.is_unanswered, request=tracker.is_request)
    if any(word in _VERDICT_WORDS for word in words):
        checks = _checks(rows, "is:valid and is:invalid")
        tests.update(valid=checks.is_valid, invalid=checks.is_invalid)
    chosen = [tests[word] for word in words]
    return lambda store, row: any(test(row) for test in chosen)


@term_kind("schema", ("schema:",), COLUMN, "schema:chatMessage",
           ("schema:chatMessage", "the message was checked against this message of its contract (valid or not)"),
           decoded=True)
def _schema(token: str, rows: RowCache) -> RowPredicate:
    name = token[len("schema:"):]
    if not name:
        raise FilterError("schema: needs a contract message's name, e.g. schema:chatMessage")
    checks = _checks(rows, "schema:")
    closest = f"{name} (the closest of "  # an invalid message checked against several is named by the closest

    def checked_against(store: CaptureStore, row: int) -> bool:
        found = checks.message_name(row)
        return found is not None and (found == name or found.startswith(closest))
    return checked_against


@term_kind("protocol", ("proto:",), COLUMN, "proto:socket.io",
           ("proto:jsonrpc", "the connection speaks this protocol (proto:raw: none)"), decoded=True)
def _protocol(token: str, rows: RowCache) -> RowPredicate:
    from app.core.protocols import PROTOCOLS

    names = token[len("proto:"):].split("|")
    unknown = [name for name in names if name not in PROTOCOLS and name != "raw"]
    if unknown or not names[0]:
        raise FilterError(f"proto: takes {', '.join([*PROTOCOLS, 'raw'])}; not {', '.join(unknown) or 'nothing'}")
    tracker = _tracker(rows, "proto:")
    wanted = frozenset(names)

    def speaks(store: CaptureStore, row: int) -> bool:
        protocol = tracker.protocol_of_row(row)
        return (protocol.name if protocol is not None else "raw") in wanted
    return speaks


@term_kind("event", ("event:",), PARSE, "event:news",
           ("event:news", "the event, method or operation is named this (Socket.IO, JSON-RPC, GraphQL…)"),
           decoded=True)
def _event(token: str, rows: RowCache) -> RowPredicate:
    name = token[len("event:"):]
    if not name:
        raise FilterError("event: needs a name, e.g. event:chat")
    tracker = _tracker(rows, "event:")

    def named(store: CaptureStore, row: int) -> bool:
        decoded = tracker.decoded(row)
        return decoded is not None and any(part.name == name for part in decoded.parts or (decoded,))
    return named


_LATENCY = re.compile(r"latency(<=|>=|<|>|==)(\d+(?:\.\d+)?)")


@term_kind("latency", ("latency<", "latency>", "latency="), COLUMN, "latency>100",
           ("latency>100", "a paired request or reply whose latency is over 100 ms (also < <= >= ==)"),
           decoded=True)
def _latency(token: str, rows: RowCache) -> RowPredicate:
    match = _LATENCY.fullmatch(token)
    if match is None:
        raise FilterError(f"{token}: write latency>100 or latency<5 (milliseconds)")
    operator, limit = match.group(1), float(match.group(2))
    tracker = _tracker(rows, "latency")
    compare: Callable[[float], bool] = {
        "<": lambda ms: ms < limit, "<=": lambda ms: ms <= limit, ">": lambda ms: ms > limit,
        ">=": lambda ms: ms >= limit, "==": lambda ms: ms == limit}[operator]

    def within(store: CaptureStore, row: int) -> bool:
        latency = tracker.latency(row)
        return latency is not None and compare(latency)
    return within


@term_kind("jsonpath", ("$",), PARSE, "$.data.id (JSONPath finds it) · $.type == 'chat' (also != < <= > >= =~ /re/i)",
           ("$.data.id", "a JSONPath query (RFC 9535) finds something in the JSON payload: $..user, $.items[*].price"),
           ("$.type == 'chat'", "…and a value it finds compares with a JSON literal ('chat', \"chat\", 42): "
                                "== != < <= > >="),
           ("$.name =~ /ali.*/i", "…or is a string the regular expression matches in full"),
           ("$.seq is number", "…or has this JSON type: string, number, integer, boolean, null, array, object"),
           ("$.items[?@.price > 10]", "the library's own filter syntax, inside a query"),
           scan=_scan_jsonpath)
def _jsonpath(token: str, rows: RowCache) -> RowPredicate:
    path, operator, value = split_comparison(token)
    test = compile_jsonpath(path, operator, value)

    def json_term(store: CaptureStore, row: int) -> bool:
        document = rows.document(store, row)
        return document is not NOT_JSON and test(document)
    return json_term


# How terms combine; explained beside the term kinds.
OPERATORS: tuple[tuple[str, str], ...] = (
    ("a b", "both (a space means and)"),
    ("a | b", "either (space binds tighter: a b | c is (a b) | c)"),
    ("(a | b) c", "parentheses group"),
    ("-term, -(a | b)", "the opposite of a term or a group"),
)
OPERATORS_BRIEF = "a | b (or) · ( ) group · -term negates"
HELP_NOTES = ("Binary and non-JSON payloads never match a JSONPath term (so they match a negated one). "
              "Quote a word that starts with $: \"$5\".")

_SCANNED = tuple(kind for kind in TERMS if kind.scan is not None)
_WORD_PREFIXED = tuple(kind for kind in TERMS if kind.scan is None and kind.prefixes)
_WORD = next(kind for kind in TERMS if not kind.prefixes)


def _scan_term(expression: str, start: int) -> tuple[TermKind, int, str]:
    """The kind, end and text of the term at `start`: the first kind whose prefix and scanner fit it."""
    for kind in _SCANNED:
        if expression.startswith(kind.prefixes, start):
            assert kind.scan is not None
            scanned = kind.scan(expression, start)
            if scanned is not None:
                return kind, *scanned
    end = _word_end(expression, start)
    word = expression[start:end]
    kind = next((kind for kind in _WORD_PREFIXED if word.startswith(kind.prefixes)), _WORD)
    return kind, end, word


def help_line() -> str:
    """The filter box's one-line placeholder."""
    return " · ".join([kind.brief for kind in TERMS] + [OPERATORS_BRIEF])


def help_tooltip() -> str:
    """The filter box's tooltip: every form of every term, then the operators."""
    forms = [form for kind in TERMS for form in kind.forms]
    width = max(len(example) for example, _meaning in forms + list(OPERATORS)) + 2
    lines = ["Terms (a message is shown when…):"]
    lines += [f"  {example:<{width}}{meaning}" for example, meaning in forms]
    lines.append("Combined:")
    lines += [f"  {example:<{width}}{meaning}" for example, meaning in OPERATORS]
    lines.append(HELP_NOTES)
    return "\n".join(lines)


README_BEGIN = "<!-- filter terms: generated by `python -m app.core.filters`, do not edit by hand -->"
README_END = "<!-- end of filter terms -->"


def readme_section(indent: str = "  ") -> str:
    """README's table of filter terms and operators between its markers, indented as in its list."""
    def cell(text: str) -> str:
        return text.replace("|", "\\|")
    rows = ["| term | shows a message when… |", "|---|---|"]
    rows += [f"| `{cell(example)}` | {cell(meaning)} |" for kind in TERMS for example, meaning in kind.forms]
    rows += [f"| `{cell(example)}` | {cell(meaning)} |" for example, meaning in OPERATORS]
    return "\n".join(indent + line for line in [README_BEGIN, *rows, README_END])


# --- Reading an expression -------------------------------------------------------------------------

@dataclass(frozen=True)
class Token:
    """A piece of the expression: an operator (`(`, `)`, `|`, `-`) or a term of `kind`, at `position`."""

    text: str
    position: int  # 0-based index into the expression
    kind: TermKind | None = None  # None for an operator


def tokenize(expression: str) -> Iterator[Token]:
    """The expression's operators and terms, left to right; a phrase's text comes without its quotes."""
    position, length = 0, len(expression)
    while position < length:
        char = expression[position]
        if char.isspace():
            position += 1
        elif char in "()|":
            yield Token(char, position)
            position += 1
        elif char == "-" and position + 1 < length and not expression[position + 1].isspace() \
                and expression[position + 1] not in _ENDS_TERM:
            yield Token("-", position)
            position += 1
        else:
            try:
                kind, end, text = _scan_term(expression, position)
            except FilterError as error:
                raise FilterError(f"column {position + 1}: {error}") from None
            yield Token(text, position, kind)
            position = end


# A parsed expression: a term, or (operator, children) with operator "and", "or" or "not".
Node = Token | tuple[str, list["Node"]]


class _Parser:
    """Recursive descent over the tokens: or ← and ('|' and)*, and ← unary+, unary ← '-' unary | ( or ) | term."""

    def __init__(self, expression: str) -> None:
        self.tokens = list(tokenize(expression))
        self.index = 0
        self.end = len(expression)

    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def parse(self) -> Node | None:
        if not self.tokens:
            return None
        node = self.either()
        token = self.peek()
        if token is not None:  # only a `)` stops `either` early
            raise FilterError(f"column {token.position + 1}: ')' without a '(' before it")
        return node

    def either(self) -> Node:
        children = [self.both()]
        while (token := self.peek()) is not None and token.kind is None and token.text == "|":
            self.index += 1
            following = self.peek()
            if following is None or (following.kind is None and following.text in "|)"):
                raise FilterError(f"column {token.position + 1}: nothing after '|'")
            children.append(self.both())
        return children[0] if len(children) == 1 else ("or", children)

    def both(self) -> Node:
        children: list[Node] = []
        while (token := self.peek()) is not None and not (token.kind is None and token.text in "|)"):
            children.append(self.unary())
        if not children:
            token = self.peek()
            position = token.position if token is not None else self.end
            what = "'|'" if token is not None and token.text == "|" else "')'"
            raise FilterError(f"column {position + 1}: nothing before {what}")
        return children[0] if len(children) == 1 else ("and", children)

    def unary(self) -> Node:
        token = self.tokens[self.index]
        self.index += 1
        if token.kind is not None:
            return token
        if token.text == "-":
            if self.peek() is None:
                raise FilterError(f"column {token.position + 1}: nothing after '-'")
            return ("not", [self.unary()])
        # an opening parenthesis (`both` stops before `|` and `)`)
        following = self.peek()
        if following is None:
            raise FilterError(f"column {token.position + 1}: unclosed parenthesis")
        if following.kind is None and following.text == ")":
            raise FilterError(f"column {token.position + 1}: nothing inside the parentheses")
        node = self.either()
        closing = self.peek()
        if closing is None:
            raise FilterError(f"column {token.position + 1}: unclosed parenthesis")
        self.index += 1
        return node


def parse(expression: str) -> Node | None:
    """The expression as a tree; None when it is empty. Raises FilterError naming the column."""
    return _Parser(expression).parse()


# --- Compiling the tree ----------------------------------------------------------------------------

def _compile_node(node: Node, rows: RowCache) -> tuple[RowPredicate, int]:
    """The node's predicate and its cost (its costliest term's)."""
    if isinstance(node, Token):
        assert node.kind is not None
        try:
            return node.kind.compile(node.text, rows), node.kind.cost
        except FilterError as error:
            raise FilterError(f"column {node.position + 1}: {error}") from None
    operator, children = node
    compiled = [_compile_node(child, rows) for child in children]
    cost = max(child_cost for _predicate, child_cost in compiled)
    if operator == "not":
        inner = compiled[0][0]
        return (lambda store, row: not inner(store, row)), cost
    if operator == "and":
        compiled.sort(key=lambda term: term[1])  # stable: cheap first, else as written
    terms = [predicate for predicate, _cost in compiled]
    if len(terms) == 2:
        first, second = terms
        if operator == "and":
            return (lambda store, row: first(store, row) and second(store, row)), cost
        return (lambda store, row: first(store, row) or second(store, row)), cost
    if operator == "and":
        return (lambda store, row: all(term(store, row) for term in terms)), cost
    return (lambda store, row: any(term(store, row) for term in terms)), cost


def _flatten(node: Node) -> Node:
    """`a (b c)` is `a b c` and `a | (b | c)` is `a | b | c`: one longer and can order all its terms."""
    if isinstance(node, Token):
        return node
    operator, children = node
    flat: list[Node] = []
    for child in map(_flatten, children):
        if operator != "not" and not isinstance(child, Token) and child[0] == operator:
            flat.extend(child[1])
        else:
            flat.append(child)
    return operator, flat


def compile_tree(tree: Node, protocols: ProtocolTracker | None = None, checks: LiveChecks | None = None) -> RowPredicate:
    """One predicate for a parsed expression; its terms share one decode and parse of each row.

    A predicate with protocol terms says so (`needs_decoding`): the View then judges only rows
    the tracker has decoded; one with contract terms (`needs_verdicts`), only rows checked.
    """
    rows = RowCache(protocols, checks)
    predicate = _compile_node(_flatten(tree), rows)[0]
    if _reads_decoding(tree):
        predicate = _marked(predicate, verdicts=rows.reads_verdicts)
    return predicate


def _reads_decoding(node: Node) -> bool:
    if isinstance(node, Token):
        return node.kind is not None and node.kind.decoded
    return any(_reads_decoding(child) for child in node[1])


def _marked(predicate: RowPredicate, *, verdicts: bool = False) -> RowPredicate:
    def needs_decoding(store: CaptureStore, row: int) -> bool:
        return predicate(store, row)
    needs_decoding.needs_decoding = True  # type: ignore[attr-defined]
    needs_decoding.needs_verdicts = verdicts  # type: ignore[attr-defined]
    return needs_decoding


def compile_filter(expression: str, protocols: ProtocolTracker | None = None,
                   checks: LiveChecks | None = None) -> RowPredicate | None:
    """Compile `expression`; None means "show everything". `protocols` answers is:, proto:, event:, latency;
    `checks` is:valid, is:invalid and schema:."""
    tree = parse(expression)
    return None if tree is None else compile_tree(tree, protocols, checks)


if __name__ == "__main__":
    print(readme_section())

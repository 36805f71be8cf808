"""Faithful JSON: parse what a peer sent without hiding what is odd about it.

The standard library's parser is fast but forgiving in ways a monitor must not
be silent about. Here duplicate keys survive in order (`JsonObject` is a list of
pairs), integers beyond 2**53 are exact and flagged (JavaScript rounds them),
NaN/Infinity are refused unless asked for (and then flagged), numbers that a
float cannot hold keep their literal text, and errors carry line and column.
The one writer, `iter_lines`, writes all of it back the same way for `dumps`, the
raw view and the diff view, at any depth.
"""

from __future__ import annotations

import functools
import json
import json.encoder
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any, cast

from app.core.positions import PositionedError

MAX_SAFE_INTEGER = 2**53 - 1
# Indentation stops growing here: pretty text of a 100,000-deep document would otherwise be quadratic.
MAX_INDENT_LEVEL = 64


class JsonObject(list[tuple[str, Any]]):
    """A JSON object as an ordered list of ``(key, value)`` pairs, duplicates kept."""

    __slots__ = ()

    def keys(self) -> list[str]:
        return [key for key, _ in self]

    def get(self, key: str, default: Any = None) -> Any:
        """The last value for `key`, as a JavaScript client would see it."""
        for candidate, value in reversed(self):
            if candidate == key:
                return value
        return default


class NumberLiteral(str):
    """A number kept as its literal text because no Python float holds it exactly."""

    __slots__ = ()


class JsonSyntaxError(PositionedError):
    """Why a text is not JSON, and where (1-based line and column)."""

    __slots__ = ()


@dataclass(slots=True)
class JsonDocument:
    """A parsed value plus everything worth warning the user about."""

    value: Any
    warnings: list[str] = field(default_factory=list)


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def float_or_literal(literal: str) -> float | NumberLiteral:
    """The float, or the literal text when a double cannot hold it (overflow, or underflow to zero)."""
    value = float(literal)
    if math.isinf(value) or (value == 0.0 and any(c in "123456789" for c in literal.split("e")[0].split("E")[0])):
        return NumberLiteral(literal)
    return value


def parse(text: str, *, allow_nonstandard: bool = False) -> JsonDocument:
    """Parse `text` strictly; raise `JsonSyntaxError` with its position.

    With `allow_nonstandard`, NaN and Infinity are accepted (as a peer may send
    them) and reported in the warnings instead of refused.
    """
    warnings: list[str] = []
    flagged: set[str] = set()

    def warn_once(kind: str, message: str) -> None:
        if kind not in flagged:
            flagged.add(kind)
            warnings.append(message)

    def on_object(pairs: list[tuple[str, Any]]) -> JsonObject:
        if len(pairs) > 1 and len({key for key, _ in pairs}) != len(pairs):
            seen: set[str] = set()
            duplicates = [k for k, _ in pairs if k in seen or seen.add(k)]  # type: ignore[func-returns-value]
            warn_once(
                f"dup:{duplicates[0]}",
                f"Duplicate key {duplicates[0]!r}: every occurrence is shown; "
                "most parsers keep only the last.",
            )
        return JsonObject(pairs)

    def on_int(literal: str) -> int | NumberLiteral:
        try:
            value = int(literal)
        except ValueError:  # more digits than Python converts by default
            warn_once("bigint", f"Integer with {len(literal)} digits kept as text.")
            return NumberLiteral(literal)
        if abs(value) > MAX_SAFE_INTEGER:
            warn_once(
                "unsafe-int",
                f"Integer {literal[:40]} is beyond 2^53: JavaScript clients will round it.",
            )
        return value

    def on_float(literal: str) -> float | NumberLiteral:
        value = float_or_literal(literal)
        if type(value) is NumberLiteral:
            warn_once("float-range", f"Number {literal[:40]} does not fit a double; kept as text.")
        return value

    def on_constant(name: str) -> float:
        if not allow_nonstandard:
            raise ValueError(f"{name} is not valid JSON")
        warn_once("constant", f"{name} is not standard JSON (accepted by some parsers only).")
        return float(name.replace("Infinity", "inf"))

    try:
        try:
            value = json.loads(
                text,
                object_pairs_hook=on_object,
                parse_int=on_int,
                parse_float=on_float,
                parse_constant=on_constant,
            )
        except RecursionError:  # deeper than the C scanner's recursion allows: parse without recursion
            value = parse_iteratively(text, on_object, on_int, on_float, on_constant)
    except json.JSONDecodeError as error:
        raise JsonSyntaxError(error.msg, error.lineno, error.colno, error.pos) from None
    except ValueError as error:  # raised by on_constant: find where the constant starts
        offset = _find_constant(text)
        line, column = line_and_column(text, offset)
        raise JsonSyntaxError(str(error), line, column, offset) from None
    return JsonDocument(value, warnings)


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"(-?(?:0|[1-9][0-9]*))(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_CONSTANTS = (("null", None), ("true", True), ("false", False))


def parse_iteratively(
    text: str,
    on_object: Callable[[list[tuple[str, Any]]], Any],
    on_int: Callable[[str], Any],
    on_float: Callable[[str], Any],
    on_constant: Callable[[str], Any],
) -> Any:
    """The same grammar and hooks as `json.loads`, with an explicit stack instead of recursion.

    Slower than the C scanner, so it is only used when that one runs out of
    recursion; any nesting depth then costs memory, never a crash.
    """
    skip = cast(Callable[[str, int], re.Match[str]], _WHITESPACE.match)  # `[ \t\n\r]*` always matches
    end = len(text)
    # One frame per open container: [is_object, members, pending key]
    stack: list[list[Any]] = []

    def read_key(index: int) -> tuple[str, int]:
        if not text.startswith('"', index):
            raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, index)
        key, index = scanstring(text, index + 1, True)
        index = skip(text, index).end()
        if not text.startswith(":", index):
            raise json.JSONDecodeError("Expecting ':' delimiter", text, index)
        return key, skip(text, index + 1).end()

    index = skip(text, 0).end()
    while True:
        char = text[index:index + 1]
        if char == "{":
            index = skip(text, index + 1).end()
            if text.startswith("}", index):
                value, index = on_object([]), index + 1
            else:
                key, index = read_key(index)
                stack.append([True, [], key])
                continue
        elif char == "[":
            index = skip(text, index + 1).end()
            if text.startswith("]", index):
                value, index = [], index + 1
            else:
                stack.append([False, [], None])
                continue
        elif char == '"':
            value, index = scanstring(text, index + 1, True)
        else:
            value, index = _scalar(text, index, on_int, on_float, on_constant)
        while True:  # a value is complete: hand it to its container, closing what ends here
            if not stack:
                index = skip(text, index).end()
                if index != end:
                    raise json.JSONDecodeError("Extra data", text, index)
                return value
            frame = stack[-1]
            frame[1].append((frame[2], value) if frame[0] else value)
            index = skip(text, index).end()
            char = text[index:index + 1]
            if char == ",":
                index = skip(text, index + 1).end()
                if frame[0]:
                    frame[2], index = read_key(index)
                break
            if char == ("}" if frame[0] else "]"):
                stack.pop()
                value, index = (on_object(frame[1]) if frame[0] else frame[1]), index + 1
                continue
            raise json.JSONDecodeError("Expecting ',' delimiter", text, index)


def _scalar(
    text: str, index: int, on_int: Callable[[str], Any], on_float: Callable[[str], Any],
    on_constant: Callable[[str], Any],
) -> tuple[Any, int]:
    for literal, value in _CONSTANTS:
        if text.startswith(literal, index):
            return value, index + len(literal)
    number = _NUMBER.match(text, index)
    if number:
        integer, fraction, exponent = number.groups()
        if fraction or exponent:
            return on_float(integer + (fraction or "") + (exponent or "")), number.end()
        return on_int(integer), number.end()
    for name in ("NaN", "Infinity", "-Infinity"):
        if text.startswith(name, index):
            return on_constant(name), index + len(name)
    raise json.JSONDecodeError("Expecting value", text, index)


def parse_large(text: str) -> tuple[JsonDocument, bool]:
    """`parse(text, allow_nonstandard=True)` for big documents, about twice as fast.

    Integers are converted by the C scanner instead of a Python hook per number
    and objects are built without one; duplicate keys and integers beyond 2^53
    are still kept exactly, but their document-wide warnings are left to a later
    scan (`docnodes.WarningScan`) so the first view is not delayed by a full
    walk. Returns the document and whether its warnings are complete.
    """
    found: dict[str, str] = {}

    def on_float(literal: str) -> float | NumberLiteral:
        value = float_or_literal(literal)
        if type(value) is NumberLiteral:
            found.setdefault("float", f"Number {literal[:40]} does not fit a double; kept as text.")
        return value

    def on_constant(name: str) -> float:
        found.setdefault("constant", f"{name} is not standard JSON (accepted by some parsers only).")
        return float(name.replace("Infinity", "inf"))

    try:
        value = json.loads(text, object_pairs_hook=JsonObject, parse_float=on_float, parse_constant=on_constant)
    except json.JSONDecodeError as error:
        raise JsonSyntaxError(error.msg, error.lineno, error.colno, error.pos) from None
    except (ValueError, RecursionError):  # integers of thousands of digits, or very deep nesting
        return parse(text, allow_nonstandard=True), True
    return JsonDocument(value, list(found.values())), False


def _find_constant(text: str) -> int:
    positions = [p for p in (text.find(n) for n in ("NaN", "-Infinity", "Infinity")) if p >= 0]
    return min(positions) if positions else 0


def decode_utf8(data: bytes) -> str:
    """Decode strictly; invalid UTF-8 raises `JsonSyntaxError` at the bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        text_before = data[: error.start].decode("utf-8", "replace")
        line, column = line_and_column(text_before, len(text_before))
        raise JsonSyntaxError(
            f"Invalid UTF-8 byte 0x{data[error.start]:02x}", line, column, error.start
        ) from None


def dumps(value: Any, indent: int | None = 2) -> str:
    """Serialise a parsed value back to JSON, duplicates and literals intact, at any depth."""
    return ("" if indent is None else "\n").join([line for _, _, line in iter_lines(value, indent)])


def dumps_capped(
    value: Any, limit: int, indent: int | None = 2, expand: Callable[[Any], Any] | None = None,
) -> tuple[str, bool]:
    """At most `limit` characters of `dumps(value)`, and whether it was cut.

    `expand` turns a value that is not yet a `JsonObject` or list into one as it
    is reached (a lazily parsed document's proxies), so only what is written is read.
    """
    parts: list[str] = []
    size = 0
    for part in iter_dumps(value, indent, expand):
        parts.append(part)
        size += len(part)
        if size > limit:
            return "".join(parts)[:limit], True
    return "".join(parts), False


def json_string(value: str) -> str:
    """A JSON string literal; lone surrogates are escaped so the text is valid Unicode."""
    literal = json.encoder.encode_basestring(value)  # what json.dumps(..., ensure_ascii=False) writes
    if literal.isascii():
        return literal
    try:
        literal.encode("utf-8")
    except UnicodeEncodeError:
        return json.encoder.encode_basestring_ascii(value)
    return literal


_WORDS = {None: "null", True: "true", False: "false"}


def scalar_text(value: Any) -> str:
    """The JSON text of a value that is not a container: a string, number, literal, boolean or null."""
    kind = type(value)
    if kind is str:
        return json_string(value)
    if kind is int:
        return int.__repr__(value)
    if kind is float and math.isfinite(value):
        return float.__repr__(value)
    if value is None or kind is bool:
        return _WORDS[value]
    if isinstance(value, NumberLiteral):
        return str.__str__(value)
    if isinstance(value, str):
        return json_string(value)
    if isinstance(value, float):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return json.dumps(value)


# What a line of `iter_lines` holds: a leaf (a scalar or an empty container), or a container's opening or closing.
LEAF, OPEN, CLOSE = 0, 1, 2
Line = tuple[int, str | int | None, str]
_CONTAINERS = (list, dict)  # a JsonObject is a list
_OBJECTS = (JsonObject, dict)


@functools.cache
def _pads(indent: int) -> tuple[str, ...]:
    """The indentation of each level, up to the cap."""
    return tuple(" " * indent * level for level in range(MAX_INDENT_LEVEL + 1))


def iter_lines(value: Any, indent: int | None = 2, expand: Callable[[Any], Any] | None = None) -> Iterator[Line]:
    """The writer: every line of `dumps(value, indent)`, without recursion (any depth).

    Each line comes as ``(kind, member, text)``: `kind` is LEAF, OPEN or CLOSE;
    `member` is the value's key in its object, its index in its array, or None for
    the root and for a CLOSE line; `text` is the line as written, indentation and
    trailing comma included. With `indent` None the texts carry no indentation and
    join with nothing into the compact form. Objects are `JsonObject`s (duplicate
    keys written in order) or dicts; `expand` as for `dumps_capped`.
    """
    colon = ": " if indent is not None else ":"
    pads = _pads(indent or 0)
    # One frame per open container: [members, next index, count, is an object, members' pad, closing line]
    stack: list[list[Any]] = []
    item: Any = value
    member: str | int | None = None
    prefix = comma = ""
    while True:
        if expand is not None:
            item = expand(item)
        if isinstance(item, _CONTAINERS):
            is_object = isinstance(item, _OBJECTS)
            if item:
                yield OPEN, member, prefix + ("{" if is_object else "[")
                level = len(stack) + 1  # of its members
                stack.append([
                    list(item.items()) if is_object and isinstance(item, dict) else item, 0, len(item), is_object,
                    pads[level] if level < MAX_INDENT_LEVEL else pads[MAX_INDENT_LEVEL],
                    (stack[-1][4] if stack else "") + ("}" if is_object else "]") + comma,
                ])
            else:
                yield LEAF, member, prefix + ("{}" if is_object else "[]") + comma
        else:
            yield LEAF, member, prefix + scalar_text(item) + comma
        while stack:
            frame = stack[-1]
            index = frame[1]
            if index < frame[2]:
                frame[1] = index + 1
                comma = "," if index + 1 < frame[2] else ""
                if frame[3]:
                    key, item = frame[0][index]
                    member, prefix = key, frame[4] + json_string(key) + colon
                else:
                    member, item, prefix = index, frame[0][index], frame[4]
                break
            stack.pop()
            yield CLOSE, None, frame[5]
        else:
            return


def iter_dumps(value: Any, indent: int | None = 2, expand: Callable[[Any], Any] | None = None) -> Iterator[str]:
    """The pieces of `dumps(value)`, produced without recursion (any depth); `expand` as for `dumps_capped`."""
    lines = iter_lines(value, indent, expand)
    yield next(lines)[2]
    if indent is None:
        for _, _, line in lines:
            yield line
    else:
        for _, _, line in lines:
            yield "\n"
            yield line

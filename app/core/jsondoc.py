"""Faithful JSON: parse what a peer sent without hiding what is odd about it.

The standard library's parser is fast but forgiving in ways a monitor must not
be silent about. Here duplicate keys survive in order (`JsonObject` is a list of
pairs), integers beyond 2**53 are exact and flagged (JavaScript rounds them),
NaN/Infinity are refused unless asked for (and then flagged), numbers that a
float cannot hold keep their literal text, and errors carry line and column.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

MAX_SAFE_INTEGER = 2**53 - 1


class JsonObject(list):
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


@dataclass(frozen=True, slots=True)
class JsonSyntaxError(Exception):
    """Why a text is not JSON, and where (1-based line and column)."""

    message: str
    line: int
    column: int
    offset: int

    def __str__(self) -> str:
        return f"Line {self.line}, column {self.column}: {self.message}"


@dataclass(slots=True)
class JsonDocument:
    """A parsed value plus everything worth warning the user about."""

    value: Any
    warnings: list[str] = field(default_factory=list)


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


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
        value = float(literal)
        if math.isinf(value) or (value == 0.0 and any(c in "123456789" for c in literal.split("e")[0].split("E")[0])):
            warn_once("float-range", f"Number {literal[:40]} does not fit a double; kept as text.")
            return NumberLiteral(literal)
        return value

    def on_constant(name: str) -> float:
        if not allow_nonstandard:
            raise ValueError(f"{name} is not valid JSON")
        warn_once("constant", f"{name} is not standard JSON (accepted by some parsers only).")
        return float(name.replace("Infinity", "inf"))

    try:
        value = json.loads(
            text,
            object_pairs_hook=on_object,
            parse_int=on_int,
            parse_float=on_float,
            parse_constant=on_constant,
        )
    except json.JSONDecodeError as error:
        raise JsonSyntaxError(error.msg, error.lineno, error.colno, error.pos) from None
    except ValueError as error:  # raised by on_constant: find where the constant starts
        offset = _find_constant(text)
        line, column = line_and_column(text, offset)
        raise JsonSyntaxError(str(error), line, column, offset) from None
    except RecursionError:
        raise JsonSyntaxError(
            "Nesting is too deep for this parser", 1, 1, 0
        ) from None
    return JsonDocument(value, warnings)


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
    """Serialise a parsed value back to JSON, duplicates and literals intact."""
    parts: list[str] = []
    _emit(value, parts, indent, 0)
    return "".join(parts)


def _emit(value: Any, out: list[str], indent: int | None, level: int) -> None:
    if isinstance(value, NumberLiteral):
        out.append(str(value))
    elif isinstance(value, JsonObject):
        _emit_container(
            [(json.dumps(k, ensure_ascii=False) + ": ", v) for k, v in value], "{", "}", out, indent, level
        )
    elif isinstance(value, list):
        _emit_container([("", v) for v in value], "[", "]", out, indent, level)
    elif isinstance(value, float) and not math.isfinite(value):
        out.append("NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity"))
    else:
        out.append(json.dumps(value, ensure_ascii=False))


def _emit_container(
    items: list[tuple[str, Any]], open_: str, close: str, out: list[str], indent: int | None, level: int
) -> None:
    if not items:
        out.append(open_ + close)
        return
    if indent is None:
        out.append(open_)
        for i, (prefix, item) in enumerate(items):
            if i:
                out.append(",")
            out.append(prefix[:-1])  # '"key": ' without its space (a key may hold ": " itself)
            _emit(item, out, indent, level + 1)
        out.append(close)
        return
    pad = "\n" + " " * (indent * (level + 1))
    out.append(open_)
    for i, (prefix, item) in enumerate(items):
        out.append(("," if i else "") + pad + prefix)
        _emit(item, out, indent, level + 1)
    out.append("\n" + " " * (indent * level) + close)

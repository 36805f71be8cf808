"""Print a parsed JSON value without recursion, and say which lines each value takes.

The text is exactly what `jsondoc.dumps` writes (duplicate keys, big integers and
number literals intact), but it is built with an explicit stack: a document nested
deeper than Python's recursion limit still prints. The raw view uses it to
pretty-print or compact a message; the diff view uses the line spans to put a
changed path on screen.

A location is a tuple of segments from the root: an `int` for an array index, a
`(key, occurrence)` pair for an object member (occurrence counts from 1, so a
duplicated key's second value is `("a", 2)`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

from app.core.jsondoc import MAX_INDENT_LEVEL, JsonObject, NumberLiteral, json_string

Segment = int | tuple[str, int]
Location = tuple[Segment, ...]

_END = object()  # marks a wanted location in a `LocationTrie` node
_CONSTANTS = {None: "null", True: "true", False: "false"}


def scalar_text(value: Any) -> str:
    """The JSON text of a scalar (or of an empty container), as `jsondoc.dumps` writes it."""
    kind = type(value)
    if kind is str:
        return json_string(value)
    if kind is int:
        return int.__repr__(value)
    if kind is float and math.isfinite(value):
        return float.__repr__(value)
    if value is None or kind is bool:
        return _CONSTANTS[value]
    if isinstance(value, NumberLiteral):
        return str.__str__(value)
    if isinstance(value, float):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, JsonObject | dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return json.dumps(value, ensure_ascii=False)


def members(value: Any) -> list[tuple[Segment, str, Any]] | None:
    """A container's children as (segment, printed prefix, value); None for a scalar."""
    if isinstance(value, JsonObject | dict):
        pairs = value if isinstance(value, JsonObject) else list(value.items())
        seen: dict[str, int] = {}
        children: list[tuple[Segment, str, Any]] = []
        for key, item in pairs:
            occurrence = seen[key] = seen.get(key, 0) + 1
            children.append(((key, occurrence), json_string(key) + ": ", item))
        return children
    if isinstance(value, list):
        return [(index, "", item) for index, item in enumerate(value)]
    return None


def compact(value: Any) -> str:
    """One line, no spaces: `jsondoc.dumps(value, indent=None)` without recursion."""
    parts: list[str] = []
    # Each frame: [children, next index, closing bracket]; scalars are written as they are met.
    stack: list[list[Any]] = []
    item, prefix = value, ""
    while True:
        children = members(item)
        if children:
            is_object = isinstance(item, JsonObject | dict)
            parts.append(prefix[:-1] + ("{" if is_object else "["))  # '"key": ' → '"key":'
            stack.append([children, 0, "}" if is_object else "]"])
        else:
            parts.append(prefix[:-1] + scalar_text(item))
        while stack:
            frame = stack[-1]
            index = frame[1]
            if index < len(frame[0]):
                frame[1] = index + 1
                _, prefix, item = frame[0][index]
                if index:
                    parts.append(",")
                break
            parts.append(frame[2])
            stack.pop()
        else:
            return "".join(parts)


def pretty(value: Any, indent: int = 2) -> str:
    """Indented text, identical to `jsondoc.dumps(value, indent)`, without recursion."""
    return "\n".join(pretty_lines(value, indent)[0])


class LocationTrie:
    """The locations whose line spans a printer should record, walked segment by segment."""

    def __init__(self, locations: Iterable[Location]) -> None:
        self.root: dict[Any, Any] = {}
        for location in locations:
            node = self.root
            for segment in location:
                node = node.setdefault(segment, {})
            node[_END] = location


class LineKeys:
    """Which value each printed line belongs to, comparable across documents.

    Print two documents with one `LineKeys` each, sharing `ids`: a line's key is the
    id of its value's location (the same location in both documents gets the same
    id), negated minus one for a container's closing line. The diff view aligns two
    documents on equal keys.
    """

    def __init__(self, ids: dict[tuple[int, Segment], int]) -> None:
        self.ids = ids
        self.lines: list[int] = []


def pretty_lines(
    value: Any, indent: int = 2, wanted: LocationTrie | None = None, keys: LineKeys | None = None
) -> tuple[list[str], dict[Location, tuple[int, int]]]:
    """The indented lines, and for each wanted location its first and last line (0-based).

    With `keys`, each line's key is appended to `keys.lines` (see `LineKeys`).
    """
    lines: list[str] = []
    spans: dict[Location, tuple[int, int]] = {}
    ids = keys.ids if keys else None
    line_keys = keys.lines if keys else None
    # Each open container is a frame: [children, next index, its level, trie node, node id, closing
    # bracket, comma after it, first line]. Scalars are written as they are met, without a frame.
    stack: list[list[Any]] = []
    item, prefix, level, comma, node, node_id = value, "", 0, False, (wanted.root if wanted else None), 0
    while True:
        if line_keys is not None:
            line_keys.append(node_id)
        children = members(item)
        pad = " " * (indent * min(level, MAX_INDENT_LEVEL))
        if children:
            is_object = isinstance(item, JsonObject | dict)
            lines.append(pad + prefix + ("{" if is_object else "["))
            stack.append([children, 0, level, node, node_id, "}" if is_object else "]", comma, len(lines) - 1])
        else:
            if node is not None and _END in node:
                spans[node[_END]] = (len(lines), len(lines))
            lines.append(pad + prefix + scalar_text(item) + ("," if comma else ""))
        while stack:
            frame = stack[-1]
            siblings, index = frame[0], frame[1]
            if index < len(siblings):
                frame[1] = index + 1
                segment, prefix, item = siblings[index]
                level, comma = frame[2] + 1, index != len(siblings) - 1
                parent = frame[3]
                node = parent.get(segment) if parent else None
                node_id = ids.setdefault((frame[4], segment), len(ids) + 1) if ids is not None else 0
                break
            stack.pop()
            if line_keys is not None:
                line_keys.append(-1 - frame[4])
            lines.append(" " * (indent * min(frame[2], MAX_INDENT_LEVEL)) + frame[5] + ("," if frame[6] else ""))
            if frame[3] is not None and _END in frame[3]:
                spans[frame[3][_END]] = (frame[7], len(lines) - 1)
        else:
            return lines, spans

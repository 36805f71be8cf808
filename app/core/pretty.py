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

from app.core.jsondoc import JsonObject, NumberLiteral

Segment = int | tuple[str, int]
Location = tuple[Segment, ...]

_END = object()  # marks a wanted location in a `LocationTrie` node


def scalar_text(value: Any) -> str:
    """The JSON text of a scalar (or of an empty container), as `jsondoc.dumps` writes it."""
    if isinstance(value, NumberLiteral):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
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
        children = []
        for key, item in pairs:
            occurrence = seen[key] = seen.get(key, 0) + 1
            children.append(((key, occurrence), json.dumps(key, ensure_ascii=False) + ": ", item))
        return children
    if isinstance(value, list):
        return [(index, "", item) for index, item in enumerate(value)]
    return None


def compact(value: Any) -> str:
    """One line, no spaces: `jsondoc.dumps(value, indent=None)` without recursion."""
    parts: list[str] = []
    stack: list[Any] = [("value", value, "")]
    while stack:
        task = stack.pop()
        if task[0] == "text":
            parts.append(task[1])
            continue
        _, item, prefix = task
        parts.append(prefix[:-1] if prefix else "")  # '"key": ' → '"key":'
        children = members(item)
        if not children:
            parts.append(scalar_text(item))
            continue
        is_object = isinstance(item, JsonObject | dict)
        parts.append("{" if is_object else "[")
        stack.append(("text", "}" if is_object else "]"))
        for index in range(len(children) - 1, -1, -1):
            _, child_prefix, child = children[index]
            stack.append(("value", child, child_prefix))
            if index:
                stack.append(("text", ","))
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


def pretty_lines(
    value: Any, indent: int = 2, wanted: LocationTrie | None = None
) -> tuple[list[str], dict[Location, tuple[int, int]]]:
    """The indented lines, and for each wanted location its first and last line (0-based)."""
    lines: list[str] = []
    spans: dict[Location, tuple[int, int]] = {}
    root = wanted.root if wanted else None
    # ("value", value, prefix, level, comma, trie node) or ("close", line, trie node, first line)
    stack: list[tuple[Any, ...]] = [("value", value, "", 0, False, root)]
    while stack:
        task = stack.pop()
        if task[0] == "close":
            _, line, node, first = task
            lines.append(line)
            if node is not None and _END in node:
                spans[node[_END]] = (first, len(lines) - 1)
            continue
        _, item, prefix, level, comma, node = task
        pad = " " * (indent * level)
        children = members(item)
        if not children:
            if node is not None and _END in node:
                spans[node[_END]] = (len(lines), len(lines))
            lines.append(pad + prefix + scalar_text(item) + ("," if comma else ""))
            continue
        is_object = isinstance(item, JsonObject | dict)
        stack.append(("close", pad + ("}" if is_object else "]") + ("," if comma else ""), node, len(lines)))
        lines.append(pad + prefix + ("{" if is_object else "["))
        last = len(children) - 1
        for index in range(last, -1, -1):
            segment, child_prefix, child = children[index]
            child_node = node.get(segment) if node else None
            stack.append(("value", child, child_prefix, level + 1, index != last, child_node))
    return lines, spans

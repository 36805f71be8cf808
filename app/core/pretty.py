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
import json.encoder
import math
from collections.abc import Iterable
from typing import Any

from app.core.jsondoc import JsonObject, NumberLiteral

Segment = int | tuple[str, int]
Location = tuple[Segment, ...]

_END = object()  # marks a wanted location in a `LocationTrie` node


_encode_string = json.encoder.encode_basestring  # what json.dumps(..., ensure_ascii=False) uses
_CONSTANTS = {None: "null", True: "true", False: "false"}


def displayable(text: str) -> str:
    """Lone surrogates (valid in a JSON string, not in UTF-8) escaped, so a GUI string keeps them."""
    return text if text.isascii() else text.encode("utf-8", "backslashreplace").decode("utf-8")


def scalar_text(value: Any) -> str:
    """The JSON text of a scalar (or of an empty container), as `jsondoc.dumps` writes it."""
    kind = type(value)
    if kind is str:
        return _encode_string(value)
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
        children = []
        for key, item in pairs:
            occurrence = seen[key] = seen.get(key, 0) + 1
            children.append(((key, occurrence), _encode_string(key) + ": ", item))
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
    root = wanted.root if wanted else None
    ids = keys.ids if keys else None
    line_keys = keys.lines if keys else None
    # ("value", value, prefix, level, comma, trie node, node id) or ("close", line, trie node, first line, id)
    stack: list[tuple[Any, ...]] = [("value", value, "", 0, False, root, 0)]
    while stack:
        task = stack.pop()
        if task[0] == "close":
            _, line, node, first, node_id = task
            if line_keys is not None:
                line_keys.append(-1 - node_id)
            lines.append(line)
            if node is not None and _END in node:
                spans[node[_END]] = (first, len(lines) - 1)
            continue
        _, item, prefix, level, comma, node, node_id = task
        pad = " " * (indent * level)
        children = members(item)
        if line_keys is not None:
            line_keys.append(node_id)
        if not children:
            if node is not None and _END in node:
                spans[node[_END]] = (len(lines), len(lines))
            lines.append(pad + prefix + scalar_text(item) + ("," if comma else ""))
            continue
        is_object = isinstance(item, JsonObject | dict)
        stack.append(("close", pad + ("}" if is_object else "]") + ("," if comma else ""), node, len(lines), node_id))
        lines.append(pad + prefix + ("{" if is_object else "["))
        last = len(children) - 1
        for index in range(last, -1, -1):
            segment, child_prefix, child = children[index]
            child_node = node.get(segment) if node else None
            child_id = ids.setdefault((node_id, segment), len(ids) + 1) if ids is not None else 0
            stack.append(("value", child, child_prefix, level + 1, index != last, child_node, child_id))
    return lines, spans

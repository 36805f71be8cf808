"""Pretty or compact text of a parsed JSON value, and which lines each value takes.

The text is written by `jsondoc`'s one writer (`jsondoc.iter_lines`: duplicate
keys, big integers and number literals intact, any depth); this module adds the
line bookkeeping. The raw view uses it to pretty-print or compact a message; the
diff view uses the line spans to put a changed path on screen, and the line keys
to align two documents.

A location is a tuple of segments from the root: an `int` for an array index, a
`(key, occurrence)` pair for an object member (occurrence counts from 1, so a
duplicated key's second value is `("a", 2)`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.core.jsondoc import CLOSE, OPEN, JsonObject, dumps, iter_lines, scalar_text

__all__ = ["LineKeys", "Location", "LocationTrie", "Segment", "compact", "members", "pretty", "pretty_lines",
           "scalar_text"]

Segment = int | tuple[str, int]
Location = tuple[Segment, ...]

_END = object()  # marks a wanted location in a `LocationTrie` node


def members(value: Any) -> list[tuple[Segment, Any]] | None:
    """A container's children as (segment, value); None for a scalar."""
    if isinstance(value, JsonObject | dict):
        pairs = value if isinstance(value, JsonObject) else list(value.items())
        seen: dict[str, int] = {}
        children: list[tuple[Segment, Any]] = []
        for key, item in pairs:
            occurrence = seen[key] = seen.get(key, 0) + 1
            children.append(((key, occurrence), item))
        return children
    if isinstance(value, list):
        return list(enumerate(value))
    return None


def compact(value: Any) -> str:
    """One line, no spaces: `jsondoc.dumps(value, indent=None)`."""
    return dumps(value, indent=None)


def pretty(value: Any, indent: int = 2) -> str:
    """Indented text: `jsondoc.dumps(value, indent)`."""
    return dumps(value, indent)


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
    if wanted is None and keys is None:
        return [text for _, _, text in iter_lines(value, indent)], {}
    lines: list[str] = []
    spans: dict[Location, tuple[int, int]] = {}
    ids = keys.ids if keys else None
    line_keys = keys.lines if keys else None
    # One frame per open container: [trie node, node id, first line, occurrences of each key so far].
    stack: list[list[Any]] = []
    node, node_id = (wanted.root if wanted else None), 0  # the root's
    for kind, member, text in iter_lines(value, indent):
        if kind == CLOSE:
            node, node_id, first, _ = stack.pop()
            if line_keys is not None:
                line_keys.append(-1 - node_id)
            if node is not None and _END in node:
                spans[node[_END]] = (first, len(lines))
            lines.append(text)
            continue
        if stack:
            parent_node, parent_id, _, seen = stack[-1]
            node, node_id = None, 0
            if parent_node is not None or ids is not None:
                segment: Segment
                if type(member) is str:
                    occurrence = seen[member] = seen.get(member, 0) + 1
                    segment = (member, occurrence)
                else:
                    segment = member  # type: ignore[assignment]  # an array index
                if parent_node is not None:
                    node = parent_node.get(segment)
                if ids is not None:
                    node_id = ids.setdefault((parent_id, segment), len(ids) + 1)
        if line_keys is not None:
            line_keys.append(node_id)
        if kind == OPEN:
            stack.append([node, node_id, len(lines), {}])
        elif node is not None and _END in node:
            spans[node[_END]] = (len(lines), len(lines))
        lines.append(text)
    return lines, spans

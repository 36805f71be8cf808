"""A parsed JSON document as the tree view asks for it: pages of children, never the whole.

Every question a tree asks — the children of a node (a page at a time), the text
of a subtree, where a search matches — is answered here from the parsed value,
by path (the child positions from the root). The same answers serve a document
held in this process (`LocalDocument`) and one held by the document process
(`app.core.docworker`), so both trees behave alike. A document may be a
faithful parse or simdjson's lazy proxies (`lazyjson` reads both alike). Every
walk is iterative: nesting depth costs memory, never a RecursionError.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from app.core.jsondoc import MAX_SAFE_INTEGER, JsonObject, NumberLiteral, dumps_capped
from app.core.lazyjson import (
    CONTAINER_TYPES,
    child,
    faithful,
    is_array,
    is_container,
    is_object,
    keys,
    keys_and_values,
    member_values,
    members,
    object_members,
    shallow,
    text_lacks,
)
from app.core.printable import displayable

PAGE = 500  # children per request
PREVIEW_CHARS = 300  # characters of a string shown in the value column
COPY_LIMIT = 8 * 1024 * 1024  # characters of a subtree put on the clipboard
FIND_LIMIT = 1000  # matches collected by one search
FIND_SLICE = 0.05  # seconds a search runs before it looks whether it has been stopped
# Find asks whether a container's text lacks the query down to this depth; each level costs one read
# of the text below it, so deeper checks would cost more than they save.
SKIP_DEPTH = 6

# Where a node is: the index of each child taken from the root (not a file path: see pathlib.Path).
NodePath = tuple[int, ...]


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """One row of the tree: small enough to send between processes by the hundred."""

    key: str | int | None  # object key, array index, or None for a document that is one scalar
    kind: str  # object, array, string, number, boolean, null
    preview: str  # the value column, escaped for display
    count: int  # children of an object or array
    warning: str | None = None  # why this value is odd (shown orange, with this tooltip)


@dataclass(frozen=True, slots=True)
class PlanStep:
    """One container opened by "Expand all": which step listed it, its row there, and its rows."""

    parent: int
    row: int
    rows: list[NodeInfo]


@dataclass(frozen=True, slots=True)
class FindResult:
    """The matches of a search, their paths stored as a tree of shared prefixes.

    A match 100,000 levels deep has a path of 100,000 positions; a thousand such
    matches, each with its own tuple, would need gigabytes. Here every node on
    the way to a match is stored once, as its position and its parent's entry,
    so memory grows with the nodes those paths pass, never with depth × matches.
    """

    parents: list[int]  # per stored node: the entry of its parent, -1 for a member of the root
    positions: list[int]  # per stored node: its position among its parent's members
    matches: list[int]  # per match, in the tree's order: its stored node
    capped: bool  # more matches exist than were collected

    def __len__(self) -> int:
        return len(self.matches)

    def path(self, number: int) -> NodePath:
        """The path of match `number` (costs its depth)."""
        rows = []
        entry = self.matches[number]
        while entry >= 0:
            rows.append(self.positions[entry])
            entry = self.parents[entry]
        return tuple(reversed(rows))

    @property
    def paths(self) -> list[NodePath]:
        """Every match's path in full: for small results (each path costs its depth)."""
        return [self.path(number) for number in range(len(self.matches))]


def kind_of(value: Any) -> str:
    if is_object(value):
        return "object"
    if is_array(value):
        return "array"
    if isinstance(value, NumberLiteral):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return "number"


def preview(value: Any) -> str:
    kind = kind_of(value)
    if kind == "object":
        return f"{{{len(value)} keys}}" if len(value) != 1 else "{1 key}"
    if kind == "array":
        return f"[{len(value)} items]" if len(value) != 1 else "[1 item]"
    if kind == "string":
        text = json.dumps(value[:PREVIEW_CHARS], ensure_ascii=False)
        return displayable(text) + ("…" if len(value) > PREVIEW_CHARS else "")
    return scalar_text(value)


def scalar_text(value: Any) -> str:
    """Numbers, booleans and null as JSON spells them (NaN and Infinity as a lenient peer sent them)."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return str(value)


def warning_of(value: Any) -> str | None:
    if type(value) is int and abs(value) > MAX_SAFE_INTEGER:
        return "Beyond 2^53: JavaScript clients round this integer."
    if isinstance(value, NumberLiteral):
        return "Kept as its literal text: no double holds this number exactly."
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN and Infinity are not standard JSON."
    return None


def duplicate_warning(key: str) -> str:
    return f"Duplicate key {displayable(key)!r}: a JavaScript client keeps only the last."


def node_at(root: Any, path: NodePath) -> Any:
    value = root
    for position in path:
        value = child(value, position)
    return value


def info_of(key: str | int | None, value: Any, warning: str | None = None) -> NodeInfo:
    count = len(value) if is_container(value) else 0
    return NodeInfo(key, kind_of(value), preview(value), count, warning or warning_of(value))


def children(root: Any, path: NodePath, start: int, count: int) -> list[NodeInfo]:
    """Rows `start` to `start + count` under the node at `path`; duplicate keys flagged in order."""
    return rows_of(node_at(root, path), start, count)


def rows_of(value: Any, start: int, count: int) -> list[NodeInfo]:
    if is_object(value):
        seen = set(keys(value)[:start]) if start else set()
        rows = []
        for key, item in object_members(value, start, start + count):
            rows.append(info_of(key, item, duplicate_warning(key) if key in seen else None))
            seen.add(key)
        return rows
    if is_array(value):
        return [info_of(index, item) for index, item in members(value, start, start + count)]
    return []


def copy_text(root: Any, path: NodePath, limit: int = COPY_LIMIT) -> tuple[str, bool]:
    """What "Copy value" puts on the clipboard: a string's own text, anything else as JSON."""
    value = node_at(root, path)
    if isinstance(value, str) and not isinstance(value, NumberLiteral):
        text = displayable(value)
        return (text[:limit], True) if len(text) > limit else (text, False)
    return dumps_capped(value, limit, expand=shallow)


def find(root: Any, query: str, limit: int = FIND_LIMIT) -> FindResult:
    """Nodes whose key or scalar value contains `query` (case-insensitive), in the tree's order."""
    search = Search(root, query, limit)
    search.run()
    return search.result


class Search:
    """A find over a whole document, run a slice at a time (`run(seconds)`) so it can be stopped.

    The walk keeps one frame per open container (memory grows with depth, not
    with depth squared) and stores a frame's position for the result only when a
    match lies below it; each frame is stored at most once (see `FindResult`).
    A faithful parse's containers are walked by index: a frame is then the
    container and plain integers, no new object the garbage collector would
    have to trace (100,000 levels of iterators set off full collections that
    held every thread for a second).
    """

    def __init__(self, root: Any, query: str, limit: int = FIND_LIMIT) -> None:
        self._needle = query.casefold()
        self._limit = limit
        self._parents: list[int] = []
        self._positions: list[int] = []
        self._matches: list[int] = []
        self._capped = False
        self._lacks = text_lacks(self._needle) if self._needle else None
        # Per open container: itself (a list or JsonObject) or an iterator over its members (simdjson's),
        # the position of its next member, its position in its parent, and its stored entry.
        self._open: list[Any] = []
        self._next: list[int] = []
        self._rows: list[int] = []
        self._entries: list[int] = []
        self._stored = 0  # how many of the open containers (from the root) have their entry stored
        if self._needle and not (self._lacks is not None and self._lacks(root)):
            self._push(root, -1, -1)  # the root is no stored node: its members have parent -1
            self._stored = 1

    @property
    def done(self) -> bool:
        return not self._open

    @property
    def result(self) -> FindResult:
        return FindResult(self._parents, self._positions, self._matches, self._capped)

    def run(self, seconds: float | None = None) -> bool:
        """Search for about `seconds` (None: to the end); True when the search has finished."""
        deadline = None if seconds is None else time.monotonic() + seconds
        needle, skip = self._needle, self._lacks
        open_, next_, rows = self._open, self._next, self._rows
        steps = 0
        while open_:
            top = open_[-1]
            kind = type(top)
            if kind is list or kind is JsonObject:
                position = next_[-1]
                if position == len(top):
                    self._close()
                    continue
                next_[-1] = position + 1
                key, value = (position, top[position]) if kind is list else top[position]
            else:
                member = next(top, None)
                if member is None:
                    self._close()
                    continue
                position, (key, value) = member
            container = is_container(value)
            entry = -1  # stored only if it matches (or, later, if a match lies below it)
            if (isinstance(key, str) and needle in key.casefold()) or (not container and needle in (
                    value if isinstance(value, str) else scalar_text(value)).casefold()):
                if len(self._matches) == self._limit:
                    self._capped = True
                    self._stop()
                    return True
                entry = self._store(position)
                self._matches.append(entry)
            if container and len(value) and (skip is None or len(rows) > SKIP_DEPTH or not skip(value)):
                self._push(value, position, entry)
                if entry >= 0:  # every open container below the root is stored, this one included
                    self._stored = len(rows)
            steps += 1
            if deadline is not None and not steps & 1023 and time.monotonic() > deadline:
                return False
        return True

    def _push(self, container: Any, position: int, entry: int) -> None:
        kind = type(container)
        self._open.append(container if kind is list or kind is JsonObject else enumerate(members(container)))
        self._next.append(0)
        self._rows.append(position)
        self._entries.append(entry)

    def _store(self, position: int) -> int:
        """Store the open containers not yet stored, then the member at `position` of the innermost."""
        rows, entries = self._rows, self._entries
        for level in range(self._stored, len(rows)):
            entries[level] = self._new_entry(entries[level - 1], rows[level])
        self._stored = len(rows)
        return self._new_entry(entries[-1], position)

    def _new_entry(self, parent: int, position: int) -> int:
        self._parents.append(parent)
        self._positions.append(position)
        return len(self._parents) - 1

    def _close(self) -> None:
        for frames in (self._open, self._next, self._rows, self._entries):
            frames.pop()
        self._stored = min(self._stored, len(self._rows))

    def _stop(self) -> None:
        for frames in (self._open, self._next, self._rows, self._entries):
            frames.clear()
        self._stored = 0


class WarningScan:
    """The document-wide warnings (as `jsondoc.parse` gives them) of a document parsed without them.

    A big document is scanned after its first paint, a slice at a time between
    the tree's requests (`run(seconds)`), so expanding a node never waits for it.
    The scan ends early once both kinds of warning have been found.
    """

    def __init__(self, root: Any) -> None:
        self.warnings: list[str] = []
        self._flagged: set[str] = set()
        self._stack: list[Iterator[Any]] = [iter((root,))]  # the root as if a member: a scalar is checked too

    @property
    def done(self) -> bool:
        return not self._stack

    def run(self, seconds: float | None = None) -> bool:
        """Scan for about `seconds` (None: to the end); True when the whole document has been seen."""
        deadline = None if seconds is None else time.monotonic() + seconds
        stack, flagged = self._stack, self._flagged
        steps = 0
        while stack:
            for value in stack[-1]:  # an iterator: after a descent, the loop resumes where it left off
                kind = type(value)
                if kind in CONTAINER_TYPES:
                    self._enter(value)
                    break
                if kind is int and (value > MAX_SAFE_INTEGER or value < -MAX_SAFE_INTEGER) and "int" not in flagged:
                    flagged.add("int")
                    self.warnings.append(
                        f"Integer {str(value)[:40]} is beyond 2^53: JavaScript clients will round it.")
                steps += 1
                if deadline is not None and not steps & 4095 and time.monotonic() > deadline:
                    return False
            else:
                stack.pop()
            if len(flagged) == 2:
                stack.clear()  # nothing more to learn
        return True

    def _enter(self, container: Any) -> None:
        if not is_object(container):
            self._stack.append(iter(container))
            return
        names, values = keys_and_values(container)
        self._stack.append(values)
        if "dup" not in self._flagged and len(names) > 1:
            if len(set(names)) != len(names):
                seen: set[str] = set()
                duplicate = next(k for k in names if k in seen or seen.add(k))  # type: ignore[func-returns-value]
                self._flagged.add("dup")
                self.warnings.append(f"Duplicate key {duplicate!r}: every occurrence is shown; "
                                     "most parsers keep only the last.")


_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")


def json_path(keys: list[str | int]) -> str:
    """`$.data.items[3]`, `$['key with space']`: the path a JSONPath tool accepts."""
    parts = ["$"]
    for key in keys:
        if isinstance(key, int):
            parts.append(f"[{key}]")
        elif _IDENTIFIER.fullmatch(key):
            parts.append(f".{key}")
        else:
            escaped = displayable(key).replace("\\", "\\\\").replace("'", "\\'")
            parts.append(f"['{escaped}']")
    return "".join(parts)


class LocalDocument:
    """A document parsed in this process (small payloads): answers at once."""

    remote = False

    def __init__(self, value: Any, warnings: list[str], *, scanned: bool = True) -> None:
        """`warnings` from the parser; `scanned=False` when it left the document-wide ones to a scan."""
        # A scalar or empty document is shown as one "(value)" row under an invisible root.
        self.wrapped = not is_container(value) or not len(value)
        self.root = [faithful(value)] if self.wrapped else value
        self._warnings = list(warnings)
        self._scan = None if scanned else WarningScan(value)
        self._search: tuple[int, Search] | None = None  # a search run a slice per request

    @property
    def count(self) -> int:
        return len(self.root)

    def children(self, path: NodePath, start: int, count: int) -> list[NodeInfo]:
        rows = children(self.root, path, start, count)
        if self.wrapped and not path:
            return [NodeInfo(None, row.kind, row.preview, row.count, row.warning) for row in rows]
        return rows

    def copy_text(self, path: NodePath, limit: int = COPY_LIMIT) -> tuple[str, bool]:
        return copy_text(self.root, path, limit)

    def find(self, query: str, limit: int = FIND_LIMIT,
             cancelled: Callable[[], bool] | None = None) -> FindResult | None:
        """The matches of `query`; None if `cancelled()` turned true (asked between slices of the search)."""
        search = Search(self.root, query, limit)
        while not search.run(None if cancelled is None else FIND_SLICE):
            if cancelled is not None and cancelled():
                return None
        return search.result

    def start_search(self, search_id: int, query: str, limit: int, seconds: float) -> FindResult | None:
        """Begin a search run a slice per request (the document process's way), replacing any other;
        its result if it ended within `seconds`, else None (see `continue_search`)."""
        self._search = (search_id, Search(self.root, query, limit))
        return self.continue_search(search_id, seconds)

    def continue_search(self, search_id: int, seconds: float) -> FindResult | None:
        if self._search is None or self._search[0] != search_id:
            raise LookupError("This search was replaced by another")
        search = self._search[1]
        if not search.run(seconds):
            return None
        self._search = None
        return search.result

    def expand_plan(self, limit: int, depth: int | None = None, path: NodePath = ()) -> tuple[list[PlanStep], bool]:
        """The rows "Expand all" shows below the node at `path`: containers breadth-first until `limit`
        rows (and none more than `depth` levels below the root opened), and whether it stopped short.

        Each step names its container by the step that listed it and its row there
        (the first step, with parent -1, lists the node at `path`), so applying a
        plan costs the same at any depth.
        """
        plan: list[PlanStep] = []
        top = node_at(self.root, path)
        count = len(top) if is_container(top) else 0
        queue: deque[tuple[int, int, Any, int, int]] = deque([(-1, 0, top, count, len(path))])
        budget = limit
        cut = False
        while queue and budget > 0:
            parent, row, value, count, level = queue.popleft()
            if depth is not None and level > depth:
                cut = True
                break
            wanted = min(count, budget)
            rows = self.children((), 0, wanted) if value is self.root else rows_of(value, 0, wanted)
            values = list(member_values(value, 0, wanted))
            cut = cut or len(rows) < count
            budget -= len(rows)
            step = len(plan)
            plan.append(PlanStep(parent, row, rows))
            queue.extend((step, child, values[child], info.count, level + 1)
                         for child, info in enumerate(rows) if info.count)
        return plan, cut or bool(queue)

    def warnings(self, wait: bool = True) -> list[str] | None:
        """Everything odd about the whole document (may walk all of it once).

        With `wait=False`, None while the scan is unfinished (see `scan_step`).
        """
        if self._scan is not None and (wait or self._scan.done):
            self.scan_step(None)
        return None if self._scan is not None else self._warnings

    def scan_step(self, seconds: float | None) -> bool:
        """Advance the warning scan for about `seconds` (None: to its end); True when it has finished."""
        if self._scan is None:
            return True
        try:
            if not self._scan.run(seconds):
                return False
            self._warnings.extend(self._scan.warnings)
        except Exception as error:  # a scan that fails must not take the document with it: say so
            self._warnings.append(f"Not checked for duplicate keys and unsafe integers: {error}")
        self._scan = None
        return True

"""What changed between two JSON values, path by path; or between two texts, line by line.

Values are compared as `jsondoc` parses them, so nothing a peer sent is smoothed
over: objects are matched by key, and a duplicated key's n-th value is compared
with the other side's n-th value for that key; integers are exact (2**64 and
2**64 + 1 differ); numbers kept as literal text compare by their text; 1 and 1.0
are reported as changed (a peer wrote them differently). Arrays are compared by
index, or, when both are short and their lengths differ, by a longest common
subsequence so one inserted element is not reported as every later one changing.

The walk uses an explicit stack, so a deeply nested document cannot raise
RecursionError, and it stops after `MAX_CHANGES` changes (saying so).
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from typing import Any

from app.core.jsondoc import JsonObject, NumberLiteral
from app.core.pretty import Location, Segment, compact, members

MAX_CHANGES = 10_000
# Arrays up to this length whose lengths differ are aligned by LCS, if their elements print
# in fewer than LCS_TEXT_BUDGET characters in all; longer ones are compared index by index.
LCS_MAX_LENGTH = 500
LCS_TEXT_BUDGET = 256 * 1024

ADDED, REMOVED, CHANGED, TYPE_CHANGED = "added", "removed", "changed", "type-changed"

_MISSING = object()
_DESCEND = "descend"
_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*\Z")


@dataclass(frozen=True, slots=True)
class Change:
    """One difference. `left`/`right` are the values (None where the side has nothing)."""

    path: str
    kind: str
    left: Any
    right: Any
    left_location: Location | None = None
    right_location: Location | None = None


@dataclass(slots=True)
class Differences:
    changes: list[Change] = field(default_factory=list)
    truncated: bool = False  # stopped at the limit: more differences exist

    def summary(self) -> str:
        if not self.changes:
            return "No differences"
        count = len(self.changes)
        text = f"{count:,} difference{'s' if count != 1 else ''}"
        return f"First {text} shown; comparison stopped there" if self.truncated else text


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, JsonObject | dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, NumberLiteral | int | float):
        return "number"
    return "string"


def format_path(location: Location) -> str:
    """JSONPath text: `$.a[0]['odd key']`; a duplicated key's n-th value is written `$.a#2`."""
    parts = ["$"]
    for segment in location:
        if isinstance(segment, int):
            parts.append(f"[{segment}]")
            continue
        key, occurrence = segment
        if _IDENTIFIER.match(key):
            parts.append("." + key)
        else:
            escaped = key.replace("\\", "\\\\").replace("'", "\\'")
            parts.append(f"['{escaped}']")
        if occurrence > 1:
            parts.append(f"#{occurrence}")
    return "".join(parts)


def _same_scalar(left: Any, right: Any) -> bool:
    if type(left) is not type(right):
        return False
    if isinstance(left, float) and math.isnan(left):
        return math.isnan(right)
    return bool(left == right)


# A path under construction is a linked list (parent, segment): extending it is O(1) however
# deep the document; it is flattened only for a reported change.
_Path = tuple[Any, Segment] | None
_Task = tuple[Any, Any, _Path, _Path]  # left value, right value, and where each is
_Members = list[tuple[Segment, Any]]


def _flatten(path: _Path) -> Location:
    segments: list[Segment] = []
    while path is not None:
        path, segment = path
        segments.append(segment)
    segments.reverse()
    return tuple(segments)


def diff_values(left: Any, right: Any, limit: int = MAX_CHANGES) -> Differences:
    """Every difference between two parsed values, in document order, at most `limit`."""
    result = Differences()
    # Each task compares one pair; _MISSING on a side means the value exists only on the other.
    stack: list[tuple[Any, Any, _Path, _Path]] = [(left, right, None, None)]
    while stack:
        a, b, a_path, b_path = stack.pop()
        kind = _compare(a, b)
        if kind is _DESCEND:
            if a is not b:
                stack.extend(reversed(_pair_members(a, b, a_path, b_path)))
            continue
        if kind is None:
            continue
        if len(result.changes) >= limit:
            result.truncated = True
            break
        a_location = None if a is _MISSING else _flatten(a_path)
        b_location = None if b is _MISSING else _flatten(b_path)
        result.changes.append(Change(
            format_path(a_location if a_location is not None else b_location),  # type: ignore[arg-type]
            kind,
            None if a is _MISSING else a,
            None if b is _MISSING else b,
            a_location,
            b_location,
        ))
    return result


def _compare(a: Any, b: Any) -> str | None:
    """The kind of change between a and b; None if equal; `_DESCEND` for two containers of one type."""
    if a is _MISSING:
        return ADDED
    if b is _MISSING:
        return REMOVED
    a_type, b_type = json_type(a), json_type(b)
    if a_type != b_type:
        return TYPE_CHANGED
    if a_type in ("object", "array"):
        return _DESCEND
    if a_type == "number" and isinstance(a, NumberLiteral) != isinstance(b, NumberLiteral):
        return CHANGED
    return None if _same_scalar(a, b) else CHANGED


def _pair_members(a: Any, b: Any, a_path: _Path, b_path: _Path) -> list[_Task]:
    a_members, b_members = members(a) or [], members(b) or []
    if json_type(a) == "object":
        return _pair_object(a_members, b_members, a_path, b_path)
    if len(a_members) != len(b_members) and max(len(a_members), len(b_members)) <= LCS_MAX_LENGTH:
        aligned = _pair_array_by_lcs(a, b, a_path, b_path)
        if aligned is not None:
            return aligned
    tasks: list[_Task] = []
    for index in range(max(len(a), len(b))):
        tasks.append((
            a[index] if index < len(a) else _MISSING,
            b[index] if index < len(b) else _MISSING,
            (a_path, index), (b_path, index),
        ))
    return tasks


def _pair_object(a_members: _Members, b_members: _Members, a_path: _Path, b_path: _Path) -> list[_Task]:
    """Match members by (key, occurrence): the left's order first, then what only the right has."""
    right = dict(b_members)
    tasks: list[_Task] = []
    for segment, value in a_members:
        tasks.append((value, right.pop(segment, _MISSING), (a_path, segment), (b_path, segment)))
    for segment, value in b_members:
        if segment in right:
            tasks.append((_MISSING, value, (a_path, segment), (b_path, segment)))
    return tasks


def _pair_array_by_lcs(a: list[Any], b: list[Any], a_path: _Path, b_path: _Path) -> list[_Task] | None:
    """Align two short arrays on their equal elements; None if they print too long to try."""
    budget = LCS_TEXT_BUDGET
    printed: list[list[str]] = []
    for side in (a, b):
        texts = []
        for item in side:
            text = compact(item)
            budget -= len(text)
            if budget < 0:
                return None
            texts.append(text)
        printed.append(texts)
    matcher = difflib.SequenceMatcher(None, printed[0], printed[1], autojunk=False)
    tasks: list[_Task] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        paired = min(i2 - i1, j2 - j1)
        for k in range(paired):
            tasks.append((a[i1 + k], b[j1 + k], (a_path, i1 + k), (b_path, j1 + k)))
        for i in range(i1 + paired, i2):
            tasks.append((a[i], _MISSING, (a_path, i), (b_path, j1 + paired)))
        for j in range(j1 + paired, j2):
            tasks.append((_MISSING, b[j], (a_path, i1 + paired), (b_path, j)))
    return tasks


def diff_lines(left: list[str], right: list[str], limit: int = MAX_CHANGES) -> Differences:
    """Line differences of two texts, one change per run of lines, paths like `lines 3–5`."""
    result = Differences()
    matcher = difflib.SequenceMatcher(None, left, right, autojunk=len(left) + len(right) > 4000)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if len(result.changes) >= limit:
            result.truncated = True
            break
        kind = {"replace": CHANGED, "delete": REMOVED, "insert": ADDED}[tag]
        first, last = (i1, i2) if tag != "insert" else (j1, j2)
        where = f"line {first + 1}" if last - first == 1 else f"lines {first + 1}–{last}"
        result.changes.append(Change(
            where, kind,
            "\n".join(left[i1:i2]) if i2 > i1 else None,
            "\n".join(right[j1:j2]) if j2 > j1 else None,
            (i1, i2) if i2 > i1 else None,  # a text change's location is its line range
            (j1, j2) if j2 > j1 else None,
        ))
    return result

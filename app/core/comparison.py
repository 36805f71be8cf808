"""What the diff view shows for two messages, computed off the GUI thread.

`compare_payloads` parses both payloads as the message view does; two JSON
documents are compared structurally and pretty-printed, anything else is compared
as lines of text. The two printed documents are then aligned row by row (equal
lines side by side, a gap where one side has lines the other lacks) and each
printed line is marked with the kind of change it belongs to. Pure and Qt-free.
"""

from __future__ import annotations

import bisect
import difflib
from dataclasses import dataclass, field
from typing import cast

from app.core.diff import ADDED, REMOVED, Change, Differences, diff_lines, diff_values
from app.core.inspection import Inspection, inspect_payload
from app.core.pretty import LineKeys, Location, LocationTrie, Segment, pretty_lines
from app.core.printable import displayable

# Texts (not JSON) up to this many lines a side are aligned by difflib; longer ones are shown
# row for row (difflib's cost grows faster than the length). JSON is aligned by path, in O(n log n).
TEXT_ALIGN_LIMIT = 20_000

Row = tuple[int | None, int | None]  # a line of the left and of the right document, or None for a gap


@dataclass(slots=True)
class Comparison:
    left_lines: list[str]
    right_lines: list[str]
    rows: list[Row]
    differences: Differences
    as_json: bool
    left_marks: dict[int, str] = field(default_factory=dict)  # left line → kind of change
    right_marks: dict[int, str] = field(default_factory=dict)
    change_rows: list[int] = field(default_factory=list)  # for each change, the first row it occupies
    notes: list[str] = field(default_factory=list)


def compare_payloads(left: tuple[int, str | bytes], right: tuple[int, str | bytes]) -> Comparison:
    """Compare two (opcode, payload) messages."""
    inspections = inspect_payload(*left), inspect_payload(*right)
    if all(i.is_json for i in inspections):
        return _compare_json(*inspections)
    return _compare_text(*inspections)


def _compare_json(left: Inspection, right: Inspection) -> Comparison:
    differences = diff_values(left.value, right.value)
    printed = []
    ids: dict[tuple[int, Segment], int] = {}
    for value, side in ((left.value, "left"), (right.value, "right")):
        locations = [getattr(c, f"{side}_location") for c in differences.changes]
        keys = LineKeys(ids)
        lines, spans = pretty_lines(value, wanted=LocationTrie(loc for loc in locations if loc is not None),
                                    keys=keys)
        printed.append(([displayable(line) for line in lines], spans, keys.lines))
    (left_lines, left_spans, left_keys), (right_lines, right_spans, right_keys) = printed
    rows = align_unique(left_keys, right_keys)
    comparison = Comparison(left_lines, right_lines, rows, differences, as_json=True)
    for change in differences.changes:
        left_span = left_spans.get(change.left_location) if change.left_location is not None else None
        right_span = right_spans.get(change.right_location) if change.right_location is not None else None
        _mark(comparison, change, left_span, right_span)
    _finish(comparison, _side_notes(left, right))
    return comparison


def _compare_text(left: Inspection, right: Inspection) -> Comparison:
    left_lines = [displayable(line) for line in left.raw.split("\n")]
    right_lines = [displayable(line) for line in right.raw.split("\n")]
    differences = diff_lines(left_lines, right_lines)
    comparison = Comparison(left_lines, right_lines, _align_text(left_lines, right_lines), differences,
                            as_json=False)
    for change in differences.changes:
        _mark(comparison, change, _line_span(change.left_location), _line_span(change.right_location))
    which = [name for name, i in (("left", left), ("right", right)) if not i.is_json]
    reasons = [f"{name}: {i.error.removeprefix('Not JSON — ')}" for name, i in (("left", left), ("right", right))
               if i.error]
    comparison.notes.append(
        f"Compared as text: the {' and '.join(which)} message{'s are' if len(which) > 1 else ' is'} not JSON"
        + (f" ({'; '.join(reasons)})" if reasons else "")
    )
    _finish(comparison, _side_notes(left, right))
    return comparison


def _side_notes(left: Inspection, right: Inspection) -> list[str]:
    return [f"{side}: {note}" for side, inspection in (("Left", left), ("Right", right)) for note in inspection.notes]


def _line_span(location: Location | None) -> tuple[int, int] | None:
    """A text change's first and last line: `diff_lines` keeps its line range as its location."""
    if location is None:
        return None
    first, end = cast(tuple[int, int], location)
    return first, end - 1


def _mark(comparison: Comparison, change: Change, left_span: tuple[int, int] | None,
          right_span: tuple[int, int] | None) -> None:
    if left_span and change.kind != ADDED:
        for line in range(left_span[0], left_span[1] + 1):
            comparison.left_marks[line] = change.kind
    if right_span and change.kind != REMOVED:
        for line in range(right_span[0], right_span[1] + 1):
            comparison.right_marks[line] = change.kind
    comparison.change_rows.append(_pending(left_span, right_span))  # a row once rows are known


def _pending(left_span: tuple[int, int] | None, right_span: tuple[int, int] | None) -> int:
    """Encode which line a change starts at until rows are known: left lines ≥ 0, right lines < -1."""
    if left_span:
        return left_span[0]
    if right_span:
        return -2 - right_span[0]
    return -1


def _finish(comparison: Comparison, notes: list[str]) -> None:
    left_row: dict[int, int] = {}
    right_row: dict[int, int] = {}
    for row, (left, right) in enumerate(comparison.rows):
        if left is not None:
            left_row[left] = row
        if right is not None:
            right_row[right] = row
    resolved = []
    for pending in comparison.change_rows:
        if pending >= 0:
            resolved.append(left_row.get(pending, 0))
        elif pending < -1:
            resolved.append(right_row.get(-2 - pending, 0))
        else:
            resolved.append(0)
    comparison.change_rows = resolved
    comparison.notes[:0] = [comparison.differences.summary()]
    if not comparison.as_json and max(len(comparison.left_lines), len(comparison.right_lines)) > TEXT_ALIGN_LIMIT:
        comparison.notes.append(f"Texts beyond {TEXT_ALIGN_LIMIT:,} lines are shown without line alignment")
    comparison.notes.extend(notes)


def align_unique(left: list[int], right: list[int]) -> list[Row]:
    """Rows pairing equal keys (each key unique within its side), gaps where a side has no match.

    The pairs kept are a longest increasing run of matches (as patience diff does), so
    the alignment never crosses itself; between two kept pairs the remaining lines are
    set side by side. O(n log n).
    """
    right_position = {key: j for j, key in enumerate(right)}
    matches = [(i, right_position[key]) for i, key in enumerate(left) if key in right_position]
    # Longest increasing subsequence of the right positions (patience sorting with back-links).
    tails: list[int] = []  # tails[k] = index into matches of the smallest tail of a run of length k+1
    back: list[int] = [-1] * len(matches)
    tail_values: list[int] = []
    for m, (_, j) in enumerate(matches):
        k = bisect.bisect_left(tail_values, j)
        back[m] = tails[k - 1] if k else -1
        if k == len(tails):
            tails.append(m)
            tail_values.append(j)
        else:
            tails[k] = m
            tail_values[k] = j
    anchors: list[tuple[int, int]] = []
    m = tails[-1] if tails else -1
    while m >= 0:
        anchors.append(matches[m])
        m = back[m]
    anchors.reverse()
    rows: list[Row] = []
    i = j = 0
    for anchor_i, anchor_j in [*anchors, (len(left), len(right))]:
        gap = max(anchor_i - i, anchor_j - j)
        for k in range(gap):
            rows.append((i + k if i + k < anchor_i else None, j + k if j + k < anchor_j else None))
        if anchor_i < len(left) or anchor_j < len(right):
            rows.append((anchor_i, anchor_j))
        i, j = anchor_i + 1, anchor_j + 1
    return rows


def _align_text(left: list[str], right: list[str]) -> list[Row]:
    if max(len(left), len(right)) > TEXT_ALIGN_LIMIT:
        return [(i if i < len(left) else None, i if i < len(right) else None)
                for i in range(max(len(left), len(right)))]
    rows: list[Row] = []
    matcher = difflib.SequenceMatcher(None, left, right)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows.extend(zip(range(i1, i2), range(j1, j2), strict=True))
            continue
        for k in range(max(i2 - i1, j2 - j1)):
            rows.append((i1 + k if i1 + k < i2 else None, j1 + k if j1 + k < j2 else None))
    return rows

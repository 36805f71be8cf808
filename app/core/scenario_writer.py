"""A recorded conversation written as a scenario test (`*.wstest.yaml`) that the same server should pass again.

What the client sent becomes `send` steps, as sent; its close becomes a `close` step. Each JSON reply
becomes an `expect` that pins the values that should come again and checks only the kind of those
that cannot: ISO 8601 timestamps and UUIDs (a regular expression of their form), and numbers that
differ between replies of the same shape, which are counters or clocks (`$.seq is number`). Binary
messages, text that is not JSON and sends the scenario would read as templates (`{{`) are skipped
and counted, never half-written. An expect checks at most `MOST_CHECKS` values, the first in
document order, so a large reply does not make an unreadable line.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.core import jsondoc
from app.core.errors import SocketScopeError
from app.core.frames import Direction, Frame, Opcode, Side
from app.core.scenarios import DEFAULT_WITHIN, sendable_close_code

ISO_TIMESTAMP = r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?"
UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_VOLATILE_TEXT = ((re.compile(ISO_TIMESTAMP), ISO_TIMESTAMP), (re.compile(UUID), UUID))
MOST_CHECKS = 40  # values one expect checks
EXACT_INTEGERS = 2**53  # beyond, an integer is checked as an integer, not pinned
LONGEST_PINNED = 200  # characters of a string pinned; a longer one is checked as a string
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_TYPE_NAMES = {str: "string", bool: "boolean", int: "number", float: "number", list: "array", dict: "object"}

Path = tuple[str | int, ...]


class ScenarioWriteError(SocketScopeError, ValueError):
    """The rows cannot make a scenario (several connections, nothing to send or expect)."""


@dataclass(frozen=True, slots=True)
class WrittenScenario:
    text: str  # the YAML file
    sends: int
    expects: int
    skipped: int  # messages left out: binary, not JSON, or holding `{{`

    def summary(self) -> str:
        parts = [f"{_count(self.sends, 'send')}, {_count(self.expects, 'expect')}"]
        if self.skipped:
            parts.append(f"{_count(self.skipped, 'message')} skipped (binary, not JSON, or holding {{{{)")
        return "; ".join(parts)


def write_scenario(frames: Sequence[Frame], url: str, name: str,
                   options: Mapping[str, Any] | None = None) -> WrittenScenario:
    """The scenario of one connection's `frames` (in the order they happened) against `url`."""
    connections = sorted({frame.connection for frame in frames})
    if len(connections) > 1:
        raise ScenarioWriteError(f"a test is written from one connection's messages; the rows are from "
                                 f"{', '.join(connections[:4])}{'…' if len(connections) > 4 else ''}")
    replies = dict(_json_replies(frames))  # by index in `frames`
    volatile = _counters(list(replies.values()))
    steps: list[dict[str, Any]] = []
    sends = expects = skipped = 0
    previous_time: float | None = None
    for index, frame in enumerate(frames):
        from_client = (frame.side == Side.CLIENT) == (frame.direction == Direction.SENT)
        if frame.opcode == Opcode.CLOSE and from_client and frame.direction != Direction.EVENT:
            close = _close_step(frame)
            if close is not None:
                steps.append(close)
                break  # nothing the client does follows its close
            continue
        if frame.opcode not in (Opcode.TEXT, Opcode.BINARY) or frame.direction == Direction.EVENT:
            continue
        if from_client:
            if not _sendable(frame.payload):
                skipped += 1
                continue
            steps.append({"send": frame.payload})
            sends += 1
        elif index in replies:
            step: dict[str, Any] = {"expect": expectation(replies[index], volatile)}
            if previous_time is not None and (frame.wall_time - previous_time) * 2 > DEFAULT_WITHIN:
                step["within"] = f"{math.ceil((frame.wall_time - previous_time) * 2)}s"
            steps.append(step)
            expects += 1
        else:
            skipped += 1
            continue
        previous_time = frame.wall_time
    if not steps:
        raise ScenarioWriteError("none of the rows is a JSON message the client sent or received")
    document: dict[str, Any] = {"name": name, "url": url}
    if options:
        document["options"] = dict(options)
    document["steps"] = steps
    header = (f"# {name}: recorded from {connections[0]}. Sends are replayed as sent; each expect pins\n"
              "# what should come back again and checks only the kind of timestamps, UUIDs and counters.\n")
    import yaml  # here, not at the top: the window imports this module as it starts

    text = header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=1 << 20)
    return WrittenScenario(text, sends, expects, skipped)


def expectation(value: Any, volatile: frozenset[Path] = frozenset()) -> str:
    """A filter expression that `value` passes: its leaves pinned, volatile ones checked by kind."""
    terms = []
    for path, leaf in _leaves(value):
        terms.append(_term(path, leaf, path in volatile))
        if len(terms) == MOST_CHECKS:
            break
    return " ".join(terms)


def _term(path: Path, leaf: Any, volatile: bool) -> str:
    where = json_path(path)
    if isinstance(leaf, (list, dict)):  # empty: only its kind can be checked
        return f"{where} is {_TYPE_NAMES[type(leaf)]}"
    if isinstance(leaf, str):
        for pattern, written in _VOLATILE_TEXT:
            if pattern.fullmatch(leaf):
                return f"{where} =~ /{written}/"
        if len(leaf) > LONGEST_PINNED:
            return f"{where} is string"
        return f"{where} == {_string_literal(leaf)}"
    if leaf is None:
        return f"{where} == null"
    if isinstance(leaf, bool):
        return f"{where} == {'true' if leaf else 'false'}"
    if volatile or isinstance(leaf, float) and not math.isfinite(leaf):
        return f"{where} is number"
    if isinstance(leaf, int) and abs(leaf) > EXACT_INTEGERS:  # the filter compares them as doubles
        return f"{where} is integer"
    return f"{where} == {leaf!r}"


def json_path(path: Path) -> str:
    """`$.a[0]['b c']`: names as dotted members where they can be, others quoted.

    Unlike the message view's copied path (`docnodes.json_path`, written to be read), every key here
    is escaped as RFC 9535 says, so the filter finds exactly the key the message has.
    """
    parts = ["$"]
    for step in path:
        if isinstance(step, int):
            parts.append(f"[{step}]")
        elif _NAME.match(step):
            parts.append(f".{step}")
        else:
            parts.append(f"[{_string_literal(step)}]")
    return "".join(parts)


def _string_literal(text: str) -> str:
    """A single-quoted JSONPath string (RFC 9535): JSON's escapes, `'` escaped, `"` as itself."""
    escaped = json.dumps(text)[1:-1].replace('\\"', '"').replace("'", "\\'")
    return f"'{escaped}'"


def _leaves(value: Any) -> Iterator[tuple[Path, Any]]:
    """Scalars and empty containers with their paths, in document order, without recursion.

    Lazy: taking the first few leaves of a reply with 250,000 costs what those few cost.
    """
    if not (isinstance(value, dict | list) and value):
        yield (), value
        return
    stack: list[tuple[Path, Iterator[tuple[str | int, Any]]]] = [((), _members(value))]
    while stack:
        path, members = stack[-1]
        member = next(members, None)
        if member is None:
            stack.pop()
            continue
        key, child = member
        if isinstance(child, dict | list) and child:
            stack.append(((*path, key), _members(child)))
        else:
            yield (*path, key), child


def _members(container: dict[str, Any] | list[Any]) -> Iterator[tuple[str | int, Any]]:
    return iter(container.items()) if isinstance(container, dict) else enumerate(container)


def _counters(values: list[Any]) -> frozenset[Path]:
    """Paths of numbers that differ between replies of the same shape (the same leaves, of the same kinds).

    Only the leaves an expect checks (the first MOST_CHECKS) are compared: a reply of 250,000 leaves
    costs no more than one of forty.
    """
    by_shape: dict[tuple[tuple[Path, str], ...], list[dict[Path, Any]]] = defaultdict(list)
    for value in values:
        leaves = dict(itertools.islice(_leaves(value), MOST_CHECKS))
        shape = tuple(sorted(((path, _TYPE_NAMES.get(type(leaf), "null")) for path, leaf in leaves.items()),
                             key=repr))
        by_shape[shape].append(leaves)
    changing: set[Path] = set()
    for group in by_shape.values():
        first = group[0]
        for path, leaf in first.items():
            if isinstance(leaf, (int, float)) and not isinstance(leaf, bool) \
                    and any(other[path] != leaf for other in group[1:]):
                changing.add(path)
    return frozenset(changing)


def _json_replies(frames: Sequence[Frame]) -> Iterator[tuple[int, Any]]:
    """The index and parsed value of each text message the server sent that holds JSON."""
    for index, frame in enumerate(frames):
        to_client = (frame.side == Side.CLIENT) == (frame.direction == Direction.RECEIVED)
        if frame.direction == Direction.EVENT or not to_client or frame.opcode != Opcode.TEXT:
            continue
        assert isinstance(frame.payload, str)  # a text frame's
        try:
            yield index, json.loads(frame.payload)
        except (ValueError, RecursionError):
            continue


def _sendable(payload: str | bytes) -> bool:
    """Text a `send` step reproduces exactly: JSON, with no `{{` the scenario would read as a template."""
    if not isinstance(payload, str) or "{{" in payload:
        return False
    try:
        jsondoc.parse(payload)
    except (jsondoc.JsonSyntaxError, RecursionError):
        return False
    return True


def _close_step(frame: Frame) -> dict[str, Any] | None:
    try:
        close = json.loads(frame.payload)
    except (ValueError, TypeError):
        return None
    code = close.get("code") if isinstance(close, dict) else None
    if not isinstance(code, int) or not sendable_close_code(code):
        return None
    reason = close.get("reason") or ""
    return {"close": {"code": code, "reason": reason} if reason else {"code": code}}


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


__all__ = ["ScenarioWriteError", "WrittenScenario", "expectation", "json_path", "write_scenario"]

"""Per connection: which protocol it speaks; per frame: what it says; per request: its reply and latency.

The tracker reads the capture store the way the View does, from where it stopped:
`catch_up` decodes new rows in time slices, so a flood or a million-row import never
stalls the GUI thread. A connection's protocol is decided at its open event from the
URL or the subprotocol, else from its first data frames (or forced by the user).

Per stored row it keeps a byte of flags, the partner's row and the latency, allocated
only from the first row of a connection that speaks a protocol (13 bytes a row after
that, nothing before). Requests wait in a bounded table: the oldest expire as
unanswered, so a connection that never replies cannot grow memory. Latency is the
difference of the two frames' capture times.
"""

from __future__ import annotations

import json
import time
from array import array
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import compress
from operator import not_

from app.core.capture import CaptureStore
from app.core.errors import SocketScopeError
from app.core.frames import Opcode
from app.core.protocols import FRAMES_CONFIDENCE, PROTOCOLS, URL_CONFIDENCE, detect
from app.core.protocols.base import Decoded, Hint, Role, WireProtocol
from app.core.protocols.rule import PairingRule

RAW = "raw"  # the options' word for "read the frames as they are"
DETECT_FRAMES = 8  # data frames looked at before a connection without a URL hint is called raw
PENDING_LIMIT = 100_000  # requests waiting for a reply, across connections
UNANSWERED_AFTER = 30.0  # seconds without a reply before a request counts as unanswered
STEP_BUDGET = 0.01  # seconds of decoding per catch_up call
SLICE = 64  # rows between two looks at the clock
CACHE_ROWS = 4096  # decoded frames kept for the views…
CACHE_BYTES = 8 * 1024 * 1024  # …whose payloads add up to at most this (a parsed value is bigger still)
DECODE_LIMIT = 256 * 1024  # bytes: a bigger frame is not decoded here (the GUI thread runs this), nor paired

ATTACHMENT_SCAN = 10_000  # rows after a binary event looked through for its attachments
LATENCY_SAMPLE = 10_000  # the latest pairs per connection whose latencies give p50 and p95

REQUEST, REPLY, HEARTBEAT, EXPIRED, DECODED, CANCELLED = 1, 2, 4, 8, 16, 32
_OPEN = int(Opcode.OPEN)


@dataclass(frozen=True, slots=True)
class LatencyStats:
    """A connection's paired requests: how many, the max over all, p50 and p95 over the latest LATENCY_SAMPLE."""

    count: int
    p50: float
    p95: float
    max: float

    def describe(self) -> str:
        return f"{self.count:,} · p50 {self.p50:.1f} · p95 {self.p95:.1f} · max {self.max:.1f} ms"


@dataclass(slots=True)
class _Connection:
    url: str = ""
    subprotocol: str | None = None
    protocol: WireProtocol | None = None
    decided: bool = False
    forced: bool = False
    first: list[tuple[int, str | bytes]] = field(default_factory=list)
    waiting: list[int] = field(default_factory=list)  # rows seen before the protocol was decided
    quiet: bytes = b""  # the protocol's `quiet_prefix`: frames starting so need nothing here, unread
    latencies: deque[float] = field(default_factory=lambda: deque(maxlen=LATENCY_SAMPLE))
    pairs: int = 0
    slowest: float = 0.0

    def settle(self, protocol: WireProtocol | None, *, forced: bool = False) -> None:
        """The connection speaks `protocol` (None: raw) from now on."""
        self.protocol, self.decided, self.forced = protocol, True, self.forced or forced
        self.quiet = getattr(protocol, "quiet_prefix", b"")
        self.first, self.waiting = [], []


class ProtocolTracker:
    def __init__(self, store: CaptureStore, *, pending_limit: int = PENDING_LIMIT,
                 unanswered_after: float = UNANSWERED_AFTER) -> None:
        self.store = store
        self.pending_limit = pending_limit
        self.unanswered_after = unanswered_after
        self._connections: dict[int, _Connection] = {}  # by the store's connection id
        self._scanned = store.first
        self._base: int | None = None  # the store row of flags[0]; None until a protocol is seen
        self.flags = array("B")
        self.partners = array("q")  # the paired row (-1: none): a reply's request, a request's first reply
        self.latencies = array("f")  # ms between the pair's capture times (NaN: none)
        # (connection id, the request's direction, key) → (request row, capture time): oldest first.
        self._pending: OrderedDict[tuple[int, int, str | int], tuple[int, float]] = OrderedDict()
        self._cache: OrderedDict[int, tuple[Decoded | None, int]] = OrderedDict()  # row → (decoded, payload bytes)
        self._cache_bytes = 0
        self.pair_observers: list[Callable[[float], None]] = []  # told each new pair's latency (ms): the charts

    # -- reading the store ---------------------------------------------------------------------

    @property
    def scanned(self) -> int:
        """The store row decoding has reached: rows before it are decoded (or raw)."""
        return max(self._scanned, self.store.first)

    @property
    def pending_count(self) -> int:
        """Requests waiting for a reply now, across connections (at most `pending_limit`)."""
        return len(self._pending)

    @property
    def caught_up(self) -> bool:
        return self._scanned >= self.store.end

    def catch_up(self, budget: float = STEP_BUDGET) -> bool:
        """Decode and pair the rows stored since the last call, for about `budget` seconds; True once done."""
        store = self.store
        self._forget_dropped()
        row, end = max(self._scanned, store.first), store.end
        deadline = time.perf_counter() + budget
        while row < end:
            stop = min(end, row + SLICE)
            if not self._read_quiet_run(row, stop):
                self._read_rows(row, stop)
            row = stop
            if time.perf_counter() > deadline:
                break
        self._scanned = row
        return row >= end

    def _read_rows(self, start: int, stop: int) -> None:
        store, connections = self.store, self._connections
        ids, opcodes, first = store.connection_ids.data, store.opcodes.data, store.first
        starts_with = store.payloads.starts_with
        for each in range(start, stop):  # the common case first: a data frame of a decided connection
            connection_id = ids[each - first]
            state = connections.get(connection_id)
            if state is not None and state.decided and opcodes[each - first] != _OPEN:
                protocol = state.protocol
                if protocol is not None and not (state.quiet and starts_with(each, state.quiet)):
                    self._apply(each, connection_id, protocol)
                continue
            self._visit(each)

    def _read_quiet_run(self, start: int, stop: int) -> bool:
        """Read `start..stop` in one bulk pass if all are data frames of one connection whose protocol
        has a `quiet_prefix`: only the frames without it are applied. False (nothing read) otherwise."""
        store, first = self.store, self.store.first
        ids = store.connection_ids.data
        connection_id = ids[start - first]
        state = self._connections.get(connection_id)
        protocol = state.protocol if state is not None and state.decided and state.quiet else None
        if protocol is None or state is None:
            return False
        if ids[start - first:stop - first].count(connection_id) != stop - start:
            return False
        if store.opcodes.data[start - first:stop - first].count(_OPEN):
            return False
        quiet = store.payloads.starting_with(range(start, stop), state.quiet)
        if quiet is None:
            return False
        for row in compress(range(start, stop), map(not_, quiet)):
            self._apply(row, connection_id, protocol)
        return True

    def _visit(self, row: int) -> None:
        store = self.store
        connection_id = store.connection_ids[row]
        connection = self._connections.get(connection_id)
        if connection is None:
            connection = self._connections[connection_id] = _Connection()
        opcode = store.opcodes[row]
        if opcode == Opcode.OPEN:
            self._opened(connection, store.payloads[row])
            return
        if connection.decided:
            if connection.protocol is not None:
                self._apply(row, connection_id, connection.protocol)
            return
        if opcode not in (Opcode.TEXT, Opcode.BINARY) or store.payloads.length(row) > DECODE_LIMIT:
            return  # a big frame is never read here: the detectors would parse it on the GUI thread
        connection.first.append((opcode, store.payloads[row]))
        connection.waiting.append(row)
        hint = Hint(connection.url, connection.subprotocol, connection.first)
        sure = detect(hint, URL_CONFIDENCE)
        if sure is not None:
            self._decide(connection_id, connection, sure)
        elif len(connection.first) >= DETECT_FRAMES:
            self._decide(connection_id, connection, detect(hint, FRAMES_CONFIDENCE))

    def _opened(self, connection: _Connection, details: str | bytes) -> None:
        try:
            opened = json.loads(details)
        except (ValueError, TypeError):
            return
        if not isinstance(opened, dict):
            return
        url, subprotocol = opened.get("url") or opened.get("path") or "", opened.get("subprotocol")
        connection.url = url if isinstance(url, str) else ""
        connection.subprotocol = subprotocol if isinstance(subprotocol, str) else None
        chosen = opened.get("protocol")  # the user's choice in the connection's options
        rule = opened.get("pairing")
        if isinstance(rule, dict) and isinstance(rule.get("request"), str) and isinstance(rule.get("reply"), str):
            try:
                connection.settle(PairingRule(rule["request"], rule["reply"]), forced=True)
            except SocketScopeError:
                return  # a rule the options refused never reaches here; from a hand-edited capture: ignored
            return
        if chosen == RAW or chosen in PROTOCOLS:
            connection.settle(PROTOCOLS.get(chosen) if isinstance(chosen, str) else None, forced=True)
            return
        if not connection.decided:
            protocol = detect(Hint(connection.url, connection.subprotocol), URL_CONFIDENCE)
            if protocol is not None:
                connection.settle(protocol)

    def _decide(self, connection_id: int, connection: _Connection, protocol: WireProtocol | None) -> None:
        waiting = connection.waiting
        connection.settle(protocol)
        if protocol is not None:
            for row in waiting:
                if row >= self.store.first:
                    self._apply(row, connection_id, protocol)

    # -- decoding and pairing ------------------------------------------------------------------

    def _apply(self, row: int, connection_id: int, protocol: WireProtocol) -> None:
        store = self.store
        if store.payloads.length(row) > DECODE_LIMIT:
            return
        scan = getattr(protocol, "scan", None)  # what pairing needs, cheaper than a full decode
        index = row - store.first
        decoded = (scan or protocol.decode)(store.opcodes.data[index], store.payloads[row])
        if scan is None:
            self._remember(row, decoded)
        if decoded is None:
            return
        parts = decoded.parts or (decoded,)
        if len(parts) == 1:
            heartbeat, keyless = decoded.heartbeat, decoded.key is None
        else:  # a frame that also carries a message is not dimmed
            heartbeat, keyless = all(part.heartbeat for part in parts), all(part.key is None for part in parts)
        if not heartbeat and keyless:
            return  # nothing to keep: the per-row arrays need not reach this row yet
        self._cover(row)
        base = self._base
        assert base is not None
        flags = DECODED | (HEARTBEAT if heartbeat else 0)
        direction, wall_time = store.directions.data[index], store.wall_times.data[index]
        for part in parts:
            if part.key is None:
                continue
            if part.role is Role.REQUEST:
                flags |= REQUEST
                self._wait_for_reply((connection_id, direction, part.key), row, wall_time)
            elif part.role in (Role.REPLY, Role.PARTIAL):
                # Ids are numbered per direction (MQTT): a reply answers the other side's request.
                answered = (connection_id, 1 - direction, part.key)
                waiting = self._pending.get(answered)
                if waiting is None:
                    cancelled = self._pending.get((connection_id, direction, part.key))
                    if cancelled is not None and part.role is Role.REPLY and cancelled[0] >= base:
                        # The requester gives up (GraphQL's complete, stop): kept, so a late answer still pairs.
                        self.flags[cancelled[0] - base] |= CANCELLED
                    continue
                request, requested_at = waiting
                if part.role is Role.REPLY:
                    del self._pending[answered]
                flags |= REPLY
                latency = (wall_time - requested_at) * 1000
                if self.partners[row - base] < 0:
                    self.partners[row - base], self.latencies[row - base] = request, latency
                if request >= base and self.partners[request - base] < 0:
                    self.partners[request - base], self.latencies[request - base] = row, latency
                    self._count_pair(connection_id, latency)
        self.flags[row - base] = flags

    def _count_pair(self, connection_id: int, latency: float) -> None:
        state = self._connections[connection_id]
        state.latencies.append(latency)
        state.pairs += 1
        state.slowest = max(state.slowest, latency)
        for observer in self.pair_observers:
            observer(latency)

    def _wait_for_reply(self, key: tuple[int, int, str | int], row: int, wall_time: float) -> None:
        pending = self._pending
        pending[key] = (row, wall_time)
        pending.move_to_end(key)
        while len(pending) > self.pending_limit:  # the oldest request gives up waiting: unanswered
            _key, (expired, _time) = pending.popitem(last=False)
            base = self._base
            if base is not None and expired >= base:
                self.flags[expired - base] |= EXPIRED

    def _cover(self, row: int) -> None:
        """Extend the per-row arrays up to `row` (the first time: from `row`)."""
        if self._base is None:
            self._base = row
        missing = row - self._base + 1 - len(self.flags)
        if missing > 0:
            self.flags.extend(bytes(missing))
            self.partners.extend([-1] * missing)
            self.latencies.extend([float("nan")] * missing)

    def _forget_dropped(self) -> None:
        first, base = self.store.first, self._base
        if base is not None and first > base:
            gone = min(first - base, len(self.flags))
            del self.flags[:gone], self.partners[:gone], self.latencies[:gone]
            self._base = first
        if self._scanned < first:
            self._scanned = first

    def _remember(self, row: int, decoded: Decoded | None) -> None:
        size = self.store.payloads.length(row)
        if size > CACHE_BYTES or row in self._cache:
            return
        self._cache[row] = (decoded, size)
        self._cache_bytes += size
        while len(self._cache) > CACHE_ROWS or self._cache_bytes > CACHE_BYTES:
            _row, (_decoded, gone) = self._cache.popitem(last=False)
            self._cache_bytes -= gone

    # -- questions the views ask -----------------------------------------------------------------

    def protocol_of(self, connection: str) -> WireProtocol | None:
        """The protocol `connection` speaks, None while undecided or raw."""
        index = self.store.connection_index(connection)
        state = self._connections.get(index) if index is not None else None
        return state.protocol if state is not None else None

    def latency_stats(self, connection: str) -> LatencyStats | None:
        """Count and max over every pair of `connection`, p50 and p95 over its latest LATENCY_SAMPLE (exact)."""
        index = self.store.connection_index(connection)
        state = self._connections.get(index) if index is not None else None
        if state is None or not state.pairs:
            return None
        ordered = sorted(state.latencies)
        last = len(ordered) - 1
        return LatencyStats(state.pairs, ordered[round(last * 0.5)], ordered[round(last * 0.95)], state.slowest)

    def protocol_of_row(self, row: int) -> WireProtocol | None:
        """The protocol of the connection `row` belongs to."""
        state = self._connections.get(self.store.connection_ids[row])
        return state.protocol if state is not None else None

    def decoded(self, row: int) -> Decoded | None:
        """The frame in `row` as its connection's protocol reads it (None: raw, or not decided yet)."""
        cached = self._cache.get(row)
        if cached is not None:
            self._cache.move_to_end(row)
            return cached[0]
        state = self._connections.get(self.store.connection_ids[row])
        if state is None or state.protocol is None or self.store.payloads.length(row) > DECODE_LIMIT:
            return None
        protocol = state.protocol
        decoded = protocol.decode(self.store.opcodes[row], self.store.payloads[row])
        expected = getattr(protocol, "attachments_expected", None)
        if decoded is not None and expected is not None and (count := expected(decoded)):
            attachments = self._attachments(row, count)
            if attachments is None:
                return decoded  # not all here yet: shown without them, asked again next time
            decoded = protocol.join(decoded, attachments)  # type: ignore[attr-defined]
        self._remember(row, decoded)
        return decoded

    def _attachments(self, row: int, count: int) -> list[bytes] | None:
        """The `count` binary frames that follow `row` on its connection and in its direction (None: not all
        here yet, or too far to look)."""
        store = self.store
        connection, direction = store.connection_ids[row], store.directions[row]
        found: list[bytes] = []
        for after in range(row + 1, min(store.end, row + 1 + ATTACHMENT_SCAN)):
            if store.connection_ids[after] == connection and store.directions[after] == direction \
                    and store.opcodes[after] == Opcode.BINARY:
                payload = store.payloads[after]
                assert isinstance(payload, bytes)
                found.append(payload)
                if len(found) == count:
                    return found
        return None

    def flags_of(self, row: int) -> int:
        base = self._base
        if base is None or not base <= row < base + len(self.flags):
            return 0
        return self.flags[row - base]

    def partner(self, row: int) -> int | None:
        """A reply's request, or a request's first reply; None when unpaired."""
        if not self.flags_of(row) & (REQUEST | REPLY):
            return None
        assert self._base is not None
        partner = self.partners[row - self._base]
        return partner if partner >= 0 else None

    def latency(self, row: int) -> float | None:
        """Milliseconds between a request and its (first) reply, on either of the two."""
        if self.partner(row) is None and not self.flags_of(row) & REPLY:
            return None
        assert self._base is not None
        latency = self.latencies[row - self._base]
        return None if latency != latency else float(latency)  # NaN: no pair

    def is_heartbeat(self, row: int) -> bool:
        return bool(self.flags_of(row) & HEARTBEAT)

    def is_request(self, row: int) -> bool:
        return bool(self.flags_of(row) & REQUEST)

    def is_reply(self, row: int) -> bool:
        return bool(self.flags_of(row) & REPLY)

    def is_pending(self, row: int, now: float | None = None) -> bool:
        """A request still waiting for its reply, within the unanswered timeout."""
        flags = self.flags_of(row)
        if not flags & REQUEST or flags & (EXPIRED | CANCELLED) or self.partner(row) is not None:
            return False
        return (time.time() if now is None else now) - self.store.wall_times[row] < self.unanswered_after

    def is_unanswered(self, row: int, now: float | None = None) -> bool:
        """A request no reply came to within the timeout (or that gave up its place in the table)."""
        flags = self.flags_of(row)
        if not flags & REQUEST or flags & CANCELLED or self.partner(row) is not None:
            return False
        if flags & EXPIRED:
            return True
        return (time.time() if now is None else now) - self.store.wall_times[row] >= self.unanswered_after



__all__ = ["PROTOCOLS", "ProtocolTracker"]

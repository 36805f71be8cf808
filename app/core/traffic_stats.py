"""Traffic in numbers for the charts: per-second rates, the size distribution, the latency distribution.

Fed as a capture observer (every live batch, on the GUI thread), so it must cost next to nothing per
frame: each connection and direction has a fixed ring of WINDOW_SECONDS one-second buckets (messages
and bytes), addressed by the frame's own capture second, so a frame is two list increments (a flood's
batch of one connection and second, one addition read from the store's columns) and memory does not
grow with time. Times come from the frames, never from the clock: what a chart shows
is when the frames touched the wire, and the same frames always give the same figures.

Only data frames (text and binary) count as messages; pings, pongs, closes and connection events do not.
At most MAX_CONNECTIONS connections get series of their own; the frames of any later one are counted
together under OTHERS, so memory stays bounded however many connections come and go.
Sizes and latencies go into log2 buckets: bucket k of sizes holds [2^(k-1), 2^k) bytes (bucket 0: empty
messages), bucket k of latencies holds [2^(k-1), 2^k) microseconds.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field

from app.core.capture import CaptureStore
from app.core.frames import Direction, Frame, Opcode

WINDOW_SECONDS = 300  # the rates kept: the last five minutes
MAX_CONNECTIONS = 16  # connections with series of their own; later ones are counted as OTHERS
OTHERS = "other connections"
SIZE_BUCKETS = 65  # a size's bit length: 0..64
LATENCY_BUCKETS = 48  # a latency's bit length in microseconds (2^47 µs is four years)
_DATA = (Opcode.TEXT, Opcode.BINARY)
_NEVER = -1  # the stamp of a bucket no frame has reached


@dataclass(slots=True)
class Rates:
    """One connection's one direction: a ring of one-second buckets, each stamped with its second."""

    messages: list[int] = field(default_factory=lambda: [0] * WINDOW_SECONDS)
    bytes: list[int] = field(default_factory=lambda: [0] * WINDOW_SECONDS)
    seconds: list[int] = field(default_factory=lambda: [_NEVER] * WINDOW_SECONDS)

    def add(self, second: int, size: int, count: int = 1) -> bool:
        """Count `count` messages of `size` bytes in all in `second`; False if that second is older than the
        ring holds."""
        slot = second % WINDOW_SECONDS
        stamp = self.seconds[slot]
        if stamp != second:
            if stamp > second:
                return False
            self.seconds[slot], self.messages[slot], self.bytes[slot] = second, 0, 0
        self.messages[slot] += count
        self.bytes[slot] += size
        return True

    def window(self, until: int, span: int) -> tuple[list[int], list[int]]:
        """Messages and bytes in each second of `until - span + 1 .. until` (0 where nothing was counted)."""
        span = min(span, WINDOW_SECONDS)
        messages, sizes, stamps = self.messages, self.bytes, self.seconds
        counts, volumes = [0] * span, [0] * span
        for index, second in enumerate(range(until - span + 1, until + 1)):
            slot = second % WINDOW_SECONDS
            if stamps[slot] == second:
                counts[index], volumes[index] = messages[slot], sizes[slot]
        return counts, volumes


class TrafficStats:
    """The figures behind the Statistics dock and the connections' sparklines; a capture observer."""

    def __init__(self, max_connections: int = MAX_CONNECTIONS, store: CaptureStore | None = None) -> None:
        self.max_connections = max_connections
        self.store = store  # the store the observed batches were just appended to: a flood's batch is read there
        self.series: dict[tuple[str, Direction], Rates] = {}  # in order of first appearance
        self.connections: list[str] = []  # those with series of their own, at most max_connections
        self.sizes = {Direction.SENT: [0] * SIZE_BUCKETS, Direction.RECEIVED: [0] * SIZE_BUCKETS}
        self.latencies = [0] * LATENCY_BUCKETS
        self.latest: int | None = None  # the newest capture second counted

    def observe(self, frames: Sequence[Frame]) -> None:
        """Count a batch of frames (a capture observer's call).

        A flood is runs of frames of one connection, direction and second: those take the short path,
        two increments in the bucket the previous frame found (about 0.2 µs a frame). A whole batch of one
        connection, direction and second, in one size bucket (the usual batch of a flood), is counted from
        the store's columns at once, without a look at each frame (about 0.1 µs a frame).
        """
        if self.store is not None and self._count_uniform(self.store, len(frames)):
            return
        sizes, data = self.sizes, _DATA
        connection, direction = "", Direction.EVENT  # the run's: no frame matches them
        start, stop = 1.0, 0.0  # the run's second, [start, stop): a float test, as int() costs more
        messages: list[int] = []
        volumes: list[int] = []
        histogram: list[int] = []
        slot = 0
        latest = self.latest if self.latest is not None else _NEVER
        for frame in frames:
            if frame.opcode not in data:
                continue
            size, wall_time = frame.size, frame.wall_time
            if not start <= wall_time < stop or frame.connection != connection or frame.direction != direction:
                connection, direction, second = frame.connection, frame.direction, int(wall_time)
                rates = self.series.get((connection, direction)) or self._rates_for(connection, direction)
                histogram = sizes[direction]
                if rates.add(second, size):
                    start, stop, slot = float(second), float(second + 1), second % WINDOW_SECONDS
                    messages, volumes = rates.messages, rates.bytes
                else:
                    start, stop = 1.0, 0.0
                latest = max(latest, second)
            else:
                messages[slot] += 1
                volumes[slot] += size
            histogram[size.bit_length()] += 1
        if latest != _NEVER:
            self.latest = latest

    def _count_uniform(self, store: CaptureStore, count: int) -> bool:
        """Count the store's last `count` rows in one step if they share a connection, a direction (not an
        event), a data opcode, a capture second and a size bucket; False (nothing counted) if they do not.

        Each test is one call over an array slice (count, min, max, sum), so the batch is never walked in Python.
        """
        if count == 0:
            return True
        first = store.end - count - store.first
        ids = store.connection_ids.data[first:first + count]
        directions = store.directions.data[first:first + count]
        opcodes = store.opcodes.data[first:first + count]
        if opcodes[0] not in _DATA or directions[0] == Direction.EVENT or not (
                _same(ids) and _same(directions) and _same(opcodes)):
            return False
        times = store.wall_times.data[first:first + count]
        second = int(min(times))
        sizes = store.sizes.data[first:first + count]
        bucket, equal = sizes[0].bit_length(), _same(sizes)
        if int(max(times)) != second or not equal and (
                min(sizes).bit_length() != bucket or max(sizes).bit_length() != bucket):
            return False
        connection, direction = store.connection_names[ids[0]], Direction(directions[0])
        rates = self.series.get((connection, direction)) or self._rates_for(connection, direction)
        if rates.add(second, sizes[0] * count if equal else sum(sizes), count):
            self.latest = max(second, self.latest if self.latest is not None else _NEVER)
        self.sizes[direction][bucket] += count
        return True

    def _rates_for(self, connection: str, direction: Direction) -> Rates:
        """The series `connection`'s frames in `direction` count under: its own while under the cap, else OTHERS."""
        connections = self.connections
        if connection not in connections and len(connections) < self.max_connections:
            connections.append(connection)
        name = connection if connection in connections else OTHERS
        rates = self.series.get((name, direction))
        if rates is None:
            rates = self.series[(name, direction)] = Rates()
        return rates

    def add_latency(self, milliseconds: float) -> None:
        """One request answered after `milliseconds` (the protocol tracker's pairs)."""
        microseconds = max(0, int(milliseconds * 1000))
        self.latencies[min(microseconds.bit_length(), LATENCY_BUCKETS - 1)] += 1

    def rates(self, connection: str, direction: Direction, until: int,
              span: int = WINDOW_SECONDS) -> tuple[list[int], list[int]]:
        """Messages and bytes per second of `connection` (a key of `series`) for `span` seconds up to `until`
        (a whole second: pass the last complete one, as the current second is still filling)."""
        rates = self.series.get((connection, direction))
        if rates is None:
            empty = [0] * min(span, WINDOW_SECONDS)
            return empty, list(empty)
        return rates.window(until, span)


def _same(values: array[int]) -> bool:
    """Whether every item of `values` equals the first: one comparison of their bytes."""
    return values.tobytes() == values[:1].tobytes() * len(values)


def bucket_floor(bucket: int) -> int:
    """The smallest value of a log2 bucket: 0, 1, 2, 4, 8, …"""
    return 0 if bucket == 0 else 1 << (bucket - 1)

"""A JSONPath's numeric values over time, per connection: what a field plot draws.

It reads the capture store the way the protocol tracker does, from where it stopped, for a bounded
time per call: a plot never stalls the GUI thread that calls it, whatever the flood. Only small text
messages are parsed (at most PARSE_LIMIT bytes; bigger ones are counted as skipped), with the log's own
JSONPath columns' extraction (`first_value`). A frame of a connection that speaks a protocol whose
message sits inside a wrapper (Socket.IO, Engine.IO, SignalR…) is read as the message tree shows it:
the protocol tracker's decoded value, so a path copied from that tree finds its number; rows are read
only as far as the tracker has decided their connections' protocols. A value is plotted when the path's first match is a JSON
number (not a boolean); its time is the frame's capture time. Reading starts HISTORY_ROWS rows back
(the recent past is plotted at once), and memory is bounded: MAX_CONNECTIONS series of at most
MAX_POINTS points each, the oldest half dropped when a series is full.
"""

from __future__ import annotations

import math
import time
from array import array
from dataclasses import dataclass, field

from app.core.capture import CaptureStore
from app.core.filters import NOT_JSON, parse_payload
from app.core.frames import Opcode
from app.core.json_query import compile_query, first_value
from app.core.protocols.base import SAME
from app.core.protocols.tracker import ProtocolTracker

PARSE_LIMIT = 64 * 1024  # bytes: bigger messages are not parsed for a plot
HISTORY_ROWS = 10_000  # rows already stored when the plot opens that it reads first
MAX_CONNECTIONS = 16
MAX_POINTS = 100_000  # per connection
STEP_BUDGET = 0.003  # seconds of reading per call
SLICE = 64  # rows between two looks at the clock, and after each message parsed
_TEXT = int(Opcode.TEXT)


@dataclass(slots=True)
class Series:
    """One connection's points: capture times (epoch seconds) and values, oldest first."""

    times: array[float] = field(default_factory=lambda: array("d"))
    values: array[float] = field(default_factory=lambda: array("d"))

    def add(self, at: float, value: float) -> None:
        if len(self.times) >= MAX_POINTS:
            del self.times[:MAX_POINTS // 2], self.values[:MAX_POINTS // 2]
        self.times.append(at)
        self.values.append(value)


def number(value: object) -> float | None:
    """A JSON number as a finite float; None for anything else (booleans, strings, NaN, too big)."""
    if type(value) is int:
        try:
            value = float(value)
        except OverflowError:
            return None
    if type(value) is not float or not math.isfinite(value):
        return None
    return value


class FieldSeries:
    """The values `path` finds in the messages of a capture store, per connection, read a slice at a time."""

    def __init__(self, store: CaptureStore, path: str, protocols: ProtocolTracker | None = None) -> None:
        self.path = path.strip()
        self._value_of = first_value(compile_query(self.path))  # FilterError on a bad path
        self.store = store
        self.protocols = protocols  # None: every frame is read as it came
        self.series: dict[str, Series] = {}  # by connection name, in order of first value
        self.next_row = max(store.first, store.end - HISTORY_ROWS)
        self.read = 0  # text messages read
        self.skipped = 0  # text messages too big to parse here
        self.not_shown = 0  # values of connections past MAX_CONNECTIONS
        self.changes = 0  # grows with every call that added a point

    @property
    def behind(self) -> int:
        """Rows stored but not read yet."""
        return max(0, self.store.end - max(self.next_row, self.store.first))

    def _readable_end(self) -> int:
        """The end of the rows whose connections' protocols are known (all of them without a tracker)."""
        return self.store.end if self.protocols is None else min(self.store.end, self.protocols.scanned)

    def _document(self, row: int) -> object:
        """The row's JSON as the message tree shows it: inside a protocol's wrapper, or the payload parsed."""
        protocols = self.protocols
        if protocols is not None and protocols.protocol_of_row(row) is not None:
            decoded = protocols.decoded(row)
            if decoded is not None and decoded.value is not SAME:
                return decoded.value
        return parse_payload(self.store, row)

    def catch_up(self, budget: float = STEP_BUDGET) -> bool:
        """Read the rows stored since the last call for about `budget` seconds; True if a point was added."""
        store = self.store
        row, end = max(self.next_row, store.first), self._readable_end()
        deadline = time.perf_counter() + budget
        added = False
        while row < end:
            stop = min(end, row + SLICE)
            first = store.first
            opcodes, lengths = store.opcodes.data, store.payloads.length
            for each in range(row, stop):
                if opcodes[each - first] != _TEXT:
                    continue
                self.read += 1
                if lengths(each) > PARSE_LIMIT:
                    self.skipped += 1
                    continue
                added = self._read_row(each) or added
                if time.perf_counter() > deadline:  # a message's parse and walk may take milliseconds
                    stop = each + 1
                    break
            row = stop
            if time.perf_counter() > deadline:
                break
        self.next_row = row
        if added:
            self.changes += 1
        return added

    def _read_row(self, row: int) -> bool:
        """Add the point of the text message at `row`, if its path's value is a number; True if one was added."""
        store = self.store
        document = self._document(row)
        value = None if document is NOT_JSON else number(self._value_of(document))
        if value is None:
            return False
        connection = store.connection_names[store.connection_ids[row]]
        points = self.series.get(connection)
        if points is None:
            if len(self.series) >= MAX_CONNECTIONS:
                self.not_shown += 1
                return False
            points = self.series[connection] = Series()
        points.add(store.wall_times[row], value)
        return True

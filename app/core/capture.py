"""The capture store: every frame of a session, in columns.

Columnar (one `array` per numeric field, one list of raw payloads) because a
million `Frame` objects would cost several hundred bytes each in object headers
alone; here a stored 150-byte message costs little more than its payload.
Rows are append-only and addressed by index.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable

from app.core.frames import Direction, Frame, Opcode, Side


class CaptureStore:
    """Append-only columns of frames, with per-direction counters."""

    def __init__(self) -> None:
        self.wall_times = array("d")
        self.connection_ids = array("I")
        self.sides = array("B")
        self.directions = array("B")
        self.opcodes = array("B")
        self.sizes = array("Q")
        self.payloads: list[str | bytes] = []
        self.connection_names: list[str] = []
        self._connection_index: dict[str, int] = {}
        self.sent_count = 0
        self.received_count = 0

    def __len__(self) -> int:
        return len(self.payloads)

    def _intern(self, connection: str) -> int:
        index = self._connection_index.get(connection)
        if index is None:
            index = len(self.connection_names)
            self.connection_names.append(connection)
            self._connection_index[connection] = index
        return index

    def extend(self, frames: Iterable[Frame]) -> range:
        """Append frames in order; return the range of row indices they got."""
        start = len(self.payloads)
        sent = received = 0
        for frame in frames:
            self.wall_times.append(frame.wall_time)
            self.connection_ids.append(self._intern(frame.connection))
            self.sides.append(frame.side)
            self.directions.append(frame.direction)
            self.opcodes.append(frame.opcode)
            self.sizes.append(frame.size)
            self.payloads.append(frame.payload)
            if frame.direction == Direction.SENT:
                sent += 1
            elif frame.direction == Direction.RECEIVED:
                received += 1
        self.sent_count += sent
        self.received_count += received
        return range(start, len(self.payloads))

    def connection(self, row: int) -> str:
        return self.connection_names[self.connection_ids[row]]

    def frame(self, row: int) -> Frame:
        """Rebuild the full record of one row (for the detail views, not hot paths)."""
        return Frame(
            connection=self.connection(row),
            side=Side(self.sides[row]),
            direction=Direction(self.directions[row]),
            opcode=Opcode(self.opcodes[row]),
            payload=self.payloads[row],
            size=self.sizes[row],
            wall_time=self.wall_times[row],
        )

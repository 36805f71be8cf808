"""The capture store: every frame of a session, in columns, within a memory budget.

Columnar (one `array` per numeric field) because a million `Frame` objects would
cost several hundred bytes each in object headers alone. Payloads live in a
`PayloadArena` (UTF-8 bytes in big chunks plus an offsets array), so a stored
150-byte message costs about 187 bytes instead of the ~224 of a list of `str`
(bench/bench_memory.py).

Rows have stable absolute numbers: row 0 is the first frame ever stored. When the
store grows past its byte budget the oldest rows are dropped in bulk (down to
`DROP_TO` of the budget, so drops are rare) and `first` moves on; the rows
`first .. end - 1` remain addressable by the same numbers as before.
"""

from __future__ import annotations

import codecs
import mmap
from array import array
from collections.abc import Iterable, Iterator
from itertools import islice, repeat
from operator import sub
from typing import overload

from app.core.frames import Direction, Frame, Opcode, Side
from app.core.heap import return_freed_memory

DEFAULT_BUDGET = 1024 ** 3  # bytes of payloads plus per-row columns
DROP_TO = 0.9  # after a drop the store holds at most this fraction of its budget
CHUNK_BITS = 20
ARENA_CHUNK = 1 << CHUNK_BITS  # payload bytes per arena chunk (a payload may span several)
CHUNK_MASK = ARENA_CHUNK - 1
TEXT, BINARY = 0, 1
# Bytes per row outside the arena: wall time 8, connection 4, side, direction, opcode 1 each,
# size 8, payload offset 8, text/binary flag 1.
ROW_BYTES = 32
POPULATE = getattr(mmap, "MAP_POPULATE", None)  # Linux: the kernel maps a new chunk's pages in at once


class _Column[N: (int, float)]:
    """One numeric column addressed by absolute row number: whole numbers, or wall times as floats."""

    __slots__ = ("data", "_store")

    def __init__(self, data: array[N], store: CaptureStore) -> None:
        self.data: array[N] = data
        self._store = store

    def __getitem__(self, row: int) -> N:
        index = row - self._store.first
        if index < 0:
            if row < 0:
                return self.data[row]  # like a list: -1 is the newest
            raise IndexError(f"row {row} was dropped")
        return self.data[index]

    def __len__(self) -> int:
        return len(self.data)

    def __iter__(self) -> Iterator[N]:
        """The values of the rows kept, oldest first."""
        return iter(self.data)

    def append(self, value: N) -> None:
        self.data.append(value)


Chunk = bytearray | mmap.mmap


def new_chunk() -> Chunk:
    """A zeroed arena chunk, its pages in memory already where the system can do that in one call.

    A `bytearray` has its pages faulted in one by one as it is zeroed or written, holding the
    GIL: 0.6 ms a megabyte on the GUI thread while the client thread waits to read. An anonymous
    mapping populated by the kernel (MAP_POPULATE) costs 0.4 ms with the GIL released, and is
    handed back to the system as soon as its rows are dropped.
    """
    if POPULATE is not None:
        try:
            return mmap.mmap(-1, ARENA_CHUNK, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | POPULATE)
        except OSError:  # a limit on mappings: the allocator may still have room
            pass
    return bytearray(ARENA_CHUNK)


class PayloadArena:
    """Payloads as UTF-8 bytes (lone surrogates kept by 'surrogatepass') in fixed-size chunks.

    `payloads[row]` decodes on access and returns exactly what was stored: the
    same `str` (non-ASCII, lone surrogates and all) or the same `bytes`. Byte
    positions are absolute, so a row's chunk is `position >> CHUNK_BITS` with no
    search; a payload may span chunks. Whole chunks are released when their rows are dropped.
    """

    def __init__(self, store: CaptureStore) -> None:
        self._store = store
        self._chunks: list[Chunk] = []
        self._first_chunk = 0  # absolute number of self._chunks[0]
        # The last chunk as a memoryview (slice assignment through one is ~7x faster), and its number.
        self._tail: memoryview | None = None
        self._tail_number = -1
        self.starts = array("Q")  # absolute byte position of each row's payload, plus the end
        self.starts.append(0)
        self.kinds = array("B")  # TEXT or BINARY per row

    @property
    def chunk_count(self) -> int:
        """Chunks held now: dropped rows must give theirs back."""
        return len(self._chunks)

    @property
    def nbytes(self) -> int:
        """Payload bytes of the rows kept."""
        return self.starts[-1] - self.starts[0]

    def append(self, payload: str | bytes) -> None:
        if isinstance(payload, str):
            data = payload.encode("utf-8", "surrogatepass")
            self.kinds.append(TEXT)
        else:
            data = payload
            self.kinds.append(BINARY)
        position = self.starts[-1]
        size = len(data)
        self.starts.append(position + size)
        offset = position & CHUNK_MASK
        if offset + size <= ARENA_CHUNK and self._tail is not None and position >> CHUNK_BITS == self._tail_number:
            self._tail[offset:offset + size] = data  # the common case: fits in the last chunk
            return
        # Slices of a view copy nothing, and assigning through a view copies once: a bytearray's own
        # slice assignment would first copy the source into a temporary bytearray (a megabyte for a big message).
        source = memoryview(data)
        written = 0
        while written < size:
            here = position + written
            number, offset = here >> CHUNK_BITS, here & CHUNK_MASK
            if number - self._first_chunk == len(self._chunks):
                self._chunks.append(new_chunk())
                self._tail, self._tail_number = memoryview(self._chunks[-1]), number
            piece = min(size - written, ARENA_CHUNK - offset)
            target = memoryview(self._chunks[number - self._first_chunk])
            target[offset:offset + piece] = source[written:written + piece]
            written += piece

    def raw(self, row: int, limit: int | None = None) -> bytes | bytearray:
        """The stored bytes of a row (at most `limit` of them)."""
        index = self._index(row)
        start, end = self.starts[index], self.starts[index + 1]
        if limit is not None and end - start > limit:
            end = start + limit
        offset = start & CHUNK_MASK
        if offset + end - start <= ARENA_CHUNK:  # the common case (log summaries read it per painted row)
            return self._chunks[(start >> CHUNK_BITS) - self._first_chunk][offset:offset + end - start]
        return b"".join(self.views(row, limit))

    def views(self, row: int, limit: int | None = None) -> list[memoryview]:
        """The stored bytes of a row as views into the arena, one per chunk it spans: nothing is copied.

        Stored bytes never change, so a view stays valid while new rows are
        appended or the row is dropped (it keeps its chunk alive).
        """
        index = self._index(row)
        start = self.starts[index]
        end = self.starts[index + 1]
        if limit is not None and end - start > limit:
            end = start + limit
        if start == end:
            return [memoryview(b"")]
        chunk, offset = (start >> CHUNK_BITS) - self._first_chunk, start & CHUNK_MASK
        pieces = []
        while True:
            piece = min(end - start, ARENA_CHUNK - offset)
            pieces.append(memoryview(self._chunks[chunk])[offset:offset + piece])
            start += piece
            if start >= end:
                return pieces
            chunk, offset = chunk + 1, 0

    @overload
    def __getitem__(self, row: int) -> str | bytes: ...
    @overload
    def __getitem__(self, row: slice) -> list[str | bytes]: ...

    def __getitem__(self, row: int | slice) -> str | bytes | list[str | bytes]:
        """The payload of absolute row `row`; like a list, -1 is the newest and a slice gives a list."""
        if type(row) is not int:
            if isinstance(row, slice):
                return [self[r] for r in self._store.rows()[row]]
            row = int(row)
        if row < 0:
            row += self._store.end
        index = row - self._store.first
        if index < 0:
            raise IndexError(f"row {row} was dropped")
        starts = self.starts
        start, end = starts[index], starts[index + 1]
        offset = start & CHUNK_MASK
        data: bytes | bytearray
        if offset + end - start <= ARENA_CHUNK:  # the common case, inline: filters call this for every row
            data = self._chunks[(start >> CHUNK_BITS) - self._first_chunk][offset:offset + end - start]
        else:
            data = self.raw(row)
        return data.decode("utf-8", "surrogatepass") if self.kinds[index] == TEXT else bytes(data)

    def __len__(self) -> int:
        return len(self.kinds)

    def __iter__(self) -> Iterator[str | bytes]:
        """The payloads of the rows kept, oldest first."""
        return (self[row] for row in self._store.rows())

    def _index(self, row: int) -> int:
        index = row - self._store.first
        if index < 0:
            raise IndexError(f"row {row} was dropped")
        return index

    def is_text(self, row: int) -> bool:
        return self.kinds[self._index(row)] == TEXT

    def starts_with(self, row: int, prefix: bytes) -> bool:
        """Whether a text row's stored UTF-8 starts with `prefix`, read without decoding the payload."""
        index = self._index(row)
        if self.kinds[index] != TEXT:
            return False
        start, end = self.starts[index], self.starts[index + 1]
        if end - start < len(prefix):
            return False
        offset = start & CHUNK_MASK
        if offset + len(prefix) <= ARENA_CHUNK:
            return self._chunks[(start >> CHUNK_BITS) - self._first_chunk][offset:offset + len(prefix)] == prefix
        return bytes(self.raw(row, len(prefix))) == prefix

    def starting_with(self, rows: range, prefix: bytes) -> list[bool] | None:
        """Per row of `rows`: whether its stored text starts with `prefix`, asked in one C loop.

        None unless every row is text and all lie in one chunk (ask `starts_with` row by row
        then): a stream of small events asks this per slice of rows instead of per row, at a
        tenth of the cost. A row shorter than `prefix` never matches, whatever follows it.
        """
        if not rows:
            return None
        first, last = self._index(rows.start), self._index(rows.stop - 1) + 1
        if self.kinds[first:last].count(TEXT) != last - first:
            return None
        starts = self.starts[first:last + 1]
        base = starts[0] & ~CHUNK_MASK
        if starts[-1] - base > ARENA_CHUNK:
            return None
        chunk = self._chunks[(base >> CHUNK_BITS) - self._first_chunk]
        region: bytes | bytearray
        if type(chunk) is bytearray:
            region, origin = chunk, base
        else:  # a mapping has no startswith: one copy of these rows' bytes
            region, origin = chunk[starts[0] - base:starts[-1] - base], starts[0]
        offsets = list(map(sub, starts, repeat(origin)))
        return list(map(region.startswith, repeat(prefix), offsets, islice(offsets, 1, None)))

    def length(self, row: int) -> int:
        """Stored length in bytes (UTF-8 for text)."""
        index = self._index(row)
        return self.starts[index + 1] - self.starts[index]

    def head(self, row: int, chars: int) -> str | bytes:
        """About `chars` characters (bytes for binary) from the start, without decoding the rest.

        A payload longer than `chars` gives more than `chars`, so a caller can tell it was cut.
        """
        data = self.raw(row, chars * 4 + 4)
        if not self.is_text(row):
            return bytes(data[: chars + 1])
        text = codecs.getincrementaldecoder("utf-8")("surrogatepass").decode(data, final=False)
        return text[: chars + 1]

    def drop(self, count: int) -> None:
        """Forget the first `count` rows (before the store moves `first`)."""
        del self.kinds[:count]
        del self.starts[:count]
        unused = (self.starts[0] >> CHUNK_BITS) - self._first_chunk
        if unused > 0:
            del self._chunks[:unused]
            self._first_chunk += unused
            if not self._chunks:
                self._tail, self._tail_number = None, -1
                # (the memoryview kept the last chunk alive; it is released with it)
            return_freed_memory(unused * ARENA_CHUNK)


class CaptureStore:
    """Append-only columns of frames, with per-direction counters and a byte budget."""

    def __init__(self, budget: int = DEFAULT_BUDGET) -> None:
        if budget <= 0:
            raise ValueError("the memory budget must be positive")
        self.budget = budget
        self.first = 0  # absolute number of the oldest row kept
        self.dropped = 0  # rows dropped so far to stay within the budget
        self.dropped_events = 0  # of which connection events (open, refused, error), not messages
        self.wall_times = _Column(array("d"), self)
        self.connection_ids = _Column(array("I"), self)
        self.sides = _Column(array("B"), self)
        self.directions = _Column(array("B"), self)
        self.opcodes = _Column(array("B"), self)
        self.sizes = _Column(array("Q"), self)
        self.payloads = PayloadArena(self)
        self.connection_names: list[str] = []
        self._connection_index: dict[str, int] = {}
        self.sent_count = 0  # every frame sent since the start (or the last clear), dropped ones included
        self.received_count = 0
        self.event_count = 0  # connection events among the rows kept

    def __len__(self) -> int:
        """Rows kept (not the absolute number of the next row: see `end`)."""
        return len(self.payloads)

    @property
    def end(self) -> int:
        """The absolute number the next stored row will get."""
        return self.first + len(self.payloads)

    def rows(self) -> range:
        """Absolute numbers of the rows kept."""
        return range(self.first, self.end)

    @property
    def nbytes(self) -> int:
        """Bytes the budget counts: payloads plus the per-row columns."""
        return self.payloads.nbytes + ROW_BYTES * len(self)

    def _intern(self, connection: str) -> int:
        index = self._connection_index.get(connection)
        if index is None:
            index = len(self.connection_names)
            self.connection_names.append(connection)
            self._connection_index[connection] = index
        return index

    def connection_index(self, connection: str) -> int | None:
        """The id `connection_ids` holds for the connection named `connection` (None: never stored)."""
        return self._connection_index.get(connection)

    def extend(self, frames: Iterable[Frame]) -> range:
        """Append frames in order; return the range of row numbers they got.

        The budget is not enforced here: the caller calls `enforce_budget()` and
        tells the views what went, so nothing disappears behind their backs.
        """
        start = self.end
        sent = received = 0
        add_time, add_connection = self.wall_times.data.append, self.connection_ids.data.append
        add_side, add_direction = self.sides.data.append, self.directions.data.append
        add_opcode, add_size, add_payload = self.opcodes.data.append, self.sizes.data.append, self.payloads.append
        connection_index, last_connection, last_index = self._connection_index, None, 0
        for frame in frames:
            add_time(frame.wall_time)
            if frame.connection != last_connection:
                last_connection = frame.connection
                known = connection_index.get(last_connection)
                last_index = known if known is not None else self._intern(last_connection)
            add_connection(last_index)
            add_side(frame.side)
            direction = frame.direction
            add_direction(direction)
            add_opcode(frame.opcode)
            add_size(frame.size)
            add_payload(frame.payload)
            if direction == Direction.SENT:
                sent += 1
            elif direction == Direction.RECEIVED:
                received += 1
        self.sent_count += sent
        self.received_count += received
        self.event_count += (self.end - start) - sent - received
        return range(start, self.end)

    def enforce_budget(self) -> int:
        """Drop the oldest rows in bulk if over budget; return how many went (0: none)."""
        if self.nbytes <= self.budget:
            return 0
        target = self.nbytes - int(self.budget * DROP_TO)  # bytes to free
        starts = self.payloads.starts
        base = starts[0]
        # The smallest count whose payloads plus columns free `target` bytes (costs grow with count).
        low, high = 1, len(self)
        while low < high:
            middle = (low + high) // 2
            if starts[middle] - base + ROW_BYTES * middle >= target:
                high = middle
            else:
                low = middle + 1
        self.drop_oldest(low)
        return low

    def drop_oldest(self, count: int) -> None:
        """Forget the `count` oldest rows at once."""
        count = min(count, len(self))
        if count <= 0:
            return
        events = self.directions.data[:count].count(Direction.EVENT)
        self.dropped_events += events
        self.event_count -= events
        for column in (self.wall_times, self.connection_ids, self.sides, self.directions, self.opcodes,
                       self.sizes):
            del column.data[:count]
        self.payloads.drop(count)
        self.first += count
        self.dropped += count

    @property
    def dropped_messages(self) -> int:
        """Frames (sent or received) dropped so far, events not counted."""
        return self.dropped - self.dropped_events

    def clear(self) -> None:
        """Forget every row (the user cleared the log): the counts start again; row numbers go on."""
        self.drop_oldest(len(self))
        self.dropped = self.dropped_events = self.sent_count = self.received_count = 0

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

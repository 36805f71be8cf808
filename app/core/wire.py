"""Whole WebSocket frames cut out of the bytes a client reads from a server (RFC 6455 5.2).

At the wire limit most of a client's time goes into its library's general frame parser, which reads
each frame through a generator. Nearly every frame is a message in one frame, unmasked, with no
reserved bit: its two to ten bytes of header say where it ends. `FrameSplitter` finds those; every
other frame (control frames, fragments, reserved bits, a mask, one longer than the reader takes) and
whatever follows what the caller cannot take is left for the protocol object, handed over whole from
a frame boundary, so that it answers pings, closes and fails exactly as it would on its own.
"""

from __future__ import annotations

TEXT_FRAME = 0x81  # the first byte of a text message in one frame: FIN, no reserved bit, opcode 1
BINARY_FRAME = 0x82  # FIN, no reserved bit, opcode 2
PASS = 0  # a piece for the protocol object
HOLD_LIMIT = 64 * 1024  # a longer frame goes through to the protocol object as it arrives, not held here

Piece = tuple[int, int, int, int]  # (TEXT_FRAME, BINARY_FRAME or PASS, frame start, payload start, end)


class FrameSplitter:
    """Cuts a server's byte stream into whole frames, holding an unfinished one until the next read."""

    def __init__(self, max_size: int | None) -> None:
        self.max_size = max_size  # a longer message is the protocol object's to refuse
        self._held = b""  # the start of a frame that has not wholly arrived
        self._passing = 0  # bytes of a long frame still to go through to the protocol object

    @property
    def held(self) -> bytes:
        """What has arrived of a frame not yet whole (for the protocol object when reading ends)."""
        return self._held

    def feed(self, data: bytes) -> tuple[bytes, list[Piece]]:
        """`data` after what was held, and its pieces in order. A message in one frame is
        (TEXT_FRAME or BINARY_FRAME, frame start, payload start, end); anything else is
        (PASS, start, start, end): bytes the protocol object takes as they are."""
        pieces: list[Piece] = []
        append = pieces.append
        pos = 0
        if self._passing:
            pos = min(self._passing, len(data))
            self._passing -= pos
            append((PASS, 0, 0, pos))
            if self._passing:
                return data, pieces
        if self._held:
            data = self._held + data
            self._held = b""
        size = len(data)
        limit = self.max_size
        while size - pos >= 2:
            first = data[pos]
            second = data[pos + 1]
            length = second & 0x7F
            start = pos + 2
            if length == 126:
                start = pos + 4
                if start > size:
                    break
                length = int.from_bytes(data[pos + 2:start])
            elif length == 127:
                start = pos + 10
                if start > size:
                    break
                length = int.from_bytes(data[pos + 2:start])
            if second & 0x80:
                start += 4  # masked: a protocol error from a server, which the protocol object reports
            end = start + length
            if end > size:
                if end - pos > HOLD_LIMIT or (limit is not None and length > limit):  # the latter is refused at once
                    append((PASS, pos, pos, size))
                    self._passing = end - size
                    pos = size
                break
            if (first == TEXT_FRAME or first == BINARY_FRAME) and not second & 0x80 \
                    and (limit is None or length <= limit):
                append((first, pos, start, end))
            else:
                append((PASS, pos, pos, end))
            pos = end
        if pos < size:
            self._held = data[pos:]
        return data, pieces

"""Cutting a server's byte stream into whole frames: nothing lost, nothing reordered, wherever reads end."""

from __future__ import annotations

import random

import pytest

from app.core.wire import BINARY_FRAME, HOLD_LIMIT, PASS, TEXT_FRAME, FrameSplitter
from tests.raw_peer import frame

MAX_SIZE = 200_000


def a_stream() -> tuple[bytes, list[tuple[int, bytes]]]:
    """Frames of every kind in one stream, and the messages a reader may take straight from it."""
    rng = random.Random(17)
    parts: list[bytes] = []
    messages: list[tuple[int, bytes]] = []
    for index in range(400):
        length = rng.choice([0, 1, 125, 126, 127, 65_535, 65_536, 70_000]) if index % 10 == 0 else rng.randrange(200)
        payload = rng.randbytes(length)
        kind = rng.choice(["text", "binary", "text", "binary", "fragment", "ping", "masked", "rsv", "too big"])
        if kind in ("text", "binary"):
            opcode = 1 if kind == "text" else 2
            parts.append(frame(opcode, payload))
            messages.append((TEXT_FRAME if opcode == 1 else BINARY_FRAME, payload))
        elif kind == "fragment":
            parts += [frame(1, payload, fin=False), frame(0, b"end")]
        elif kind == "ping":
            parts.append(frame(9, payload[:125]))
        elif kind == "masked":
            raw = bytearray(frame(2, payload))
            raw[1] |= 0x80
            header = 2 if length < 126 else 4 if length < 65_536 else 10
            parts.append(bytes(raw[:header]) + b"\x00\x00\x00\x00" + payload)
        elif kind == "rsv":
            parts.append(frame(2, payload, compressed=True))
        else:
            parts.append(frame(2, bytes(MAX_SIZE + 1)))
    return b"".join(parts), messages


@pytest.mark.parametrize("seed", range(6))
def test_the_pieces_of_any_chunking_are_the_stream_in_order(seed: int) -> None:
    stream, messages = a_stream()
    rng = random.Random(seed)
    splitter = FrameSplitter(MAX_SIZE)
    rebuilt = bytearray()
    taken: list[tuple[int, bytes]] = []
    pos = 0
    while pos < len(stream):
        step = rng.choice([1, 2, 3, 7, 100, 4096, 65_536, 262_144])
        buffer, pieces = splitter.feed(stream[pos:pos + step])
        pos += step
        assert len(splitter.held) <= HOLD_LIMIT + 10  # a long frame is never held whole
        for kind, frame_start, start, end in pieces:
            rebuilt += buffer[frame_start:end]
            if kind != PASS:
                taken.append((kind, buffer[start:end]))
    assert bytes(rebuilt) + splitter.held == stream
    assert not splitter.held
    # Every message that fits the hold limit is taken; a longer one is taken only if a read brought it whole.
    assert [m for m in taken if len(m[1]) + 10 <= HOLD_LIMIT] == [m for m in messages if len(m[1]) + 10 <= HOLD_LIMIT]
    remaining = iter(messages)
    assert all(any(m == other for other in remaining) for m in taken), "taken in the stream's order"


def test_a_frame_announced_beyond_the_limit_goes_through_at_once_for_the_protocol_to_refuse() -> None:
    splitter = FrameSplitter(1024)
    buffer, pieces = splitter.feed(frame(1, b"ok") + frame(2, b"", length=2048))
    assert [(kind, buffer[frame_start:end]) for kind, frame_start, _start, end in pieces] == [
        (TEXT_FRAME, frame(1, b"ok")), (PASS, frame(2, b"", length=2048))]
    assert not splitter.held

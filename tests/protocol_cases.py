"""What the protocol decoders' tests share: frames through a real tracker, and hostile payloads."""

from __future__ import annotations

import json
from collections.abc import Iterator

from app.core.capture import CaptureStore
from app.core.frames import Direction, Frame, Opcode, Side
from app.core.protocols.tracker import ProtocolTracker
from tests.helpers import CORPUS

DEPTH = 100_000


def opened(connection: str, url: str, subprotocol: str | None = None, at: float = 0.0) -> Frame:
    details = json.dumps({"url": url, "subprotocol": subprotocol})
    return Frame(connection, Side.CLIENT, Direction.EVENT, Opcode.OPEN, details, 0, at)


def frame(direction: Direction, payload: str | bytes, at: float = 0.0, connection: str = "client#1") -> Frame:
    opcode = Opcode.BINARY if isinstance(payload, bytes) else Opcode.TEXT
    return Frame(connection, Side.CLIENT, direction, opcode, payload, wall_time=at)


def tracked(frames: list[Frame]) -> tuple[CaptureStore, ProtocolTracker]:
    """The frames stored and the tracker caught up on them (in bounded steps)."""
    store = CaptureStore()
    store.extend(frames)
    tracker = ProtocolTracker(store)
    for _ in range(1000):
        if tracker.catch_up():
            break
    assert tracker.caught_up
    return store, tracker


def corpus_files() -> list[tuple[str, bytes]]:
    """Every JSONTestSuite file: what a parser must accept, refuse, or may do either with."""
    files = sorted(CORPUS.iterdir()) if CORPUS.is_dir() else []
    assert len(files) > 300, f"JSONTestSuite not found at {CORPUS}"
    return [(path.name, path.read_bytes()) for path in files]


def as_text(data: bytes) -> str:
    """Bytes as a text payload; invalid UTF-8 becomes lone surrogates, as an imported capture may carry."""
    return data.decode("utf-8", "surrogateescape")


def deep(opening: str = "[") -> str:
    return opening * DEPTH


def truncations(payload: bytes) -> Iterator[bytes]:
    """Every prefix of `payload` shorter than itself."""
    for end in range(len(payload)):
        yield payload[:end]

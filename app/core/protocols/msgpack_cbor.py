"""MessagePack and CBOR in binary frames: each frame one document, shown as a tree.

A connection is taken for one of them when its subprotocol names it (`msgpack`,
`wamp.2.cbor`, …), or else when its first binary frames all decode cleanly (one whole
document, nothing left over) as that format and not all of them as the other. The two
formats read many small values alike (a byte below 0x18 is the same integer in both),
so at least `AGREEING_FRAMES` frames must agree before either is chosen.

`value` is the document as `app.core.binarydoc` reads it (explicit wrappers for bytes,
extension types, tags, non-text keys, NaN and Infinity); `kind` is the document's
type (`map`, `array`, `bytes`, `tag`, …). Nothing pairs: the formats carry no ids of
their own. Frames above `DECODE_BYTES` stay raw (reading one costs about 0.3 s a MiB).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from app.core.binarydoc import BinaryDocumentError, kind_of, parse_cbor, parse_msgpack, to_tree
from app.core.frames import Opcode
from app.core.protocols.base import Decoded, Hint

SUBPROTOCOL_CONFIDENCE = 0.95
FRAMES_CONFIDENCE = 0.8  # below the URL confidence: the tracker waits for its first frames before it decides
AGREEING_FRAMES = 3
DETECT_BYTES = 64 * 1024  # bigger frames are left out of the guess: they would cost a full decode each time
# Frames are decoded as they are read, where a stall shows: a bigger one stays raw here, and "Decode as…"
# reads it (up to binarydoc.MAX_BYTES) away from the window's thread.
DECODE_BYTES = 1024 * 1024


class _BinaryFormat:
    """A format whose frames are each one binary document."""

    name: str
    title: str
    parse: Callable[[bytes], Any]
    other: Callable[[bytes], Any]  # the format read alike on small values

    def detect(self, hint: Hint) -> float:
        if self.name in (hint.subprotocol or "").lower():
            return SUBPROTOCOL_CONFIDENCE
        verdicts = [(_parses(self.parse, payload), _parses(self.other, payload))
                    for payload in _binary_payloads(hint.first)]
        mine, others = [mine for mine, _ in verdicts], [other for _, other in verdicts]
        if len(verdicts) >= AGREEING_FRAMES and all(mine) and not all(others):
            return FRAMES_CONFIDENCE
        return 0.0

    def decode(self, opcode: int, payload: str | bytes) -> Decoded | None:
        if opcode != Opcode.BINARY or not isinstance(payload, bytes) or not 0 < len(payload) <= DECODE_BYTES:
            return None
        try:
            document = self.parse(payload)
            value = to_tree(document)
        except BinaryDocumentError:
            return None  # not one of its documents: the frame stays as it is
        return Decoded(self.name, kind_of(document), value=value)


class MessagePack(_BinaryFormat):
    name = "msgpack"
    title = "MessagePack"
    parse = staticmethod(parse_msgpack)
    other = staticmethod(parse_cbor)


class Cbor(_BinaryFormat):
    name = "cbor"
    title = "CBOR"
    parse = staticmethod(parse_cbor)
    other = staticmethod(parse_msgpack)


def _binary_payloads(first: Sequence[tuple[int, str | bytes]]) -> list[bytes]:
    return [payload for opcode, payload in first
            if opcode == Opcode.BINARY and isinstance(payload, bytes) and 0 < len(payload) <= DETECT_BYTES]


def _parses(parse: Callable[[bytes], Any], payload: bytes) -> bool:
    try:
        parse(payload)
    except BinaryDocumentError:
        return False
    return True


__all__ = ["Cbor", "MessagePack"]

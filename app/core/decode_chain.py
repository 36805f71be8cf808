"""Decode as…: undo the layers a payload was wrapped in, in the order the user picks, then read it.

Peers wrap documents in base64, gzip, zlib or raw deflate (often several: base64 of
gzip), and say so nowhere a monitor can see. The user names the layers; each step is
applied to what the one before produced, then the result is read as JSON, MessagePack
or CBOR into a tree value (MessagePack and CBOR as `app.core.binarydoc` shows them).

Every step is bounded: none produces more than `limit` bytes, and inflating stops
as soon as it passes the limit (a decompression bomb costs the limit, never what it
claims). A failure names its step and says why. The payload itself is never changed.
The work is proportional to the limit: callers run it off the GUI thread.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.core import binary_text, binarydoc, jsondoc
from app.core.binary_text import BinaryTextError
from app.core.errors import SocketScopeError

BASE64, GZIP, ZLIB, DEFLATE = "base64", "gzip", "zlib", "deflate"
STEPS = {BASE64: "base64", GZIP: "gzip", ZLIB: "zlib", DEFLATE: "raw deflate"}  # name → what the user reads
JSON, MSGPACK, CBOR = "json", "msgpack", "cbor"
FORMATS = {JSON: "JSON", MSGPACK: "MessagePack", CBOR: "CBOR"}
OUTPUT_LIMIT = 16 * 1024 * 1024  # bytes one step may produce
SLICE = 1024 * 1024  # bytes inflated per zlib call
_WHITESPACE = re.compile(r"\s+")
_ZLIB_ERROR = re.compile(r"^Error -?\d+ while decompressing data: ")


@dataclass(slots=True, eq=False)  # not frozen: Python sets __traceback__ on an exception as it is raised
class DecodeChainError(SocketScopeError, ValueError):
    """Which step failed (1-based, the reading step last) and why."""

    step: int
    title: str
    reason: str

    def __str__(self) -> str:
        return f"Step {self.step} ({self.title}): {self.reason}"


@dataclass(frozen=True, slots=True)
class Decoding:
    """What the chain produced."""

    data: bytes  # the bytes after the last step
    sizes: tuple[int, ...]  # bytes after each step, in order
    value: Any = None  # the document read from `data` (None when no format was asked for)
    warnings: list[str] = field(default_factory=list)  # what is odd in a JSON document (as the tree notes it)


class _StepFailure(Exception):
    """Raised inside a step; the chain adds which step it was."""


@dataclass(frozen=True, slots=True)
class Chain:
    """What the user picked: the layers to undo, in order, and how to read the result (None: as bytes)."""

    steps: tuple[str, ...]
    then: str | None = None

    @property
    def title(self) -> str:
        """`base64 → gzip → JSON`, as the user reads it."""
        names = [STEPS.get(step, step) for step in self.steps]
        return " → ".join([*names, FORMATS.get(self.then, self.then) if self.then else "bytes"])

    def describe(self, payload_size: int, decoding: Decoding) -> str:
        """The chain and the size after each step: `base64 → gzip → JSON: 1,368 bytes → 1,000 → 4,000`."""
        sizes = " → ".join(f"{size:,}" for size in (payload_size, *decoding.sizes))
        return f"Decoded as {self.title}: {sizes} bytes" if decoding.sizes else \
            f"Decoded as {self.title}: {payload_size:,} bytes"


def decode_as(payload: str | bytes, steps: Sequence[str], then: str | None = None, *,
              limit: int = OUTPUT_LIMIT, progress: Callable[[int], None] | None = None) -> Decoding:
    """`payload` through `steps` (names from `STEPS`), then read as `then` (a name from `FORMATS`, or None).

    `progress` is told each step's number as it starts (the reading step last), from the thread running this.
    """
    data = payload
    sizes: list[int] = []
    for number, step in enumerate(steps, 1):
        if progress is not None:
            progress(number)
        apply = _STEP_FUNCTIONS.get(step)
        if apply is None:
            raise DecodeChainError(number, step, f"no such step (one of {', '.join(STEPS)})")
        try:
            data = apply(data, limit)
        except _StepFailure as failure:
            raise DecodeChainError(number, STEPS[step], str(failure)) from None
        sizes.append(len(data))
    raw = _bytes_of(data)
    if then is None:
        return Decoding(raw, tuple(sizes))
    number = len(steps) + 1
    if then not in FORMATS:
        raise DecodeChainError(number, then, f"no such format (one of {', '.join(FORMATS)})")
    if progress is not None:
        progress(number)
    try:
        value, warnings = _read(raw, then)
    except _StepFailure as failure:
        raise DecodeChainError(number, FORMATS[then], str(failure)) from None
    return Decoding(raw, tuple(sizes), value, warnings)


def payload_size(payload: str | bytes) -> int:
    """Bytes the payload was sent as (a text payload's UTF-8 length)."""
    return len(_bytes_of(payload))


def _bytes_of(data: str | bytes) -> bytes:
    """A text payload as the bytes it was sent as (UTF-8)."""
    return data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data


def _base64(data: str | bytes, limit: int) -> bytes:
    """Standard or URL-safe alphabet, whitespace ignored, padding optional (as `binary_text` reads it)."""
    if isinstance(data, bytes):
        try:
            data = data.decode("ascii")
        except UnicodeDecodeError as error:
            raise _StepFailure(f"byte 0x{data[error.start]:02x} at offset {error.start:,} is not base64") from None
    compact = _WHITESPACE.sub("", data)
    if len(compact) * 3 // 4 > limit:
        raise _StepFailure(f"would decode to more than {limit:,} bytes")
    if not compact:
        raise _StepFailure("empty: nothing to decode")
    if not compact.endswith("="):
        compact += "=" * (-len(compact) % 4)
    try:
        return base64.b64decode(compact.replace("-", "+").replace("_", "/"), validate=True)
    except binascii.Error:
        pass  # the slow reading below says where the mistake is
    try:
        return binary_text.parse_base64(data)
    except BinaryTextError as error:
        raise _StepFailure(str(error)) from None


def _inflater(wbits: int, title: str, several: bool = False) -> Callable[[str | bytes, int], bytes]:
    def inflate(data: str | bytes, limit: int) -> bytes:
        return _inflate(_bytes_of(data), wbits, title, limit, several)
    return inflate


def _inflate(data: bytes, wbits: int, title: str, limit: int, several: bool) -> bytes:
    """`data` inflated, a slice at a time into one buffer, stopping once past `limit`.

    `several`: more streams may follow the first (a gzip file of several members).
    """
    if not data:
        raise _StepFailure("empty: nothing to decode")
    inflated = bytearray()
    rest = data
    while rest:
        inflater = zlib.decompressobj(wbits)
        pending = rest
        while not inflater.eof:
            room = min(SLICE, limit + 1 - len(inflated))  # one byte past the limit tells it is too big
            try:
                piece = inflater.decompress(pending, room)
            except zlib.error as error:
                reason = _ZLIB_ERROR.sub("", str(error))
                if rest is not data:  # a later gzip member
                    raise _StepFailure(f"{_follow(len(rest))} the {title} data, not {title} ({reason})") from None
                raise _StepFailure(f"not {title} data ({reason})") from None
            inflated += piece
            if len(inflated) > limit:
                del inflated  # let go before raising: nothing of a refused result stays held
                raise _StepFailure(f"inflates to more than {limit:,} bytes: stopped there "
                                   "(a decompression bomb, or more than is shown)")
            pending = inflater.unconsumed_tail
            if not inflater.eof and not pending and len(piece) < room:
                raise _StepFailure("truncated: the compressed data stops before its end marker")
        rest = inflater.unused_data
        if rest and not several:
            raise _StepFailure(f"{_follow(len(rest))} the end of the compressed data")
    return bytes(inflated)


def _follow(extra: int) -> str:
    return "1 byte follows" if extra == 1 else f"{extra:,} bytes follow"


_STEP_FUNCTIONS: dict[str, Callable[[str | bytes, int], bytes]] = {
    BASE64: _base64,
    GZIP: _inflater(16 + zlib.MAX_WBITS, "gzip", several=True),
    ZLIB: _inflater(zlib.MAX_WBITS, "zlib"),
    DEFLATE: _inflater(-zlib.MAX_WBITS, "raw deflate"),
}


def _read(data: bytes, then: str) -> tuple[Any, list[str]]:
    if then == JSON:
        try:
            document = jsondoc.parse(jsondoc.decode_utf8(data), allow_nonstandard=True)
        except jsondoc.JsonSyntaxError as error:
            raise _StepFailure(str(error)) from None
        return document.value, document.warnings
    read = binarydoc.read_msgpack if then == MSGPACK else binarydoc.read_cbor
    try:
        return read(data), []
    except binarydoc.BinaryDocumentError as error:
        raise _StepFailure(str(error).removeprefix(f"{FORMATS[then]}: ")) from None


__all__ = ["BASE64", "CBOR", "DEFLATE", "FORMATS", "GZIP", "JSON", "MSGPACK", "OUTPUT_LIMIT", "STEPS", "ZLIB",
           "Chain", "DecodeChainError", "Decoding", "decode_as", "payload_size"]

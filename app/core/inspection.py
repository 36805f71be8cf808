"""What the message view shows for one frame, computed off the GUI thread.

`inspect_payload` turns a raw payload into the tree's document (if any), the raw
text to display and the notes to show above them. It is pure and Qt-free, so the
window can run it on a worker thread. Payloads of LARGE_DOCUMENT characters or
more go to `inspect_large`, which has the document process parse and hold them.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from typing import Any

from app.core import jsondoc
from app.core.docnodes import LocalDocument, NodeInfo
from app.core.docworker import DocumentWorker, DocumentWorkerError
from app.core.frames import Opcode
from app.core.jsondoc import JsonObject
from app.core.printable import displayable
from app.core.protocols.base import SAME, Decoded, WireProtocol

# Characters of raw text kept for the raw view. What reaches its text widget is bounded again there
# (app/ui/message/raw_view.py: laying out one long line costs ~2 s per 2 MiB, 30-70 ms per 32 KiB).
RAW_LIMIT = 2 * 1024 * 1024
# Parsing holds the GIL (~60 ms per MiB with the garbage collector on): from here on, another process parses.
LARGE_DOCUMENT = 512 * 1024
HEX_LIMIT = 64 * 1024  # bytes of a binary frame shown as hex


@dataclass(slots=True)
class Inspection:
    raw: str  # for a binary frame, its hex dump
    binary: bytes | None = None  # a binary frame's payload, for the hex view and "Decode as UTF-8 / JSON"
    is_json: bool = False
    value: Any = None
    document: Any = None  # LocalDocument or RemoteDocument: what the tree shows
    first_page: list[NodeInfo] | None = None  # a remote document's top-level rows, for the first paint
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    unwrapped: bool = False  # a protocol's message taken out of its frame: the tree shows it, the Wire tab the frame
    text: str | None = None  # a text frame's whole payload, for Decode as… (None when only its beginning is here)


_PRINTABLE = bytes(b if 32 <= b < 127 else ord(".") for b in range(256))


def hex_dump(data: bytes, limit: int = HEX_LIMIT) -> str:
    """Lines of offset, 16 bytes in hex and the same bytes as ASCII ('.' for the rest)."""
    lines = []
    for offset in range(0, min(len(data), limit), 16):
        chunk = data[offset:offset + 16]
        lines.append(f"{offset:08x}  {chunk.hex(' '):<47}  {chunk.translate(_PRINTABLE).decode('ascii')}")
    if len(data) > limit:
        lines.append(f"… {len(data) - limit:,} more bytes not shown")
    return "\n".join(lines)


def _raw_part(payload: str) -> Inspection:
    whole = len(payload) <= RAW_LIMIT
    result = Inspection(raw=displayable(payload if whole else payload[:RAW_LIMIT]), text=payload if whole else None)
    if len(payload) > RAW_LIMIT:
        result.notes.append(f"Raw text shows the first {RAW_LIMIT:,} of {len(payload):,} characters "
                            "(Copy value in the tree copies more)")
    return result


def _raw_head(pieces: list[memoryview]) -> Inspection:
    """The raw part of a text payload given as UTF-8 pieces, decoding only what is shown."""
    decoder = codecs.getincrementaldecoder("utf-8")("surrogatepass")
    size = sum(piece.nbytes for piece in pieces)
    budget = RAW_LIMIT * 4 + 4  # bytes enough for RAW_LIMIT + 1 characters
    parts = []
    for piece in pieces:
        part = piece[:budget]
        parts.append(decoder.decode(part))
        budget -= part.nbytes
        if budget <= 0:
            break
    text = "".join(parts)
    result = Inspection(raw=displayable(text[:RAW_LIMIT]))
    if len(text) > RAW_LIMIT:
        result.notes.append(f"Raw text shows the first {RAW_LIMIT:,} characters of {size:,} bytes "
                            "(Copy value in the tree copies more)")
    return result


def _has_json(opcode: int) -> bool:
    return opcode in (Opcode.TEXT, Opcode.OPEN, Opcode.REFUSED, Opcode.ERROR, Opcode.CLOSE)


def inspect_payload(opcode: int, payload: str | bytes) -> Inspection:
    if isinstance(payload, bytes):
        return Inspection(raw=hex_dump(payload), binary=payload, notes=[f"Binary frame, {len(payload):,} bytes (hex view)"])
    result = _raw_part(payload)
    if not _has_json(opcode):
        return result
    try:
        document = jsondoc.parse(payload, allow_nonstandard=True)
    except jsondoc.JsonSyntaxError as error:
        result.error = f"Not JSON — {error}"
        return result
    result.is_json = True
    result.value = document.value
    result.document = LocalDocument(document.value, document.warnings)
    result.notes.extend(document.warnings)
    return result


def as_document(value: Any) -> Any:
    """A decoder's value as the tree reads documents: objects as `JsonObject` (ordered pairs), iteratively.

    Decoders parse with `json.loads` (dicts); the tree, like `jsondoc`, shows objects as pairs.
    """
    def converted(item: Any) -> Any:
        if isinstance(item, dict):
            return JsonObject(item.items())
        if isinstance(item, list) and not isinstance(item, JsonObject):
            return list(item)
        return item

    root = converted(value)
    stack = [root]
    while stack:
        container = stack.pop()
        if isinstance(container, JsonObject):
            for index, (key, item) in enumerate(container):
                if isinstance(item, dict | list):
                    container[index] = (key, new := converted(item))
                    stack.append(new)
        elif isinstance(container, list):
            for index, item in enumerate(container):
                if isinstance(item, dict | list):
                    container[index] = new = converted(item)
                    stack.append(new)
    return root


def inspect_frame(opcode: int, payload: str | bytes, protocol: WireProtocol | None) -> Inspection:
    """What the message view shows of a frame of a connection that speaks `protocol` (None: raw)."""
    decoded = protocol.decode(opcode, payload) if protocol is not None else None
    if decoded is None or protocol is None:
        return inspect_payload(opcode, payload)
    return inspect_decoded(opcode, payload, decoded, protocol.title)


def inspect_decoded(opcode: int, payload: str | bytes, decoded: Decoded, title: str) -> Inspection:
    """A frame a protocol decoded: the tree shows the message inside the wrapper, Raw (or Hex) the frame as it came.

    A protocol whose frames are plain JSON (`SAME`) shows the payload's own tree, faithfully parsed.
    """
    what = f"{title} {decoded.kind}" + (f" “{decoded.name}”" if decoded.name else "")
    if decoded.value is SAME:
        result = inspect_payload(opcode, payload)
        result.notes.insert(0, what)
        return result
    if isinstance(payload, bytes):
        result = Inspection(raw=hex_dump(payload), binary=payload)
    else:
        result = _raw_part(payload)
    result.is_json = True
    result.unwrapped = True
    result.value = as_document(decoded.value)
    result.document = LocalDocument(result.value, [])
    result.notes.insert(0, f"{what}: the tree shows the message inside the frame; Wire shows the frame as it came")
    return result


def inspect_large(opcode: int, payload: str | bytes | list[memoryview], worker: DocumentWorker) -> Inspection:
    """Like `inspect_payload`, but the document process parses and keeps the document.

    A text payload may be given as its stored UTF-8 bytes in pieces
    (`PayloadArena.views`): it is then never decoded whole in this process.
    Blocks until the first page of rows is back: run it on a worker thread.
    """
    if isinstance(payload, bytes) or not _has_json(opcode):
        if isinstance(payload, list):  # text in pieces, of an event that holds no JSON
            payload = b"".join(payload).decode("utf-8", "surrogatepass")
        return inspect_payload(opcode, payload)
    result = _raw_part(payload) if isinstance(payload, str) else _raw_head(payload)
    try:
        document, loaded = worker.load(payload)
    except DocumentWorkerError as error:
        result.error = f"Not shown as a tree — {error}"
        return result
    if document is None:
        result.error = loaded.error
        return result
    result.is_json = True
    result.document = document
    result.first_page = loaded.first_page
    result.notes.extend(loaded.warnings)
    return result


def decode_binary(payload: bytes, worker: DocumentWorker | None = None) -> Inspection:
    """A binary frame's bytes read as a text frame's would be: a tree if they are JSON, else text.

    Bytes that are not UTF-8 give an inspection with no text and `error` saying
    where they stop being UTF-8. Given a worker, big payloads go to the document
    process. Run it on a worker thread for big payloads.
    """
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as error:
        return Inspection(raw="", error=f"Not UTF-8: byte 0x{payload[error.start]:02x} at offset {error.start:,} "
                                        f"({error.reason})")
    if worker is not None and len(payload) >= LARGE_DOCUMENT:
        return inspect_large(Opcode.TEXT, text, worker)
    return inspect_payload(Opcode.TEXT, text)

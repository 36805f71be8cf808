"""What the message view shows for one frame, computed off the GUI thread.

`inspect_payload` turns a raw payload into the tree value (if any), the raw text
to display and the notes to show above them. It is pure and Qt-free, so the
window can run it on a worker thread for big messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.core import jsondoc
from app.core.frames import Opcode

RAW_LIMIT = 2 * 1024 * 1024  # characters of raw text put into the text widget
HEX_LIMIT = 64 * 1024  # bytes of a binary frame shown as hex


@dataclass(slots=True)
class Inspection:
    raw: str
    is_json: bool = False
    value: Any = None
    notes: list[str] = field(default_factory=list)
    error: str | None = None


def hex_dump(data: bytes, limit: int = HEX_LIMIT) -> str:
    lines = []
    for offset in range(0, min(len(data), limit), 16):
        chunk = data[offset:offset + 16]
        hex_part = " ".join(f"{b:02x}" for b in chunk)
        text_part = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{offset:08x}  {hex_part:<47}  {text_part}")
    if len(data) > limit:
        lines.append(f"… {len(data) - limit:,} more bytes not shown")
    return "\n".join(lines)


def _display(text: str) -> str:
    return text if text.isascii() else text.encode("utf-8", "backslashreplace").decode("utf-8")


def inspect_payload(opcode: int, payload: str | bytes) -> Inspection:
    if isinstance(payload, bytes):
        return Inspection(raw=hex_dump(payload), notes=[f"Binary frame, {len(payload):,} bytes (hex view)"])
    raw = payload if len(payload) <= RAW_LIMIT else payload[:RAW_LIMIT]
    result = Inspection(raw=_display(raw))
    if len(payload) > RAW_LIMIT:
        result.notes.append(f"Raw text shows the first {RAW_LIMIT:,} of {len(payload):,} characters")
    if opcode not in (Opcode.TEXT, Opcode.OPEN, Opcode.REJECT, Opcode.ERROR, Opcode.CLOSE):
        return result
    try:
        document = jsondoc.parse(payload, allow_nonstandard=True)
    except jsondoc.JsonSyntaxError as error:
        result.error = f"Not JSON — {error}"
        return result
    result.is_json = True
    result.value = document.value
    result.notes.extend(document.warnings)
    return result

"""One-line summaries of payloads for the message log.

Called for every visible row on every repaint, so it looks at a bounded prefix
of the payload and never parses it.
"""

from __future__ import annotations

import re

from app.core.frames import Opcode
from app.core.printable import displayable

SUMMARY_CHARS = 160
_WHITESPACE = re.compile(r"\s+")


def summarize(opcode: int, payload: str | bytes, length: int | None = None) -> str:
    """`payload` may be just its head (see `PayloadArena.head`); `length` is then its full size in bytes."""
    if opcode == Opcode.BINARY or isinstance(payload, bytes):
        size = len(payload) if length is None else length
        head = payload[:16]
        hex_head = " ".join(f"{b:02x}" for b in head)
        more = " …" if size > 16 else ""
        return f"binary {size:,} B  {hex_head}{more}"
    text = payload[: SUMMARY_CHARS * 4]
    text = _WHITESPACE.sub(" ", text).strip()
    if len(text) > SUMMARY_CHARS or len(payload) > SUMMARY_CHARS * 4:
        text = text[:SUMMARY_CHARS] + " …"
    return displayable(text)


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"

"""One-line summaries of payloads for the message log.

Called for every visible row on every repaint, so it looks at a bounded prefix
of the payload and never parses it.
"""

from __future__ import annotations

import re

from app.core.frames import Opcode

SUMMARY_CHARS = 160
_WHITESPACE = re.compile(r"\s+")


def summarize(opcode: int, payload: str | bytes) -> str:
    if opcode == Opcode.BINARY or isinstance(payload, bytes):
        head = payload[:16]
        hex_head = " ".join(f"{b:02x}" for b in head)
        more = " …" if len(payload) > 16 else ""
        return f"binary {len(payload):,} B  {hex_head}{more}"
    text = payload[: SUMMARY_CHARS * 4]
    text = _WHITESPACE.sub(" ", text).strip()
    if len(text) > SUMMARY_CHARS or len(payload) > SUMMARY_CHARS * 4:
        text = text[:SUMMARY_CHARS] + " …"
    # A lone surrogate would be silently dropped on its way into a QString.
    return text.encode("utf-8", "backslashreplace").decode("utf-8") if not text.isascii() else text


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"

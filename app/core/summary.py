"""One-line summaries of payloads for the message log.

Called for every visible row on every repaint, so it looks at a bounded prefix
of the payload and never parses it.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

from app.core.frames import OPCODE_NAMES, Direction, Opcode
from app.core.printable import displayable

if TYPE_CHECKING:
    from app.core.capture import CaptureStore

SUMMARY_CHARS = 160
_WHITESPACE = re.compile(r"\s+")
ARROWS = {Direction.SENT: "↑", Direction.RECEIVED: "↓", Direction.EVENT: "●"}


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


def format_time(wall_time: float) -> str:
    """Local time to the millisecond, as the log's Time column shows it."""
    seconds = int(wall_time)
    return time.strftime("%H:%M:%S", time.localtime(seconds)) + f".{int((wall_time - seconds) * 1000):03d}"


def direction_text(direction: int, opcode: int) -> str:
    """`↑ text`, `↓ binary`, `● close`: the arrow of the log's Direction column and the opcode's name."""
    return f"{ARROWS[Direction(direction)]} {OPCODE_NAMES.get(Opcode(opcode), str(opcode))}"


def message_heading(store: CaptureStore, row: int) -> str:
    """`#N · time · connection · direction · size`: how the message view and the comparison name a message."""
    return (f"#{row + 1} · {format_time(store.wall_times[row])} · {store.connection(row)} · "
            f"{direction_text(store.directions[row], store.opcodes[row])} · {store.sizes[row]:,} bytes")

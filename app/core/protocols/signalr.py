"""SignalR's JSON hub protocol: a handshake, then JSON records each ending in 0x1E, paired by invocationId.

A text frame carries one or more records; each is a JSON object with a numeric `type`
(1 Invocation, 2 StreamItem, 3 Completion, 4 StreamInvocation, 5 CancelInvocation,
6 Ping, 7 Close; 8 Ack and 9 Sequence come with stateful reconnect). The record
separator makes the frame itself not JSON, so `value` is the parsed record (a list of
them for a frame of several, each also in `parts`). An invocation or stream invocation
with an id waits for its completion; stream items answer it and more may follow.

A frame that breaks the format (no final separator, a record that is not a JSON object,
an unknown shape) is not decoded at all: the log shows it raw rather than half-read.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from app.core.frames import Opcode
from app.core.protocols.base import Decoded, Hint, Role

SEPARATOR = "\x1e"

# type → (kind, role of a record that carries an invocationId)
TYPES: dict[int, tuple[str, Role]] = {
    1: ("invocation", Role.REQUEST),
    2: ("stream item", Role.PARTIAL),
    3: ("completion", Role.REPLY),
    4: ("stream invocation", Role.REQUEST),
    5: ("cancel", Role.NONE),
    6: ("ping", Role.NONE),
    7: ("close", Role.NONE),
    8: ("ack", Role.NONE),
    9: ("sequence", Role.NONE),
}
HANDSHAKE_ANSWER_KEYS = frozenset({"error", "minorVersion"})


class SignalR:
    name = "signalr"
    title = "SignalR (JSON hub protocol)"

    def detect(self, hint: Hint) -> float:
        """Records ending in 0x1E are SignalR's mark; the handshake, or a hub's URL (`/chathub`) with them, is certain."""
        decoded = [self.decode(opcode, payload) for opcode, payload in hint.first if opcode == Opcode.TEXT]
        if not decoded or decoded[0] is None:
            return 0.6 if any(d is not None for d in decoded) else 0.0
        if decoded[0].kind == "handshake" or "hub" in urlsplit(hint.url).path.lower():
            return 0.95
        return 0.8 if all(d is not None for d in decoded) else 0.6

    def decode(self, opcode: int, payload: str | bytes) -> Decoded | None:
        if (opcode != Opcode.TEXT or not isinstance(payload, str) or not payload.endswith(SEPARATOR)
                or not payload.startswith("{")):
            return None  # every record is an object ending in the separator: nothing else is parsed
        records = []
        for text in payload[:-1].split(SEPARATOR):
            try:
                record = json.loads(text)
            except (ValueError, RecursionError):
                return None
            if not isinstance(record, dict):
                return None
            records.append(record)
        parts = []
        for record in records:
            part = _record(record)
            if part is None:
                return None
            parts.append(part)
        if len(parts) == 1:
            return parts[0]
        names = list(dict.fromkeys(part.name for part in parts if part.name))
        return Decoded(self.name, "records", ", ".join(names) or None, value=records, parts=tuple(parts))


def _record(record: dict[str, Any]) -> Decoded | None:
    """One record: a hub message by its type, or the handshake (which has no type)."""
    kind_of = record.get("type")
    if kind_of is None:
        if isinstance(record.get("protocol"), str) or set(record) <= HANDSHAKE_ANSWER_KEYS:
            return Decoded(SignalR.name, "handshake", value=record)
        return None
    if isinstance(kind_of, bool) or not isinstance(kind_of, int) or kind_of not in TYPES:
        return None
    kind, role = TYPES[kind_of]
    target = record.get("target") if kind_of in (1, 4) else None
    name = target if isinstance(target, str) else None
    identifier = record.get("invocationId")
    key = identifier if isinstance(identifier, str) else None
    return Decoded(SignalR.name, kind, name, value=record, key=key, role=role if key is not None else Role.NONE,
                   heartbeat=kind_of == 6)

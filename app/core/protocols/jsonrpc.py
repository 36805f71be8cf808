"""JSON-RPC 2.0: requests, notifications, results, errors and batches, paired by id.

The payload is itself JSON, so the tree shows it as it is (`SAME`); decoding adds the
method to the summary and the id to the pairing. A batch is one frame of several
messages; each is paired on its own.
"""

from __future__ import annotations

import json
from typing import Any

from app.core.frames import Opcode
from app.core.protocols.base import Decoded, Hint, Role

MARKER = '"jsonrpc"'


class JsonRpc:
    name = "jsonrpc"
    title = "JSON-RPC 2.0"

    def detect(self, hint: Hint) -> float:
        subprotocol = (hint.subprotocol or "").lower()
        if "jsonrpc" in subprotocol or "json-rpc" in subprotocol:
            return 0.95
        decoded = [self.decode(opcode, payload) for opcode, payload in hint.first]
        if decoded and all(d is not None for d in decoded):
            return 0.9
        if any(d is not None for d in decoded):
            return 0.6
        return 0.0

    def decode(self, opcode: int, payload: str | bytes) -> Decoded | None:
        if opcode != Opcode.TEXT or not isinstance(payload, str) or MARKER not in payload:
            return None  # the marker check spares a parse of every other frame
        try:
            value = json.loads(payload)
        except (ValueError, RecursionError):
            return None
        if isinstance(value, list):
            parts = tuple(part for part in map(_message, value) if part is not None)
            if not parts or len(parts) != len(value):
                return None
            names = sorted({part.name for part in parts if part.name})
            return Decoded(self.name, "batch", ", ".join(names) or None, parts=parts)
        return _message(value)


def _message(value: Any) -> Decoded | None:
    if not isinstance(value, dict) or value.get("jsonrpc") != "2.0":
        return None
    key = _key(value.get("id"))
    method = value.get("method")
    if isinstance(method, str):
        if "id" not in value:
            return Decoded(JsonRpc.name, "notification", method)
        return Decoded(JsonRpc.name, "request", method, key=key, role=Role.REQUEST)
    if "result" in value:
        return Decoded(JsonRpc.name, "result", key=key, role=Role.REPLY if key is not None else Role.NONE)
    error = value.get("error")
    if isinstance(error, dict):
        message = error.get("message")
        return Decoded(JsonRpc.name, "error", message if isinstance(message, str) else None, key=key,
                       role=Role.REPLY if key is not None else Role.NONE)
    return None


def _key(identifier: Any) -> str | int | None:
    """An id that can pair: a string or an integer (true is not 1; null and fractions pair nothing)."""
    if isinstance(identifier, bool) or not isinstance(identifier, int | str):
        return None
    return identifier

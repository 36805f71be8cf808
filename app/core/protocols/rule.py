"""A pairing rule for home-grown protocols: a request's JSONPath and its reply's.

A user whose messages carry `{"request_id": 7, …}` and whose replies carry `{"in_reply_to": 7, …}`
gives `$.request_id` and `$.in_reply_to` in the connection's options; the tracker then pairs
them like a known protocol's, by the value found (compared as JSON text, so `7` and `"7"` differ).
A message holding the reply path is a reply even if it also holds the request path (a reply often
has an id of its own). The rule is not detected: it is chosen per connection.
"""

from __future__ import annotations

import json
from typing import Any

from app.core.frames import Opcode
from app.core.json_query import MISSING, compile_query, first_value
from app.core.protocols.base import Decoded, Hint, Role

NAME = "rule"


class PairingRule:
    name = NAME

    def __init__(self, request_path: str, reply_path: str) -> None:
        """Raises FilterError (a SocketScopeError) when a path is not a JSONPath query."""
        self.request_path, self.reply_path = request_path, reply_path
        self._request = first_value(compile_query(request_path))
        self._reply = first_value(compile_query(reply_path))
        self.title = f"pairing rule {request_path} ↔ {reply_path}"

    def detect(self, hint: Hint) -> float:
        return 0.0  # chosen in the options, never guessed

    def decode(self, opcode: int, payload: str | bytes) -> Decoded | None:
        if opcode != Opcode.TEXT or not isinstance(payload, str):
            return None
        try:
            document = json.loads(payload)
        except (ValueError, RecursionError):
            return None
        reply = self._reply(document)
        if reply is not MISSING:
            return Decoded(NAME, "reply", key=_key(reply), role=Role.REPLY)
        request = self._request(document)
        if request is not MISSING:
            return Decoded(NAME, "request", key=_key(request), role=Role.REQUEST)
        return None


def _key(value: Any) -> str:
    """The value as canonical JSON text: any JSON value can pair, and 7 never matches "7"."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))

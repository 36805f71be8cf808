"""GraphQL over WebSocket: `graphql-transport-ws` and the legacy `graphql-ws`, paired by operation id.

Both dialects send JSON objects `{"type": …, "id": …, "payload": …}`. Their message
types barely overlap (`subscribe`/`next`/`ping`/`pong` against `start`/`data`/`stop`/`ka`;
both have `connection_init`, `connection_ack`, `error` and `complete`, meaning the same),
so one decoder reads both and a connection needs no state to be read.

The message is itself JSON, so the tree shows it as it is (`SAME`): the id and the type
stay in view, and numbers keep their exact digits. Decoding adds the operation name to
the summary (`payload.operationName`, else the name of the operation the query starts
with), marks the keep-alives, and pairs by id: a subscribe (or start) waits, each next
(or data) answers it and more may follow, and complete or error ends it. The client's
own `complete` (or `stop`) cancels the operation: a reply in the request's own
direction, which the tracker pairs with nothing.

Without the subprotocol, the first frames decide only with GraphQL's shape (no fields
besides `type`, `id` and `payload`; an operation with a query): market feeds and games
send `{"type": "subscribe", …}` too.

Ids are strings in both specifications; any other id, or one too long to be an id,
pairs nothing. The query is only looked at through a bounded prefix.
"""

from __future__ import annotations

import json
import re
from typing import Any

from app.core.frames import Opcode
from app.core.protocols.base import Decoded, Hint, Role

SUBPROTOCOLS = ("graphql-transport-ws", "graphql-ws")
MARKER = '"type"'
NAME_CHARS = 200  # an operation or error name longer than this is cut in the summary
KEY_CHARS = 1024  # an id longer than this pairs nothing: the table of waiting requests stays small
QUERY_SCAN = 4096  # characters of the query searched for the operation's name

# Where each message type stands in an exchange. Both dialects are here: they never give a type two meanings.
ROLES: dict[str, Role] = {
    "subscribe": Role.REQUEST, "start": Role.REQUEST,
    "next": Role.PARTIAL, "data": Role.PARTIAL,
    "complete": Role.REPLY, "error": Role.REPLY, "stop": Role.REPLY,
    "connection_init": Role.NONE, "connection_ack": Role.NONE, "connection_error": Role.NONE,
    "connection_terminate": Role.NONE, "ping": Role.NONE, "pong": Role.NONE, "ka": Role.NONE,
}
HEARTBEATS = frozenset({"ping", "pong", "ka"})
# Every message of both dialects has these fields and no other; a frame with more is someone else's `subscribe`.
FIELDS = frozenset({"type", "id", "payload"})
HANDSHAKE = frozenset({"connection_init", "connection_ack", "connection_terminate", "ka"})

_OBJECT = re.compile(r"[ \t\n\r]*\{")
_IGNORED = r"(?:[ \t\n\r,\ufeff]|#[^\n\r]*+)"  # GraphQL's ignored tokens: white space, commas, comments
# Possessive quantifiers: a prefix of comments and commas fails in linear time, never by backtracking.
_OPERATION = re.compile(rf"{_IGNORED}*+(?:query|mutation|subscription){_IGNORED}++([_A-Za-z][_0-9A-Za-z]*+)")


class GraphQLWs:
    name = "graphql"
    title = "GraphQL over WebSocket"

    def detect(self, hint: Hint) -> float:
        if (hint.subprotocol or "").strip().lower() in SUBPROTOCOLS:
            return 0.95
        messages = [_message(opcode, payload) for opcode, payload in hint.first]  # each parsed once
        if any(map(_opens_or_operates, messages)):
            return 0.9
        if messages and None not in map(_kind, messages) and any(map(_is_result, messages)):
            return 0.6
        return 0.0

    def decode(self, opcode: int, payload: str | bytes) -> Decoded | None:
        message = _message(opcode, payload)
        kind = _kind(message)
        if message is None or kind is None:
            return None
        role, key = ROLES[kind], None
        if role is not Role.NONE:
            key = _key(message.get("id"))
            if key is None:
                role = Role.NONE  # an operation message without a usable id: shown, never paired
        body = message.get("payload")
        name = None
        if kind in ("subscribe", "start"):
            name = _operation_name(body)
        elif kind in ("error", "connection_error"):
            name = _error_message(body)
        return Decoded(self.name, kind, name, key=key, role=role, heartbeat=kind in HEARTBEATS)


def _message(opcode: int, payload: str | bytes) -> dict[str, Any] | None:
    """The frame's JSON object, or None; the checks before the parse spare it for every other frame."""
    if opcode != Opcode.TEXT or not isinstance(payload, str) or MARKER not in payload or not _OBJECT.match(payload):
        return None
    try:
        value = json.loads(payload)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _kind(message: dict[str, Any] | None) -> str | None:
    """The message's type when it is one of GraphQL's (checked as a string first: a list or an object never hashes)."""
    kind = message.get("type") if message is not None else None
    return kind if isinstance(kind, str) and kind in ROLES else None


def _key(identifier: Any) -> str | None:
    """The operation id: a string, as both specifications say, short enough to keep while it waits."""
    if isinstance(identifier, str) and 0 < len(identifier) <= KEY_CHARS:
        return identifier
    return None


def _operation_name(body: Any) -> str | None:
    """`operationName` when the client gave one, else the name of the document's first operation."""
    if not isinstance(body, dict):
        return None
    given = body.get("operationName")
    if isinstance(given, str) and given:
        return _cut(given)
    query = body.get("query")
    if not isinstance(query, str):
        return None
    found = _OPERATION.match(query[:QUERY_SCAN])
    return _cut(found.group(1)) if found else None


def _error_message(body: Any) -> str | None:
    """The first error's message: `error` carries a list of GraphQL errors (the legacy one, often one error)."""
    first = body[0] if isinstance(body, list) and body else body
    message = first.get("message") if isinstance(first, dict) else None
    return _cut(message) if isinstance(message, str) and message else None


def _cut(text: str) -> str:
    return text if len(text) <= NAME_CHARS else text[:NAME_CHARS] + "…"


def _shaped(message: dict[str, Any] | None, kinds: tuple[str, ...] | frozenset[str]) -> bool:
    """One of `kinds`, with GraphQL's fields only: market feeds and games say `subscribe` and `start` too."""
    return message is not None and _kind(message) in kinds and message.keys() <= FIELDS


def _opens_or_operates(message: dict[str, Any] | None) -> bool:
    """A handshake or keep-alive message, or an operation with an id and a query: enough to decide at once."""
    if _shaped(message, HANDSHAKE):
        return True
    if message is None or not _shaped(message, ("subscribe", "start")) or _key(message.get("id")) is None:
        return False
    body = message.get("payload")
    return isinstance(body, dict) and isinstance(body.get("query"), str)


def _is_result(message: dict[str, Any] | None) -> bool:
    """A next or data message carrying an execution result: GraphQL's own shape, not just a `type` word."""
    if message is None or not _shaped(message, ("next", "data")) or _key(message.get("id")) is None:
        return False
    result = message.get("payload")
    return isinstance(result, dict) and ("data" in result or "errors" in result)

"""Ready payloads for the protocols a peer may expect, offered by the composer's Templates menu.

Each is a composer template (app/core/templates.py): `{{uuid}}` and `{{seq}}` expand
afresh at each send, so every subscription and request gets its own id. Only JSON
payloads are offered: a STOMP frame is text with headers, not JSON, and the composer
would refuse it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ProtocolTemplate:
    title: str  # as the menu shows it
    text: str  # JSON text; for a Socket.IO event, its arguments (an array: one argument each)
    event: str | None = None  # a Socket.IO event's name: the composer switches to its event mode


PROTOCOL_TEMPLATES = (
    ProtocolTemplate("GraphQL: connection_init", '{"type": "connection_init", "payload": {}}'),
    ProtocolTemplate("GraphQL: subscribe", """{
  "id": "{{uuid}}",
  "type": "subscribe",
  "payload": {
    "operationName": "OnEvent",
    "query": "subscription OnEvent { event }",
    "variables": {}
  }
}"""),
    ProtocolTemplate("JSON-RPC: request", '{"jsonrpc": "2.0", "method": "add", "params": [1, 2], "id": {{seq}}}'),
    ProtocolTemplate("Socket.IO: event", '[{"text": "hello"}]', event="chat"),
)

__all__ = ["PROTOCOL_TEMPLATES", "ProtocolTemplate"]

"""The traffic tap: ASGI middleware that records every WebSocket event of the app inside it.

It sits between uvicorn and any ASGI app (the demo or the user's own), so what it
records is exactly what crossed the socket: a frame the app sends is recorded
once uvicorn has taken it, a frame the app receives as it is handed over.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from app.core.frames import Direction, Frame, Opcode, Side

Sink = Callable[[Frame], None]
CONNECTION_KEY = "socketscope.connection"  # scope key: the tap's id for this connection
# disconnect-event key: the server itself failed the connection (1009, 1007, 1002, 1011), no client closed it
CLOSED_BY_SERVER = "socketscope.closed_by_server"
# send-event key: a text's UTF-8 bytes as they came off another socket (the relay), sent as they are
TEXT_UTF8 = "socketscope.text_utf8"
REFUSAL_BODY_KEPT = 1024  # bytes of a refused handshake's answer kept as its reason
ASGIApp = Callable[..., Any]


def close_payload(code: int | None, reason: str, closed_by: str) -> str:
    return json.dumps({"code": code, "reason": reason, "by": closed_by}, ensure_ascii=False)


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def connection_metadata(scope: dict[str, Any]) -> dict[str, Any]:
    """What a user wants to know about who connected, from the ASGI scope."""
    client = scope.get("client")
    return {
        "peer": f"{client[0]}:{client[1]}" if client else None,
        "path": scope.get("path", ""),
        "query": scope.get("query_string", b"").decode("latin-1"),
        "origin": _header(scope, b"origin"),
        "subprotocols": list(scope.get("subprotocols", [])),
        "headers": {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", ())},
    }


class TrafficTap:
    """Wrap an ASGI app; call `sink` with a `Frame` for every WebSocket event."""

    def __init__(self, app: ASGIApp, sink: Sink, connection_ids: Iterator[int] | None = None) -> None:
        self.app = app
        self.sink = sink
        self._ids = connection_ids or itertools.count(1)
        # Accepted connections, by id: their tapped `send`, so the server panel can push
        # frames and close clients (on the server's loop) and have them recorded like the app's.
        self.live: dict[str, Callable[[dict[str, Any]], Awaitable[None]]] = {}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        connection = f"server#{next(self._ids)}"
        scope = dict(scope, **{CONNECTION_KEY: connection})
        sink = self.sink
        metadata = connection_metadata(scope)
        accepted = False
        closed = False  # a close (or the loss of the connection) has been recorded
        refused_status: int | None = None  # an HTTP answer instead of the upgrade: its status and body
        refused_body = bytearray()

        def record_lost(reason: str) -> None:
            nonlocal closed
            if accepted and not closed:
                closed = True
                self.live.pop(connection, None)
                record(Direction.RECEIVED, Opcode.CLOSE, close_payload(1006, reason, "client"), size=0)

        def record(direction: Direction, opcode: Opcode, payload: str | bytes, size: int = -1) -> None:
            sink(Frame(connection, Side.SERVER, direction, opcode, payload, size))

        def record_data(direction: Direction, message: dict[str, Any]) -> None:
            text = message.get("text")
            if text is not None:
                utf8 = message.get(TEXT_UTF8)
                record(direction, Opcode.TEXT, text, -1 if utf8 is None else len(utf8))
            else:
                record(direction, Opcode.BINARY, message.get("bytes") or b"")

        async def tapped_receive() -> dict[str, Any]:
            message = await receive()
            kind = message["type"]
            if kind == "websocket.receive":
                record_data(Direction.RECEIVED, message)
            elif kind == "websocket.disconnect":
                nonlocal closed
                if closed:  # the server's own close, echoed back to the app, or a second notice
                    return message
                closed = True
                self.live.pop(connection, None)
                code = message.get("code", 1005)
                reason = message.get("reason") or ""
                if message.get(CLOSED_BY_SERVER):
                    record(Direction.SENT, Opcode.CLOSE, close_payload(code, reason, "server"),
                           size=close_size(code, reason))
                else:
                    record(Direction.RECEIVED, Opcode.CLOSE, close_payload(code, reason, "client"),
                           size=close_size(code, reason))
            return message

        async def tapped_send(message: dict[str, Any]) -> None:
            nonlocal accepted, closed, refused_status
            try:
                await send(message)
            except Exception:
                record_lost("connection lost while sending")
                raise
            kind = message["type"]
            if kind == "websocket.send":
                record_data(Direction.SENT, message)
            elif kind == "websocket.accept":
                accepted = True
                self.live[connection] = tapped_send
                details = dict(metadata, subprotocol=message.get("subprotocol"))
                record(Direction.EVENT, Opcode.OPEN, json.dumps(details, ensure_ascii=False), size=0)
            elif kind == "websocket.close":
                closed = True
                self.live.pop(connection, None)
                code = message.get("code", 1000)
                reason = message.get("reason") or ""
                if accepted:
                    record(Direction.SENT, Opcode.CLOSE, close_payload(code, reason, "server"),
                           size=close_size(code, reason))
                else:
                    refusal = dict(metadata, status=403, code=code, reason=reason)
                    record(Direction.EVENT, Opcode.REFUSED, json.dumps(refusal, ensure_ascii=False), size=0)
            elif kind == "websocket.http.response.start":
                refused_status = message.get("status")
                refused_body.clear()
            elif kind == "websocket.http.response.body":
                if len(refused_body) < REFUSAL_BODY_KEPT:
                    refused_body.extend(message.get("body", b"")[:REFUSAL_BODY_KEPT - len(refused_body)])
                if not message.get("more_body", False):
                    reason = bytes(refused_body).decode("utf-8", "replace").strip()
                    refusal = dict(metadata, status=refused_status, reason=reason)
                    record(Direction.EVENT, Opcode.REFUSED, json.dumps(refusal, ensure_ascii=False), size=0)

        try:
            await self.app(scope, tapped_receive, tapped_send)
        finally:
            if accepted and not closed:  # the app returned without closing: uvicorn drops the connection
                closed = True
                record(Direction.SENT, Opcode.CLOSE,
                       close_payload(1006, "the app returned without closing; no close frame was sent", "server"),
                       size=0)
            self.live.pop(connection, None)


def close_size(code: int | None, reason: str) -> int:
    """Bytes a close frame's payload takes on the wire: the 2-byte code and the UTF-8 reason."""
    if code in (None, 1005, 1006):
        return 0
    return 2 + len(reason.encode("utf-8", "surrogatepass"))

"""The demo app: the patterns of the FastAPI WebSocket guide, made robust.

The guide's endpoint drops the connection on the first bad frame (invalid JSON,
a binary frame, absurd nesting). Here every message is handled on its own: bad
input gets a JSON error reply and the connection stays open.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import AsyncIterator, Mapping
from typing import Any

import simdjson
from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ValidationError
from starlette.types import Message

from embedded_server.browser_page import BROWSER_PAGE
from embedded_server.chat import ChatRoom
from embedded_server.rpc import RpcSession
from embedded_server.socketio_demo import MOUNT_PATH, socketio_app

log = logging.getLogger("socketscope.server")

GREETING: dict[str, Any] = {"username": "Alice", "id": 123, "is_active": True}
STATUS_UPDATE: dict[str, Any] = {"status": "online", "last_seen": "2023-10-27T10:00:00Z"}


class _RefusedConstant(ValueError):
    """NaN, Infinity or -Infinity: Python's json reads them, JSON has no such values."""


def _refuse_constant(name: str) -> Any:
    raise _RefusedConstant(f"{name} is not valid JSON")


def decode_json_message(text: str) -> tuple[Any, str | None]:
    """Parse one text message; return (value, None) or (None, a reason for the client)."""
    try:
        return json.loads(text, parse_constant=_refuse_constant), None
    except json.JSONDecodeError as error:
        return None, f"{error.msg} at line {error.lineno}, column {error.colno}"
    except RecursionError:
        return None, "nesting is too deep"
    except _RefusedConstant as error:
        return None, str(error)
    except ValueError:  # Python's own limit on converting long digit strings, worded for Python programmers
        return None, f"an integer has more than {sys.get_int_max_str_digits():,} digits, more than this server reads"


_VALIDATOR = simdjson.Parser()  # reused: it keeps its buffers between documents


def json_problem(text: str) -> str | None:
    """None if `text` is one JSON value, else a reason for the client.

    The embedded server runs in the window's process, and CPython's parser holds the GIL for a whole
    document (0.7 s for 96 MiB): simdjson checks the same text four times faster. What simdjson refuses
    but JSON allows (integers beyond 64 bits, lone surrogate escapes, nesting over 1,024 levels) and
    every invalid text go to the faithful parser, which also says where the text is wrong; so does a
    leading byte order mark, which simdjson skips and JSON text must not have.
    """
    if text.startswith("\ufeff"):
        return decode_json_message(text)[1]
    try:
        _VALIDATOR.parse(text.encode("utf-8", "surrogatepass"))
    except (ValueError, RuntimeError):
        return decode_json_message(text)[1]
    return None


def echo_reply(text: str) -> str:
    """`/ws`'s answer to a JSON message: the message as received, byte for byte, never re-serialised."""
    return '{"status":"received","echo":' + text + "}"


def encode(value: Any) -> str:
    """Serialise once, for `send_text` (Starlette's `send_json` is far slower)."""
    return json.dumps(value, separators=(",", ":"))


class UserProfile(BaseModel):
    """The guide's model: what `/ws/validate` checks each message against."""

    username: str
    id: int
    is_active: bool


STREAM_LIMITS = {"rate": (1, 1_000_000), "count": (1, 10_000_000), "size": (16, 64 * 1024 * 1024)}


def stream_parameters(query: dict[str, str]) -> tuple[dict[str, int], str | None]:
    """Read `rate`, `count` and `size` from the query; return them or why they are wrong."""
    values = {"rate": 10, "count": 100, "size": 150}
    for name, (low, high) in STREAM_LIMITS.items():
        if name not in query:
            continue
        try:
            values[name] = int(query[name])
        except ValueError:
            return values, f"{name} must be an integer, not {query[name]!r}"
        if not low <= values[name] <= high:
            return values, f"{name} must be between {low} and {high}"
    return values, None


def stream_event(seq: int, size: int) -> str:
    """One synthetic event of about `size` bytes, serialised once.

    Formatted directly, not through `json.dumps`: a stream at full speed spends its GIL time here,
    time the inspector and the window in the same process need.
    """
    head = f'{{"type":"tick","seq":{int(seq)},"pad":""}}'  # what encode() writes for that dict
    return head[:-2] + "x" * max(0, size - len(head)) + head[-2:]


async def incoming(websocket: WebSocket) -> AsyncIterator[Message]:
    """Each message the client sends, until it leaves (the traffic tap records how it closed)."""
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            yield message
    except WebSocketDisconnect:
        return


def create_app(*, status_delay: float = 3.0) -> FastAPI:
    """Build the demo app; `status_delay` is how long `/ws` waits before its status update."""
    app = FastAPI(title="SocketScope embedded server")
    app.mount(MOUNT_PATH, socketio_app())  # Socket.IO v5: `news` on connect, `chat` broadcast with acks

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.websocket("/ws")
    async def greeting_endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(encode(GREETING))

        async def send_status_later() -> None:
            await asyncio.sleep(status_delay)
            try:
                await websocket.send_text(encode(STATUS_UPDATE))
            except (WebSocketDisconnect, RuntimeError, OSError) as error:
                log.debug("status update not sent, client gone: %r", error)

        status_task = asyncio.create_task(send_status_later(), name="ws-status-update")
        try:
            async for message in incoming(websocket):
                text = message.get("text")
                if text is None:
                    reply = encode({"error": "Binary frames are not accepted here; send JSON text",
                                    "size": len(message.get("bytes") or b"")})
                elif (problem := json_problem(text)) is not None:
                    reply = encode({"error": "Invalid JSON", "detail": problem})
                else:
                    reply = echo_reply(text)
                await websocket.send_text(reply)
        finally:
            status_task.cancel()

    @app.get("/", response_class=HTMLResponse)
    async def browser_page() -> str:
        return BROWSER_PAGE

    @app.websocket("/ws/echo")
    async def echo_endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        async for message in incoming(websocket):
            if message.get("text") is not None:
                await websocket.send_text(message["text"])
            else:
                await websocket.send_bytes(message.get("bytes") or b"")

    @app.websocket("/ws/validate")
    async def validate_endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        async for message in incoming(websocket):
            reply = _validate(message.get("text"), len(message.get("bytes") or b""))
            await websocket.send_text(encode(reply))

    @app.websocket("/ws/rpc")
    async def rpc_endpoint(websocket: WebSocket) -> None:
        offered = websocket.scope.get("subprotocols") or []
        await websocket.accept(subprotocol="jsonrpc" if "jsonrpc" in offered else None)
        session = RpcSession(websocket)
        try:
            async for message in incoming(websocket):
                text = message.get("text")
                if text is None:
                    await session.send({"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error: "
                                        "a binary frame"}, "id": None})
                else:
                    await session.handle(text)
        except (WebSocketDisconnect, RuntimeError, OSError) as error:
            log.debug("rpc client left: %r", error)
        finally:
            await session.close()

    room = ChatRoom()

    @app.websocket("/ws/chat")
    async def chat_endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        member = await room.join(websocket)
        try:
            async for message in incoming(websocket):
                text = message.get("text")
                problem = json_problem(text) if text is not None else "binary frame"
                if text is not None and problem is None:
                    room.broadcast_json(member, text)
                else:
                    room.tell(member, {"error": "Invalid JSON", "detail": problem})
        finally:
            await room.leave(member)

    @app.websocket("/ws/stream")
    async def stream_endpoint(websocket: WebSocket) -> None:
        values, problem = stream_parameters(dict(websocket.query_params))
        await websocket.accept()
        if problem:
            await websocket.send_text(encode({"error": "Bad stream parameters", "detail": problem}))
            await websocket.close(1008, problem[:120])
            return
        rate, count, size = values["rate"], values["count"], values["size"]
        interval = 1.0 / rate
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            for seq in range(count):
                await websocket.send_text(stream_event(seq, size))
                delay = started + (seq + 1) * interval - loop.time()
                if delay > 0.001:
                    await asyncio.sleep(delay)
            await websocket.close(1000, "stream complete")
        except (WebSocketDisconnect, RuntimeError, OSError) as error:
            log.debug("stream client left early: %r", error)

    return app


def _validate(text: str | None, binary_size: int) -> dict[str, Any]:
    if text is None:
        return {"error": "Binary frames are not accepted here; send JSON text", "size": binary_size}
    value, problem = decode_json_message(text)
    if problem is not None:
        return {"error": "Invalid JSON", "detail": problem}
    if not isinstance(value, dict):
        return {"error": "Invalid data", "details": [{"msg": "expected a JSON object", "type": "model_type"}]}
    try:
        profile = UserProfile(**value)
    except ValidationError as error:
        return {"error": "Invalid data", "details": [_json_safe(detail) for detail in
                                                     error.errors(include_url=False, include_context=False)]}
    return {"status": "received", "user_id": profile.id}


def _json_safe(detail: Mapping[str, Any]) -> Mapping[str, Any]:
    """A validation error as JSON can carry it: without the input it quotes when that input has no JSON form
    (a number too big for a float became infinity); a lone surrogate is written as its escape, as sent."""
    try:
        json.dumps(detail, allow_nan=False)
    except ValueError:
        return {key: value for key, value in detail.items() if key != "input"}
    return detail


app = create_app()

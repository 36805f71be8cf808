"""The demo app: the patterns of the FastAPI WebSocket guide, made robust.

The guide's endpoint drops the connection on the first bad frame (invalid JSON,
a binary frame, absurd nesting). Here every message is handled on its own: bad
input gets a JSON error reply and the connection stays open.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

log = logging.getLogger("socketscope.server")

GREETING: dict[str, Any] = {"username": "Alice", "id": 123, "is_active": True}
STATUS_UPDATE: dict[str, Any] = {"status": "online", "last_seen": "2023-10-27T10:00:00Z"}


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def decode_json_message(text: str) -> tuple[Any, str | None]:
    """Parse one text message; return (value, None) or (None, a reason for the client)."""
    try:
        return json.loads(text, parse_constant=_refuse_constant), None
    except json.JSONDecodeError as error:
        return None, f"{error.msg} at line {error.lineno}, column {error.colno}"
    except RecursionError:
        return None, "nesting is too deep"
    except ValueError as error:  # NaN/Infinity, or an integer with too many digits
        return None, str(error)


def encode(value: Any) -> str:
    """Serialise once, for `send_text` (Starlette's `send_json` is far slower)."""
    return json.dumps(value, separators=(",", ":"))


def create_app(*, status_delay: float = 3.0) -> FastAPI:
    """Build the demo app; `status_delay` is how long `/ws` waits before its status update."""
    app = FastAPI(title="SocketScope embedded server")

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
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                text = message.get("text")
                if text is None:
                    size = len(message.get("bytes") or b"")
                    reply: dict[str, Any] = {
                        "error": "Binary frames are not accepted here; send JSON text",
                        "size": size,
                    }
                else:
                    value, problem = decode_json_message(text)
                    reply = (
                        {"status": "received", "echo": value}
                        if problem is None
                        else {"error": "Invalid JSON", "detail": problem}
                    )
                await websocket.send_text(encode(reply))
        except WebSocketDisconnect:
            pass  # the client left; the tap has recorded its close frame
        finally:
            status_task.cancel()

    return app


app = create_app()

"""The Socket.IO demo: a python-socketio server for the demo app to mount at /socket.io/.

Each client gets a `news` event on connect; a `chat` event is broadcast to every client,
the sender included, and acknowledged to the sender with its number: one client alone
sees an event, a broadcast, and an event paired with its ack.
"""

from __future__ import annotations

import itertools
from typing import Any

import socketio

MOUNT_PATH = "/socket.io"
NEWS: dict[str, Any] = {"headline": "Welcome to the SocketScope Socket.IO demo",
                        "try": 'emit "chat" with any JSON, asking for an ack'}


def socketio_app() -> Any:
    """The Socket.IO server as an ASGI app that answers under /socket.io/, wherever it is mounted."""
    # Pings every 5 s (the library says 25): a user trying the demo sees heartbeats, dimmed, within seconds.
    server = socketio.AsyncServer(async_mode="asgi", ping_interval=5, ping_timeout=10)
    chats = itertools.count(1)

    @server.on("connect")
    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        await server.emit("news", NEWS, to=sid)

    @server.on("chat")
    async def chat(sid: str, *args: Any) -> dict[str, Any]:
        number = next(chats)
        message = args[0] if len(args) == 1 else list(args)
        await server.emit("chat", {"from": sid, "n": number, "message": message})
        return {"status": "delivered", "n": number}

    # Starlette's mount keeps the full path in the scope: Engine.IO matches it against its own path.
    return socketio.ASGIApp(server, socketio_path=MOUNT_PATH.strip("/"))

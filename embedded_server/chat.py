"""The guide's connection manager, made safe to broadcast through.

Each member gets its own bounded outbox drained by its own task, so one slow or
vanished client never blocks a broadcast to the others: when its outbox is full
it is dropped from the room and closed with 1008 rather than buffering forever.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging

from fastapi import WebSocket, WebSocketDisconnect

log = logging.getLogger("socketscope.server")

OUTBOX_LIMIT = 1000  # messages queued for one member before it is considered stuck


def _encode(message: dict[str, object]) -> str:
    return json.dumps(message, separators=(",", ":"))


class Member:
    def __init__(self, name: str, websocket: WebSocket) -> None:
        self.name = name
        self.websocket = websocket
        self.outbox: asyncio.Queue[str] = asyncio.Queue(OUTBOX_LIMIT)
        self.writer: asyncio.Task[None] | None = None


class ChatRoom:
    def __init__(self) -> None:
        self.members: dict[str, Member] = {}
        self._names = itertools.count(1)
        self._closing: set[asyncio.Task[None]] = set()

    async def join(self, websocket: WebSocket) -> Member:
        member = Member(f"user{next(self._names)}", websocket)
        member.writer = asyncio.create_task(self._write(member), name=f"chat-writer-{member.name}")
        self.members[member.name] = member
        self.broadcast({"event": "join", "user": member.name, "members": len(self.members)})
        return member

    async def leave(self, member: Member) -> None:
        if self.members.pop(member.name, None) is None:
            return
        if member.writer is not None:
            member.writer.cancel()
        self.broadcast({"event": "leave", "user": member.name, "members": len(self.members)})

    def broadcast(self, message: dict[str, object]) -> None:
        text = _encode(message)
        for member in list(self.members.values()):
            self._queue(member, text)

    def broadcast_json(self, sender: Member, text: str) -> None:
        """A member's JSON message to everyone, as `data`, exactly as it was sent (never re-serialised)."""
        message = '{"event":"message","user":' + json.dumps(sender.name) + ',"data":' + text + "}"
        for member in list(self.members.values()):
            self._queue(member, message)

    def tell(self, member: Member, message: dict[str, object]) -> None:
        """Send to one member only (an error about its own message)."""
        self._queue(member, _encode(message))

    def _queue(self, member: Member, text: str) -> None:
        try:
            member.outbox.put_nowait(text)
        except asyncio.QueueFull:
            log.warning("chat member %s is not reading; dropping it", member.name)
            self.members.pop(member.name, None)
            if member.writer is not None:
                member.writer.cancel()
            task = asyncio.create_task(self._close_stuck(member), name=f"chat-close-{member.name}")
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    async def _write(self, member: Member) -> None:
        try:
            while True:
                await member.websocket.send_text(await member.outbox.get())
        except (WebSocketDisconnect, RuntimeError, OSError) as error:  # the client went away mid-send
            log.debug("chat member %s gone: %r", member.name, error)
            self.members.pop(member.name, None)

    @staticmethod
    async def _close_stuck(member: Member) -> None:
        try:
            await member.websocket.close(1008, "not reading: dropped from the room")
        except (WebSocketDisconnect, RuntimeError, OSError) as error:
            log.debug("closing stuck member %s failed: %r", member.name, error)

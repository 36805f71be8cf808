"""`/ws/rpc`: a JSON-RPC 2.0 service to try request/reply pairing and latency on.

Methods: `add(a, b)`, `echo(value)`, `slow(ms)` (answers after `ms` milliseconds, at most 10 s)
and `subscribe(interval_ms, count)` (answers with a subscription id, then sends `tick`
notifications). Requests run concurrently, so a slow one never holds back the others;
batches are answered as one array. Errors use the specification's codes. Everything a
client left running stops when it leaves.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from typing import Any

from fastapi import WebSocket

log = logging.getLogger("socketscope.server")

PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS = -32700, -32600, -32601, -32602
SLOW_LIMIT_MS = 10_000
TICK_LIMIT = 1000
TICK_MIN_MS = 10


def _error(code: int, message: str, identifier: Any = None) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "error": {"code": code, "message": message}, "id": identifier}


def _arguments(params: Any, *names: str) -> list[Any]:
    """The named parameters, given by position (a list) or by name (an object); missing ones are None."""
    if isinstance(params, dict):
        return [params.get(name) for name in names]
    values = params if isinstance(params, list) else [params]
    return [values[index] if index < len(values) else None for index in range(len(names))]


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class RpcSession:
    """One client's connection: its running calls, its subscriptions, one writer at a time."""

    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket
        self._send_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self._subscriptions = itertools.count(1)

    async def send(self, value: Any) -> None:
        async with self._send_lock:
            await self.websocket.send_text(json.dumps(value, separators=(",", ":")))

    def start(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def handle(self, text: str) -> None:
        try:
            message = json.loads(text)
        except (ValueError, RecursionError):
            await self.send(_error(PARSE_ERROR, "Parse error"))
            return
        if isinstance(message, list):
            if not message:
                await self.send(_error(INVALID_REQUEST, "Invalid Request: an empty batch"))
                return
            self.start(self._batch(message))
        else:
            self.start(self._single(message))

    async def _single(self, message: Any) -> None:
        reply = await self.call(message)
        if reply is not None:
            await self.send(reply)

    async def _batch(self, messages: list[Any]) -> None:
        replies = [reply for reply in await asyncio.gather(*(self.call(m) for m in messages)) if reply is not None]
        if replies:
            await self.send(replies)

    async def call(self, message: Any) -> dict[str, Any] | None:
        """The reply to one request (None for a notification)."""
        if not isinstance(message, dict) or message.get("jsonrpc") != "2.0" or not isinstance(message.get("method"), str):
            return _error(INVALID_REQUEST, "Invalid Request", message.get("id") if isinstance(message, dict) else None)
        identifier, notification = message.get("id"), "id" not in message
        params = message.get("params", [])
        try:
            result = await self._run(message["method"], params)
        except LookupError:
            reply = _error(METHOD_NOT_FOUND, f"Method not found: {message['method']}", identifier)
        except (TypeError, ValueError) as error:
            reply = _error(INVALID_PARAMS, f"Invalid params: {error}", identifier)
        else:
            reply = {"jsonrpc": "2.0", "result": result, "id": identifier}
        return None if notification else reply

    async def _run(self, method: str, params: Any) -> Any:
        if method == "add":
            a, b = _arguments(params, "a", "b")
            if not (_number(a) and _number(b)):
                raise ValueError("add takes two numbers")
            return a + b
        if method == "echo":
            return _arguments(params, "value")[0]
        if method == "slow":
            ms = _arguments(params, "ms")[0]
            if not (_number(ms) and 0 <= ms <= SLOW_LIMIT_MS):
                raise ValueError(f"slow takes milliseconds from 0 to {SLOW_LIMIT_MS}")
            await asyncio.sleep(ms / 1000)
            return ms
        if method == "subscribe":
            interval, count = _arguments(params, "interval_ms", "count")
            interval = 1000 if interval is None else interval
            count = 10 if count is None else count
            if not (_number(interval) and interval >= TICK_MIN_MS and isinstance(count, int) and 0 < count <= TICK_LIMIT):
                raise ValueError(f"subscribe takes interval_ms ≥ {TICK_MIN_MS} and a count from 1 to {TICK_LIMIT}")
            subscription = next(self._subscriptions)
            self.start(self._ticks(subscription, interval / 1000, count))
            return subscription
        raise LookupError(method)

    async def _ticks(self, subscription: int, interval: float, count: int) -> None:
        for n in range(1, count + 1):
            await asyncio.sleep(interval)
            await self.send({"jsonrpc": "2.0", "method": "tick", "params": {"subscription": subscription, "n": n}})

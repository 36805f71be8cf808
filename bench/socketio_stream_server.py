"""A bare `websockets` server speaking just enough Engine.IO v4 / Socket.IO v5 to stream events.

`python bench/socketio_stream_server.py COUNT SIZE` prints its port; each client that
connects the root namespace gets COUNT `42["tick",{…}]` events of SIZE bytes, then a close.
Run as a separate process, like bench/stream_server.py, so it does not share the reader's GIL.
"""

from __future__ import annotations

import asyncio
import json
import sys

from stream_server import serve_until_stdin_closes  # a script beside this one

OPEN = '0{"sid":"bench","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}'


def event(size: int) -> str:
    base = {"seq": 0, "type": "tick", "pad": ""}
    frame = '42["tick",' + json.dumps(base, separators=(",", ":")) + "]"
    base["pad"] = "x" * max(0, size - len(frame))
    return '42["tick",' + json.dumps(base, separators=(",", ":")) + "]"


async def main(count: int, size: int) -> None:
    template = event(size)

    async def handler(websocket) -> None:
        await websocket.send(OPEN)
        if await websocket.recv() != "40":
            await websocket.close(1002, "expected the root namespace connect")
            return
        await websocket.send('40{"sid":"bench-socket"}')
        for _ in range(count):
            await websocket.send(template)
        await websocket.close()

    await serve_until_stdin_closes(handler)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))

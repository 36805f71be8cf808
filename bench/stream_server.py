"""A bare `websockets` server that streams COUNT pre-built JSON messages to each client.

Run as a separate process so benchmarks measure a client against a server that does
not share its GIL: `python bench/stream_server.py COUNT SIZE`; prints its port.
"""

from __future__ import annotations

import asyncio
import json
import sys

from websockets.asyncio.server import serve


def message(index: int, size: int) -> str:
    base = {"seq": index, "type": "tick", "pad": ""}
    pad = max(0, size - len(json.dumps(base, separators=(",", ":"))))
    base["pad"] = "x" * pad
    return json.dumps(base, separators=(",", ":"))


async def serve_until_stdin_closes(handler) -> None:
    """Serve `handler` on 127.0.0.1, print the port, and stop when the parent closes stdin."""
    async with serve(handler, "127.0.0.1", 0, compression=None, max_size=None) as server:
        port = server.sockets[0].getsockname()[1]
        print(port, flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


async def main(count: int, size: int) -> None:
    template = message(0, size)

    async def handler(websocket) -> None:
        for _ in range(count):
            await websocket.send(template)
        await websocket.close()

    await serve_until_stdin_closes(handler)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))

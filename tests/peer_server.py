"""A WebSocket peer in another process, for fault tests: `python tests/peer_server.py MODE`.

Prints its port on the first line, then serves until killed or its stdin closes.
  stream        numbered JSON messages {"seq": N} to each client, 2,000 a second, until killed
  invalid-utf8  one text frame whose payload is not UTF-8
  garbage       not WebSocket at all: answers every connection with a line of text
"""

from __future__ import annotations

import asyncio
import sys

from websockets.asyncio.server import Server, ServerConnection, serve


async def stream(websocket: ServerConnection) -> None:
    seq = 0
    while True:
        for _ in range(20):
            await websocket.send(f'{{"seq": {seq}}}')
            seq += 1
        await asyncio.sleep(0.01)  # noqa: sleep-ok - paces the stream, synchronises nothing


async def invalid_utf8(websocket: ServerConnection) -> None:
    await websocket.send(b'{"name": "caf\xe9"}', text=True)  # Latin-1, not UTF-8
    await websocket.wait_closed()


async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read(4096)
    writer.write(b"SSH-2.0-OpenSSH_9.2 not a web server\r\n\r\n")
    await writer.drain()
    writer.close()


async def main(mode: str) -> None:
    server: asyncio.Server | Server
    if mode == "garbage":
        server = await asyncio.start_server(garbage, "127.0.0.1", 0)
    else:
        handler = {"stream": stream, "invalid-utf8": invalid_utf8}[mode]
        server = await serve(handler, "127.0.0.1", 0, compression=None)
    print(server.sockets[0].getsockname()[1], flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until stdin closes
    server.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))

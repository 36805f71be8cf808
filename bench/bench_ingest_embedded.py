"""ingest_embedded: 150-byte JSON from the embedded server's /ws/stream into the running window.

Server, inspector and GUI share one process (and its GIL), so the baseline is a bare
in-process pair: a `websockets` server thread and a `websockets` client, same message size.
"""

from __future__ import annotations

import asyncio
import socket
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import report, window_ingest
from bench.stream_server import message

COUNT = 100_000
SIZE = 150


def bare_pair_rate(count: int, size: int) -> float:
    """A `websockets` server on its own thread and loop, read by a client on this thread."""
    from websockets.asyncio.client import connect
    from websockets.asyncio.server import serve

    template = message(0, size)
    ready = threading.Event()
    port: list[int] = []
    done: list[asyncio.Future[None]] = []

    async def handler(websocket) -> None:
        for _ in range(count):
            await websocket.send(template)
        await websocket.close()

    async def serve_until_done() -> None:
        async with serve(handler, "127.0.0.1", 0, compression=None, max_size=None) as server:
            port.append(server.sockets[0].getsockname()[1])
            done.append(asyncio.get_running_loop().create_future())
            ready.set()
            await done[0]

    server_loop = asyncio.new_event_loop()
    thread = threading.Thread(target=server_loop.run_until_complete, args=(serve_until_done(),),
                              name="bench-server", daemon=True)
    thread.start()
    assert ready.wait(10)

    async def read() -> float:
        async with connect(f"ws://127.0.0.1:{port[0]}/", compression=None, max_size=None) as ws:
            await ws.recv()
            started = time.perf_counter()
            received = 1
            async for _ in ws:
                received += 1
            assert received == count, received
            return (count - 1) / (time.perf_counter() - started)

    try:
        return asyncio.run(read())
    finally:
        server_loop.call_soon_threadsafe(done[0].set_result, None)
        thread.join(10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    baseline = bare_pair_rate(COUNT, SIZE)
    port = free_port()
    url = f"ws://127.0.0.1:{port}/ws/stream?rate=1000000&count={COUNT}&size={SIZE}"
    window = window_ingest(["--port", str(port), "--connect", url], COUNT)
    report("ingest_embedded_baseline", baseline, "msgs/s")
    report("ingest_embedded", window["rate"], "msgs/s")
    report("ingest_embedded_ratio", window["rate"] / baseline, "x")
    report("ingest_embedded_loop_gap_p99", window["p99"], "ms")
    report("ingest_embedded_loop_gap_max", window["worst"], "ms")


if __name__ == "__main__":
    main()

"""The embedded server's corked transport: writes of one turn of the loop leave together, in order."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from app.net.loop_thread import LoopThread
from embedded_server.protocol import CORK_LIMIT, CorkedTransport


def run_on_a_loop_thread[T](coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` on a loop of its own thread (the test process's main thread may have a running loop)."""
    loop_thread = LoopThread("test-corked-transport")
    loop_thread.start()
    try:
        return loop_thread.submit(coro).result(10)
    finally:
        assert loop_thread.stop(5)


class CountedWrites:
    """A real transport whose writes are also noted, to see how many reach it."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))
        self.transport.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.transport, name)


async def corked_to(peer: Any) -> tuple[asyncio.Server, asyncio.Transport, CountedWrites, CorkedTransport]:
    """A loopback server running `peer`, and a corked transport to it whose writes are counted."""
    server = await asyncio.start_server(peer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    transport, _ = await asyncio.get_running_loop().create_connection(asyncio.Protocol, "127.0.0.1", port)
    counted = CountedWrites(transport)
    return server, transport, counted, CorkedTransport(counted)  # type: ignore[arg-type]


def test_writes_of_one_turn_leave_in_one_write_in_order_and_closing_flushes_first() -> None:
    async def run() -> tuple[list[bytes], bytes, int]:
        received = bytearray()
        ended = asyncio.Event()

        async def peer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            received.extend(await reader.read())  # until the other end closes
            ended.set()
            writer.close()

        server, transport, counted, corked = await corked_to(peer)
        for piece in (b"one ", b"two ", b"three "):
            corked.write(piece)
        buffered = corked.get_write_buffer_size()
        await asyncio.sleep(0)  # noqa: sleep-ok - yields one turn of the loop, where the flush is scheduled
        corked.write(b"four")
        corked.close()  # flushes what is pending before closing
        await asyncio.wait_for(ended.wait(), 5)
        server.close()
        await server.wait_closed()
        return counted.writes, bytes(received), buffered

    writes, received, buffered = run_on_a_loop_thread(run())
    assert writes == [b"one two three ", b"four"]
    assert received == b"one two three four"
    assert buffered == len(b"one two three ")


def test_past_the_cork_limit_writes_go_through_at_once_so_flow_control_still_sees_them() -> None:
    async def run() -> tuple[list[int], int]:
        async def peer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.read()  # until the other end goes
            writer.close()

        server, transport, counted, corked = await corked_to(peer)
        piece = bytes(CORK_LIMIT // 4)
        for _ in range(6):
            corked.write(piece)
        held = corked.get_write_buffer_size() - transport.get_write_buffer_size()
        corked.abort()
        server.close()
        await server.wait_closed()
        return [len(data) for data in counted.writes], held

    writes, held = run_on_a_loop_thread(run())
    assert writes == [CORK_LIMIT]  # the fourth piece reached the limit: written before the turn ended
    assert held == 2 * (CORK_LIMIT // 4)

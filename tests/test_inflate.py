"""Compressed messages: inflated exactly, refused past the limit without holding it twice or after the close."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from typing import Any

import pytest

from app.core.frames import ConnectionState, Direction, Opcode, StateChange
from app.net.inflate import SLICE
from app.net.inspector import Inspector
from app.net.options import ConnectionOptions
from tests.helpers import REPO, WaitableQueue
from tests.raw_peer import RawPeer, deflated_zeros, frame, sends_then_drops
from tests.ws_server import WsTestServer

MiB = 1024 * 1024


def closed(events: WaitableQueue, connection: str) -> StateChange:
    return events.wait_for(lambda seen: [s for s in seen if isinstance(s, StateChange) and s.connection == connection
                                         and s.state == ConnectionState.CLOSED], timeout=15)[-1]


def test_compressed_messages_of_every_size_arrive_exactly(inspector: Inspector, events: WaitableQueue) -> None:
    server = WsTestServer(compression="deflate").start()
    rng = random.Random(12)
    words = ["alpha", "beta", "gamma", "δέλτα", "{", "}", "[1,2]", "\"x\":", "null"]
    try:
        connection = inspector.new_connection(ConnectionOptions(server.url(), compression=True))
        inspector.submit_open(connection).result(5)
        messages: list[str | bytes] = []
        for size in (0, 1, 2043, 2044, SLICE - 1, SLICE, SLICE + 1, 3 * SLICE + 7):
            text = " ".join(rng.choice(words) for _ in range(size // 4 + 1))[:size]
            messages.append(text)
            inspector.submit_send(connection.id, text).result(10)
        inspector.submit_send(connection.id, bytes(range(256)) * 9000).result(10)  # binary, 2.2 MB
        messages.append(bytes(range(256)) * 9000)
        received = events.wait_for(lambda _: len(got := [f.payload for f in events.frames(connection.id)
                                                          if f.direction == Direction.RECEIVED
                                                          and f.opcode in (Opcode.TEXT, Opcode.BINARY)])
                                   == len(messages) and got, timeout=20)
        assert received == messages  # context kept across messages, slices joined at every boundary
        assert all(type(payload) in (str, bytes) for payload in received)
    finally:
        server.stop()


@pytest.mark.parametrize(("inflated", "refused"), [(MiB, False), (MiB + 1, True)])
def test_the_limit_is_exact(inspector: Inspector, events: WaitableQueue, inflated: int, refused: bool) -> None:
    with RawPeer(sends_then_drops(frame(2, deflated_zeros(inflated), compressed=True)),
                 extensions=b"permessage-deflate") as peer:
        connection = inspector.new_connection(ConnectionOptions(peer.url, max_size=MiB, compression=True))
        inspector.submit_open(connection).result(5)
        if refused:
            assert closed(events, connection.id).detail.startswith("closed by the client with 1009")
        else:
            got = events.wait_for(lambda _: [f for f in events.frames(connection.id) if f.opcode == Opcode.BINARY])
            assert got[0].payload == bytes(inflated)


def probe(limit_mib: int, shape: str) -> dict[str, Any]:
    result = subprocess.run([sys.executable, "-m", "tests.inflate_memory_probe", str(limit_mib), "3", shape],
                            cwd=REPO, capture_output=True, text=True, timeout=50)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_refused_message_is_never_held_twice_nor_after_the_close() -> None:
    limit = 64
    report = probe(limit, "single")
    before, after, peak = report["before"], report["after"], report["peak"]
    assert report["closes"] == ["closed by the client with 1009: frame exceeds limit of 67108864 bytes"] * 3
    assert max(after) - before < limit / 4, report  # given back at the close, garbage collection off
    assert peak - before < 1.25 * limit, report  # inflated once, within the limit, never joined into a copy


def test_the_fragments_of_a_refused_message_are_let_go_at_the_close() -> None:
    limit = 64
    report = probe(limit, "fragments")
    assert len(report["closes"]) == 3 and all("1009" in close for close in report["closes"])
    assert report["after"][-1] - report["before"] < limit, report  # not 64 MiB more for each refused message

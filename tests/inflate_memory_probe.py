"""Memory of a process that refuses compressed messages inflating past its limit.

`python -m tests.inflate_memory_probe MiB N single|fragments` runs as the window does
(automatic garbage collection off), has the inspector refuse N such messages, one per
connection, from a hand-written server (one frame, or five fragments of a quarter of the
limit each), and prints as JSON the resident memory before, after each close (no
collection in between) and at its peak, in MiB.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import zlib

from app.core.frames import ConnectionState, StateChange
from app.net.inspector import Inspector
from app.net.options import ConnectionOptions
from tests.helpers import WaitableQueue
from tests.raw_peer import RawPeer, deflated_zeros, frame, sends_then_drops

MiB = 1024 * 1024


def resident() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MiB


def fragments(total: int, count: int) -> bytes:
    """A binary message of `total` zero bytes in `count` compressed fragments."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    wire = []
    for index in range(count):
        last = index == count - 1
        data = compressor.compress(bytes(total // count)) + compressor.flush(zlib.Z_SYNC_FLUSH)
        wire.append(frame(2 if index == 0 else 0, data[:-4] if last else data, compressed=index == 0, fin=last))
    return b"".join(wire)


def peak_resident() -> float:
    """This process's high-water mark (VmHWM: unlike ru_maxrss, it does not count the parent's memory at fork)."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def main(limit_mib: int, tries: int, shape: str) -> None:
    gc.disable()
    limit = limit_mib * MiB
    if shape == "single":
        bomb = frame(2, deflated_zeros(limit + MiB), compressed=True)
    else:
        bomb = fragments(limit + limit // 4, 5)
    events = WaitableQueue()
    inspector = Inspector(events)
    inspector.start()
    report: dict[str, object] = {"before": resident(), "after": [], "closes": []}
    with RawPeer(sends_then_drops(bomb), extensions=b"permessage-deflate") as peer:
        for _ in range(tries):
            connection = inspector.new_connection(ConnectionOptions(peer.url, max_size=limit, compression=True))
            inspector.submit_open(connection).result(5)
            closed = events.wait_for(lambda seen: [s for s in seen if isinstance(s, StateChange)
                                                   and s.connection == connection.id
                                                   and s.state == ConnectionState.CLOSED], timeout=30)
            events.seen.clear()
            events.drain()
            report["closes"].append(closed[-1].detail)  # type: ignore[attr-defined]
            report["after"].append(resident())  # type: ignore[attr-defined]
    report["peak"] = peak_resident()
    inspector.stop()
    print(json.dumps(report))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3])

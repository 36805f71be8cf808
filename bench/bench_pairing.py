"""pairing_1m: 1,000,000 JSON-RPC requests and their replies decoded and paired in the shown window.

A thread queues the frames as a client thread would, at up to RATE frames a second; the window
drains them through its ingest path while the event loop runs, and the protocol tracker decodes
and pairs in its time-sliced steps. Figures: the time
from the first batch until every pair is made, the worst lateness of a 5 ms QTimer meanwhile (the
issue's bound: no stall over 100 ms), the bytes the tracker keeps per message (its per-row arrays;
the pending table is empty once every reply is in), and, for a connection that never replies,
how many requests wait at most (the bounded table).
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import LoopGapMeter, note, report, run_qt_until

PAIRS = 1_000_000
RATE = 100_000  # frames a second, in chunks of CHUNK
CHUNK = 1_000


def feed(queue, frames: Iterator) -> None:
    """Put `frames` on the queue at RATE, as a network thread would: each made just before it is queued,
    so no million frames wait at once (the garbage collector would walk them all)."""
    started, sent = time.perf_counter(), 0
    for frame in frames:
        queue.put(frame)
        sent += 1
        if sent % CHUNK == 0:
            ahead = started + sent / RATE - time.perf_counter()
            if ahead > 0:
                time.sleep(ahead)


def frames(connection: str, count: int, answered: bool) -> Iterator:
    from app.core.frames import Direction, Frame, Opcode, Side

    opened = json.dumps({"url": "ws://127.0.0.1:1/rpc", "subprotocol": "jsonrpc"})
    yield Frame(connection, Side.CLIENT, Direction.EVENT, Opcode.OPEN, opened, 0, 0.0)
    for n in range(count):
        at = 1.0 + n * 0.001
        yield Frame(connection, Side.CLIENT, Direction.SENT, Opcode.TEXT,
                    f'{{"jsonrpc":"2.0","method":"add","params":[{n},1],"id":{n}}}', wall_time=at)
        if answered:
            yield Frame(connection, Side.CLIENT, Direction.RECEIVED, Opcode.TEXT,
                        f'{{"jsonrpc":"2.0","result":{n + 1},"id":{n}}}', wall_time=at + 0.0005)


def main() -> None:
    from PySide6.QtWidgets import QApplication

    from app.main import build

    app = QApplication([])
    window = build(["--no-server", "--memory-budget", "4G"])
    window.show()
    app.processEvents()
    total = 1 + 2 * PAIRS
    meter = LoopGapMeter()
    protocols = window.capture.protocols
    queue = window.session.queue
    producer = threading.Thread(target=feed, args=(queue, frames("client#1", PAIRS, answered=True)), daemon=True)
    meter.reset()
    started = time.perf_counter()
    producer.start()
    done = run_qt_until(lambda: window.store.end == total and len(queue) == 0 and protocols.caught_up, 600)
    elapsed = time.perf_counter() - started
    meter.stop()
    assert done, "decoding did not catch up"
    last_reply = window.store.end - 1
    assert protocols.partner(last_reply) == last_reply - 1
    per_row = sum(a.buffer_info()[1] * a.itemsize for a in (protocols.flags, protocols.partners, protocols.latencies))
    note(f"{total:,} frames; {len(meter.gaps)} timer ticks; pending now {protocols.pending_count}")
    report("pairing_1m_time", elapsed, "s")
    report("pairing_1m_max_stall", meter.worst, "ms")
    report("pairing_1m_loop_gap_p99", meter.p99, "ms")
    report("pairing_1m_bytes_per_message", per_row / total, "B")
    report("pairing_1m_pending_after", protocols.pending_count, "requests")

    producer = threading.Thread(target=feed, args=(queue, frames("client#2", 300_000, answered=False)), daemon=True)
    producer.start()
    run_qt_until(lambda: not producer.is_alive() and len(queue) == 0 and protocols.caught_up, 600)
    report("pairing_unanswered_300k_pending_kept", protocols.pending_count, "requests")
    window.shutdown()


if __name__ == "__main__":
    main()

"""ingest_external: 150-byte JSON from a server in another process into the running window.

Baseline: a bare `websockets` client reading the same stream in the same run.
GUI responsiveness: the lateness of a 5 ms QTimer while the stream is ingested.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

COUNT = 200_000
SIZE = 150


def start_server(count: int, size: int) -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("stream_server.py")), str(count), str(size)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert process.stdout is not None
    return process, int(process.stdout.readline())


def bare_client_rate(port: int, count: int) -> float:
    from websockets.asyncio.client import connect

    async def run() -> float:
        async with connect(f"ws://127.0.0.1:{port}/", compression=None, max_size=None) as ws:
            started = time.perf_counter()
            received = 0
            async for _ in ws:
                received += 1
            assert received == count, received
            return count / (time.perf_counter() - started)

    return asyncio.run(run())


def window_rate(port: int, count: int) -> tuple[float, float, float]:
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from app.core.frames import Direction, Opcode
    from app.main import build

    app = QApplication([])
    window = build(["--no-server", "--connect", f"ws://127.0.0.1:{port}/"])
    window.show()
    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed()]

    def tick() -> None:
        now = clock.nsecsElapsed()
        gaps.append(max(0.0, (now - last[0]) / 1e6 - 5.0))
        last[0] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    timer.start()

    def received() -> int:
        return window.store.received_count

    deadline = time.monotonic() + 120
    while received() == 0 and time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
    gaps.clear()
    started = time.perf_counter()
    first = received()
    while received() < count and time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
    elapsed = time.perf_counter() - started
    texts = sum(1 for r in range(len(window.store)) if window.store.opcodes[r] == Opcode.TEXT
                and window.store.directions[r] == Direction.RECEIVED)
    assert texts == count, f"lost messages: {texts} of {count}"
    window.shutdown()
    print(f"# {len(gaps)} timer ticks measured, {first} messages before timing", file=sys.stderr)
    gaps.sort()
    p99 = gaps[int(len(gaps) * 0.99)] if gaps else 0.0
    return (count - first) / elapsed, p99, gaps[-1] if gaps else 0.0


def main() -> None:
    server, port = start_server(COUNT, SIZE)
    try:
        baseline = bare_client_rate(port, COUNT)
        rate, p99, worst = window_rate(port, COUNT)
    finally:
        server.stdin.close()  # type: ignore[union-attr]
        server.wait(10)
    print(f"BENCH ingest_external_baseline {baseline:.0f} msgs/s")
    print(f"BENCH ingest_external {rate:.0f} msgs/s")
    print(f"BENCH ingest_external_ratio {rate / baseline:.2f} x")
    print(f"BENCH ingest_external_loop_gap_p99 {p99:.1f} ms")
    print(f"BENCH ingest_external_loop_gap_max {worst:.1f} ms")


if __name__ == "__main__":
    main()

"""recording: the ingest stream of bench_ingest with continuous recording on.

Figures: window ingest rate while recording, GUI timer lateness (p99), the
recorder's standalone write rate, and how long after the last frame arrived
the file held every frame.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_ingest import COUNT, SIZE
from bench.common import StreamServer


def recorder_rate(path: Path, count: int) -> float:
    from app.core.frames import Direction, Frame, Opcode, Side
    from app.services.recorder import Recorder

    frames = [Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, "x" * SIZE) for _ in range(count)]
    recorder = Recorder(path)
    recorder.start()
    started = time.perf_counter()
    recorder.extend(frames)
    recorder.stop(120)
    assert recorder.frames_written == count
    return count / (time.perf_counter() - started)


def window_rate(port: int, count: int, path: Path) -> tuple[float, float, float]:
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from app.main import build

    app = QApplication([])
    window = build(["--no-server", "--connect", f"ws://127.0.0.1:{port}/", "--record", str(path)])
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
    recorder = window.capture_controls.recorder
    assert recorder is not None
    deadline = time.monotonic() + 180
    while window.store.received_count == 0 and time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
    gaps.clear()
    started = time.perf_counter()
    first = window.store.received_count
    while window.store.received_count < count and time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
    elapsed = time.perf_counter() - started
    arrived = time.perf_counter()
    stored = len(window.store)
    while recorder.frames_written < stored and time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
    lag = time.perf_counter() - arrived
    timer.stop()
    window.shutdown()
    gaps.sort()
    p99 = gaps[int(len(gaps) * 0.99)] if gaps else 0.0
    return (count - first) / elapsed, p99, lag


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        standalone = recorder_rate(Path(folder) / "standalone.jsonl", COUNT)
        with StreamServer(COUNT, SIZE) as server:
            rate, p99, lag = window_rate(server.port, COUNT, Path(folder) / "window.jsonl")
    print(f"BENCH recorder_write_rate {standalone:.0f} frames/s")
    print(f"BENCH ingest_recording {rate:.0f} msgs/s")
    print(f"BENCH ingest_recording_loop_gap_p99 {p99:.1f} ms")
    print(f"BENCH recording_lag_after_last_frame {lag * 1000:.0f} ms")


if __name__ == "__main__":
    main()

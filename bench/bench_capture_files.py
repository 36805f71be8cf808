"""capture_files: export and import of 200,000 150-byte JSON frames, as JSONL and as HAR.

Rates in frames per second of wall time (the work runs on one worker thread in the app).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.core.capture import CaptureStore
from app.core.capture_files import export_capture, read_capture
from app.core.frames import Direction, Frame, Opcode, Side

COUNT = 200_000


def main() -> None:
    payload = json.dumps({"type": "tick", "seq": 0, "price": 101.25, "symbol": "ABC", "pad": "x" * 80})
    store = CaptureStore()
    store.extend(Frame(f"client#{i % 4 + 1}", Side.CLIENT, Direction.RECEIVED if i % 3 else Direction.SENT,
                       Opcode.TEXT, payload, -1, 1.7e9 + i / 1000) for i in range(COUNT))
    with tempfile.TemporaryDirectory() as directory:
        for suffix in ("jsonl", "har"):
            path = Path(directory) / f"capture.{suffix}"
            started = time.perf_counter()
            export_capture(path, store)
            exported = time.perf_counter() - started
            started = time.perf_counter()
            frames, report = read_capture(path)
            imported = time.perf_counter() - started
            assert len(frames) == COUNT and report.clean
            print(f"BENCH export_{suffix} {COUNT / exported:.0f} frames/s")
            print(f"BENCH import_{suffix} {COUNT / imported:.0f} frames/s")
            print(f"BENCH file_size_{suffix} {path.stat().st_size / COUNT:.0f} bytes/frame")


if __name__ == "__main__":
    main()

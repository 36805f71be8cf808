"""How long one persistence write holds the calling (GUI) thread: each is its own committed transaction.

    python -m bench.bench_persistence [N]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from app.services.persistence import Persistence


def main(count: int = 2000) -> None:
    with tempfile.TemporaryDirectory() as directory:
        store = Persistence(Path(directory) / "bench.sqlite3")
        payload = '{"action": "subscribe", "topic": "prices", "pad": "%s"}' % ("x" * 400)
        for name, write in (("record_sent", lambda i: store.record_sent(payload, "client#1")),
                            ("save_payload", lambda i: store.save_payload(f"p{i % 50}", payload, "a b"))):
            times = []
            for i in range(count):
                start = time.perf_counter()
                write(i)
                times.append((time.perf_counter() - start) * 1000)
            times.sort()
            print(f"{name}: n={count} median {statistics.median(times):.3f} ms, "
                  f"p99 {times[int(count * 0.99)]:.3f} ms, max {times[-1]:.3f} ms")
        start = time.perf_counter()
        store.history(limit=500)
        print(f"history(limit=500) read: {(time.perf_counter() - start) * 1000:.3f} ms")
        store.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)

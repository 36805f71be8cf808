"""large_messages: 1 MiB and 16 MiB JSON messages end to end into the window's store.

Server in another process (bench/stream_server.py) → inspector → store, the window shown;
baseline: a bare `websockets` client reading the same stream in the same round. One read of 200 MiB
lasts under half a second, so the bare client's rate alone moved by a factor of two between runs:
each case now reads 500 MiB (256 MiB for 16 MiB messages) in ROUNDS rounds, the bare client and the window
alternating, and reports the medians.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import StreamServer, bare_client_rate, note, report, window_ingest

MIB = 1024 * 1024
CASES = {"1mib": (MIB, 500), "16mib": (16 * MIB, 16)}  # name: (size, count)
ROUNDS = 3


def one_round(size: int, count: int) -> tuple[float, float]:
    """(the bare client's bytes/s, the window's bytes/s) on one stream each."""
    with StreamServer(count, size) as server:
        _, baseline = bare_client_rate(server.url, count)
    with StreamServer(count, size) as server:
        window = window_ingest(["--no-server", "--connect", server.url], count)
    return baseline, window["rate"] * size


def main() -> None:
    for name, (size, count) in CASES.items():
        rounds = [one_round(size, count) for _ in range(ROUNDS)]
        ratios = sorted(window / baseline for baseline, window in rounds)
        note(f"{name} ratios: " + ", ".join(f"{ratio:.2f}" for ratio in ratios))
        report(f"large_messages_{name}_baseline", statistics.median(b for b, _ in rounds) / MIB, "MiB/s")
        report(f"large_messages_{name}", statistics.median(w for _, w in rounds) / MIB, "MiB/s")
        report(f"large_messages_{name}_ratio", statistics.median(ratios), "x")


if __name__ == "__main__":
    main()

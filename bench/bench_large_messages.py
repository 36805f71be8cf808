"""large_messages: 1 MiB and 16 MiB JSON messages end to end into the window's store.

Server in another process (bench/stream_server.py) → inspector → store, the window shown;
baseline: a bare `websockets` client reading the same stream in the same run.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import StreamServer, bare_client_rate, report, window_ingest

MIB = 1024 * 1024
CASES = {"1mib": (MIB, 200), "16mib": (16 * MIB, 16)}  # name: (size, count)


def main() -> None:
    for name, (size, count) in CASES.items():
        with StreamServer(count, size) as server:
            _, baseline = bare_client_rate(server.url, count)
            window = window_ingest(["--no-server", "--connect", server.url], count)
        throughput = window["rate"] * size
        report(f"large_messages_{name}_baseline", baseline / MIB, "MiB/s")
        report(f"large_messages_{name}", throughput / MIB, "MiB/s")
        report(f"large_messages_{name}_ratio", throughput / baseline, "x")


if __name__ == "__main__":
    main()

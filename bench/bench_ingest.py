"""ingest_external: 150-byte JSON from a server in another process into the running window.

Baseline: a bare `websockets` client reading the same stream in the same run.
GUI responsiveness: the lateness of a 5 ms QTimer while the stream is ingested.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import StreamServer, bare_client_rate, report, window_ingest

COUNT = 200_000
SIZE = 150


def main() -> None:
    with StreamServer(COUNT, SIZE) as server:
        baseline, _ = bare_client_rate(server.url, COUNT)
        window = window_ingest(["--no-server", "--connect", server.url], COUNT)
    report("ingest_external_baseline", baseline, "msgs/s")
    report("ingest_external", window["rate"], "msgs/s")
    report("ingest_external_ratio", window["rate"] / baseline, "x")
    report("ingest_external_loop_gap_p99", window["p99"], "ms")
    report("ingest_external_loop_gap_max", window["worst"], "ms")


if __name__ == "__main__":
    main()

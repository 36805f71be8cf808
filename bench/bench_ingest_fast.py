"""ingest_external_fast: the stream of bench_ingest from the fast server (Node `ws`), into the window.

bench/stream_server.py is itself the bottleneck of `ingest_external_ratio` (and sends faster to the
window than to the bare client, its writes batched); here the server outpaces every reader (see
`fast_server_headroom`), so the ratio to a bare `websockets` client (W) on the same server, in the same
run, measures the reading. The stream is five times longer than bench_ingest's (1,000,000 messages, three to
five seconds): a 5 ms timer then ticks some 400 to 700 times, so the loop gap's p99 is a percentile rather than the
run's one or two worst gaps (the max is reported beside it).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_ingest import SIZE
from bench.common import FastStreamServer, bare_client_rate, report, window_ingest

COUNT = 1_000_000


def main() -> None:
    with FastStreamServer(COUNT, SIZE) as server:
        print(f"# fast server: {server.kind}", flush=True)
        baseline, _ = bare_client_rate(server.url, COUNT)
        window = window_ingest(["--no-server", "--connect", server.url], COUNT)
    report("ingest_external_fast_baseline", baseline, "msgs/s")
    report("ingest_external_fast", window["rate"], "msgs/s")
    report("ingest_external_fast_ratio", window["rate"] / baseline, "x")
    report("ingest_external_fast_loop_gap_p99", window["p99"], "ms")
    report("ingest_external_fast_loop_gap_max", window["worst"], "ms")


if __name__ == "__main__":
    main()

"""fast_server: is the fast stream server really faster than the readers it serves? And the peers on it.

The server alone is read by the fastest reader here (a raw socket walking frame headers, or a bare Node
`ws` client, whichever is faster); W is a bare `websockets` client on the same server, the baseline of
every `*_fast_ratio`. Below 1.5× W, those ratios would measure the server rather than the reader: the
script says so. Peers (websocat, a bare Node `ws` client) are compared with W on the fast server and on
bench/stream_server.py, in the same run.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_ingest import COUNT, SIZE
from bench.common import (
    FastStreamServer,
    StreamServer,
    bare_client_rate,
    node_reader_rate,
    raw_reader_rate,
    report,
    websocat_rate,
)

HEADROOM_NEEDED = 1.5


def peers(server: StreamServer, baseline: float, suffix: str) -> None:
    for name, measure in (("websocat", websocat_rate), ("node_ws", node_reader_rate)):
        rate = measure(server.url, COUNT)
        if rate is None:
            print(f"# peer {name} not installed: no peer_{name}{suffix} figures", flush=True)
            continue
        report(f"peer_{name}{suffix}", rate, "msgs/s")
        report(f"peer_{name}{suffix}_ratio", rate / baseline, "x")


def main() -> None:
    with FastStreamServer(COUNT, SIZE) as server:
        print(f"# fast server: {server.kind}", flush=True)
        baseline, _ = bare_client_rate(server.url, COUNT)
        alone = max(raw_reader_rate(server.url, COUNT), node_reader_rate(server.url, COUNT) or 0.0)
        report("fast_server_alone", alone, "msgs/s")
        report("fast_server_baseline", baseline, "msgs/s")
        report("fast_server_headroom", alone / baseline, "x")
        if alone < HEADROOM_NEEDED * baseline:
            print(f"# WARNING: the fast server alone reaches only {alone / baseline:.2f}x the bare client "
                  f"(needs {HEADROOM_NEEDED}x): every *_fast_ratio of this run measures the server, not the reader",
                  flush=True)
        else:
            print(f"# the fast server alone outpaces the bare client {alone / baseline:.1f}x: "
                  f"the *_fast_ratio figures measure the readers", flush=True)
        peers(server, baseline, "_fast")
    with StreamServer(COUNT, SIZE) as server:
        baseline, _ = bare_client_rate(server.url, COUNT)
        report("peer_baseline_python_server", baseline, "msgs/s")
        peers(server, baseline, "_python_server")


if __name__ == "__main__":
    main()

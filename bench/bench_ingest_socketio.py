"""ingest_socketio: a Socket.IO event stream from another process into the running window, decoded.

The window ingests 150-byte plain JSON messages from bench/stream_server.py and 150-byte Socket.IO
events (`42["tick",{…}]`) from bench/socketio_stream_server.py, which the inspector speaks to (open
packet, namespace connect) and the protocol tracker decodes: ROUNDS (5) rounds, alternating, each in a
fresh window. Both servers are Python and near the window's own rate, so one pair of runs moves by
±10 %; the figure is the median of the rounds' ratios (the issue's bound: at least 0.9).
`ingest_socketio_fast_ratio` takes both streams from the fast server (Node `ws`, which speaks the
Engine.IO handshake on a `/socket.io/` path), so the window, not the server, sets the pace.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, FastStreamServer, StreamServer, node_env, note, report, window_ingest

COUNT = 200_000
SIZE = 150
ROUNDS = 5


def one_round() -> tuple[float, dict[str, float]]:
    with StreamServer(COUNT, SIZE) as plain:
        json_rate = window_ingest(["--no-server", "--connect", plain.url], COUNT)
    command = [sys.executable, str(REPO / "bench" / "socketio_stream_server.py")]
    with StreamServer(COUNT, SIZE, command=command) as server:
        url = f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket"
        socketio = window_ingest(["--no-server", "--connect", url], COUNT + 2)  # the open packet and connect too
    return json_rate["rate"], socketio


def one_fast_round() -> tuple[float, dict[str, float]]:
    """Both streams from the one fast server (Node `ws`), which outpaces the window: what decoding costs."""
    with FastStreamServer(COUNT, SIZE) as fast:
        json_rate = window_ingest(["--no-server", "--connect", fast.url], COUNT)
        url = f"ws://127.0.0.1:{fast.port}/socket.io/?EIO=4&transport=websocket"
        socketio = window_ingest(["--no-server", "--connect", url], COUNT + 2)
    return json_rate["rate"], socketio


def main() -> None:
    if node_env() is not None:
        fast = [one_fast_round() for _ in range(ROUNDS)]
        fast_ratios = sorted(socketio["rate"] / json_rate for json_rate, socketio in fast)
        note("fast server ratios: " + ", ".join(f"{ratio:.2f}" for ratio in fast_ratios))
        report("ingest_socketio_fast", statistics.median(socketio["rate"] for _, socketio in fast), "msgs/s")
        report("ingest_socketio_fast_ratio", statistics.median(fast_ratios), "x")
        report("ingest_socketio_fast_loop_gap_p99", max(socketio["p99"] for _, socketio in fast), "ms")
    else:
        note("Node or its ws package is missing (make venv installs them): no fast-server figure")
    rounds = [one_round() for _ in range(ROUNDS)]
    ratios = sorted(socketio["rate"] / json_rate for json_rate, socketio in rounds)
    note("ratios: " + ", ".join(f"{ratio:.2f}" for ratio in ratios))
    report("ingest_socketio_json", statistics.median(json_rate for json_rate, _ in rounds), "msgs/s")
    report("ingest_socketio", statistics.median(socketio["rate"] for _, socketio in rounds), "msgs/s")
    report("ingest_socketio_ratio", statistics.median(ratios), "x")
    report("ingest_socketio_loop_gap_p99", max(socketio["p99"] for _, socketio in rounds), "ms")


if __name__ == "__main__":
    main()

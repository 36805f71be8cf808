"""ingest_socketio: a Socket.IO event stream from another process into the running window, decoded.

The same window ingests, in one run, 150-byte plain JSON messages from bench/stream_server.py
and 150-byte Socket.IO events (`42["tick",{…}]`) from bench/socketio_stream_server.py, which the
inspector speaks to (open packet, namespace connect) and the protocol tracker decodes. The ratio
of the two rates is what decoding costs (the issue's bound: at least 0.9).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, StreamServer, report, window_ingest

COUNT = 200_000
SIZE = 150


def main() -> None:
    with StreamServer(COUNT, SIZE) as plain:
        json_rate = window_ingest(["--no-server", "--connect", plain.url], COUNT)
    command = [sys.executable, str(REPO / "bench" / "socketio_stream_server.py")]
    with StreamServer(COUNT, SIZE, command=command) as server:
        url = f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket"
        socketio = window_ingest(["--no-server", "--connect", url], COUNT + 2)  # the open packet and connect too
    report("ingest_socketio_json", json_rate["rate"], "msgs/s")
    report("ingest_socketio", socketio["rate"], "msgs/s")
    report("ingest_socketio_ratio", socketio["rate"] / json_rate["rate"], "x")
    report("ingest_socketio_loop_gap_p99", socketio["p99"], "ms")


if __name__ == "__main__":
    main()

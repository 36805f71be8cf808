"""Continuous recording: every frame appended to a JSONL capture as it arrives.

Producers (the GUI thread's drain, the server tap in `serve`) only hand frames
over: `extend`/`append` are a deque operation. A writer thread of its own
serialises them (app.core.jsonl) and flushes the file to the operating system at
least every `flush_interval`, so a process killed outright loses at most the
frames of the last interval. A failed write (disk full, file removed from under
us, quota) stops recording with a message; what was flushed before stays intact.
"""

from __future__ import annotations

import collections
import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TextIO

from app.core import jsonl
from app.core.frames import Frame

FLUSH_INTERVAL = 0.25  # seconds
_CHUNK = 5_000  # frames serialised between checks of the flush deadline


class RecordingError(OSError):
    """The capture file could not be opened for appending."""


class Recorder:
    """Appends frames to one JSONL file on its own writer thread."""

    def __init__(self, path: str | os.PathLike[str], *, flush_interval: float = FLUSH_INTERVAL,
                 on_error: Callable[[str], None] | None = None) -> None:
        self.path = Path(path)
        self.flush_interval = flush_interval
        self._on_error = on_error
        self._pending: collections.deque[Frame] = collections.deque()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._file: TextIO | None = None
        self.frames_written = 0  # flushed to the operating system
        self.error: str | None = None

    # -- any thread ----------------------------------------------------------------------------

    def start(self) -> None:
        """Open the file (appending if it exists) and start the writer; `RecordingError` if it cannot."""
        try:
            self._file = _open_for_append(self.path)
        except OSError as error:
            raise RecordingError(error.errno, f"Cannot record to {self.path}: {error.strerror or error}") from None
        self._thread = threading.Thread(target=self._run, name="socketscope-recorder", daemon=True)
        self._thread.start()

    def extend(self, frames: Iterable[Frame]) -> None:
        """Queue frames for writing; cheap enough for the GUI thread. Dropped once recording failed."""
        if self.error is None:
            self._pending.extend(frames)

    def append(self, frame: Frame) -> None:
        if self.error is None:
            self._pending.append(frame)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stopping.is_set()

    @property
    def backlog(self) -> int:
        return len(self._pending)

    def stop(self, timeout: float = 10.0) -> bool:
        """Write what is queued, flush, close; True if the writer finished in time."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    # -- the writer thread ---------------------------------------------------------------------

    def _run(self) -> None:
        out = self._file
        assert out is not None
        try:
            while True:
                stopping = self._stopping.is_set()
                if not self._write_pending(out):
                    return
                if stopping:
                    break
                self._wake.wait(self.flush_interval)
                self._wake.clear()
        finally:
            self._close(out)

    def _write_pending(self, out: TextIO) -> bool:
        """Write and flush everything queued; False (and recording stopped) on a write error."""
        pending = self._pending
        popleft = pending.popleft
        to_line = jsonl.frame_to_line
        last_flush = time.monotonic()
        written = 0
        try:
            while pending:
                lines = [to_line(popleft()) + "\n" for _ in range(min(_CHUNK, len(pending)))]
                out.write("".join(lines))
                written += len(lines)
                if time.monotonic() - last_flush >= self.flush_interval:
                    out.flush()
                    self.frames_written += written
                    written, last_flush = 0, time.monotonic()
            out.flush()
            self.frames_written += written
            return True
        except (OSError, ValueError) as error:
            reason = getattr(error, "strerror", None) or str(error)
            self._fail(f"Recording to {self.path.name} stopped: {reason}; "
                       f"the {self.frames_written:,} frames written before are kept")
            return False

    def _fail(self, message: str) -> None:
        self.error = message
        self._stopping.set()
        self._pending.clear()
        if self._on_error is not None:
            self._on_error(message)

    def _close(self, out: TextIO) -> None:
        try:
            out.close()
        except OSError as error:  # the final flush failed: what was flushed before stays
            if self.error is None:
                self._fail(f"Recording to {self.path.name} stopped: {error.strerror or error}")
        self._file = None


def _open_for_append(path: Path) -> TextIO:
    """Open for appending; a new or empty file gets the format header, a cut-off last line is ended."""
    out = open(path, "a", encoding="ascii", newline="\n")  # frame lines are ASCII by construction
    try:
        if out.tell() == 0:
            out.write(jsonl.header() + "\n")
        elif not _ends_with_newline(path):
            out.write("\n")  # a crash cut the last line: keep ours separate so only that one is lost
        out.flush()
    except OSError:
        out.close()
        raise
    return out


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as existing:
        existing.seek(-1, os.SEEK_END)
        return existing.read(1) == b"\n"

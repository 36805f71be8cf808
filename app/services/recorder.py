"""Continuous recording: every frame appended to a JSONL capture as it arrives.

Producers (the GUI thread's drain, the server tap in `serve`) only hand frames
over: `extend`/`append` are a deque operation. A writer thread of its own
serialises them (app.core.jsonl) and hands them to the operating system at
least every `flush_interval`, so a process killed outright loses at most the
frames of the last interval. The file is written unbuffered, chunk by chunk, so
the recorder knows exactly which bytes reached it: a failed write (disk full, file
size limit, quota) stops recording with a message that counts the frames kept,
and a line the failure cut off is taken away, so the file ends on a whole frame.
"""

from __future__ import annotations

import collections
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

from app.core import jsonl
from app.core.errors import SocketScopeError
from app.core.frames import Frame

FLUSH_INTERVAL = 0.25  # seconds
_CHUNK = 5_000  # frames serialised into one write


class RecordingError(SocketScopeError, OSError):
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
        self._file: BinaryIO | None = None
        self.frames_written = 0  # whole lines handed to the operating system
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

    def _write_pending(self, out: BinaryIO) -> bool:
        """Write everything queued; False (and recording stopped) on a write error."""
        pending = self._pending
        popleft = pending.popleft
        while pending:
            count = min(_CHUNK, len(pending))
            data = jsonl.frames_to_lines([popleft() for _ in range(count)]).encode("ascii")
            written, error = _write_all(out, data)
            if error is not None:
                self._stop_after(out, data, written, error)
                return False
            self.frames_written += count
        return True

    def _stop_after(self, out: BinaryIO, data: bytes, written: int, error: Exception) -> None:
        """A write failed after `written` bytes of `data`: count the whole lines that reached the file
        and take away the one it cut off, so the file ends on a whole frame."""
        whole = data.rfind(b"\n", 0, written) + 1
        self.frames_written += data.count(b"\n", 0, whole)
        reason = getattr(error, "strerror", None) or str(error)
        kept = f"the {self.frames_written:,} frames written before are kept"
        if whole < written:
            try:
                os.ftruncate(out.fileno(), os.fstat(out.fileno()).st_size - (written - whole))
            except (OSError, ValueError) as cut_error:
                kept += f"; its last line is cut off ({getattr(cut_error, 'strerror', None) or cut_error})"
        self._fail(f"Recording to {self.path.name} stopped: {reason}; {kept}")

    def _fail(self, message: str) -> None:
        self.error = message
        self._stopping.set()
        self._pending.clear()
        if self._on_error is not None:
            self._on_error(message)

    def _close(self, out: BinaryIO) -> None:
        try:
            out.close()
        except OSError as error:  # closing failed: what was written before stays
            if self.error is None:
                self._fail(f"Recording to {self.path.name} stopped: {error.strerror or error}")
        self._file = None


def _write_all(out: BinaryIO, data: bytes) -> tuple[int, Exception | None]:
    """Hand all of `data` to the system: how many bytes it took, and the error that stopped it if one did.

    A write may take only part of the data (a disk filling up, a file size limit); the next one then fails.
    """
    written = 0
    try:
        while written < len(data):
            written += out.write(memoryview(data)[written:])
    except (OSError, ValueError) as error:
        return written, error
    return written, None


def _open_for_append(path: Path) -> BinaryIO:
    """Open for appending, unbuffered; a new or empty file gets the format header, a cut-off last line is ended."""
    out = open(path, "ab", buffering=0)  # frame lines are ASCII by construction
    try:
        if out.tell() == 0:
            start = (jsonl.header() + "\n").encode("ascii")
        elif not _ends_with_newline(path):
            start = b"\n"  # a crash cut the last line: keep ours separate so only that one is lost
        else:
            start = b""
        _, error = _write_all(out, start)
        if error is not None:
            raise error
    except OSError:
        out.close()
        raise
    return out


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as existing:
        existing.seek(-1, os.SEEK_END)
        return existing.read(1) == b"\n"

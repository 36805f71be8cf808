"""Capture files: store rows out to a .jsonl or .har file, a file's frames back in.

The format is chosen by the file's extension on export. On import the first bytes decide
(a HAR document starts with ``{"log":``, a JSONL capture with a frame record or the header
line), the extension only when they do not. Export writes a ``.part`` file beside the
target and renames it when complete, so a failed export never leaves half a capture
under the real name. Both directions report progress as a fraction, for big captures.
"""

from __future__ import annotations

import enum
import os
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from app.core import har, jsonl
from app.core.capture import CaptureStore
from app.core.frames import Frame
from app.core.jsonl import ImportReport

Progress = Callable[[float], None]  # fraction done, 0.0 to 1.0

SNIFF_BYTES = 64 * 1024
READ_CHUNK = 1024 * 1024


class CaptureFormat(enum.Enum):
    JSONL = "jsonl"
    HAR = "har"


EXTENSIONS = {".jsonl": CaptureFormat.JSONL, ".ndjson": CaptureFormat.JSONL, ".har": CaptureFormat.HAR}


def format_of_path(path: str | os.PathLike[str]) -> CaptureFormat | None:
    return EXTENSIONS.get(Path(path).suffix.lower())


_HAR_START = re.compile(rb'\{\s*"log"\s*:')


def sniff(head: bytes) -> CaptureFormat | None:
    """The format the first bytes of a file show, or None if they show neither."""
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if _HAR_START.match(text):
        return CaptureFormat.HAR
    first_line = text.split(b"\n", 1)[0]
    if not first_line.startswith(b"{"):
        return None
    if f'"format": "{jsonl.FORMAT_NAME}"'.encode() in first_line or b'"connection":' in first_line:
        return CaptureFormat.JSONL
    return None


# -- export ------------------------------------------------------------------------------------


def _counted(rows: Iterable[int], total: int, progress: Progress | None) -> Iterator[int]:
    step = max(1, total // 100)
    for done, row in enumerate(rows, start=1):
        yield row
        if progress is not None and done % step == 0:
            progress(done / total)


def export_capture(path: str | os.PathLike[str], store: CaptureStore, rows: Iterable[int] | None = None,
                   progress: Progress | None = None, total: int | None = None) -> int:
    """Write the store's rows (default: all of them) to `path`; return how many frames were written.

    `total` is the number of rows, for progress when `rows` is a generator. Raises `OSError`
    if the file cannot be written; the target is then left as it was.
    """
    target = Path(path)
    kind = format_of_path(target) or CaptureFormat.JSONL
    if rows is None:
        rows = store.rows()
    if total is None:
        total = len(rows) if hasattr(rows, "__len__") else 0  # type: ignore[arg-type]
    partial = target.with_name(target.name + ".part")
    try:
        with open(partial, "w", encoding="utf-8", newline="\n") as out:
            if kind is CaptureFormat.HAR:
                count = har.write_har(out, store, rows,
                                      None if progress is None else lambda done, all_: progress(done / all_))
            else:
                frames = (store.frame(row) for row in _counted(rows, total, progress))
                count = jsonl.write_frames(out, frames)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    if progress is not None:
        progress(1.0)
    return count


# -- import ------------------------------------------------------------------------------------


def _lines(file: Iterable[bytes], size: int, progress: Progress | None) -> Iterator[bytes]:
    done = reported = 0
    for line in file:
        done += len(line)
        if progress is not None and done - reported >= READ_CHUNK:
            reported = done
            progress(done / size)
        yield line


def read_capture(path: str | os.PathLike[str], progress: Progress | None = None) -> tuple[list[Frame], ImportReport]:
    """The valid frames of a capture file and the report of what was skipped; never raises for bad content.

    Raises `OSError` only when the file cannot be read at all (missing, no permission).
    """
    report = ImportReport()
    size = os.path.getsize(path)
    with open(path, "rb") as file:
        head = file.read(SNIFF_BYTES)
        if not head.strip():
            report.note("The file is empty." if not head else "The file holds only white space.")
            return [], report
        if b"\x00" in head:
            report.note("The file is binary, not a JSONL or HAR capture.")
            return [], report
        kind = sniff(head) or format_of_path(path)
        if kind is None:
            report.note("Not a capture file: it is neither SocketScope JSONL nor HAR.")
            return [], report
        file.seek(0)
        if kind is CaptureFormat.JSONL:
            frames = list(jsonl.read_frames(_lines(file, size, progress), report))
        else:
            chunks = []
            done = 0
            while chunk := file.read(READ_CHUNK):
                chunks.append(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(0.5 * done / size)
            data = b"".join(chunks)
            del chunks
            entry_progress = None if progress is None else lambda done, all_: progress(0.5 + 0.5 * done / max(1, all_))
            frames = list(har.read_har(data, report, entry_progress))
    if progress is not None:
        progress(1.0)
    return frames, report


def tag_connections(frames: Iterable[Frame], tag: str) -> None:
    """Rename every frame's connection to `name~tag`, so imported traffic never merges with live traffic."""
    names: dict[str, str] = {}
    for frame in frames:
        name = names.get(frame.connection)
        if name is None:
            name = names[frame.connection] = f"{frame.connection}~{tag}"
        frame.connection = name


def import_capture(path: str | os.PathLike[str], store: CaptureStore, tag: str | None = None,
                   progress: Progress | None = None) -> ImportReport:
    """Append a capture file's valid frames to the store (connections renamed `~tag` if given)."""
    frames, report = read_capture(path, progress)
    if tag is not None:
        tag_connections(frames, tag)
    store.extend(frames)
    return report

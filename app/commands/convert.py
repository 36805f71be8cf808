"""`socketscope convert IN OUT`: a capture from JSONL to HAR or back, so any HAR tool can open it.

OUT's extension chooses the format written (`.jsonl`/`.ndjson` or `.har`); IN is read
as the window imports a file (its first bytes decide, its extension only when they do
not), so damaged input converts as far as it is valid and what was skipped is listed
on stderr. OUT is replaced only once it is complete.

Exit codes: 0 converted (with a warning if part of IN was skipped), 1 writing OUT
failed part way (disk full), 2 usage error (bad options or extension, IN missing,
unreadable or holding no frame, OUT cannot be created).
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from pathlib import Path

from app.commands.common import OK, Failure, Parser, Progress, UsageError, run_command
from app.core.capture import CaptureStore
from app.core.capture_files import EXTENSIONS, export_capture, format_of_path, read_capture
from app.core.jsonl import ImportReport

PROG = "socketscope convert"
REASONS_SHOWN = 50
# The file system gave out while writing: an I/O failure (1), not a mistake in the command (2).
_WRITE_FAILURES = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EIO)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog=PROG, description="Convert a capture between SocketScope JSONL and HAR; "
                    "OUT's extension (.jsonl, .ndjson or .har) chooses the format.")
    parser.add_argument("input", metavar="IN", help="a SocketScope JSONL capture or a HAR file")
    parser.add_argument("output", metavar="OUT", help="the file to write (replaced if it exists)")
    return parser


def run(argv: list[str]) -> int:
    return run_command(PROG, build_parser(), argv, _convert)


def _convert(args: argparse.Namespace) -> int:
    source, target = Path(args.input), Path(args.output)
    kind = format_of_path(target)
    if kind is None:
        raise UsageError(f"{target}: the extension must be one of {', '.join(EXTENSIONS)}, "
                         f"not {target.suffix or 'none'!r}")
    if target.exists() and source.exists() and os.path.samefile(source, target):
        raise UsageError(f"{target}: IN and OUT are the same file")
    progress = Progress()
    try:
        frames, report = read_capture(source, lambda done: progress.update(f"reading {source.name}: {done:.0%}"))
    except OSError as error:
        raise UsageError(f"cannot read {source}: {error.strerror or error}") from None
    if not frames:
        progress.done()
        raise UsageError(f"{source}: no frame to convert: {report.summary()}")
    _warn_about_skipped(source, report)
    store = CaptureStore()
    store.extend(frames)
    del frames
    try:
        count = export_capture(target, store,
                               progress=lambda done: progress.update(f"writing {target.name}: {done:.0%}"))
    except OSError as error:
        reason = error.strerror or str(error)
        if error.errno in _WRITE_FAILURES:
            raise Failure(f"writing {target} failed: {reason}; it was left as it was") from None
        raise UsageError(f"cannot write {target}: {reason}") from None
    finally:
        progress.done()
    print(f"Converted {count:,} frames from {source} to {target} ({kind.value.upper()})", file=sys.stderr, flush=True)
    return OK


def _warn_about_skipped(source: Path, report: ImportReport) -> None:
    """What of IN could not be converted, and why: the summary, then each skip."""
    if report.clean:
        return
    print(f"warning: {source}: {report.summary()}", file=sys.stderr)
    if report.skipped_count > 3:
        for reason in report.reasons(REASONS_SHOWN):
            print(f"  {reason}", file=sys.stderr)
        if report.skipped_count > REASONS_SHOWN:
            print(f"  … and {report.skipped_count - REASONS_SHOWN:,} more", file=sys.stderr)
    sys.stderr.flush()

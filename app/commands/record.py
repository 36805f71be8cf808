"""`socketscope record URL --out FILE`: connect and record every frame to a JSONL capture.

Stops after --count messages received, after --duration seconds, when the server
closes, or on Ctrl+C / SIGTERM; the file is flushed continuously, so even a killed
process keeps all but its last moments. Progress goes to stderr.
"""

from __future__ import annotations

import argparse

from app.commands.common import (
    FAILURE,
    OK,
    ClientRun,
    Failure,
    Parser,
    Progress,
    add_tls_arguments,
    check_url,
    connection_options,
    open_recorder,
    positive,
    run_command,
    stop_on_signals,
)
from app.commands.output import say
from app.core.frames import Direction, Frame, Opcode

PROG = "socketscope record"


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog=PROG, description="Connect to a WebSocket server and record every frame to a JSONL file.")
    parser.add_argument("url", help="ws:// or wss:// URL")
    parser.add_argument("--out", required=True, metavar="FILE", help="capture file (appended to if it exists)")
    parser.add_argument("--count", type=positive(int), metavar="N", help="stop after N messages received")
    parser.add_argument("--duration", type=positive(float), metavar="S", help="stop after S seconds")
    add_tls_arguments(parser)
    return parser


def run(argv: list[str]) -> int:
    return run_command(PROG, build_parser(), argv, _record)


class _Counter:
    """Keeps exactly --count received messages: later ones are not recorded."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.kept = 0

    def keep(self, frame: Frame) -> bool:
        if frame.direction != Direction.RECEIVED or frame.opcode not in (Opcode.TEXT, Opcode.BINARY):
            return True
        if self.limit is not None and self.kept >= self.limit:
            return False
        self.kept += 1
        return True

    @property
    def reached(self) -> bool:
        return self.limit is not None and self.kept >= self.limit


def _record(args: argparse.Namespace) -> int:
    url = check_url(args.url)
    options = connection_options(url, args)
    recorder = open_recorder(args.out)
    assert recorder is not None
    counter = _Counter(args.count)
    progress = Progress()
    with ClientRun(recorder, keep=counter.keep) as run_, stop_on_signals(run_.stop):
        run_.connect(options)
        say(f"Recording {url} to {args.out} (Ctrl+C stops)", error=True)
        if not run_.wait_open():
            return OK  # Ctrl+C while connecting

        def done() -> bool:
            progress.update(f"{counter.kept:,} messages received, {recorder.frames_written:,} frames written")
            return counter.reached or run_.watch.ended

        run_.wait(done, args.duration)
        watch = run_.watch
        ended_on_its_own = watch.ended  # not by --count, --duration or Ctrl+C
        run_.close()
    progress.done()
    say(f"Recorded {recorder.frames_written:,} frames ({counter.kept:,} messages received) to {args.out}",
        error=True)
    if ended_on_its_own and not counter.reached:
        if not watch.closed_normally:
            raise Failure(watch.describe_end())
        say(f"The connection ended: {watch.describe_end()}", error=True)
    return OK if recorder.error is None else FAILURE

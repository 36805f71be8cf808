"""`socketscope replay FILE URL`: send what one connection of a capture sent, to a server.

Every frame of the new connection is printed on stdout (as `serve` prints them) and,
with --out, recorded to a capture; progress goes to stderr. Exit 0 when every message
was sent, 1 if the connection failed or closed first, 2 for a bad capture or options.
"""

from __future__ import annotations

import argparse

from app.commands.common import (
    OK,
    ClientRun,
    Failure,
    Parser,
    Progress,
    UsageError,
    add_tls_arguments,
    check_url,
    command_line_advice,
    connection_options,
    open_recorder,
    run_command,
    stop_on_signals,
)
from app.commands.output import say
from app.commands.serve import frame_line
from app.services.replay import DEFAULT_LINGER, CaptureError, Replay, Timing, load_capture

PROG = "socketscope replay"


def _timing(text: str) -> Timing:
    try:
        return Timing.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog=PROG, description="Replay the messages one client connection sent in a JSONL or HAR capture.")
    parser.add_argument("file", help="a SocketScope JSONL capture or a HAR file")
    parser.add_argument("url", help="ws:// or wss:// URL to replay to")
    parser.add_argument("--timing", type=_timing, default=Timing(), metavar="original|fast|scale:X",
                        help="the recorded gaps (default), none, or the gaps times X")
    parser.add_argument("--connection", metavar="NAME",
                        help="whose messages, e.g. client#2, or client#1@2 for the second client#1 of an "
                        "appended capture (default: the first client connection that sent any)")
    parser.add_argument("--out", metavar="FILE", help="record the new exchange to a JSONL capture")
    parser.add_argument("--linger", type=_seconds, default=DEFAULT_LINGER, metavar="S",
                        help=f"keep listening S seconds after the last message (default {DEFAULT_LINGER:g})")
    parser.add_argument("--quiet", action="store_true", help="do not print the new connection's frames")
    add_tls_arguments(parser)
    return parser


def run(argv: list[str]) -> int:
    return run_command(PROG, build_parser(), argv, _replay)


def _replay(args: argparse.Namespace) -> int:
    url = check_url(args.url)
    options = connection_options(url, args)
    try:
        capture = load_capture(args.file)
        script = capture.script(args.connection)
    except CaptureError as error:
        raise UsageError(str(error)) from None
    if capture.report.skipped:
        say(f"warning: {args.file}: {capture.report.summary()}", error=True)
    recorder = open_recorder(args.out)
    timing: Timing = args.timing
    say(f"Replaying {len(script):,} messages of {script.connection} to {url}, {timing.describe()}", error=True)
    with ClientRun(recorder) as run_, stop_on_signals(run_.stop):
        replay = Replay(run_.session.inspector, options, script, timing, linger=args.linger)
        if not args.quiet:
            run_.on_frame = lambda frame: say(frame_line(frame))
        progress = Progress()
        future = replay.start()

        def finished() -> bool:
            progress.update(f"{replay.result.sent:,} of {len(script):,} messages sent")
            return future.done()

        run_.wait(finished)
        if not future.done():  # Ctrl+C or SIGTERM
            replay.cancel()
        result = future.result()
        run_.wait(lambda: run_.watch.ended, 5)
        progress.done()
    outcome = f"{result.sent:,} of {result.total:,} messages sent as {result.connection or 'no connection'}"
    if result.error:
        raise Failure(f"{command_line_advice(result.error)} ({outcome})")
    say(f"Replay {'cancelled' if result.cancelled else 'done'}: {outcome}", error=True)
    return OK


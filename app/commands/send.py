"""`socketscope send URL --json TEXT | --file F`: send one JSON message, print the replies.

The payload is validated strictly first (as the composer does): invalid JSON is a
usage error with its line and column and is never sent. It is sent exactly as
given. Every message the server sends after the connection opens counts as a reply
(a greeting too) and is printed on its own line: a text reply as it came unless it
spans lines or holds control characters (then JSON is printed minified, duplicates
and big numbers intact, and other text as a JSON string), a binary one as ``base64:…``.
What remains of control characters (C1, DEL, lone surrogates inside JSON strings) is
printed as JSON's own `\\uXXXX` escape, so a JSON reply line stays JSON of the same value.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys

from app.commands.common import (
    OK,
    ClientRun,
    Failure,
    Parser,
    UsageError,
    add_tls_arguments,
    check_url,
    connection_options,
    open_recorder,
    positive,
    run_command,
    stop_on_signals,
)
from app.commands.output import say
from app.core import jsondoc
from app.core.frames import Direction, Frame, Opcode
from app.core.printable import has_controls

PROG = "socketscope send"
DEFAULT_TIMEOUT = 10.0


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog=PROG, description="Send one JSON message and print the replies, one per line.")
    parser.add_argument("url", help="ws:// or wss:// URL")
    payload = parser.add_mutually_exclusive_group(required=True)
    payload.add_argument("--json", metavar="TEXT", help="the JSON message")
    payload.add_argument("--file", metavar="F", help="read the JSON message from a file (- for stdin)")
    parser.add_argument("--expect", type=int, default=0, metavar="N",
                        help="wait for N replies (exit 1 if they do not come in time); default 0: send and close")
    parser.add_argument("--timeout", type=positive(float), default=DEFAULT_TIMEOUT, metavar="S",
                        help=f"seconds to wait for the replies (default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--out", metavar="FILE", help="also record the exchange to a JSONL capture")
    add_tls_arguments(parser)
    return parser


def run(argv: list[str]) -> int:
    return run_command(PROG, build_parser(), argv, _send)


def read_payload(args: argparse.Namespace) -> str:
    """The message text, validated strictly; `UsageError` with line and column if it is not JSON."""
    if args.json is not None:
        text, source = args.json, "--json"
    else:
        source = args.file
        try:
            data = sys.stdin.buffer.read() if args.file == "-" else open(args.file, "rb").read()
        except OSError as error:
            raise UsageError(f"cannot read {args.file}: {error.strerror or error}") from None
        try:
            text = jsondoc.decode_utf8(data)
        except jsondoc.JsonSyntaxError as error:
            raise UsageError(f"{source} is not valid JSON: {error}; nothing was sent") from None
    try:
        jsondoc.parse(text)
    except jsondoc.JsonSyntaxError as error:
        raise UsageError(f"{source} is not valid JSON: {error}; nothing was sent") from None
    return text


def reply_line(frame: Frame) -> str:
    """One reply on one line (see the module docstring)."""
    payload = frame.payload
    if isinstance(payload, bytes):
        return "base64:" + base64.b64encode(payload).decode("ascii")
    if not has_controls(payload):
        return payload
    try:
        return jsondoc.dumps(jsondoc.parse(payload, allow_nonstandard=True).value, indent=None)
    except jsondoc.JsonSyntaxError:
        return json.dumps(payload, ensure_ascii=False)


def _send(args: argparse.Namespace) -> int:
    url = check_url(args.url)
    if args.expect < 0:
        raise UsageError(f"--expect must be 0 or more, not {args.expect}")
    options = connection_options(url, args)
    payload = read_payload(args)
    recorder = open_recorder(args.out)
    replies = 0

    def print_reply(frame: Frame) -> None:
        nonlocal replies
        if frame.direction == Direction.RECEIVED and frame.opcode in (Opcode.TEXT, Opcode.BINARY):
            if replies < args.expect or args.expect == 0:
                say(reply_line(frame))
            replies += 1

    with ClientRun(recorder) as run_, stop_on_signals(run_.stop):
        run_.on_frame = print_reply
        connection = run_.connect(options)
        if not run_.wait_open():
            return OK  # Ctrl+C while connecting: nothing sent, nothing to report
        try:
            run_.session.inspector.submit_send(connection, payload).result(args.timeout)
        except Exception as error:
            raise Failure(f"not sent: {error or type(error).__name__}") from None
        got_all = run_.wait(lambda: replies >= args.expect or run_.watch.ended, args.timeout)
        interrupted = run_.stop.is_set()
        watch = run_.watch
        run_.close()
    if interrupted or args.expect == 0 or replies >= args.expect:
        return OK
    if not got_all:
        raise Failure(f"{replies} of {args.expect} replies within {args.timeout:g} s")
    raise Failure(f"{watch.describe_end()} after {replies} of {args.expect} replies")

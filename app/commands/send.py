"""`socketscope send URL --json TEXT | --file F`: send one JSON message, print the replies.

The payload is validated strictly first (as the composer does): invalid JSON is a
usage error with its line and column and is never sent. It is sent exactly as
given. Every message the server sends after the connection opens counts as a reply
(a greeting too) and is printed on its own line: a text reply as it came unless it
spans lines or holds control characters (then JSON is printed minified, duplicates
and big numbers intact, and other text as a JSON string), a binary one as ``base64:…``.
What remains of control characters (C1, DEL, lone surrogates inside JSON strings) is
printed as JSON's own `\\uXXXX` escape, so a JSON reply line stays JSON of the same value.

On a Socket.IO connection (its URL, or `--protocol socket.io`) the inspector speaks the
protocol's handshake first; the server's open packet, namespace connect and pings are the
protocol's, not replies. `--event NAME` wraps the JSON as the event's arguments
(`app.core.protocols.socketio.event_packet`); `--ack` asks for an ack and waits for it.
A namespace the server refuses or never connects means nothing is sent.
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
from app.core.protocols.base import Role
from app.core.protocols.socketio import ROOT, SocketIo, ack_key, event_packet
from app.net.options import AUTO_PROTOCOL, ConnectionOptions, protocol_choices
from app.net.speaking import speaker_for

PROG = "socketscope send"
DEFAULT_TIMEOUT = 10.0
ACK_ID = 0  # the one event a `send` emits asks for the first ack id
NOT_REPLIES = ("open", "connect", "connect_error", "noop", "upgrade")  # Socket.IO's own handshake
NEEDS_SOCKETIO = ("--event needs a Socket.IO connection: a URL whose path holds /socket.io "
                  "(ws://host/socket.io/?EIO=4&transport=websocket), or --protocol socket.io")


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
    parser.add_argument("--protocol", choices=protocol_choices(), default=AUTO_PROTOCOL,
                        help="what the connection speaks (default auto: from the URL); kept in the --out capture; "
                        "socket.io also speaks its handshake")
    socketio = parser.add_argument_group("Socket.IO")
    socketio.add_argument("--event", metavar="NAME",
                          help="emit the JSON as this event's arguments (an array: one argument per element)")
    socketio.add_argument("--namespace", metavar="NS", help=f"the namespace to connect and emit in (default {ROOT})")
    socketio.add_argument("--ack", action="store_true",
                          help="ask for an ack and wait for it (up to --timeout); it is printed as it came")
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
            if args.event is not None:
                raise UsageError(f"{source} is binary: --event sends JSON arguments as text (binary "
                                 "attachments are not sent); nothing was sent") from None
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


class SocketIoReplies:
    """What a Socket.IO connection's received frames mean to `send`: its namespace connect, replies, the ack."""

    def __init__(self, namespace: str, ack: str | None) -> None:
        self.namespace = namespace
        self.ack = ack  # the key of the ack waited for, if one was asked for
        self.connected = False
        self.refused: str | None = None  # the server's connect error, as JSON
        self._decoder = SocketIo()

    def read(self, frame: Frame) -> tuple[bool, bool]:
        """(is it a reply, is it the ack): a frame that is not Socket.IO's is a reply, shown as it came."""
        decoded = self._decoder.decode(frame.opcode, frame.payload)
        if decoded is None:
            return True, False
        if decoded.kind in ("connect", "connect_error") and decoded.value["namespace"] == self.namespace:
            if not self.connected and self.refused is None:
                if decoded.kind == "connect":
                    self.connected = True
                else:
                    self.refused = json.dumps(decoded.value["data"], ensure_ascii=False)
        if decoded.heartbeat or decoded.kind in NOT_REPLIES:
            return False, False
        return True, decoded.role is Role.REPLY and decoded.key == self.ack

    def check_connected(self) -> None:
        """`Failure` unless the namespace was connected: an event to no namespace goes nowhere."""
        if self.refused is not None:
            raise Failure(f"the server refused the namespace {self.namespace}: {self.refused}; nothing was sent")
        if not self.connected:
            raise Failure(f"the server did not connect the namespace {self.namespace} "
                          "(is it a Socket.IO server?); nothing was sent")


def socketio_replies(args: argparse.Namespace, options: ConnectionOptions) -> SocketIoReplies | None:
    """The Socket.IO reading of the connection, if it speaks Socket.IO; `UsageError` for options that need it."""
    if args.event is None and (args.ack or args.namespace is not None):
        raise UsageError("--ack and --namespace go with --event")
    if args.event == "":
        raise UsageError("--event needs a name")
    if speaker_for(options) is None:
        if args.event is not None:
            raise UsageError(NEEDS_SOCKETIO)
        return None
    namespace = options.socketio_namespace
    return SocketIoReplies(namespace, ack_key(namespace, ACK_ID) if args.ack else None)


def _send(args: argparse.Namespace) -> int:
    url = check_url(args.url)
    if args.expect < 0:
        raise UsageError(f"--expect must be 0 or more, not {args.expect}")
    options = connection_options(url, args, protocol=args.protocol, socketio_namespace=args.namespace or ROOT)
    socketio = socketio_replies(args, options)
    payload = read_payload(args)
    if args.event is not None:
        payload = event_packet(args.event, payload, options.socketio_namespace, ACK_ID if args.ack else None)
    recorder = open_recorder(args.out)
    replies = 0
    acked = False  # stays False without --ack

    def print_reply(frame: Frame) -> None:
        nonlocal replies, acked
        if frame.direction != Direction.RECEIVED or frame.opcode not in (Opcode.TEXT, Opcode.BINARY):
            return
        reply, the_ack = socketio.read(frame) if socketio is not None else (True, False)
        if not reply:
            return
        if the_ack or replies < args.expect or (args.expect == 0 and not acked):  # nothing after the ack
            say(reply_line(frame))
        acked = acked or the_ack
        replies += 1

    with ClientRun(recorder) as run_, stop_on_signals(run_.stop):
        run_.on_frame = print_reply
        connection = run_.connect(options)
        if not run_.wait_open():
            return OK  # Ctrl+C while connecting: nothing sent, nothing to report
        if socketio is not None:  # its handshake's frames came before the open
            try:
                socketio.check_connected()
            except Failure:
                run_.close()
                raise
        try:
            run_.session.inspector.submit_send(connection, payload).result(args.timeout)
        except Exception as error:
            raise Failure(f"not sent: {error or type(error).__name__}") from None
        got_all = run_.wait(lambda: (replies >= args.expect and (acked or not args.ack)) or run_.watch.ended,
                            args.timeout)
        interrupted = run_.stop.is_set()
        watch = run_.watch
        run_.close()
    if interrupted:
        return OK
    if args.ack and not acked:
        raise Failure(f"no ack within {args.timeout:g} s" if not got_all else f"{watch.describe_end()} before the ack")
    if args.expect == 0 or replies >= args.expect:
        return OK
    if not got_all:
        raise Failure(f"{replies} of {args.expect} replies within {args.timeout:g} s")
    raise Failure(f"{watch.describe_end()} after {replies} of {args.expect} replies")

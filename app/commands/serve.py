"""`socketscope serve`: the embedded server without a window, every frame printed.

Each frame's line starts its summary with what the frame says in its connection's protocol
(`chat · 42["chat",…]`, `add · {"jsonrpc":…}`, `ping · heartbeat · 2`), as the window's log
does; --raw prints the frames alone. With --record FILE every frame is also appended to a
JSONL capture as it happens, as it crossed: nothing decoded goes into the file.

Exit codes: 0 after a clean shutdown (Ctrl+C or SIGTERM), 1 if the server could
not start (port in use, app failed), 2 for a usage error (bad options or --app,
a --record file that cannot be written).
"""

from __future__ import annotations

import argparse
import signal
import threading
import time

from app.commands.common import Parser, UsageError
from app.commands.output import prepare_output, say
from app.core.capture import CaptureStore
from app.core.frames import OPCODE_NAMES, Frame, Opcode  # the words the window and captures use ("refused")
from app.core.protocols.tracker import ProtocolTracker
from app.core.summary import summarize
from embedded_server.runner import DEFAULT_HOST, DEFAULT_PORT, EmbeddedServer

_ARROWS = {0: "->", 1: "<-", 2: "**"}
NAMES_BUDGET = 8 * 1024 * 1024  # bytes of recent frames kept for the protocols' detection and pairing


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="socketscope serve",
                                     description="Run the embedded WebSocket server headless and print its traffic.")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 for any free one)")
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to bind (default loopback)")
    parser.add_argument("--app", metavar="MODULE:ATTR", help="serve your own ASGI/FastAPI app instead of the demo")
    parser.add_argument("--token", help="access token clients must present; generated beyond loopback")
    parser.add_argument("--allow-origin", action="append", default=[], metavar="ORIGIN",
                        help="also accept browser pages from this origin (repeatable)")
    parser.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                        help="also accept requests naming this Host, e.g. a loopback bind reached as myhost.lan "
                        "(repeatable; with a token every well-formed Host is accepted)")
    parser.add_argument("--quiet", action="store_true", help="do not print frames")
    parser.add_argument("--raw", action="store_true",
                        help="print the frames alone, without what they say in their protocol (event, method…)")
    parser.add_argument("--record", metavar="FILE",
                        help="also record every frame to this JSONL capture (appended to if it exists)")
    return parser


class ProtocolNames:
    """What each frame says in its connection's protocol, decided as the window decides it.

    The frames go through a `ProtocolTracker` over a store of the latest few MiB (older ones
    are dropped, so memory stays bounded however long the server runs): the protocol is
    decided per connection from its URL, subprotocol or first frames, and frames of a
    connection it decided are decoded one by one (not over 256 KiB, as in the window).
    Called on the server's thread only, one frame at a time.
    """

    def __init__(self, budget: int = NAMES_BUDGET) -> None:
        self._store = CaptureStore(budget)
        self._tracker = ProtocolTracker(self._store)

    def prefix(self, frame: Frame) -> str:
        """`chat · `, `ping · heartbeat · `, or "" for a frame its protocol does not name (or none decided)."""
        store, tracker = self._store, self._tracker
        (row,) = store.extend((frame,))
        tracker.catch_up()  # one row: never cut short by the time budget
        decoded = None
        if frame.opcode in (Opcode.TEXT, Opcode.BINARY) and tracker.protocol_of_row(row) is not None:
            decoded = tracker.decoded(row)
        heartbeat = tracker.is_heartbeat(row)
        store.enforce_budget()
        if decoded is None:
            return ""
        return summarize(Opcode.TEXT, decoded.summary()) + (" · heartbeat · " if heartbeat else " · ")


def frame_line(frame: Frame, names: ProtocolNames | None = None) -> str:
    """One frame on one line; with `names`, its summary starts with what its protocol says it is."""
    stamp = time.strftime("%H:%M:%S", time.localtime(frame.wall_time))
    said = names.prefix(frame) if names is not None else ""
    return (f"{stamp} {frame.connection} {_ARROWS[frame.direction]} {OPCODE_NAMES[frame.opcode]} "
            f"{frame.size}B {said}{summarize(frame.opcode, frame.payload)}")


def run(argv: list[str]) -> int:
    prepare_output()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as error:
        say(f"socketscope serve: {error} (see --help)", error=True)
        return 2
    except SystemExit as exit_:  # --help
        return int(exit_.code or 0)
    from embedded_server.loader import AppLoadError, load_app
    from embedded_server.security import is_loopback, new_token

    if args.app:
        try:
            app = load_app(args.app)
        except AppLoadError as error:
            say(f"socketscope serve: {error}", error=True)
            return 2
    else:
        from embedded_server.demo_app import create_app

        app = create_app()
    token = args.token
    if not is_loopback(args.host):
        token = token or new_token()
        say(f"warning: listening on {args.host}, beyond this machine; clients need the token {token}", error=True)

    recorder = None
    if args.record:
        from app.services.recorder import Recorder, RecordingError

        recorder = Recorder(args.record, on_error=lambda text: say(f"socketscope serve: {text}", error=True))
        try:
            recorder.start()
        except RecordingError as error:
            say(f"socketscope serve: {error}", error=True)
            return 2

    names = None if args.raw or args.quiet else ProtocolNames()

    def sink(frame: Frame) -> None:
        if recorder is not None:
            recorder.append(frame)
        if not args.quiet:
            say(frame_line(frame, names))

    stopping = threading.Event()
    server = EmbeddedServer(app, sink, host=args.host, port=args.port, fallback=False, token=token,
                            allowed_origins=args.allow_origin, allowed_hosts=args.allow_host,
                            on_failed=lambda _text: stopping.set())
    try:
        address = server.start()
    except OSError as error:
        say(f"socketscope serve: {error.strerror or error}", error=True)
        if recorder is not None:
            recorder.stop()
        return 1
    previous = {sig: signal.signal(sig, lambda *_: stopping.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        if not server.wait_ready(15):
            say(f"socketscope serve: the server did not start: {server.error}", error=True)
            server.stop()
            if recorder is not None:
                recorder.stop()
            return 1
        say(f"SocketScope server listening on {address.http_url}  WebSocket: {address.ws_url('/ws')}")
        while not stopping.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    clean = server.stop()
    if recorder is not None:
        recorder.stop()
        say(f"{recorder.frames_written:,} frames recorded to {args.record}", error=True)
    say("SocketScope server stopped", error=True)
    return 0 if clean and server.error is None else 1

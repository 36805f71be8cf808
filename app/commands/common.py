"""What the client-side subcommands (record, send, replay) share.

Each runs the same services as the window: a `Session` without the embedded
server, whose inspector connects and records frames into the event queue. The
main thread plays the GUI thread's part: it drains the queue on a short timer,
hands frames to the recorder and watches its connection's state. Exit codes
are the same for all: 0 ok, 1 connection or protocol failure, 2 usage error.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from app.commands.output import prepare_output, say
from app.core.errors import SocketScopeError
from app.core.frames import ConnectionState, Direction, Frame, Opcode, StateChange
from app.net.inspector import CONNECTION_LOST, TLS_VERIFY_FAILED
from app.net.options import ConnectionOptions, OptionsError
from app.services.recorder import Recorder, RecordingError
from app.services.session import LaunchOptions, Session

OK, FAILURE, USAGE_ERROR = 0, 1, 2
DRAIN_INTERVAL = 0.03  # seconds, as the window's drain timer
NORMAL_CLOSE_CODES = (1000, 1001)
_MESSAGES = (Opcode.TEXT, Opcode.BINARY)


class UsageError(SocketScopeError):
    """Bad options or input: the command exits 2 with this message."""


class Failure(SocketScopeError):
    """The connection or the protocol failed: the command exits 1 with this message."""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error becomes `UsageError` instead of exiting."""

    def error(self, message: str) -> Any:
        raise UsageError(message)


def run_command(prog: str, parser: argparse.ArgumentParser, argv: list[str],
                body: Callable[[argparse.Namespace], int]) -> int:
    """Parse, run `body`, and turn its exceptions into a one-line message and an exit code."""
    prepare_output()
    try:
        args = parser.parse_args(argv)
    except UsageError as error:
        say(f"{prog}: {error} (see --help)", error=True)
        return USAGE_ERROR
    except SystemExit as exit_:  # --help
        return int(exit_.code or 0)
    try:
        return body(args)
    except UsageError as error:
        say(f"{prog}: {error}", error=True)
        return USAGE_ERROR
    except Failure as error:
        say(f"{prog}: {error}", error=True)
        return FAILURE


def check_url(url: str) -> str:
    """The URL if it is a WebSocket URL, else `UsageError` saying why."""
    from websockets.exceptions import InvalidURI
    from websockets.uri import parse_uri

    try:
        parse_uri(url)
    except (InvalidURI, ValueError) as error:
        reason = getattr(error, "msg", None) or str(error)
        raise UsageError(f"not a WebSocket URL: {url!r}: {reason} (use ws://host:port/path or wss://…)") from None
    return url


def add_tls_arguments(parser: argparse.ArgumentParser) -> None:
    """The TLS choices of the window's connection options, for a wss:// URL."""
    tls = parser.add_argument_group("TLS (wss:// only)")
    tls.add_argument("--cafile", metavar="FILE", help="also trust the certificate authorities in this PEM file")
    tls.add_argument("--cert", metavar="FILE", help="present this client certificate (PEM, may hold the key too)")
    tls.add_argument("--key", metavar="FILE", help="the client certificate's private key, if not in --cert")
    tls.add_argument("--insecure", action="store_true",
                     help="accept any server certificate (a test server only: anyone could be listening)")


def connection_options(url: str, args: argparse.Namespace, **chosen: Any) -> ConnectionOptions:
    """The options for `url` with the command's TLS choices (and `chosen` fields); `UsageError` if they cannot be used.

    The certificate files are read now, so a missing or bad one is a usage error, not a failed connection.
    """
    options = ConnectionOptions(url, ca_file=args.cafile or "", client_cert=args.cert or "",
                                client_key=args.key or "", insecure=args.insecure, **chosen)
    tls_chosen = bool(args.cafile or args.cert or args.key or args.insecure)
    try:
        options.check()
        if tls_chosen and not options.secure:
            raise OptionsError("--cafile, --cert, --key and --insecure apply to wss:// URLs only")
        options.ssl_context()
    except OptionsError as error:
        raise UsageError(str(error)) from None
    return options


def command_line_advice(failure: str) -> str:
    """The window's advice for a certificate it cannot verify, in this command's options."""
    if failure.startswith(TLS_VERIFY_FAILED):
        return f"{failure} (here: --cafile FILE, or --insecure)"
    return failure


def positive(kind: type[int] | type[float]) -> Callable[[str], Any]:
    """An argparse type: a number greater than zero."""

    def convert(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not value > 0 or value != value or value == float("inf"):
            raise argparse.ArgumentTypeError(f"must be greater than zero, not {text}")
        return value

    convert.__name__ = kind.__name__
    return convert


def open_recorder(path: str | None, on_error: Callable[[str], None] | None = None) -> Recorder | None:
    if path is None:
        return None
    recorder = Recorder(path, on_error=on_error)
    try:
        recorder.start()
    except RecordingError as error:
        raise UsageError(str(error)) from None
    return recorder


class Progress:
    """Progress lines on stderr: rewritten in place on a terminal every second, else a line every 5 s."""

    def __init__(self) -> None:
        self.interactive = sys.stderr.isatty()
        self.interval = 1.0 if self.interactive else 5.0
        self._last = time.monotonic()
        self._shown = False

    def update(self, text: str) -> None:
        now = time.monotonic()
        if now - self._last < self.interval:
            return
        self._last = now
        self._shown = True
        if self.interactive:  # back to the line's start, the text, then erase what an older line left
            say(text, error=True, start="\r", end="\x1b[K")
        else:
            say(text, error=True)

    def done(self) -> None:
        """End the line being rewritten, if any."""
        if self.interactive and self._shown:
            say(error=True)


@contextlib.contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGINT (Ctrl+C) and SIGTERM set `stop` instead of interrupting: the command then ends cleanly."""
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@dataclass
class ConnectionWatch:
    """What happened to one inspector connection, read from the drained records."""

    connection: str | None = None
    state: ConnectionState = ConnectionState.CONNECTING
    failure: str = ""
    ending: str = ""  # how it closed, in the inspector's words ("closed by the server with 1000")
    close_code: int | None = None  # of the close that ended it (the first one crossing), either side's
    received: int = 0  # text and binary messages
    sent: int = 0

    def observe(self, item: object) -> None:
        if self.connection is None and isinstance(item, StateChange):
            self.connection = item.connection  # the first connection opened is the one watched
        if isinstance(item, Frame):
            if item.connection != self.connection:
                return
            if item.opcode in _MESSAGES:
                if item.direction == Direction.RECEIVED:
                    self.received += 1
                elif item.direction == Direction.SENT:
                    self.sent += 1
            elif item.opcode == Opcode.OPEN:
                self.close_code = None
            elif item.opcode == Opcode.CLOSE and self.close_code is None:
                self.close_code = json.loads(item.payload)["code"]
        elif isinstance(item, StateChange) and item.connection == self.connection:
            self.state = item.state
            if item.state == ConnectionState.FAILED:
                self.failure = item.detail
            elif item.state == ConnectionState.CLOSED:
                self.ending = item.detail

    @property
    def opened(self) -> bool:
        return self.state in (ConnectionState.OPEN, ConnectionState.CLOSING, ConnectionState.CLOSED)

    @property
    def ended(self) -> bool:
        return self.state in (ConnectionState.CLOSED, ConnectionState.FAILED)

    @property
    def closed_normally(self) -> bool:
        return self.close_code in NORMAL_CLOSE_CODES

    def describe_end(self) -> str:
        if self.state == ConnectionState.FAILED:
            return self.failure
        return self.ending or CONNECTION_LOST


class ClientRun:
    """A Session without the embedded server, drained by the calling thread."""

    def __init__(self, recorder: Recorder | None = None, keep: Callable[[Frame], bool] | None = None) -> None:
        self.session = Session(LaunchOptions(server=False))
        self.recorder = recorder
        self.watch = ConnectionWatch()
        self.stop = threading.Event()  # set by Ctrl+C / SIGTERM, or by the command itself
        self.on_frame: Callable[[Frame], None] | None = None
        self._keep = keep  # which frames are recorded (default: all)

    def __enter__(self) -> ClientRun:
        self.session.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.session.shutdown()
        self.drain()
        if self.recorder is not None:
            self.recorder.stop()

    def connect(self, target: str | ConnectionOptions) -> str:
        self.watch.connection = self.session.connect(target)
        return self.watch.connection

    def drain(self) -> None:
        """Hand queued frames to the recorder and the printer; update the watch."""
        batch = self.session.queue.drain()
        if not batch:
            return
        frames = [item for item in batch if type(item) is Frame]
        for item in batch:
            self.watch.observe(item)
        if self._keep is not None:
            frames = [frame for frame in frames if self._keep(frame)]
        if self.recorder is not None and frames:
            self.recorder.extend(frames)
        if self.on_frame is not None:
            for frame in frames:
                self.on_frame(frame)
        if self.recorder is not None and self.recorder.error is not None:
            raise Failure(self.recorder.error)

    def wait(self, until: Callable[[], bool], timeout: float | None = None) -> bool:
        """Drain until `until()` holds (True), the timeout passes or a stop is asked for (False)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            self.drain()
            if until():
                return True
            if self.stop.is_set() or (deadline is not None and time.monotonic() >= deadline):
                return False
            self.stop.wait(DRAIN_INTERVAL)

    def wait_open(self) -> bool:
        """Until the connection is open (True) or a stop was asked for (False); `Failure` if it cannot open."""
        self.wait(lambda: self.watch.opened or self.watch.ended)
        if self.watch.state == ConnectionState.FAILED:
            raise Failure(command_line_advice(self.watch.failure))
        return self.watch.opened

    def close(self, timeout: float = 5.0) -> None:
        """Close our connection with 1000 if it is still open, and wait for the close to be recorded."""
        connection = self.watch.connection
        if connection is None or self.watch.ended:
            return
        try:
            self.session.inspector.submit_close(connection, 1000, "").result(timeout)
        except Exception:  # closing is best effort; shutdown closes with 1001 otherwise
            return
        stop, self.stop = self.stop, threading.Event()  # wait for the close even after Ctrl+C
        try:
            self.wait(lambda: self.watch.ended, timeout)
        finally:
            self.stop = stop

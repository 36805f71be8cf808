"""A connection of the inspector: the `websockets` client that records what it reads and sends.

Imported when the first connection is made, not with the window: `websockets` and what it
pulls in take ~50 ms, a tenth of the window's start-up. `app.net.inspector` holds what the
window needs before that (the `Inspector`, its errors and the words for its states).
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import json
import logging
import socket
import ssl
import time
from collections.abc import Callable, Sequence
from typing import Any, cast
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import (
    ConnectionClosed,
    InvalidHandshake,
    InvalidMessage,
    InvalidStatus,
    InvalidURI,
    NegotiationError,
)
from websockets.frames import CLOSE_CODE_EXPLANATIONS, DATA_OPCODES
from websockets.frames import Frame as WireFrame
from websockets.frames import Opcode as WireOpcode
from websockets.protocol import Event, State
from websockets.typing import Subprotocol
from websockets.version import version as websockets_version

from app.core.events import EventQueue
from app.core.frames import ConnectionState, Direction, Frame, Opcode, Side, StateChange
from app.core.printable import escape_controls
from app.core.protocols.base import ClientSpeaker
from app.core.wire import PASS, TEXT_FRAME, FrameSplitter
from app.net.inflate import deflate_extensions
from app.net.inspector import (
    CONNECTION_LOST,
    KEEPALIVE_CLOSE_TIMEOUT,
    NOT_ANSWERING_PINGS,
    OPEN_TIMEOUT,
    PING_TIMEOUT,
    REFUSAL_BODY_SHOWN,
    STABLE_AFTER,
    TLS_VERIFY_FAILED,
    ConnectFailed,
    NotConnectedError,
    describe_close,
    format_rtt,
)
from app.net.loop_thread import LoopThread
from app.net.options import AUTO_PROTOCOL, ConnectionOptions, OptionsError
from app.net.speaking import answer, greet, speaker_for

log = logging.getLogger("socketscope.client")


def _close_payload(code: int | None, reason: str, closed_by: str) -> str:
    return json.dumps({"code": code, "reason": reason, "by": closed_by}, ensure_ascii=False)


# Takes a whole message: its payload (str for a text), its bytes as they came, and when its read arrived.
Deliver = Callable[[str | bytes, bytes | bytearray, float], None]


class WireTimedConnection(ClientConnection):
    """A client connection that notes when its close frames crossed the wire, and hands whole messages
    over as the socket read that carried them is parsed.

    The close frames are logged only once the connection has ended (then it is known who closed
    first and how), but each keeps the time it was written to or read from the socket: so the two
    ends of one connection, such as the inspector's own to the embedded server, agree on the order.

    The library parses each frame through a generator and queues it for a reading task, which takes
    it back out, joins and decodes it, pausing and resuming the socket as its 16-frame queue fills and
    empties: at the wire limit that is most of the client's work. Once `deliver_directly` is on, a
    message in one frame (nearly all of them) is cut out of the socket read by `FrameSplitter` and
    goes to the callback at once, stamped with the time its read arrived, with its size on the wire;
    the library gets every other frame whole, from a frame boundary (the handshake's answer is handed
    to it up to its last byte, so framing starts at a boundary too). A fragmented or undecodable
    message, and everything after it, takes the library's way (so the order holds and a bad one still
    fails the connection with 1007) until the reading task has emptied the library's queue. With
    compression negotiated the library parses everything, and its whole messages are handed over
    from `process_event` instead.
    """

    close_sent_at: float | None = None
    close_received_at: float | None = None
    _deliver: Deliver | None = None
    _arrived = 0.0
    _handshake_tail = b""  # the last bytes of the handshake's answer so far, to find its end across reads

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limits = [size for size in (self.protocol.max_message_size, self.protocol.max_fragment_size) if size is not None]
        self._splitter: FrameSplitter | None = FrameSplitter(min(limits) if limits else None)

    def deliver_directly(self, deliver: Deliver) -> bool:
        """Hand whole messages to `deliver(payload, data, wall_time)` from now on (`data`: the payload's
        bytes as they came, UTF-8 for a text), unless the library's queue still holds frames (they come
        first): True if it does so."""
        if len(self.recv_messages.frames):
            return False
        self._deliver = deliver
        return True

    @property
    def delivering_directly(self) -> bool:
        return self._deliver is not None

    def data_received(self, data: bytes) -> None:
        arrived = self._arrived = time.time()
        splitter = self._splitter
        if splitter is not None:
            state = self.protocol.state
            if state is State.CONNECTING:
                data = self._through_handshake(data, arrived)
            elif state is not State.OPEN:  # closing: from here on the library reads everything
                self._splitter = None
                data = splitter.held + data
            if self._splitter is not None:
                if data:
                    self._split(data, arrived)
                return
        self._library_received(data, arrived)

    def _library_received(self, data: bytes, arrived: float) -> None:
        close_before = self.protocol.close_rcvd
        super().data_received(data)
        if close_before is None and self.protocol.close_rcvd is not None:
            self.close_received_at = arrived

    def _through_handshake(self, data: bytes, arrived: float) -> bytes:
        """Hand the library the handshake's answer up to its end and return what follows it, to be split
        if the connection opened without compression (else the library takes it and all the rest)."""
        window = self._handshake_tail + data
        found = window.find(b"\r\n\r\n")
        if found < 0:
            self._handshake_tail = window[-3:]
            self._library_received(data, arrived)
            return b""
        end = found + 4 - len(self._handshake_tail)
        self._handshake_tail = b""
        self._library_received(data[:end], arrived)
        rest = data[end:]
        if self.protocol.state is not State.OPEN or self.protocol.extensions:
            self._splitter = None
            if rest:
                self._library_received(rest, arrived)
            return b""
        return rest

    def _split(self, data: bytes, arrived: float) -> None:
        """Deliver the whole messages of a read; hand the library every other frame, in order."""
        splitter = self._splitter
        assert splitter is not None
        buffer, pieces = splitter.feed(data)
        deliver = self._deliver
        run = -1  # where the bytes for the library not yet handed over start
        for kind, frame_start, start, end in pieces:
            if kind == PASS or deliver is None:
                if run < 0:
                    run = frame_start
                continue
            if run >= 0:
                self._library_received(buffer[run:frame_start], arrived)
                run = -1
                if self.protocol.state is not State.OPEN:
                    self._splitter = None
                    self._library_received(buffer[frame_start:], arrived)
                    return
                deliver = self._deliver
                if deliver is None:
                    run = frame_start
                    continue
            payload = buffer[start:end]
            if kind == TEXT_FRAME:
                try:
                    text = payload.decode()
                except UnicodeDecodeError:  # the library's reading fails the connection with 1007
                    self._deliver = deliver = None
                    run = frame_start
                    continue
                deliver(text, payload, arrived)
            else:
                deliver(payload, payload, arrived)
        if run >= 0:
            self._library_received(buffer[run:pieces[-1][3]], arrived)
            if self.protocol.state is not State.OPEN:
                self._splitter = None
                if splitter.held:
                    self._library_received(splitter.held, arrived)

    def eof_received(self) -> None:
        splitter, self._splitter = self._splitter, None
        if splitter is not None and splitter.held:
            self._library_received(splitter.held, self._arrived)  # the library says how the frame was cut off
        super().eof_received()

    def process_event(self, event: Event) -> None:
        deliver = self._deliver
        if deliver is not None and type(event) is WireFrame and event.opcode in DATA_OPCODES:
            data = event.data  # a text is decoded from it as it is: copying a big one first costs a page fault a page
            if isinstance(data, memoryview):
                data = data.tobytes()
            if event.fin and event.opcode is WireOpcode.TEXT:
                try:
                    text = data.decode()
                except UnicodeDecodeError:
                    pass  # the library's reading fails the connection with 1007, as for any client
                else:
                    deliver(text, data, self._arrived)
                    return
            elif event.fin and event.opcode is WireOpcode.BINARY:
                data = bytes(data)
                deliver(data, data, self._arrived)
                return
            self._deliver = None
        super().process_event(event)

    def send_data(self) -> None:
        if self.close_sent_at is None and self.protocol.close_sent is not None:
            self.close_sent_at = time.time()  # the close frame is among the bytes about to be written
        super().send_data()


class InspectorConnection:
    """One client connection, reconnected if its options ask for it; lives on the client thread."""

    def __init__(self, connection_id: str, options: ConnectionOptions | str, queue: EventQueue,
                 loop_thread: LoopThread) -> None:
        self.id = connection_id
        self.options = options if isinstance(options, ConnectionOptions) else ConnectionOptions(options)
        self._queue = queue
        self._loop_thread = loop_thread
        self._websocket: ClientConnection | None = None  # open: sends go here
        self._opening: ClientConnection | None = None  # handshake done, on-connect messages going out
        self._supervisor: asyncio.Task[None] | None = None  # reads, then waits and reconnects
        self._first_attempt: asyncio.Task[None] | None = None  # open() until its attempt ends
        self._closing_by_user = False
        self._pings = itertools.count(1)
        self._speaker: ClientSpeaker | None = None  # the protocol spoken by itself, if any (app.net.speaking)
        self.state = ConnectionState.CLOSED

    @property
    def url(self) -> str:
        return self.options.url

    def _set_state(self, state: ConnectionState, detail: str = "", retry_in: float | None = None) -> None:
        self.state = state
        self._queue.put(StateChange(self.id, self.url, state, detail, retry_in))

    def _record(self, direction: Direction, opcode: Opcode, payload: str | bytes, size: int = -1,
                wall_time: float | None = None) -> None:
        frame = Frame(self.id, Side.CLIENT, direction, opcode, payload, size)
        if wall_time is not None:
            frame.wall_time = wall_time
        self._queue.put(frame)

    # -- opening and reconnecting -------------------------------------------------------------

    async def open(self) -> None:
        """Connect once; then read (and reconnect, if asked) in a background task.

        Raises `ConnectFailed` when this attempt fails. With reconnection on, a transient
        failure (refused, timeout, HTTP 5xx) still goes on retrying in the background.
        """
        if self._supervisor is not None and not self._supervisor.done():
            raise RuntimeError(f"{self.id} is already open or reconnecting")
        self._closing_by_user = False
        self._first_attempt = asyncio.current_task()
        try:
            websocket = await self._connect()
        except ConnectFailed as failure:
            if self.options.reconnect and failure.transient:
                self._supervise(None)
            raise
        finally:
            self._first_attempt = None
        self._supervise(websocket)

    def _supervise(self, websocket: WireTimedConnection | None) -> None:
        self._supervisor = self._loop_thread.spawn(self._run(websocket), name=f"run-{self.id}")

    async def _run(self, websocket: WireTimedConnection | None) -> None:
        """Read until the connection ends; while reconnection is wanted, wait out the backoff and retry."""
        attempt = 0
        while True:
            if websocket is not None:
                opened = time.monotonic()
                await self._read(websocket)
                if not self._should_reconnect(websocket):
                    return
                if time.monotonic() - opened >= STABLE_AFTER:
                    attempt = 0
            delay = self.options.reconnect_delay(attempt)
            attempt += 1
            self._set_state(ConnectionState.RECONNECTING, f"attempt {attempt} in {delay:.1f} s", retry_in=delay)
            await asyncio.sleep(delay)
            try:
                websocket = await self._connect()
            except ConnectFailed as failure:
                if not failure.transient:
                    return  # reported as FAILED; retrying would fail the same way
                websocket = None

    def _should_reconnect(self, websocket: ClientConnection) -> bool:
        """After anything but a close the user asked for, or a normal closure (1000) by the server."""
        if not self.options.reconnect or self._closing_by_user:
            return False
        protocol = websocket.protocol
        received = protocol.close_rcvd
        return not (received is not None and received.code == 1000 and protocol.close_rcvd_then_sent)

    async def _connect(self) -> WireTimedConnection:
        """One attempt: handshake, then the on-connect sequence, then OPEN; or ConnectFailed."""
        options = self.options
        self._set_state(ConnectionState.CONNECTING)
        try:
            options.check()
            context = options.ssl_context()
            websocket = cast(WireTimedConnection, await connect(
                options.effective_url(),
                create_connection=WireTimedConnection,
                additional_headers=options.request_headers() or None,
                subprotocols=[Subprotocol(name) for name in options.subprotocols] or None,
                ssl=context,
                max_size=options.max_size or None,
                compression=None,  # permessage-deflate, if chosen, is offered through `extensions`
                extensions=deflate_extensions() if options.compression else None,
                ping_interval=None,  # keepalive is ours (_keep_alive): it says when the peer stops answering
                open_timeout=OPEN_TIMEOUT,
                user_agent_header=f"SocketScope websockets/{websockets_version}",
            ))
        except (OSError, InvalidURI, InvalidHandshake, TimeoutError, ValueError) as error:
            reason, transient = describe_failure(error, options)
            self._record(Direction.EVENT, Opcode.ERROR, json.dumps({"url": self.url, "error": reason}), size=0)
            self._set_state(ConnectionState.FAILED, reason)
            raise ConnectFailed(reason, transient) from error
        response = websocket.response
        details = {
            "url": options.effective_url(),
            "subprotocol": websocket.subprotocol,
            "extensions": response.headers.get("Sec-WebSocket-Extensions") if response else None,
            "response_headers": dict(response.headers.raw_items()) if response else {},
        }
        if options.protocol != AUTO_PROTOCOL:  # chosen by the user: the decoders read it from here
            details["protocol"] = options.protocol
        if options.pair_request and options.pair_reply:
            details["pairing"] = {"request": options.pair_request, "reply": options.pair_reply}
        self._record(Direction.EVENT, Opcode.OPEN, json.dumps(details), size=0)
        self._opening = websocket
        self._speaker = speaker = speaker_for(options)  # Socket.IO: connect the namespace, answer its pings
        detail = ""
        try:
            if speaker is not None:
                detail = await greet(websocket, speaker, functools.partial(self._record, Direction.RECEIVED),
                                     functools.partial(self._send_on, websocket))
            for message in options.on_connect:  # before OPEN: nothing the user sends can overtake them
                await self._send_on(websocket, message)
        except ConnectionClosed:
            pass  # the reader reports how it closed
        finally:
            self._opening = None
        self._websocket = websocket
        self._set_state(ConnectionState.OPEN, detail)
        return websocket

    async def _read(self, websocket: WireTimedConnection) -> None:
        put = self._queue.put
        connection = self.id
        speaker, reply = self._speaker, functools.partial(self._send_on, websocket)
        keepalive = (self._loop_thread.spawn(self._keep_alive(websocket), name=f"keepalive-{self.id}")
                     if self.options.ping_interval else None)
        answering: set[asyncio.Task[None]] = set()  # a protocol's automatic replies on their way
        quiet = getattr(speaker, "quiet_prefix", "")  # frames starting so need no answer: not even asked

        def deliver(payload: str | bytes, data: bytes | bytearray, wall_time: float) -> None:
            opcode = Opcode.TEXT if type(payload) is str else Opcode.BINARY
            put(Frame(connection, Side.CLIENT, Direction.RECEIVED, opcode, payload, len(data), wall_time))
            if speaker is None or (quiet and type(payload) is str and payload.startswith(quiet)):
                return  # most of a stream: a frame the protocol never answers
            replies = speaker.answer(opcode, payload)
            if replies:  # a ping: the pong goes out at once, in order, like any frame sent
                task = asyncio.ensure_future(send_all(replies))
                answering.add(task)
                task.add_done_callback(answering.discard)

        async def send_all(replies: Sequence[str | bytes]) -> None:
            for each in replies:
                await reply(each)

        try:
            websocket.deliver_directly(deliver)
            # What the library's queue holds: messages before direct delivery, or from a fragmented or
            # undecodable one on. A plain async-for: wrapping each recv in wait_for costs a task per message.
            async for message in websocket:
                if isinstance(message, str):
                    put(Frame(connection, Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, message))
                else:
                    put(Frame(connection, Side.CLIENT, Direction.RECEIVED, Opcode.BINARY, message))
                if speaker is not None:
                    await answer(speaker, message, reply)
                if not websocket.delivering_directly:
                    websocket.deliver_directly(deliver)
        except ConnectionClosed:
            pass  # reported below from the protocol's close state
        finally:
            if keepalive is not None:
                keepalive.cancel()
            self._websocket = None
            self._record_close(websocket)
            _release(websocket)

    async def _keep_alive(self, websocket: ClientConnection) -> None:
        """Ping every `ping_interval` seconds; a peer that leaves one unanswered for `ping_timeout`
        is marked as not answering and closed with 1011 at once (the close waits 1 s, not 10)."""
        interval, timeout = self.options.ping_interval, self.options.ping_timeout
        while True:
            await asyncio.sleep(interval)
            try:
                async with asyncio.timeout(timeout or None):  # 0: wait forever, never await the pong
                    pong = await websocket.ping()  # bounded too: a peer that stopped reading blocks writes
                    if timeout:
                        await pong
            except ConnectionClosed:
                return
            except TimeoutError:
                break
        self._set_state(ConnectionState.OPEN, NOT_ANSWERING_PINGS)
        websocket.close_timeout = KEEPALIVE_CLOSE_TIMEOUT
        try:
            # The bound also covers a write buffer the peer stopped draining.
            async with asyncio.timeout(KEEPALIVE_CLOSE_TIMEOUT + 0.5):
                await websocket.close(1011, "keepalive ping timeout")
        except TimeoutError:
            websocket.transport.abort()  # the reader then records the 1011 sent

    def _record_close(self, websocket: WireTimedConnection) -> None:
        """Log the close frames in the order they crossed, and say who closed with what.

        The close that ended the connection is the first one: the peer's, or our own when the
        inspector closed (the user, or a protocol error such as 1007, 1009 or 1011). A close we
        sent that the peer never answered is still our close, not a lost connection.
        """
        protocol = websocket.protocol
        sent, received = protocol.close_sent, protocol.close_rcvd
        frames = []
        if sent is not None:
            frames.append((Direction.SENT, sent, "client", websocket.close_sent_at))
        if received is not None:
            frames.append((Direction.RECEIVED, received, "server", websocket.close_received_at))
        if protocol.close_rcvd_then_sent:
            frames.reverse()
        for direction, close, by, wall_time in frames:
            self._record(direction, Opcode.CLOSE, _close_payload(close.code, close.reason, by),
                         size=0 if close.code in (1005, 1006) else 2 + len(close.reason.encode()), wall_time=wall_time)
        if not frames:
            self._record(Direction.EVENT, Opcode.ERROR, json.dumps({"url": self.url, "error": CONNECTION_LOST}), size=0)
            self._set_state(ConnectionState.CLOSED, CONNECTION_LOST)
            return
        _direction, close, by, _wall_time = frames[0]
        self._set_state(ConnectionState.CLOSED, describe_close(close.code, close.reason, by))

    # -- acting on an open connection -----------------------------------------------------------

    async def _send_on(self, websocket: ClientConnection, payload: str | bytes) -> None:
        handed_over = time.time()  # the frame's time is when it goes to the wire, not when the call returned
        await websocket.send(payload)
        # Recorded only once the library has written it: the log never shows what was not sent.
        opcode = Opcode.TEXT if isinstance(payload, str) else Opcode.BINARY
        self._record(Direction.SENT, opcode, payload, wall_time=handed_over)

    async def send(self, payload: str | bytes) -> None:
        websocket = self._websocket
        if websocket is None:
            raise NotConnectedError(f"{self.id} is not connected")
        try:
            await self._send_on(websocket, payload)
        except ConnectionClosed as error:
            raise NotConnectedError(f"{self.id} has closed") from error

    async def ping(self) -> float:
        """Send a ping now and return the round-trip time in seconds (pong received).

        Both frames go into the log; the time is reported as a state detail ("RTT 0.4 ms").
        """
        websocket = self._websocket
        if websocket is None:
            raise NotConnectedError(f"{self.id} is not connected")
        payload = f"SocketScope ping {next(self._pings)}"
        try:
            pong = await websocket.ping(payload)
            self._record(Direction.SENT, Opcode.PING, payload)
            latency = await asyncio.wait_for(pong, PING_TIMEOUT)
        except ConnectionClosed as error:
            raise NotConnectedError(f"{self.id} closed before the pong arrived") from error
        except TimeoutError as error:
            raise TimeoutError(f"No pong within {PING_TIMEOUT:.0f} s") from error
        self._record(Direction.RECEIVED, Opcode.PONG, payload)
        if self._websocket is websocket:
            self._set_state(ConnectionState.OPEN, f"RTT {format_rtt(latency)}")
        return latency

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close with `code` and `reason`, and stop reconnecting (also while waiting to reconnect)."""
        if not (code in CLOSE_CODE_EXPLANATIONS and code not in (1005, 1006, 1015) or 3000 <= code <= 4999):
            raise ValueError(f"{code} is not a close code that may be sent (1000-1014, or 3000-4999)")
        if len(reason.encode()) > 123:
            raise ValueError("A close reason may be at most 123 bytes in UTF-8")
        self._closing_by_user = True
        websocket = self._websocket or self._opening
        if websocket is None:
            supervisor = self._supervisor
            if supervisor is not None and not supervisor.done():
                supervisor.cancel()  # waiting out a backoff or in the middle of an attempt
                self._set_state(ConnectionState.CLOSED, "reconnection stopped")
            elif self._first_attempt is not None:
                self._first_attempt.cancel()  # still connecting: give up
                self._set_state(ConnectionState.CLOSED, "closed before it opened")
            return
        self._set_state(ConnectionState.CLOSING)
        await websocket.close(code, reason)


def _release(websocket: ClientConnection) -> None:
    """Let a closed connection's memory go now, not at the next garbage collection.

    The library keeps the error that ended a connection, and with it the traceback whose
    frames reference the connection: a cycle that only the collector (run now and then on
    the GUI thread) can free, and that holds whatever the connection still had, such as
    the fragments of a message refused as too big. Dropping those tracebacks lets reference
    counting free the connection, and all it held, at once.
    """
    for error in (getattr(websocket, "connection_exc", None), getattr(websocket.protocol, "parser_exc", None)):
        seen = 0
        while error is not None and seen < 16:  # an exception chain is short; a cycle in it is not followed
            error.__traceback__ = None
            error, seen = error.__cause__ or error.__context__, seen + 1


def describe_failure(error: BaseException, options: ConnectionOptions | None = None) -> tuple[str, bool]:
    """A sentence saying why a connection attempt failed, and whether retrying may help."""
    if isinstance(error, OptionsError):
        return str(error), False
    if isinstance(error, InvalidURI):
        return f"Not a WebSocket URL: {error.uri} (use ws:// or wss://)", False
    if isinstance(error, ssl.SSLCertVerificationError):
        return (f"{TLS_VERIFY_FAILED}: {error.verify_message or error.reason}. "
                "Choose the CA file that signed the server's certificate in the connection's TLS options, "
                "or, for a test server only, allow an invalid certificate (insecure)"), False
    if isinstance(error, ssl.SSLError):
        hint = " (is the server speaking plain ws://?)" if "WRONG_VERSION_NUMBER" in str(error) else ""
        return f"TLS handshake failed: {error.reason or error}{hint}", False
    if isinstance(error, ConnectionRefusedError):
        return "Connection refused: nothing is listening there", True
    if isinstance(error, socket.gaierror):
        host = urlsplit(options.url).hostname if options else None
        return f"Cannot resolve the host name {host or ''}: {error.strerror}".replace("  ", " "), True
    if isinstance(error, TimeoutError):
        return f"No answer within {OPEN_TIMEOUT:.0f} s", True
    if isinstance(error, InvalidStatus):
        status = error.response.status_code
        phrase = escape_controls(error.response.reason_phrase)
        hint = {401: " (check the credentials: authentication options)",
                403: " (credentials, Origin or token?)",
                404: " (no WebSocket endpoint at this path)"}.get(status, "")
        body = _body_text(error.response.body)
        return (f"Handshake rejected with HTTP {status} {phrase}{hint}" + (f": {body}" if body else ""),
                status in (500, 502, 503, 504))
    if isinstance(error, NegotiationError):
        return f"Handshake failed: {error}", False
    if isinstance(error, InvalidMessage):
        hint = " (a TLS server? try wss://)" if options and not options.secure else ""
        if isinstance(error.__cause__, EOFError):
            return f"The server closed the connection during the handshake{hint}", True
        return f"Not a WebSocket server: {error}{hint}", False
    if isinstance(error, ConnectionResetError):
        hint = " during the TLS handshake (is the server speaking plain ws://?)" if options and options.secure else ""
        return f"The server reset the connection{hint}", True
    if isinstance(error, OSError):
        text = error.strerror or str(error) or type(error).__name__
        return text[0].upper() + text[1:], True
    text = str(error) or type(error).__name__
    return text[0].upper() + text[1:], False


def _body_text(body: bytes | bytearray | None) -> str:
    """What a refusing server said: the first KiB of its body, control characters escaped."""
    if not body:
        return ""
    text = escape_controls(bytes(body[:REFUSAL_BODY_SHOWN]).decode("utf-8", "backslashreplace").strip())
    return f"{text} … ({len(body):,} B in all)" if len(body) > REFUSAL_BODY_SHOWN else text

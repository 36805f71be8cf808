"""Playing a scenario against a live server, step by step, through the inspector.

The runner opens its connection as the client commands do: a `Session` without the embedded
server, whose event queue the calling thread drains. Received messages go into a small
`CaptureStore` (with the connection's open event, so a `ProtocolTracker` over it decides the protocol
as the window does), so an `expect` tests them with the filter bar's own compiled predicate, its
`event:` terms answered by that tracker; `emit` sends a Socket.IO event on the connection. A single
cursor walks the received messages: each `expect` looks at those after the one the previous
`expect` matched, whenever they arrived (during a send, too), and skips those that do not match
unless it is strict. Every wait is bounded; a stop event (Ctrl+C) ends the run at the next poll.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from app.core.capture import CaptureStore
from app.core.contracts.verdicts import TooDeep, flow_of
from app.core.events import EventQueue
from app.core.filters import compile_filter
from app.core.frames import ConnectionState, Direction, Frame, Opcode, StateChange
from app.core.protocols.tracker import ProtocolTracker
from app.core.scenarios import Close, Emit, Expect, ExpectSchema, Scenario, ScenarioError, Send, Step
from app.core.summary import summarize
from app.core.templates import TemplateError
from app.net.inspector import Inspector
from app.net.options import ConnectionOptions, OptionsError
from app.net.speaking import speaker_for
from app.services.session import LaunchOptions, Session

POLL_INTERVAL = 0.02  # seconds between drains of the event queue
CONNECT_TIMEOUT = 10.0  # seconds for the connection to open
SEND_TIMEOUT = 5.0  # seconds for a message to be handed to the socket
CLOSE_TIMEOUT = 5.0  # seconds for the closing handshake
LAST_MESSAGES = 5  # received messages shown with a failure
STORE_BUDGET = 64 * 1024 * 1024  # bytes of received messages kept; the oldest go first
_MESSAGES = (Opcode.TEXT, Opcode.BINARY)
_ENDED = (ConnectionState.CLOSED, ConnectionState.FAILED)
_FILE_OPTIONS = ("ca_file", "client_cert", "client_key")  # paths, read relative to the scenario file
_OPTION_NAMES = frozenset(f.name for f in fields(ConnectionOptions)) - {"url", "extra"}

PASSED, FAILED, NOT_RUN = "passed", "failed", "not run"

log = logging.getLogger("socketscope")


@dataclass(slots=True)
class StepResult:
    step: Step
    outcome: str = NOT_RUN
    detail: str = ""  # why it failed, or how it passed ("closed with 1000")
    matched: Frame | None = None  # the message that satisfied an expect
    seconds: float = 0.0
    received: tuple[Frame, ...] = ()  # on failure: the last messages received, oldest first

    def report(self) -> str:
        """The failure as lines: what failed and why, then the last messages received."""
        lines = [self.detail]
        if self.received:
            lines.append(f"Last {len(self.received)} received:" if len(self.received) > 1 else "Last received:")
            lines.extend(f"  {message_line(frame)}" for frame in self.received)
        else:
            lines.append("Nothing was received.")
        return "\n".join(lines)


@dataclass(slots=True)
class ScenarioResult:
    scenario: Scenario
    steps: list[StepResult]
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return all(step.outcome == PASSED for step in self.steps)

    @property
    def failed(self) -> list[StepResult]:
        return [step for step in self.steps if step.outcome == FAILED]


def message_line(frame: Frame) -> str:
    """A received message on one bounded line, as the log summarises it."""
    return summarize(frame.opcode, frame.payload, frame.size)


def step_title(number: int, step: Step) -> str:
    """`step 2 (line 7): send {...}`: how reports name a step."""
    return f"step {number} (line {step.line}): {step.describe()}"


def connection_options(scenario: Scenario) -> ConnectionOptions:
    """The scenario's URL with its `options:`, checked now; `ScenarioError` at the options' line if unusable.

    Headers may be a mapping; certificate files are relative to the scenario file.
    """
    url_problems = ConnectionOptions(scenario.url).problems()
    if url_problems:
        raise scenario.error(url_problems[0], scenario.url_line)
    data: dict[str, Any] = dict(scenario.options)
    unknown = sorted(set(data) - _OPTION_NAMES)
    if unknown:
        raise scenario.error(f"unknown option {unknown[0]!r} (options are {', '.join(sorted(_OPTION_NAMES))})",
                             scenario.options_line)
    if isinstance(data.get("headers"), dict):
        data["headers"] = [[str(name), str(value)] for name, value in data["headers"].items()]
    if isinstance(data.get("query"), dict):
        data["query"] = [[str(name), str(value)] for name, value in data["query"].items()]
    for name in _FILE_OPTIONS:
        if isinstance(data.get(name), str) and data[name]:
            data[name] = str(scenario.path.parent / Path(data[name]).expanduser())
    try:
        options = ConnectionOptions.from_dict({**data, "url": scenario.url})
        options.check()
        options.ssl_context()  # reads the certificate files: a missing one is the scenario's fault
    except OptionsError as error:
        raise scenario.error(f"options: {error}", scenario.options_line or scenario.url_line) from None
    emit = next((step for step in scenario.steps if isinstance(step, Emit)), None)
    if emit is not None and speaker_for(options) is None:
        raise scenario.error("emit needs a Socket.IO connection: a /socket.io/ URL, or options: {protocol: socket.io}",
                             emit.line)
    return options


class Link(Protocol):
    """Where a run's connection lives and how its records reach the runner's thread."""

    @property
    def inspector(self) -> Inspector: ...

    def start(self) -> None: ...

    def open(self, options: ConnectionOptions) -> str:
        """Start opening a connection with `options`; its id."""
        ...

    def drain(self) -> list[object]:
        """The records (frames, state changes) that came since the last drain, oldest first."""
        ...

    def finish(self) -> None: ...


class OwnSession:
    """The command line's link: a `Session` of its own without the embedded server, drained by the runner."""

    def __init__(self) -> None:
        self.session = Session(LaunchOptions(server=False))

    @property
    def inspector(self) -> Inspector:
        return self.session.inspector

    def start(self) -> None:
        self.session.start()

    def open(self, options: ConnectionOptions) -> str:
        return self.session.connect(options)

    def drain(self) -> list[object]:
        return self.session.queue.drain()

    def finish(self) -> None:
        self.session.shutdown()


class SharedSession:
    """The window's link: a new connection of the window's inspector, so its frames show in the log.

    The window drains its session's queue itself and hands this connection's records to `take` (on
    its thread), in queue order; the runner drains them from `feed` on its own.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.feed = EventQueue()
        self.connection = ""  # set before the connection can produce a record: `take` filters by it

    @property
    def inspector(self) -> Inspector:
        return self.session.inspector

    def start(self) -> None:
        """The window's session is already running."""

    def open(self, options: ConnectionOptions) -> str:
        self.connection = self.inspector.new_connection(options).id
        return self.session.reopen(self.connection)

    def take(self, record: Frame | StateChange) -> None:
        if record.connection == self.connection and self.connection:
            self.feed.put(record)

    def drain(self) -> list[object]:
        return self.feed.drain()

    def finish(self) -> None:
        """The connection is closed by the run; the window's session goes on."""


class ScenarioRunner:
    """Runs one scenario on the calling thread; `on_step` hears each step's result as it is known,
    `on_begin` each step's number as it starts (both on the runner's thread)."""

    def __init__(self, scenario: Scenario, options: ConnectionOptions | None = None,
                 stop: threading.Event | None = None,
                 on_step: Callable[[int, StepResult], None] | None = None,
                 link: Link | None = None, on_begin: Callable[[int], None] | None = None) -> None:
        self.scenario = scenario
        self.options = options if options is not None else connection_options(scenario)
        self.stop = stop if stop is not None else threading.Event()
        self.on_step = on_step
        self.on_begin = on_begin
        self.link: Link = link if link is not None else OwnSession()
        self.received = CaptureStore(STORE_BUDGET)  # the connection's open event and received messages
        self.protocols = ProtocolTracker(self.received)
        self._connection = ""
        self._state = ConnectionState.CONNECTING
        self._state_detail = ""
        self._cursor = 0  # the first received row the next expect looks at
        self._sends = 0
        self._matched: Frame | None = None  # what the step just before matched, for an expect_schema

    def run(self) -> ScenarioResult:
        started = time.monotonic()
        results = [StepResult(step) for step in self.scenario.steps]
        link = self.link
        link.start()
        try:
            self._connection = link.open(self.options)
            opened = self._wait(lambda: self._state not in (ConnectionState.CONNECTING, ConnectionState.RECONNECTING),
                                CONNECT_TIMEOUT)
            if self._state != ConnectionState.OPEN:
                why = self._state_detail if opened else f"it did not open within {CONNECT_TIMEOUT:g} s"
                self._fail(results[0], 1, f"could not connect to {self.options.url}: {why or self._state.value}", 0.0)
                return ScenarioResult(self.scenario, results, time.monotonic() - started)
            for number, result in enumerate(results, 1):
                if self.on_begin is not None:
                    self.on_begin(number)
                self._play(number, result)
                if result.outcome != PASSED:
                    break
            self._close_quietly()
        finally:
            link.finish()
        return ScenarioResult(self.scenario, results, time.monotonic() - started)

    # -- the steps -----------------------------------------------------------------------------------

    def _play(self, number: int, result: StepResult) -> None:
        step, started = result.step, time.monotonic()
        if self.stop.is_set():
            self._fail(result, number, "stopped before this step", 0.0)
            return
        matched_before, self._matched = self._matched, None
        if isinstance(step, Expect):
            outcome = self._expect(step)
        elif isinstance(step, ExpectSchema):
            outcome = self._expect_schema(step, matched_before)
        elif isinstance(step, Send | Emit):
            outcome = self._send(step)
        else:
            outcome = self._close(step)
        detail, matched = outcome
        self._matched = matched if isinstance(step, Expect) else None
        elapsed = time.monotonic() - started
        if detail is None:
            result.outcome, result.matched, result.seconds = PASSED, matched, elapsed
            if matched is not None:
                result.detail = f"matched {message_line(matched)}"
            if self.on_step is not None:
                self.on_step(number, result)
        else:
            self._fail(result, number, detail, elapsed)

    def _expect(self, step: Expect) -> tuple[str | None, Frame | None]:
        skipped = 0
        deadline = time.monotonic() + step.within
        store = self.received
        predicate = compile_filter(step.expression, self.protocols)
        assert predicate is not None  # the scenario's reader refuses an empty expression
        while True:
            self._drain()
            self._cursor = max(self._cursor, store.first)  # rows beyond the budget are gone
            while self._cursor < store.end:
                row = self._cursor
                self._cursor += 1
                if store.opcodes[row] not in _MESSAGES:
                    continue
                if predicate(store, row):
                    return None, store.frame(row)
                if step.strict:
                    return (f"{step.describe()} failed: strict, and the next message received does not match: "
                            f"{message_line(store.frame(row))}", None)
                skipped += 1
            others = f" ({skipped} other message{'s' if skipped != 1 else ''} did not match)" if skipped else ""
            if self._state in _ENDED:
                return f"{step.describe()} failed: the connection ended ({self._ending()}) before a match{others}", None
            if self.stop.is_set():
                return f"{step.describe()}: stopped", None
            if time.monotonic() >= deadline:
                return (f"{step.describe()} failed: no message received within {_seconds(step.within)} "
                        f"matched{others}"), None
            self.stop.wait(POLL_INTERVAL)

    def _expect_schema(self, step: ExpectSchema, matched: Frame | None) -> tuple[str | None, Frame | None]:
        """Check what the expect before matched or, with none before, the next message received."""
        frame = matched
        if frame is None:
            store = self.received
            if not self._wait(lambda: self._next_message() is not None, step.within):
                return f"{step.describe()} failed: no message received within {_seconds(step.within)}", None
            row = self._next_message()
            assert row is not None  # waited for
            frame = store.frame(row)
            self._cursor = row + 1
        if not isinstance(frame.payload, str):
            return f"{step.describe()} failed: the message is binary, not JSON: {message_line(frame)}", frame
        try:
            value = json.loads(frame.payload)
        except (ValueError, RecursionError):
            return f"{step.describe()} failed: the message is not JSON: {message_line(frame)}", frame
        try:
            verdict = step.contract.check(value, flow_of(frame.side, frame.direction), urlsplit(self.options.url).path)
        except TooDeep:
            return f"{step.describe()} failed: the message is nested too deeply to check", frame
        if verdict is None:
            return f"{step.describe()} failed: the contract describes no such message: {message_line(frame)}", frame
        if not verdict.valid:
            broken = "; ".join(f"{v.path}: {v.keyword}: {v.message}" for v in verdict.violations[:5])
            more = " (and more)" if verdict.uncounted else f" (and {verdict.count - 5:,} more)" if verdict.count > 5 else ""
            return f"{step.describe()} failed: {broken}{more} — in {message_line(frame)}", frame
        return None, frame

    def _next_message(self) -> int | None:
        """The row of the next received message the cursor has not passed, if one has come."""
        store = self.received
        self._cursor = max(self._cursor, store.first)
        while self._cursor < store.end and store.opcodes[self._cursor] not in _MESSAGES:
            self._cursor += 1
        return self._cursor if self._cursor < store.end else None

    def _send(self, step: Send | Emit) -> tuple[str | None, Frame | None]:
        self._sends += 1
        try:
            payload = (step.payload(self._sends, self.options.socketio_namespace) if isinstance(step, Emit)
                       else step.payload(self._sends))
        except TemplateError as error:
            return f"{step.describe()} failed: {error}", None
        try:
            self.link.inspector.submit_send(self._connection, payload).result(SEND_TIMEOUT)
        except Exception as error:  # the inspector says why (not open, closed meanwhile…)
            return f"{step.describe()} failed: not sent: {error or type(error).__name__}", None
        return None, None

    def _close(self, step: Close) -> tuple[str | None, Frame | None]:
        self._drain()
        if self._state in _ENDED:
            return f"{step.describe()} failed: the connection had already ended ({self._ending()})", None
        try:
            self.link.inspector.submit_close(self._connection, step.code, step.reason).result(CLOSE_TIMEOUT)
        except Exception as error:  # the closing handshake failed or timed out: say so
            return f"{step.describe()} failed: {error or type(error).__name__}", None
        if not self._wait(lambda: self._state in _ENDED, CLOSE_TIMEOUT):
            return f"{step.describe()} failed: not closed within {CLOSE_TIMEOUT:g} s", None
        return None, None

    def _fail(self, result: StepResult, number: int, detail: str, seconds: float) -> None:
        store = self.received  # one open event at most among the messages
        rows = [row for row in range(max(store.first, store.end - LAST_MESSAGES - 1), store.end)
                if store.opcodes[row] in _MESSAGES][-LAST_MESSAGES:]
        result.outcome, result.detail, result.seconds = FAILED, detail, seconds
        result.received = tuple(store.frame(row) for row in rows)
        if self.on_step is not None:
            self.on_step(number, result)

    # -- the connection -----------------------------------------------------------------------------

    def _drain(self) -> None:
        messages = []
        for item in self.link.drain():
            if isinstance(item, StateChange) and item.connection == self._connection:
                self._state, self._state_detail = item.state, item.detail
            elif type(item) is Frame and item.connection == self._connection and (
                    item.direction == Direction.RECEIVED and item.opcode in _MESSAGES or item.opcode == Opcode.OPEN):
                messages.append(item)
        if messages:
            self.received.extend(messages)
            self.received.enforce_budget()
            while not self.protocols.catch_up():  # a few rows per drain: each call decodes for 10 ms
                pass

    def _wait(self, until: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            self._drain()
            if until():
                return True
            if self.stop.is_set() or time.monotonic() >= deadline:
                return False
            self.stop.wait(POLL_INTERVAL)

    def _ending(self) -> str:
        return self._state_detail or self._state.value

    def _close_quietly(self) -> None:
        """Close with 1000 if the scenario left the connection open (shutdown would say 1001, going away)."""
        self._drain()
        if self._state in _ENDED:
            return
        try:
            self.link.inspector.submit_close(self._connection, 1000, "").result(CLOSE_TIMEOUT)
        except Exception as error:  # shutdown closes it anyway (1001); the scenario's steps are already judged
            log.warning("scenario %s: the connection did not close cleanly: %r", self.scenario.name, error)
            return
        self._wait(lambda: self._state in _ENDED, CLOSE_TIMEOUT)


def _seconds(value: float) -> str:
    return f"{value * 1000:g} ms" if value < 1 else f"{value:g} s"


def run_scenario(scenario: Scenario, stop: threading.Event | None = None,
                 on_step: Callable[[int, StepResult], None] | None = None) -> ScenarioResult:
    """Check the scenario's options (`ScenarioError`), then play it."""
    return ScenarioRunner(scenario, connection_options(scenario), stop, on_step).run()


__all__ = ["FAILED", "NOT_RUN", "PASSED", "Link", "OwnSession", "ScenarioError", "ScenarioResult", "ScenarioRunner",
           "SharedSession", "StepResult", "connection_options", "message_line", "run_scenario", "step_title"]

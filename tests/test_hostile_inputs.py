"""Hostile input through real sockets: the window keeps answering, memory stays bounded, the next good message works.

Every JSONTestSuite `n_` and `i_` file, absurd nesting, a huge frame, control characters, invalid UTF-8
and frames cut short reach the inspector from a hostile server, and the embedded server from a hostile
client, while the real window runs. Throughout, a 50 ms timer on the GUI thread must keep firing (no gap
of a second or more), the process must stay within a memory bound, the log must show exactly what came
over the wire, and a good message afterwards must arrive, be selectable and show in the tree.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import struct
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QElapsedTimer, QTimer
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from app.core.frames import ConnectionState, Direction, Opcode
from app.ui.json_tree_model import KEY, VALUE
from app.ui.main_window import MainWindow
from embedded_server.demo_app import GREETING, STATUS_UPDATE
from tests.helpers import CORPUS, shown_window
from tests.ws_server import WsTestServer

MB = 1000 * 1000
MiB = 1024 * 1024
MEMORY_HEADROOM = 600 * MB  # what hostile input may add to the process (and its document process) at most
MAX_GAP_MS = 1000  # the 50 ms heartbeat must never wait this long
GOOD = '{"ok": true}'
DEPTH = 100_000


def corpus() -> list[tuple[str, bytes]]:
    """Every file JSONTestSuite says a parser must refuse (n_) or may do either with (i_)."""
    files = sorted(p for p in CORPUS.iterdir() if p.name.startswith(("n_", "i_")))
    assert len(files) > 200, f"JSONTestSuite not found at {CORPUS}"
    return [(path.name, path.read_bytes()) for path in files]


def as_frame(data: bytes) -> str | bytes:
    """Valid UTF-8 goes as a text frame; anything else as a binary frame (as text it would be a 1007)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data


def huge_document(size: int) -> str:
    """A JSON array of records, `size` characters or a little more."""
    record = json.dumps({"id": 0, "name": "x" * 100, "tags": ["a", "b", "c"]})
    count = size // (len(record) + 1) + 1
    return "[" + ",".join(record.replace('"id": 0', f'"id": {i}', 1) for i in range(count)) + "]"


CONTROL_CHARACTERS = [
    json.dumps({"title": "\x1b]0;TITLE\x07\x1b[2J"}, ensure_ascii=False),  # retitles and clears a terminal
    "\x1b]0;TITLE\x07\x1b[2J\x1b[31mnot JSON at all",
    json.dumps({"c0": "".join(map(chr, range(32))), "c1": "".join(map(chr, range(0x7F, 0xA0)))}, ensure_ascii=False),
    '{"nul": "\\u0000", "raw nul key \\u0000": 1}',
    '{"bidi": "\u202eevil\u202c", "zero width": "a\u200bb", "bom": "\ufeff"}',
    '{"lone surrogates": ["\\ud800", "\\udfff", "\\udc00\\ud800"]}',
    "\x00" * 64,
    "\r\n\r\nHTTP/1.1 200 OK\r\n\r\n",
    bytes(range(256)),
]


@dataclass
class Batch:
    name: str
    payloads: list[str | bytes]


def inspector_batches() -> list[Batch]:
    return [
        Batch("corpus", [as_frame(data) for _, data in corpus()]),
        Batch("deep", ["[" * DEPTH + "]" * DEPTH, '{"a":' * DEPTH + "1" + "}" * DEPTH, "[" * DEPTH]),
        Batch("huge", [huge_document(32 * MiB)]),
        Batch("controls", CONTROL_CHARACTERS),
    ]


# -- measuring the window ----------------------------------------------------------------------------


class Heartbeat:
    """A 50 ms timer on the GUI thread; the longest gap between two of its ticks is how long the window froze."""

    def __init__(self, interval_ms: int = 50) -> None:
        self.worst_gap_ms = 0.0
        self._clock = QElapsedTimer()
        self._clock.start()
        self._last = self._clock.elapsed()
        self._timer = QTimer()
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    def _tick(self) -> None:
        now = self._clock.elapsed()
        self.worst_gap_ms = max(self.worst_gap_ms, now - self._last)
        self._last = now

    def stop(self) -> float:
        self._tick()
        self._timer.stop()
        return self.worst_gap_ms


def resident_bytes(pid: int | str = "self") -> int:
    """The resident set of a process (0 once it has gone), read from /proc (Linux)."""
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def window_memory(window: MainWindow) -> int:
    """What the window holds: this process and, when it runs, its document process."""
    pid = window.documents.pid
    return resident_bytes() + (resident_bytes(pid) if pid is not None else 0)


def frames_of(window: MainWindow, connection: str, direction: Direction) -> list[int]:
    """Store rows of `connection`'s text and binary messages in `direction`, in order."""
    store = window.store
    return [row for row in store.rows() if store.connection(row) == connection
            and store.directions[row] == direction and store.opcodes[row] in (Opcode.TEXT, Opcode.BINARY)]


def closes_of(window: MainWindow, connection: str) -> list[dict[str, Any]]:
    store = window.store
    return [json.loads(store.payloads[row]) for row in store.rows()
            if store.connection(row) == connection and store.opcodes[row] == Opcode.CLOSE]


def events_of(window: MainWindow, connection: str, opcode: Opcode) -> list[str]:
    store = window.store
    return [store.payloads[row] for row in store.rows()
            if store.connection(row) == connection and store.opcodes[row] == opcode]  # type: ignore[misc]


def assert_counts_are_true(window: MainWindow) -> None:
    store = window.store
    window.drain_events()
    assert window.log_model.rowCount() == len(store)
    assert window.counts_label.text() == (
        f"{len(store):,} messages · ↑ {store.sent_count:,} sent · ↓ {store.received_count:,} received")


def select(window: MainWindow, qtbot: Any, row: int, shown: Callable[[], Any], timeout: int = 20_000) -> None:
    """Select a store row in the log as a user clicking it would, and wait until the message view shows it."""
    window.log_view.selectRow(row - window.store.first)
    qtbot.waitUntil(lambda: window.message_view.info.text().startswith(f"#{row + 1} ") and shown(),
                    timeout=timeout)


def tree_shows_good_message(window: MainWindow) -> bool:
    tree = window.message_view.tree_model
    return (tree.rowCount() == 1 and tree.index(0, KEY).data() == "ok"
            and tree.index(0, VALUE).data() == "true")


# -- the hostile server the inspector connects to ---------------------------------------------------


class HostileServer(WsTestServer):
    """Sends the batch a client names, then `{"ok": true}`; other commands break the connection on purpose.

      <batch name>      every payload of the batch, then the good message
      ok                only the good message
      invalid-utf8 N    the N-th corpus file that is not UTF-8, as a text frame (the client must close with 1007)
      truncated         a frame header promising 4,096 bytes, 100 of them, then the TCP connection closes
      oversized         a frame header promising 300 MiB, beyond the inspector's limit (1009)
    """

    def __init__(self, batches: list[Batch]) -> None:
        super().__init__()
        self.batches = {batch.name: batch.payloads for batch in batches} | {"ok": []}

    async def _handle(self, websocket: ServerConnection) -> None:
        try:
            async for command in websocket:
                assert isinstance(command, str)
                if command in self.batches:
                    for payload in self.batches[command]:
                        await websocket.send(payload)
                    await websocket.send(GOOD)
                elif command.startswith("invalid-utf8 "):
                    await websocket.send(NOT_UTF8[int(command.split()[1])], text=True)
                elif command == "truncated":
                    websocket.transport.write(bytes([0x81, 126]) + struct.pack("!H", 4096) + b"x" * 100)
                    websocket.transport.close()
                    return
                elif command == "oversized":
                    websocket.transport.write(bytes([0x81, 127]) + struct.pack("!Q", 300 * MiB) + b"x" * 1024)
        except ConnectionClosed:
            pass


NOT_UTF8 = [data for _, data in corpus() if isinstance(as_frame(data), bytes)]
BREAKERS = [f"invalid-utf8 {n}" for n in range(len(NOT_UTF8))] + ["truncated", "oversized"]


@pytest.fixture(scope="module")
def batches() -> list[Batch]:
    return inspector_batches()


@pytest.fixture
def hostile_server(batches: list[Batch]) -> Iterator[HostileServer]:
    server = HostileServer(batches).start()
    yield server
    server.stop()


def ask(window: MainWindow, qtbot: Any, connection: str, command: str) -> None:
    """Send a command to the hostile server through the window's inspector connection."""
    sent = window.session.inspector.submit_send(connection, command)
    qtbot.waitUntil(sent.done, timeout=5000)
    sent.result()


def open_connection(window: MainWindow, qtbot: Any, url: str) -> str:
    """A new inspector connection, as the connections panel opens one; returns once it is open."""
    connection = window.session.connect(url)
    qtbot.waitUntil(lambda: window.connection_states.get(connection) == ConnectionState.OPEN, timeout=5000)
    return connection


def break_connection(window: MainWindow, qtbot: Any, url: str, command: str) -> str:
    """Open a connection, have the server break it with `command`, wait until the window shows it closed."""
    connection = open_connection(window, qtbot, url)
    ask(window, qtbot, connection, command)
    qtbot.waitUntil(lambda: window.connection_states.get(connection) == ConnectionState.CLOSED, timeout=5000)
    window.drain_events()
    return connection


def errors_of(window: MainWindow, connection: str) -> list[str]:
    return [json.loads(payload)["error"] for payload in events_of(window, connection, Opcode.ERROR)]


def test_a_hostile_server_cannot_freeze_the_window_or_corrupt_its_log(  # type: ignore[no-untyped-def]
    qtbot, hostile_server: HostileServer, batches: list[Batch], capsys
) -> None:
    url = hostile_server.url("/")
    with shown_window(qtbot, "--connect", url, wait_open=True) as window:
        connection = window.current_connection
        assert connection is not None
        heartbeat = Heartbeat()
        baseline = window_memory(window)
        peak = baseline
        expected: list[str | bytes] = []
        for batch in batches:
            ask(window, qtbot, connection, batch.name)
            expected += [*batch.payloads, GOOD]
            qtbot.waitUntil(lambda: len(frames_of(window, connection, Direction.RECEIVED)) == len(expected),
                            timeout=20_000)
            received = frames_of(window, connection, Direction.RECEIVED)
            assert [window.store.payloads[row] for row in received] == expected, batch.name  # nothing lost or altered
            assert_counts_are_true(window)
            select(window, qtbot, received[-1], lambda: tree_shows_good_message(window))
            peak = max(peak, window_memory(window))
            assert peak - baseline < MEMORY_HEADROOM, f"after {batch.name}: {(peak - baseline) / MB:.0f} MB more"

        # The worst of them, opened in the message view while the heartbeat runs.
        row_of = {id(payload): row for payload, row in zip(expected, frames_of(window, connection, Direction.RECEIVED))}
        deep, deep_object, unclosed = batches[1].payloads
        huge = batches[2].payloads[0]
        invalid = next(payload for (name, _), payload in zip(corpus(), batches[0].payloads)
                       if name.startswith("n_") and isinstance(payload, str))
        tree, info = window.message_view.tree_model, window.message_view.info
        select(window, qtbot, row_of[id(deep)], lambda: tree.rowCount() == 1)
        select(window, qtbot, row_of[id(deep_object)], lambda: tree.rowCount() == 1 and tree.index(0, KEY).data() == "a")
        select(window, qtbot, row_of[id(unclosed)], lambda: "Not JSON" in info.text())
        select(window, qtbot, row_of[id(huge)], lambda: tree.rowCount() >= 500)
        select(window, qtbot, row_of[id(invalid)], lambda: "Not JSON" in info.text())
        select(window, qtbot, row_of[id(CONTROL_CHARACTERS[-1])], lambda: "Binary frame" in info.text())
        peak = max(peak, window_memory(window))

        # Frames that break the connection: each is logged for what it is, nothing half-read becomes a message.
        for command in BREAKERS:
            broken = break_connection(window, qtbot, url, command)
            assert frames_of(window, broken, Direction.RECEIVED) == [], command
            closes = closes_of(window, broken)
            if command.startswith("invalid-utf8"):
                assert [(c["code"], c["by"]) for c in closes] == [(1007, "client")], command
            elif command == "oversized":
                assert [(c["code"], c["by"]) for c in closes] == [(1009, "client")], command
            else:  # the peer vanished mid-frame: no close frame either way
                assert closes == [] and errors_of(window, broken) == ["connection lost without a close frame (1006)"]
        good = open_connection(window, qtbot, url)
        ask(window, qtbot, good, "ok")
        qtbot.waitUntil(lambda: len(frames_of(window, good, Direction.RECEIVED)) == 1, timeout=5000)
        select(window, qtbot, frames_of(window, good, Direction.RECEIVED)[0], lambda: tree_shows_good_message(window))
        assert_counts_are_true(window)
        peak = max(peak, window_memory(window))

        worst = heartbeat.stop()
        with capsys.disabled():
            print(f"\nhostile server: worst heartbeat gap {worst:.0f} ms, memory +{(peak - baseline) / MB:.0f} MB")
        assert worst < MAX_GAP_MS
        assert peak - baseline < MEMORY_HEADROOM


@pytest.mark.xfail(strict=True, reason="issue item B1: the inspector's own 1007/1009 close is also reported as 1006")
@pytest.mark.parametrize(("command", "code"), [("invalid-utf8 0", 1007), ("oversized", 1009)])
def test_a_close_the_inspector_made_is_reported_with_its_own_code(  # type: ignore[no-untyped-def]
    qtbot, hostile_server: HostileServer, command: str, code: int
) -> None:
    url = hostile_server.url("/")
    with shown_window(qtbot, "--connect", url, wait_open=True) as window:
        broken = break_connection(window, qtbot, url, command)
        assert window.current_connection == broken
        assert errors_of(window, broken) == []  # no "connection lost without a close frame (1006)"
        assert str(code) in window.state_label.text() and "1006" not in window.state_label.text()

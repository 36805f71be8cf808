"""How the inspector's connections end, told truly everywhere: the log, the state label, the
connections panel and the commands' exit messages. The peers are hand-written hostile servers."""

from __future__ import annotations

import asyncio
import json

import pytest
from PySide6 import QtGui
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument

from app.core.frames import ConnectionState, Opcode, StateChange
from app.main import build
from app.net.inspector import NOT_ANSWERING_PINGS, Inspector
from app.net.options import ConnectionOptions
from app.ui.connections.panel import STATE
from app.ui.shell.main_window import MainWindow
from tests.helpers import WaitableQueue
from tests.raw_peer import RawPeer, close_without_a_close_frame, frame, read_frame, sends_then_drops
from tests.test_capture_commands import run

LATIN1_TEXT = frame(1, b'{"name": "caf\xe9"}')  # a text frame that is not UTF-8
INVALID_UTF8 = "closed by the client with 1007: invalid continuation byte at position 13"
HUGE = 300 * 1024 * 1024  # announced beyond the default 256 MiB limit; never sent
KEEPALIVE_TIMEOUT = "closed by the client with 1011: keepalive ping timeout"


def last_state(events: WaitableQueue, connection: str) -> StateChange | None:
    changes = [s for s in events.seen if isinstance(s, StateChange) and s.connection == connection]
    return changes[-1] if changes else None


def ended(events: WaitableQueue, connection: str) -> StateChange:
    return events.wait_for(lambda _: (state := last_state(events, connection)) is not None
                           and state.state == ConnectionState.CLOSED and state, timeout=15)


@pytest.mark.parametrize(("script", "options", "close"), [
    (sends_then_drops(LATIN1_TEXT), {}, {"code": 1007, "reason": "invalid continuation byte at position 13"}),
    (sends_then_drops(frame(2, b"", length=2048)), {"max_size": 1024},
     {"code": 1009, "reason": "frame with 2048 bytes exceeds limit of 1024 bytes"}),
], ids=["1007-invalid-utf8", "1009-over-max-size"])
def test_a_close_of_the_inspector_is_reported_with_its_code_not_as_a_lost_connection(
        inspector: Inspector, events: WaitableQueue, script, options, close) -> None:
    with RawPeer(script) as peer:  # drops the TCP connection without answering the close
        connection = inspector.new_connection(ConnectionOptions(peer.url, **options))
        inspector.submit_open(connection).result(5)
        state = ended(events, connection.id)
    frames = events.frames(connection.id)
    assert [json.loads(f.payload) for f in frames if f.opcode == Opcode.CLOSE] == [{**close, "by": "client"}]
    assert [f.payload for f in frames if f.opcode == Opcode.ERROR] == []
    assert state.detail == f"closed by the client with {close['code']}: {close['reason']}"


def test_state_label_and_connections_panel_say_who_closed_with_what(qtbot) -> None:
    with RawPeer(sends_then_drops(LATIN1_TEXT)) as peer:
        window: MainWindow = build(["--no-server", "--connect", peer.url])
        qtbot.addWidget(window)
        try:
            qtbot.waitUntil(lambda: window.connection_states.get("client#1") == ConnectionState.CLOSED, timeout=10_000)
            assert window.state_label.text() == INVALID_UTF8[0].upper() + INVALID_UTF8[1:]
            row = window.connections_panel.model.row_of("client#1")
            assert row is not None and row.state_text() == INVALID_UTF8
            store = window.store
            assert not any(store.opcodes[r] == Opcode.ERROR for r in range(len(store)))
        finally:
            window.shutdown()


def test_a_server_closing_normally_reads_once_in_the_label(qtbot) -> None:
    async def says_goodbye(reader, writer) -> None:
        writer.write(frame(8, (1000).to_bytes(2, "big") + b"done"))
        await writer.drain()
        await read_frame(reader)  # the client's answer
        writer.close()

    with RawPeer(says_goodbye) as peer:
        window: MainWindow = build(["--no-server", "--connect", peer.url])
        qtbot.addWidget(window)
        try:
            qtbot.waitUntil(lambda: window.connection_states.get("client#1") == ConnectionState.CLOSED, timeout=10_000)
            assert window.state_label.text() == "Closed by the server with 1000: done"
        finally:
            window.shutdown()


def test_record_exits_with_the_inspectors_own_close(tmp_path) -> None:
    with RawPeer(sends_then_drops(LATIN1_TEXT)) as peer:
        result = run("record", peer.url, "--out", str(tmp_path / "c.jsonl"))
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines()[-1] == f"socketscope record: {INVALID_UTF8}"


def test_send_exits_with_the_inspectors_own_close() -> None:
    async def answers_too_big(reader, writer) -> None:
        await read_frame(reader)  # the message sent
        writer.write(frame(1, b"", length=HUGE))
        await writer.drain()
        await close_without_a_close_frame(reader, writer)

    with RawPeer(answers_too_big) as peer:
        result = run("send", peer.url, "--json", "{}", "--expect", "1")
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines()[-1] == (
        f"socketscope send: closed by the client with 1009: frame with {HUGE} bytes exceeds limit of "
        f"{256 * 1024 * 1024} bytes after 0 of 1 replies")


async def stops_reading(_reader: asyncio.StreamReader, _writer: asyncio.StreamWriter) -> None:
    """A peer that hangs: it never reads again, never answers a ping, never closes."""
    await asyncio.Event().wait()


def test_a_peer_that_stops_answering_pings_is_marked_and_closed_with_1011_in_time(
        inspector: Inspector, events: WaitableQueue) -> None:
    interval, timeout = 1.0, 1.0
    with RawPeer(stops_reading) as peer:
        connection = inspector.new_connection(ConnectionOptions(peer.url, ping_interval=interval, ping_timeout=timeout))
        inspector.submit_open(connection).result(5)
        state = ended(events, connection.id)
    frames = events.frames(connection.id)
    opened = next(f for f in frames if f.opcode == Opcode.OPEN)
    close = next(f for f in frames if f.opcode == Opcode.CLOSE)
    assert json.loads(close.payload) == {"code": 1011, "reason": "keepalive ping timeout", "by": "client"}
    assert interval + timeout <= close.wall_time - opened.wall_time <= interval + timeout + 2
    assert [f for f in frames if f.opcode == Opcode.ERROR] == []
    details = [s.detail for s in events.seen if isinstance(s, StateChange) and s.connection == connection.id]
    assert details[-2:] == [NOT_ANSWERING_PINGS, KEEPALIVE_TIMEOUT] and state.detail == KEEPALIVE_TIMEOUT


def test_the_panel_marks_a_peer_not_answering_pings_before_closing_it(qtbot) -> None:
    with RawPeer(stops_reading) as peer:
        window: MainWindow = build(["--no-server"])
        qtbot.addWidget(window)
        model = window.connections_panel.model
        shown: list[str] = []
        model.dataChanged.connect(lambda *_: shown.extend(r.state_text() for r in model.rows[:1]))
        try:
            window.session.connect(ConnectionOptions(peer.url, ping_interval=0.5, ping_timeout=0.5))
            qtbot.waitUntil(lambda: window.connection_states.get("client#1") == ConnectionState.CLOSED, timeout=10_000)
            assert "open: not answering pings" in shown and shown[-1] == KEEPALIVE_TIMEOUT
            assert window.state_label.text() == "Closed by the client with 1011: keepalive ping timeout"
        finally:
            window.shutdown()


GO_AWAY = b"go away: you are not on the list"
REFUSED = b"HTTP/1.1 403 Forbidden\r\nContent-Length: %d\r\n\r\n%s" % (len(GO_AWAY), GO_AWAY)
REFUSAL = "Handshake rejected with HTTP 403 Forbidden (credentials, Origin or token?): " + GO_AWAY.decode()


def test_a_refused_handshake_shows_the_servers_answer_in_the_log_and_the_state(qtbot) -> None:
    with RawPeer(response=REFUSED) as peer:
        window: MainWindow = build(["--no-server", "--connect", peer.url])
        qtbot.addWidget(window)
        try:
            qtbot.waitUntil(lambda: window.connection_states.get("client#1") == ConnectionState.FAILED, timeout=10_000)
            assert window.state_label.text() == f"Failed: {REFUSAL}"
            row = window.connections_panel.model.row_of("client#1")
            assert row is not None and row.state_text() == f"failed: {REFUSAL}"
            store = window.store
            errors = [json.loads(store.payloads[r])["error"] for r in range(len(store)) if store.opcodes[r] == Opcode.ERROR]
            assert errors == [REFUSAL]
        finally:
            window.shutdown()


def test_an_error_page_is_shown_escaped_and_cut_to_a_kib(inspector: Inspector, events: WaitableQueue) -> None:
    page = b"<html>\n<h1>Oops\x1b[2J</h1>" + b"x" * 3000 + b"</html>"
    response = b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/html\r\n\r\n" + page  # ends at EOF
    with RawPeer(response=response) as peer:
        connection = inspector.new_connection(ConnectionOptions(peer.url))
        with pytest.raises(Exception, match="HTTP 500") as failed:
            inspector.submit_open(connection).result(5)
    shown = str(failed.value)
    head = "Handshake rejected with HTTP 500 Internal Server Error: <html>\\u000a<h1>Oops\\u001b[2J</h1>xxx"
    assert shown.startswith(head) and shown.endswith(f"x … ({len(page):,} B in all)")
    assert len(shown) == len(head) + 1024 - len(b"<html>\n<h1>Oops\x1b[2J</h1>xxx") + len(f" … ({len(page):,} B in all)")
    assert last_state(events, connection.id).detail == shown


def test_record_says_what_the_refusing_server_answered(tmp_path) -> None:
    with RawPeer(response=REFUSED) as peer:
        result = run("record", peer.url, "--out", str(tmp_path / "c.jsonl"))
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines()[-1] == f"socketscope record: {REFUSAL}"


def test_a_long_refusal_leaves_the_window_its_width(qtbot) -> None:
    page = b"<html>" + b"Internal error " * 200 + b"</html>"
    with RawPeer(response=b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: %d\r\n\r\n%s" % (len(page), page)) as peer:
        window: MainWindow = build(["--no-server", "--connect", peer.url])
        qtbot.addWidget(window)
        try:
            qtbot.waitUntil(lambda: window.connection_states.get("client#1") == ConnectionState.FAILED, timeout=10_000)
            label = window.state_label
            tip = shown_as_tooltip(label.toolTip())
            assert tip.startswith("Failed: Handshake rejected with HTTP 500 Internal Server Error: <html>")
            assert tip.endswith(f" … ({len(page):,} B in all)")
            assert label.text().endswith("…") and label.sizeHint().width() <= label.maximumWidth()
            assert window.minimumSizeHint().width() < 1600
        finally:
            window.shutdown()


def shown_as_tooltip(tip: str) -> str:
    """The text a tooltip shows: Qt renders what looks like HTML as HTML."""
    document = QTextDocument()
    if QtGui.Qt.mightBeRichText(tip):
        document.setHtml(tip)
    else:
        document.setPlainText(tip)
    return document.toPlainText()


def test_an_error_page_in_the_state_label_is_plain_text_on_one_line(qtbot) -> None:
    page = b"<html><body><h1>500</h1>boom</body></html>"
    response = b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: %d\r\n\r\n%s" % (len(page), page)
    with RawPeer(response=response) as peer:
        window: MainWindow = build(["--no-server", "--connect", peer.url])
        qtbot.addWidget(window)
        window.show()
        try:
            qtbot.waitUntil(lambda: window.connection_states.get("client#1") == ConnectionState.FAILED, timeout=10_000)
            label = window.state_label
            assert "<h1>500</h1>boom" in label.text()
            assert label.sizeHint().height() < 2 * label.fontMetrics().height()  # one line: the URL bar keeps its height
            assert label.textFormat() == Qt.TextFormat.PlainText  # the markup is shown, never rendered
            for tip in (label.toolTip(), window.connections_panel.model.index(0, STATE).data(Qt.ItemDataRole.ToolTipRole)):
                assert "<h1>500</h1>boom" in shown_as_tooltip(tip), tip  # the tooltips, too, show the markup
        finally:
            window.shutdown()

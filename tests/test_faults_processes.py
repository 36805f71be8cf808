"""Faults with real peers in other processes, seen through the window and the inspector."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator

import pytest

from app.core.frames import ConnectionState, Direction, Opcode
from app.main import build
from app.ui.log.model import SUMMARY
from app.ui.shell.main_window import MainWindow
from embedded_server.demo_app import GREETING
from tests.helpers import PeerProcess


@pytest.fixture
def open_window(qtbot) -> Iterator[Callable[[list[str]], MainWindow]]:
    """Build windows with the given arguments; each is shut down, closed and deleted after the test."""
    built: list[MainWindow] = []

    def open_(argv: list[str]) -> MainWindow:
        window = build(argv)
        qtbot.addWidget(window)  # closed (which shuts it down) and deleted after the test
        built.append(window)
        return window

    yield open_
    for window in built:
        window.shutdown()


def received_texts(window: MainWindow, connection: str) -> list[str | bytes]:
    store = window.store
    return [store.payloads[row] for row in range(len(store))
            if store.connection(row) == connection and store.opcodes[row] == Opcode.TEXT
            and store.directions[row] == Direction.RECEIVED]


def summaries(window: MainWindow) -> list[str]:
    model = window.log_model
    return [model.data(model.index(row, SUMMARY)) for row in range(model.rowCount())]


def test_upstream_killed_mid_stream_shows_1006_keeps_everything_and_a_new_connect_works(open_window, qtbot) -> None:
    with PeerProcess("stream") as upstream, PeerProcess("stream") as replacement:
        window = open_window(["--no-server", "--connect", upstream.url])
        qtbot.waitUntil(lambda: len(received_texts(window, "client#1")) >= 200, timeout=10_000)
        upstream.kill()
        qtbot.waitUntil(lambda: window.connection_states.get("client#1") == ConnectionState.CLOSED, timeout=10_000)
        qtbot.waitUntil(lambda: "1006" in window.state_label.text(), timeout=5_000)
        seqs = [json.loads(text)["seq"] for text in received_texts(window, "client#1")]
        assert seqs == list(range(len(seqs))) and len(seqs) >= 200  # every message that arrived is kept, in order
        qtbot.waitUntil(lambda: any("1006" in s for s in summaries(window)), timeout=5_000)  # shown in the log

        window.url_edit.setText(replacement.url)
        window.toggle_connection()
        qtbot.waitUntil(lambda: len(received_texts(window, "client#2")) >= 10, timeout=10_000)
        assert window.state_label.text() == "Open"
        assert len(received_texts(window, "client#1")) == len(seqs)  # the old capture is untouched


def test_taken_default_port_is_reported_and_the_server_falls_back(open_window, qtbot) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        window = open_window(["--port", str(taken)])
        qtbot.waitUntil(lambda: window.state_label.text() == "Open", timeout=10_000)
        address = window.session.server_address
        assert address is not None and address.port != taken and address.fell_back_from == taken
        assert f"Port {taken} is in use" in window.notice_label.text()
        assert f":{address.port}" in window.server_label.text()
        qtbot.waitUntil(lambda: json.dumps(GREETING, separators=(",", ":")) in "".join(
            json.dumps(json.loads(t), separators=(",", ":")) for t in received_texts(window, "client#1")),
            timeout=10_000)


def test_invalid_utf8_from_the_server_is_closed_with_1007_by_the_inspector(open_window, qtbot) -> None:
    with PeerProcess("invalid-utf8") as peer:
        window = open_window(["--no-server", "--connect", peer.url])
        qtbot.waitUntil(lambda: window.connection_states.get("client#1") == ConnectionState.CLOSED, timeout=10_000)
        store = window.store
        closes = [json.loads(store.payloads[r]) for r in range(len(store)) if store.opcodes[r] == Opcode.CLOSE]
        assert any(c["code"] == 1007 and c["by"] == "client" for c in closes), closes
        assert received_texts(window, "client#1") == []  # nothing invalid was passed off as text


def test_garbage_instead_of_a_handshake_is_a_clear_error(open_window, qtbot) -> None:
    with PeerProcess("garbage") as peer:
        window = open_window(["--no-server", "--connect", peer.url])
        qtbot.waitUntil(lambda: window.connection_states.get("client#1") == ConnectionState.FAILED, timeout=10_000)
        text = window.state_label.text()
        assert text.startswith("Failed: ") and len(text) > len("Failed: ") + 5, text
        qtbot.waitUntil(lambda: any(s for s in summaries(window) if "error" in s), timeout=5_000)

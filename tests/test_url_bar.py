"""The URL bar in the real window: Enter opens the typed URL, the button toggles."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from app.core.frames import ConnectionState
from app.ui.shell.main_window import MainWindow
from tests.helpers import shown_window
from tests.ws_server import WsTestServer


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:
    with shown_window(qtbot, "--status-delay", "60", wait_open=True) as window:
        yield window


@pytest.fixture
def server() -> Iterator[WsTestServer]:
    server = WsTestServer().start()
    yield server
    server.stop()


def type_url_and_press_enter(window: MainWindow, url: str, qtbot) -> None:
    edit = window.url_edit
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, url)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def state(window: MainWindow, connection: str | None) -> ConnectionState | None:
    return None if connection is None else window.connection_states.get(connection)


def test_enter_opens_the_typed_url_and_closes_the_previous_quick_connection(
        window: MainWindow, server: WsTestServer, qtbot) -> None:
    first = window.current_connection
    assert first == "client#1" and state(window, first) == ConnectionState.OPEN

    type_url_and_press_enter(window, server.url("/a"), qtbot)
    qtbot.waitUntil(lambda: len(server.connections) == 1, timeout=5000)
    assert server.connections[0].path == "/a"
    second = window.current_connection
    assert second not in (None, first)
    qtbot.waitUntil(lambda: state(window, second) == ConnectionState.OPEN, timeout=5000)
    qtbot.waitUntil(lambda: state(window, first) == ConnectionState.CLOSED, timeout=5000)
    qtbot.waitUntil(lambda: window.state_label.text() == "Open", timeout=3000)
    assert window.url_edit.text() == server.url("/a") and window.connect_button.text() == "Disconnect"

    type_url_and_press_enter(window, server.url("/b"), qtbot)  # the bar's own connection is replaced
    qtbot.waitUntil(lambda: len(server.connections) == 2 and server.connections[0].ended.is_set(), timeout=5000)
    assert server.connections[1].path == "/b"
    assert (server.connections[0].close_code, server.connections[0].close_reason) == (1000, "closed by the user")
    third = window.current_connection
    assert third not in (first, second)
    qtbot.waitUntil(lambda: state(window, third) == ConnectionState.OPEN, timeout=5000)
    assert state(window, second) == ConnectionState.CLOSED

    window.connect_button.click()  # the button still toggles: it disconnects…
    qtbot.waitUntil(lambda: server.connections[1].ended.is_set(), timeout=5000)
    qtbot.waitUntil(lambda: window.connect_button.text() == "Connect", timeout=3000)
    window.connect_button.click()  # …and connects again to the URL in the bar
    qtbot.waitUntil(lambda: len(server.connections) == 3, timeout=5000)
    assert server.connections[2].path == "/b"
    qtbot.waitUntil(lambda: window.connect_button.text() == "Disconnect", timeout=3000)


def test_enter_on_a_bad_url_says_why_and_keeps_the_open_connection(
        window: MainWindow, qtbot) -> None:
    first = window.current_connection
    type_url_and_press_enter(window, "http://127.0.0.1:1/ws", qtbot)
    assert "ws:// or wss://" in window.notice_label.text()
    assert window.current_connection == first and state(window, first) == ConnectionState.OPEN
    assert window.url_edit.text() == "http://127.0.0.1:1/ws"  # the typed text stays to be corrected


def test_enter_leaves_connections_with_their_own_options_open(
        window: MainWindow, server: WsTestServer, qtbot) -> None:
    from app.net.options import ConnectionOptions

    quick = window.current_connection
    own = window.session.connect(ConnectionOptions(server.url("/own"), headers=(("X-Team", "blue"),)))
    qtbot.waitUntil(lambda: state(window, own) == ConnectionState.OPEN, timeout=5000)
    assert window.current_connection == own  # the new connection is the target, and the bar shows it

    type_url_and_press_enter(window, server.url("/quick"), qtbot)
    qtbot.waitUntil(lambda: len(server.connections) == 2, timeout=5000)
    qtbot.waitUntil(lambda: state(window, quick) == ConnectionState.CLOSED, timeout=5000)  # the quick one made way
    assert state(window, own) == ConnectionState.OPEN and not server.connections[0].ended.is_set()

"""An empty log says how to get messages into it, or that the filter hides them."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication

from app.core.frames import Direction, Frame, Opcode, Side
from tests.helpers import shown_window


def test_an_empty_log_says_how_to_connect_and_offers_the_servers_url(qtbot) -> None:
    with shown_window(qtbot, wait_open=True) as window:
        hint = window.log_pane.empty_hint
        qtbot.waitUntil(lambda: bool(hint.server_url) and window.log_model.rowCount() > 0, timeout=5000)
        assert not hint.isVisible()  # the greeting is in the log
        window.clear_log()
        assert hint.isVisible() and window.log_model.rowCount() == 0
        url = f"ws://127.0.0.1:{window.session.server_address.port}/ws"
        assert hint.server_url == url and url in hint.text.text() and "Ctrl+L" in hint.text.text()
        assert hint.copy_button.isVisible()
        hint.copy_button.click()
        assert QGuiApplication.clipboard().text() == url
        window.ingest([Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, '{"a": 1}')])
        window.show_new_rows()
        assert not hint.isVisible()  # a message is in view: nothing to say
        window.filter_bar.edit.setText("$.nothing")
        with qtbot.waitSignal(window.filter_bar.applied, timeout=3000):
            window.filter_bar.apply()
        assert hint.isVisible() and "No message matches the filter" in hint.text.text()
        assert not hint.copy_button.isVisible()


def test_without_the_embedded_server_the_hint_names_only_the_url_bar(qtbot) -> None:
    with shown_window(qtbot, "--no-server") as window:
        hint = window.log_pane.empty_hint
        assert hint.isVisible() and "Type a ws:// URL" in hint.text.text()
        assert "embedded server" not in hint.text.text() and not hint.copy_button.isVisible()

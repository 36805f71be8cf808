"""Saved connection profiles: saved from the options dialog into the real SQLite file, found again
after the window restarts, opened from the Connections panel against a real server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.core.frames import ConnectionState
from app.main import build
from app.net.options import ConnectionOptions
from app.services.persistence import Persistence
from app.ui.connections.dialog import ConnectionDialog
from app.ui.connections.profiles import SECRETS_NOTE, ProfileBar
from app.ui.shell.main_window import MainWindow
from tests.ws_server import WsTestServer


def open_window(qtbot) -> MainWindow:
    window = build(["--no-server"])
    qtbot.addWidget(window)
    window.show()
    return window


@pytest.fixture
def server() -> Iterator[WsTestServer]:
    server = WsTestServer().start()
    yield server
    server.stop()


def save_as(bar: ProfileBar, name: str, qtbot) -> None:
    bar.save_button.click()
    qtbot.waitUntil(lambda: bar.name_dialog is not None and bar.name_dialog.isVisible(), timeout=2000)
    assert bar.name_dialog is not None
    bar.name_dialog.setTextValue(name)
    bar.name_dialog.accept()


def answer(bar: ProfileBar, button_text: str, qtbot) -> None:
    qtbot.waitUntil(lambda: bar.question is not None and bar.question.isVisible(), timeout=2000)
    assert bar.question is not None
    chosen = next(b for b in bar.question.buttons() if b.text() == button_text)
    chosen.click()
    qtbot.waitUntil(lambda: bar.question is None, timeout=2000)


def test_a_profile_saved_in_the_dialog_survives_a_restart_and_opens_from_the_panel(
        server: WsTestServer, qtbot) -> None:
    window = open_window(qtbot)
    panel = window.connections_panel
    panel.new_connection()
    dialog = panel.dialog
    assert dialog is not None and dialog.profile_bar is not None
    bar = dialog.profile_bar
    assert bar.status.text() == SECRETS_NOTE  # the user is told before saving that secrets stay out
    dialog.url.setText(server.url("/feed"))
    dialog.headers.add_row("X-Team", "blue")
    dialog.subprotocols.setText("json")
    dialog.auth.setCurrentIndex(dialog.auth.findData("bearer"))
    dialog.token.setText("s3cret")
    save_as(bar, "staging", qtbot)
    qtbot.waitUntil(lambda: bar.chosen_name == "staging", timeout=2000)
    assert bar.status.text() == "Saved profile 'staging' (the token and password were left out)."
    saved = window.payload_tools.store.profiles()["staging"]
    assert saved["bearer_token"] == "" and saved["headers"] == [["X-Team", "blue"]]

    dialog.ping_interval.setValue(5)  # saving again under the same name asks first
    save_as(bar, "staging", qtbot)
    answer(bar, "Cancel", qtbot)
    assert window.payload_tools.store.profiles()["staging"]["ping_interval"] == 20.0
    save_as(bar, "staging", qtbot)
    answer(bar, "Replace", qtbot)
    assert window.payload_tools.store.profiles()["staging"]["ping_interval"] == 5.0
    dialog.auth.setCurrentIndex(dialog.auth.findData("none"))
    save_as(bar, "plain", qtbot)
    qtbot.waitUntil(lambda: bar.chosen_name == "plain", timeout=2000)
    dialog.reject()
    window.shutdown()

    window = open_window(qtbot)  # the same data directory: a new run
    try:
        panel = window.connections_panel
        panel.profiles_menu.aboutToShow.emit()  # as when the menu opens
        titles = [a.text() for a in panel.profiles_menu.actions() if a.text()]
        assert titles[:2] == [f"plain  —  {server.url('/feed')}", f"staging  —  {server.url('/feed')}"]

        # No secret needed: the profile connects at once.
        plain = panel.open_profile("plain")
        assert plain is not None
        qtbot.waitUntil(lambda: window.connection_states.get(plain) == ConnectionState.OPEN, timeout=5000)
        seen = server.connections[0]
        assert seen.headers["x-team"] == "blue" and seen.headers["sec-websocket-protocol"] == "json"
        assert "authorization" not in seen.headers

        # The bearer profile opens the dialog with everything but the token, which it asks for.
        staging = next(a for a in panel.profiles_menu.actions() if a.text().startswith("staging"))
        staging.trigger()
        qtbot.waitUntil(lambda: panel.dialog is not None and panel.dialog.isVisible(), timeout=2000)
        dialog = panel.dialog
        assert dialog is not None and dialog.profile_bar is not None
        assert dialog.windowTitle() == "Connection options · staging"
        assert dialog.url.text() == server.url("/feed") and dialog.ping_interval.value() == 5.0
        assert dialog.token.text() == "" and dialog.tabs.currentIndex() == 1
        assert "Type the token" in dialog.profile_bar.status.text()
        assert "type the token" in window.notice_label.text()
        dialog.token.setText("s3cret")
        dialog.ok_button.click()
        qtbot.waitUntil(lambda: len(server.connections) == 2, timeout=5000)
        assert server.connections[1].headers["authorization"] == "Bearer s3cret"
    finally:
        window.shutdown()


def test_loading_and_deleting_profiles_in_the_dialog(tmp_path, qtbot) -> None:
    store = Persistence(tmp_path / "profiles.sqlite3")
    store.save_profile("prices", ConnectionOptions(
        "wss://prices.test/feed", query=(("v", "2"),), auth="basic", username="ada", password="kept out",
        ca_file="/ca.pem", reconnect=True, on_connect=('{"subscribe": "prices"}',)).to_dict(include_secrets=False))
    store.save_profile("hand edited", {"url": 42})  # a bad value: listed as unreadable, never loaded
    dialog = ConnectionDialog(ConnectionOptions("ws://127.0.0.1:1/ws"), profiles=store)
    qtbot.addWidget(dialog)
    bar = dialog.profile_bar
    assert bar is not None
    assert [bar.picker.itemText(i) for i in range(bar.picker.count())] == [
        "Choose a saved profile…", "hand edited (unreadable)", "prices"]
    assert not bar.choose("hand edited")
    assert "cannot be loaded: Profile field 'url' has the wrong type: 42" in bar.status.text()
    assert dialog.url.text() == "ws://127.0.0.1:1/ws"  # nothing replaced

    assert bar.choose("prices")
    options = dialog.options()
    assert (options.url, options.query, options.username, options.password, options.ca_file, options.reconnect,
            options.on_connect) == ("wss://prices.test/feed", (("v", "2"),), "ada", "", "/ca.pem", True,
                                    ('{"subscribe": "prices"}',))
    assert bar.status.text() == "Loaded 'prices'. Type the password: profiles do not keep secrets."
    assert dialog.password.hasFocus() or not dialog.isVisible()

    bar.delete_button.click()
    answer(bar, "Delete", qtbot)
    assert set(store.profiles()) == {"hand edited"}
    assert bar.status.text() == "Deleted profile 'prices'."
    store.close()


def test_options_that_cannot_connect_are_not_saved(tmp_path, qtbot) -> None:
    store = Persistence(tmp_path / "profiles.sqlite3")
    dialog = ConnectionDialog(ConnectionOptions("http://nowhere"), profiles=store)
    qtbot.addWidget(dialog)
    assert dialog.profile_bar is not None
    dialog.profile_bar.save_button.click()
    assert dialog.profile_bar.name_dialog is None
    assert dialog.profile_bar.status.text().startswith("Not saved: Not a WebSocket URL: http://nowhere")
    assert store.profiles() == {}
    store.close()

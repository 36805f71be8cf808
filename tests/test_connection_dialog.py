"""The connection options dialog in the real window: where the keyboard starts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.main import build
from app.net.options import ConnectionOptions
from app.ui.shell.main_window import MainWindow


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:
    window = build(["--no-server"])
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    yield window
    window.shutdown()


def open_new_connection_dialog(window: MainWindow, qtbot):
    panel = window.connections_panel
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyRelease(QApplication.activeModalWidget() or window, Qt.Key.Key_Shift)  # QTest leaves it held
    qtbot.waitUntil(lambda: panel.dialog is not None and panel.dialog.isVisible(), timeout=2000)
    return panel.dialog


def test_the_dialog_opens_with_the_url_focused_and_selected(window: MainWindow, qtbot) -> None:
    dialog = open_new_connection_dialog(window, qtbot)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.url, timeout=2000)
    assert dialog.url.selectedText() == dialog.url.text() != ""  # typing replaces it
    qtbot.keyClicks(QApplication.focusWidget(), "ws://127.0.0.1:9/typed")
    assert dialog.url.text() == "ws://127.0.0.1:9/typed"
    dialog.reject()


def test_a_profile_that_needs_its_token_still_focuses_the_token(window: MainWindow, qtbot) -> None:
    options = ConnectionOptions("ws://127.0.0.1:9/ws", auth="bearer")
    window.payload_tools.store.save_profile("staging", options.to_dict(include_secrets=False))
    panel = window.connections_panel
    assert panel.open_profile("staging") is None  # it needs the token: the dialog asks for it
    qtbot.waitUntil(lambda: panel.dialog is not None and panel.dialog.isVisible(), timeout=2000)
    dialog = panel.dialog
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.token, timeout=2000)
    dialog.reject()


def test_the_protocol_is_chosen_in_the_dialog_and_kept(window: MainWindow, qtbot) -> None:
    from app.ui.connections.dialog import ConnectionDialog

    dialog = ConnectionDialog(ConnectionOptions("ws://127.0.0.1:9/ws", protocol="raw"), window)
    choices = [dialog.protocol.itemData(index) for index in range(dialog.protocol.count())]
    assert choices[:3] == ["auto", "raw", "jsonrpc"]
    assert dialog.options().protocol == "raw"
    dialog.protocol.setCurrentIndex(choices.index("jsonrpc"))
    assert dialog.options().protocol == "jsonrpc"
    unknown = ConnectionDialog(ConnectionOptions("ws://127.0.0.1:9/ws", protocol="from-a-newer-version"), window)
    assert unknown.options().protocol == "from-a-newer-version"  # kept as it was, not turned into auto
    dialog.reject()
    unknown.reject()


def test_the_socketio_fields_round_trip_and_no_field_is_lost_through_the_dialog(window: MainWindow, qtbot) -> None:
    from dataclasses import fields

    from app.ui.connections.dialog import ConnectionDialog

    original = ConnectionOptions("ws://127.0.0.1:9/socket.io/?EIO=4", socketio_namespace="/admin",
                                 socketio_auth='{"token": "t"}', protocol="socket.io", reconnect=True,
                                 on_connect=("40",), ping_interval=7.0, pair_request="$.rid", pair_reply="$.re")
    dialog = ConnectionDialog(original, window)
    assert dialog.socketio_namespace.text() == "/admin" and dialog.socketio_auth.text() == '{"token": "t"}'
    assert (dialog.pair_request.text(), dialog.pair_reply.text()) == ("$.rid", "$.re")
    kept = dialog.options()
    assert [(f.name, getattr(kept, f.name)) for f in fields(ConnectionOptions)] == \
        [(f.name, getattr(original, f.name)) for f in fields(ConnectionOptions)]
    dialog.socketio_namespace.setText("")
    assert dialog.options().socketio_namespace == "/"
    dialog.reject()

"""`--app module:attr` in the window: the user's own app, tapped exactly."""

from __future__ import annotations

from app.core.frames import Direction, Opcode
from app.main import build


def test_users_app_traffic_is_shown_exactly(qtbot) -> None:
    window = build(["--port", "0", "--app", "tests.thirdparty_app:app"])
    qtbot.addWidget(window)
    try:
        qtbot.waitUntil(lambda: "is served at" in window.notice_label.text(), timeout=5000)
        assert window.current_connection is None  # the user's app may have no /ws: no guess
        window.url_edit.setText(window.session.server_address.ws_url("/shout"))
        window.toggle_connection()
        qtbot.waitUntil(lambda: window.state_label.text() == "Open", timeout=5000)
        window.composer.editor.setPlainText('{"msg": "quiet"}')
        window.composer.request_send()
        store = window.store

        def payloads(connection: str, direction: Direction) -> list[str | bytes]:
            return [store.payloads[r] for r in range(len(store)) if store.connection(r) == connection
                    and store.directions[r] == direction and store.opcodes[r] == Opcode.TEXT]

        qtbot.waitUntil(lambda: bool(payloads("client#1", Direction.RECEIVED)), timeout=5000)
        assert payloads("client#1", Direction.SENT) == ['{"msg": "quiet"}']
        assert payloads("server#1", Direction.RECEIVED) == ['{"msg": "quiet"}']
        assert payloads("server#1", Direction.SENT) == ['{"MSG": "QUIET"}']
        assert payloads("client#1", Direction.RECEIVED) == ['{"MSG": "QUIET"}']
    finally:
        window.shutdown()


def test_unloadable_app_is_reported_in_the_window(qtbot) -> None:
    window = build(["--port", "0", "--app", "tests.thirdparty_app:nothing"])
    qtbot.addWidget(window)
    try:
        qtbot.waitUntil(lambda: "has no attribute" in window.notice_label.text(), timeout=5000)
        assert window.session.server is None
    finally:
        window.shutdown()

"""Regenerate docs/connections.png: the connections panel with the options dialog over the window.

`python docs/connections_screenshot.py` (offscreen; starts the app on a free port).
"""

from __future__ import annotations

from PySide6.QtGui import QPainter
from screenshot_kit import DOCS, open_window, pump, settle

from app.net.options import ConnectionOptions


def main() -> None:
    app, window = open_window(1280, 800)
    window.dock_layout.fold_band(False)  # the bottom band starts folded to its tabs
    panel = window.connections_panel
    address = window.session.server_address
    assert address is not None  # open_window waited for the server's greeting
    echo = address.ws_url("/ws/echo")
    window.session.connect(ConnectionOptions(echo, subprotocols=("json",), reconnect=True,
                                             on_connect=('{"action": "subscribe", "topic": "prices"}',)))
    window.session.connect(ConnectionOptions("ws://127.0.0.1:9/feed", reconnect=True, reconnect_initial=8))
    window.session.connect(ConnectionOptions("wss://127.0.0.1:9/secure"))
    pump(app, lambda: panel.model.rowCount() == 4 and panel.model.rows[1].change.state.value == "open")
    panel.select("client#2")
    panel.ping_selected()
    pump(app, lambda: panel.model.rows[1].rtt is not None)
    window.payload_tools.store.save_profile("staging feed", ConnectionOptions(
        "wss://127.0.0.1:8443/feed", headers=(("X-Team", "blue"),), auth="bearer").to_dict(include_secrets=False))
    panel.new_connection()
    dialog = panel.dialog
    assert dialog is not None and dialog.profile_bar is not None
    dialog.profile_bar.choose("staging feed")
    settle(app)
    image = window.grab()
    painter = QPainter(image)
    painter.drawPixmap((image.width() - dialog.width()) // 2, 90, dialog.grab())
    painter.end()
    out = DOCS / "connections.png"
    image.save(str(out))
    print(out)
    dialog.reject()
    window.shutdown()


if __name__ == "__main__":
    main()

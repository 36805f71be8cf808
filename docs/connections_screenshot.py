"""Regenerate docs/connections.png: the connections panel with the options dialog over the window.

`python docs/connections_screenshot.py` (offscreen; starts the app on a free port).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The profile saved below must not land in the user's own data file and settings.
_PRIVATE = tempfile.mkdtemp(prefix="socketscope-screenshot-")
os.environ["SOCKETSCOPE_DATA_DIR"] = _PRIVATE
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtGui import QPainter  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.main import build  # noqa: E402
from app.net.options import ConnectionOptions  # noqa: E402
from docs.screenshot import pump  # noqa: E402

QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, _PRIVATE)


def main() -> None:
    app = QApplication([])
    window = build(["--port", "0", "--status-delay", "0.3"])
    window.resize(1280, 800)
    window.show()
    panel = window.connections_panel
    pump(app, lambda: window.store.received_count >= 2)
    echo = window.session.server_address.ws_url("/ws/echo")
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
    pump(app, lambda: False, 0.4)
    image = window.grab()
    painter = QPainter(image)
    painter.drawPixmap((image.width() - dialog.width()) // 2, 90, dialog.grab())
    painter.end()
    out = Path(__file__).resolve().parent / "connections.png"
    image.save(str(out))
    dialog.reject()
    window.shutdown()
    print(out)


if __name__ == "__main__":
    main()

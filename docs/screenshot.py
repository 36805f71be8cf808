"""Regenerate docs/screenshot.png from the real window (offscreen): `python docs/screenshot.py`."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The screenshot's sends and layout must not land in the user's own history and settings.
_PRIVATE = tempfile.mkdtemp(prefix="socketscope-screenshot-")
os.environ["SOCKETSCOPE_DATA_DIR"] = _PRIVATE
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QEventLoop, QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, _PRIVATE)

from app.main import build  # noqa: E402


def pump(app: QApplication, until, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not until() and time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def main() -> None:
    app = QApplication([])
    window = build(["--port", "0", "--status-delay", "0.3"])
    window.resize(1280, 760)
    window.show()
    pump(app, lambda: window.store.received_count >= 3)
    payloads = [
        '{"action": "ping", "id": 1}',
        '{"action": "unsubscribe", "topics": ["news"], "id": 2}',
        '{"action": "subscribe", "topics": ["prices", "news"], "id": 9007199254740993}',
    ]
    for number, payload in enumerate(payloads, start=1):
        window.composer.editor.setPlainText(payload)
        window.composer.request_send()
        pump(app, lambda: sum('"echo"' in p for p in window.store.payloads if isinstance(p, str)) >= 2 * number)
    # What the inspector issue promises on screen: a filter, a column from a JSON path, the tree.
    window.log_columns.add_column("$.echo.action")
    window.filter_bar.edit.setText("conn:client $.status == 'received'")
    window.filter_bar.apply()
    pump(app, lambda: window.log_model.rowCount() == len(payloads))
    window.log_view.selectRow(window.log_model.rowCount() - 1)
    pump(app, lambda: window.message_view.tree_model.rowCount() > 0)
    window.message_view.tree.expandAll()
    pump(app, lambda: False, 0.3)
    out = Path(__file__).resolve().parent / "screenshot.png"
    window.grab().save(str(out))
    window.shutdown()
    print(out)


if __name__ == "__main__":
    main()

"""Regenerate docs/log-directions.png: the log with sent, received and event rows in their colours.

`python docs/log_directions_screenshot.py` (offscreen; starts the app on a free port).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The sends below must not land in the user's own history and settings.
_PRIVATE = tempfile.mkdtemp(prefix="socketscope-screenshot-")
os.environ["SOCKETSCOPE_DATA_DIR"] = _PRIVATE
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.core.frames import Direction  # noqa: E402
from app.main import build  # noqa: E402
from docs.screenshot import pump  # noqa: E402

QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, _PRIVATE)


def main() -> None:
    app = QApplication([])
    window = build(["--port", "0", "--status-delay", "0.3"])
    window.resize(1400, 760)
    window.show()
    pump(app, lambda: window.store.received_count >= 3)
    payloads = ['{"action": "subscribe", "topics": ["prices"], "id": 1}', '{"action": "ping", "id": 2}',
                '{"order": "buy", "qty": 3, "id": 3}']
    for number, payload in enumerate(payloads, start=1):
        window.composer.editor.setPlainText(payload)
        window.composer.request_send()
        pump(app, lambda: sum('"echo"' in p for p in window.store.payloads if isinstance(p, str)) >= 2 * number)
    window.splitters[0].setSizes([900, 500])
    store = window.store
    sent = next(row for row in range(store.end - 1, store.first - 1, -1)
                if store.directions[row] == Direction.SENT and store.connection(row) == "client#1")
    window.log_view.selectRow(sent - store.first)
    pump(app, lambda: window.message_view.tree_model.rowCount() > 0)
    pump(app, lambda: False, 0.3)
    out = Path(__file__).resolve().parent / "log-directions.png"
    window.grab().save(str(out))
    window.shutdown()
    print(out)


if __name__ == "__main__":
    main()

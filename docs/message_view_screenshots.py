"""Regenerate docs/hex-view.png (a binary frame's hex dump) and docs/deep-tree.png (a deep key with its
JSONPath under the tree) from the real window: `python docs/message_view_screenshots.py` (offscreen;
starts the app on a free port).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The screenshot's sends and layout must not land in the user's own history and settings.
_PRIVATE = tempfile.mkdtemp(prefix="socketscope-screenshot-")
os.environ["SOCKETSCOPE_DATA_DIR"] = _PRIVATE
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.core.frames import Direction, Opcode  # noqa: E402
from app.main import build  # noqa: E402
from docs.screenshot import pump  # noqa: E402

QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, _PRIVATE)

DOCS = Path(__file__).resolve().parent
# A binary frame as a peer might send it: a little header, a name, then raw bytes.
BINARY = (b"SSv1\x00\x01\x02\x00" + b"sensor/temperature\x00" + bytes(range(0, 256, 3))
          + b"\xde\xad\xbe\xef" * 8 + b"end of frame\n")
# Nested settings, 24 levels deep: past the Key column's first width.
LEVELS = ["settings", "profiles", "production", "regions", "eu_west", "clusters", "primary", "nodes",
          "node_7", "services", "gateway", "routes", "api_v2", "handlers", "orders", "middleware",
          "rate_limit", "policy", "burst", "window", "limits", "per_client", "retry", "backoff_ms"]
DEEP = "".join(f'{{"{key}": ' for key in LEVELS[:-1]) + f'{{"enabled": true, "{LEVELS[-1]}": [100, 200, 400]' \
    + "}" * len(LEVELS)


def select_sent(window, opcode: int) -> None:  # type: ignore[no-untyped-def]
    """Select the newest row the inspector sent with `opcode`."""
    store = window.store
    for view_row in reversed(range(window.log_model.rowCount())):
        row = window.view.store_row(view_row)
        if store.opcodes[row] == opcode and store.directions[row] == Direction.SENT \
                and store.connection(row).startswith("client"):
            window.log_view.selectRow(view_row)
            return
    raise RuntimeError("the frame was not logged")


def main() -> None:
    app = QApplication([])
    window = build(["--port", "0", "--status-delay", "0.3"])
    window.resize(1440, 760)
    window.show()
    window.splitters[0].setSizes([600, 840])  # room for the message view
    window.splitters[1].setSizes([380, 120])
    pump(app, lambda: window.store.received_count >= 3)
    view = window.message_view

    window.composer.convert_to("hex")
    window.composer.set_text(BINARY.hex(" "))
    window.composer.request_send()
    pump(app, lambda: any(op == Opcode.BINARY for op in window.store.opcodes))
    pump(app, lambda: False, 0.3)
    select_sent(window, Opcode.BINARY)
    pump(app, lambda: view.tabs.currentWidget() is view.hex)
    pump(app, lambda: False, 0.3)
    window.grab().save(str(DOCS / "hex-view.png"))

    window.composer.convert_to("text")
    window.composer.set_text(DEEP)
    window.composer.request_send()
    pump(app, lambda: sum(p == DEEP for p in window.store.payloads if isinstance(p, str)) >= 1)
    pump(app, lambda: False, 0.3)
    select_sent(window, Opcode.TEXT)
    pump(app, lambda: view.tree_model.rowCount() > 0)
    view.tabs.setCurrentWidget(view.tree_panel)
    panel = view.tree_panel
    panel.find_edit.setText(LEVELS[-1])
    panel.find_step(1)
    pump(app, lambda: panel.breadcrumb.text().endswith(LEVELS[-1]))
    pump(app, lambda: False, 0.3)
    window.grab().save(str(DOCS / "deep-tree.png"))
    window.shutdown()
    print(DOCS / "hex-view.png", DOCS / "deep-tree.png")


if __name__ == "__main__":
    main()

"""Regenerate docs/contract.png: a connection checked against a JSON Schema, invalid orders flagged in the
log's Contract column, the selected one's violations under the message and its nodes marked in the tree.

Run it under an X server (for example Xvfb): `DISPLAY=:99 python docs/contract_screenshot.py`.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "xcb")  # before the kit: it would choose offscreen

from design_screenshots import ORDER  # noqa: E402
from screenshot_kit import grab_screen, open_x_window, pump, require_x_server, settle  # noqa: E402

from app.core.frames import Direction  # noqa: E402
from app.net.options import ConnectionOptions  # noqa: E402

# What the shop's API promises of an order event.
SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema", "title": "order.created",
    "type": "object", "required": ["type", "id", "total", "currency", "items"],
    "properties": {
        "type": {"const": "order.created"}, "id": {"type": "string", "pattern": "^ord_"},
        "total": {"type": "number", "minimum": 0}, "currency": {"enum": ["EUR", "GBP", "USD"]},
        "items": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["sku", "qty", "price"],
            "properties": {"sku": {"type": "string"}, "qty": {"type": "integer", "minimum": 1},
                           "price": {"type": "number"}}}},
    },
}
BROKEN = json.dumps({**json.loads(ORDER), "id": 7731, "total": "137.50", "currency": "eur",
                     "items": [{"sku": "KB-87", "qty": 0, "price": 89.5}]})


def main() -> None:
    require_x_server("contract_screenshot.py")
    schema = Path(tempfile.mkdtemp(prefix="socketscope-contract-")) / "order.schema.json"
    schema.write_text(json.dumps(SCHEMA, indent=2))
    app, window, server = open_x_window("--status-delay", "60", "--theme", "light")
    url = server.ws_url("/ws/echo")
    connection = window.session.connect(ConnectionOptions(url, contract=str(schema)))
    pump(app, lambda: str(window.connection_states.get(connection, "")).endswith("OPEN"))
    for payload in (ORDER, BROKEN, ORDER):
        window.session.inspector.submit_send(connection, payload).result(5)
    store = window.store
    pump(app, lambda: sum(store.connection(row) == connection for row in store.rows()) >= 7)
    pump(app, lambda: window.capture.checks.checked_until >= store.end, timeout=10)
    window.filter_bar.edit.setText(f"conn:{connection}")
    window.filter_bar.apply()
    pump(app, lambda: window.filter_bar.status.text().startswith("7 of"))
    settle(app)
    broken = next(view_row for view_row in range(window.log_model.rowCount())
                  if store.payloads[window.view.store_row(view_row)] == BROKEN
                  and store.directions[window.view.store_row(view_row)] == Direction.RECEIVED)
    window.log_view.selectRow(broken)
    pump(app, lambda: window.message_view.tree_model.rowCount() > 0)
    window.message_view.tree.expandAll()
    settle(app)
    grab_screen(window, "contract.png")
    window.shutdown()


if __name__ == "__main__":
    main()

"""Regenerate docs/hex-view.png (a binary frame's hex dump) and docs/deep-tree.png (a deep key with its
JSONPath under the tree) from the real window: `python docs/message_view_screenshots.py` (offscreen;
starts the app on a free port).
"""

from __future__ import annotations

from screenshot_kit import open_window, pump, save, settle

from app.core.frames import Direction, Opcode

# A binary frame as a peer might send it: a little header, a name, then raw bytes.
BINARY = (b"SSv1\x00\x01\x02\x00" + b"sensor/temperature\x00" + bytes(range(0, 256, 3))
          + b"\xde\xad\xbe\xef" * 8 + b"end of frame\n")
# Nested settings, 24 levels deep: past the Key column's first width.
LEVELS = ["settings", "profiles", "production", "regions", "eu_west", "clusters", "primary", "nodes",
          "node_7", "services", "gateway", "routes", "api_v2", "handlers", "orders", "middleware",
          "rate_limit", "policy", "burst", "window", "limits", "per_client", "retry", "backoff_ms"]
DEEP = "".join(f'{{"{key}": ' for key in LEVELS[:-1]) + f'{{"enabled": true, "{LEVELS[-1]}": [100, 200, 400]' \
    + "}" * len(LEVELS)


def select_sent(window, opcode: int) -> None:
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
    app, window = open_window(1440, 760)
    window.splitters[0].setSizes([600, 840])  # room for the message view
    window.splitters[1].setSizes([380, 120])
    view = window.message_view

    window.composer.convert_to("hex")
    window.composer.set_text(BINARY.hex(" "))
    window.composer.request_send()
    pump(app, lambda: any(op == Opcode.BINARY for op in window.store.opcodes))
    settle(app)
    select_sent(window, Opcode.BINARY)
    pump(app, lambda: view.tabs.currentWidget() is view.hex)
    settle(app)
    save(window, "hex-view.png")

    window.composer.convert_to("text")
    window.composer.set_text(DEEP)
    window.composer.request_send()
    pump(app, lambda: sum(p == DEEP for p in window.store.payloads if isinstance(p, str)) >= 1)
    settle(app)
    select_sent(window, Opcode.TEXT)
    pump(app, lambda: view.tree_model.rowCount() > 0)
    view.tabs.setCurrentWidget(view.tree_panel)
    panel = view.tree_panel
    panel.find_edit.setText(LEVELS[-1])
    panel.find_step(1)
    pump(app, lambda: panel.breadcrumb.text().endswith(LEVELS[-1]))
    settle(app)
    save(window, "deep-tree.png")
    window.shutdown()


if __name__ == "__main__":
    main()

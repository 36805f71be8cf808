"""Regenerate docs/screenshot.png from the real window (offscreen): `python docs/screenshot.py`."""

from __future__ import annotations

from screenshot_kit import open_window, pump, save, send_through_composer, settle


def main() -> None:
    app, window = open_window(1280, 760)
    payloads = [
        '{"action": "ping", "id": 1}',
        '{"action": "unsubscribe", "topics": ["news"], "id": 2}',
        '{"action": "subscribe", "topics": ["prices", "news"], "id": 9007199254740993}',
    ]
    send_through_composer(app, window, payloads)
    # What the inspector issue promises on screen: a filter, a column from a JSON path, the tree.
    window.log_columns.add_column("$.echo.action")
    window.filter_bar.edit.setText("conn:client $.status == 'received'")
    window.filter_bar.apply()
    pump(app, lambda: window.log_model.rowCount() == len(payloads))
    window.log_view.selectRow(window.log_model.rowCount() - 1)
    pump(app, lambda: window.message_view.tree_model.rowCount() > 0)
    window.message_view.tree.expandAll()
    settle(app)
    save(window, "screenshot.png")
    window.shutdown()


if __name__ == "__main__":
    main()

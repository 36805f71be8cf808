"""Regenerate docs/log-directions.png: the log with sent, received and event rows in their colours.

`python docs/log_directions_screenshot.py` (offscreen; starts the app on a free port).
"""

from __future__ import annotations

from screenshot_kit import open_window, pump, save, send_through_composer, settle

from app.core.frames import Direction


def main() -> None:
    app, window = open_window(1400, 760)
    send_through_composer(app, window, ['{"action": "subscribe", "topics": ["prices"], "id": 1}',
                                        '{"action": "ping", "id": 2}', '{"order": "buy", "qty": 3, "id": 3}'])
    window.splitters[0].setSizes([900, 500])
    store = window.store
    sent = next(row for row in range(store.end - 1, store.first - 1, -1)
                if store.directions[row] == Direction.SENT and store.connection(row) == "client#1")
    window.log_view.selectRow(sent - store.first)
    pump(app, lambda: window.message_view.tree_model.rowCount() > 0)
    settle(app)
    save(window, "log-directions.png")
    window.shutdown()


if __name__ == "__main__":
    main()

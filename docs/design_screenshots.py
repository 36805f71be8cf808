"""Regenerate docs/design-{light,dark}-{1280x800,1920x1080}.png: the window as it first opens, in a real X
server, in both themes, with a conversation in the log and a message selected.

Run it under an X server whose screen is at least 1920×1080 (for example Xvfb): `DISPLAY=:99 python
docs/design_screenshots.py`. The picture is taken from the screen, not re-rendered, so it shows what
the X server shows. docs/design.md compares these pictures with other WebSocket tools.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "xcb")  # before the kit: it would choose offscreen

from screenshot_kit import grab_screen, open_x_window, pump, require_x_server, send_through_composer, settle  # noqa: E402

from app.ui.shell import theme_switch  # noqa: E402

SIZES = ((1280, 800), (1920, 1080))
# An order as a shop's API might send it: enough keys to fill the tree.
ORDER = ('{"type": "order.created", "id": "ord_7Q2K", "at": "2026-12-06T16:20:05.113Z", "customer": '
         '{"id": 4182, "name": "Ada Lovelace", "email": "ada@example.com", "tier": "gold"}, "items": ['
         '{"sku": "KB-87", "name": "Keyboard", "qty": 1, "price": 89.5}, {"sku": "MS-12", "name": "Mouse", '
         '"qty": 2, "price": 24.0}], "total": 137.5, "currency": "EUR", "paid": true, "coupon": null, '
         '"shipping": {"method": "express", "eta_days": 2, "address": {"city": "London", "country": "GB"}}}')
CONVERSATION = ['{"action": "subscribe", "topics": ["orders", "prices"], "id": 1}',
                '{"action": "ping", "id": 2}', ORDER]


def shoot(theme: str, width: int, height: int) -> None:
    app, window, _ = open_x_window("--status-delay", "0.3", "--theme", theme, width=width, height=height, greetings=3)
    send_through_composer(app, window, CONVERSATION)
    for view_row in reversed(range(window.log_model.rowCount())):  # the inspector's own send of the order
        row = window.view.store_row(view_row)
        if window.store.payloads[row] == ORDER and window.store.connection(row).startswith("client"):
            window.log_view.selectRow(view_row)
            break
    pump(app, lambda: window.message_view.tree_model.rowCount() > 0)
    window.message_view.tree.expandAll()
    settle(app)
    grab_screen(window, f"design-{theme}-{width}x{height}.png")
    window.shutdown()
    window.close()
    theme_switch.install(theme_switch.saved_theme())


def main() -> None:
    require_x_server("design_screenshots.py")
    for theme in ("light", "dark"):
        for width, height in SIZES:
            shoot(theme, width, height)


if __name__ == "__main__":
    main()

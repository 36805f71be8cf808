"""docs/statistics.png: the Statistics dock and a field plot over live traffic, from the real window.

Run on a real X server (the screen is grabbed, so the plot window beside the main one shows too):
`DISPLAY=:N QT_QPA_PLATFORM=xcb .venv/bin/python docs/statistics_screenshot.py [--dark] [OUT.png]`.
Three connections to the embedded server: client#1 sends prices (a random walk) to `/ws`, client#2 reads
`/ws/stream` at 40 messages a second, client#3 calls JSON-RPC `slow` with 5 to 150 ms delays on `/ws/rpc`.
"""

from __future__ import annotations

import json
import random
import sys

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from screenshot_kit import DOCS, pump, settle  # keeps the run's data and settings private

from app.main import build
from app.net.options import ConnectionOptions

SECONDS = 30  # of traffic before the picture


def main() -> None:
    dark = "--dark" in sys.argv
    names = [arg for arg in sys.argv[1:] if arg.endswith(".png")]
    out = DOCS / (names[0] if names else "statistics.png")
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    window = build(["--port", "0", "--theme", "dark" if dark else "light"])
    window.setGeometry(0, 0, 1280, 800)
    window.show()
    pump(app, lambda: window.connection_states.get("client#1") is not None and window.store.received_count >= 1)
    address = window.session.server_address
    assert address is not None
    window.session.connect(ConnectionOptions(address.ws_url("/ws/stream") + "?rate=40&count=100000&size=120"))
    window.session.connect(ConnectionOptions(address.ws_url("/ws/rpc"), subprotocols=("jsonrpc",)))
    pump(app, lambda: len(window.connection_states) >= 3)

    rng = random.Random(7)
    price, calls = [100.0], [0]

    def send() -> None:
        price[0] = round(price[0] + rng.gauss(0, 0.6), 2)
        window.session.inspector.submit_send("client#1", json.dumps({"symbol": "ACME", "price": price[0]}))
        calls[0] += 1
        request = {"jsonrpc": "2.0", "method": "slow", "params": {"ms": rng.choice((5, 10, 20, 40, 80, 150))},
                   "id": calls[0]}
        window.session.inspector.submit_send("client#3", json.dumps(request))

    timer = QTimer()
    timer.timeout.connect(send)
    timer.start(120)
    window.stats_dock.raise_()
    window.resizeDocks([window.stats_dock], [330], Qt.Orientation.Vertical)
    pump(app, lambda: False, SECONDS)
    plot = window.field_plots.open("$.price")
    assert plot is not None
    plot.setGeometry(700, 90, 560, 330)
    pump(app, lambda: False, 3)
    timer.stop()
    settle(app)
    screen = app.primaryScreen()
    screen.grabWindow(0).save(str(out))
    print(out)
    window.shutdown()


if __name__ == "__main__":
    main()

"""Run `socketscope` as `python -m app` would, printing when the window is painted and the first message arrives.

Started by bench_startup.py in a fresh process; prints `painted <wall time>` and
`first_message <wall time>`, then quits the app. The only addition to the real start-up is an
application-wide event filter, installed before the app builds its window.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv[:1])  # app.main reuses it

    class Watcher(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.window: QMainWindow | None = None
            self.painted = False

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if not self.painted and event.type() == QEvent.Type.Paint and isinstance(watched, QMainWindow):
                self.painted = True
                self.window = watched
                print(f"painted {time.time():.6f}", flush=True)
                poll.start()
            return False

    def first_message() -> None:
        store = getattr(watcher.window, "store", None)
        if store is not None and store.received_count > 0:
            print(f"first_message {time.time():.6f}", flush=True)
            poll.stop()
            app.quit()

    watcher = Watcher()
    app.installEventFilter(watcher)
    poll = QTimer()
    poll.setInterval(2)
    poll.timeout.connect(first_message)
    QTimer.singleShot(30_000, app.quit)  # never hang the benchmark

    from app.cli import main as socketscope

    return socketscope(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())

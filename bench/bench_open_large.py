"""open_large: select a 16 MiB and then a 64 MiB JSON message in the running window.

first_paint: from selecting the row to the first paint of the tree's rows (the
16 MiB message comes first, so its figure includes starting the document process).
max_stall: the worst lateness of a 5 ms QTimer over the same span: how long the
GUI thread was kept from its events.

Then, for the 64 MiB document, questions asked of the document process as the
tree asks them: a page of the big array while the warning scan still runs, a
search for a word that is absent and for one record's name, and how long after
the first paint the document-wide warnings were complete.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MIB = 1024 * 1024


def payload(size: int) -> str:
    """A realistic API answer: an envelope around an array of records."""
    records = []
    total = 0
    i = 0
    while total < size:
        record = json.dumps({
            "id": i, "name": f"user {i}", "email": f"user{i}@example.com", "active": i % 3 == 0,
            "score": i * 1.5, "tags": ["a", "b", "c"],
            "address": {"street": f"{i} Main St", "city": "Springfield", "zip": None},
        })
        records.append(record)
        total += len(record) + 1
        i += 1
    return '{"data": {"items": [' + ",".join(records) + ']}, "count": %d}' % i


def main() -> None:
    from PySide6.QtCore import QElapsedTimer, QEvent, QEventLoop, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    from app.core.frames import Direction, Frame, Opcode, Side
    from app.main import build

    app = QApplication([])
    window = build(["--no-server"])
    window.show()
    sizes = {"16mib": 16 * MIB, "64mib": 64 * MIB}
    for size in sizes.values():
        window.session.queue.put(Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, payload(size)))
    model = window.message_view.tree_model
    viewport = window.message_view.tree.viewport()
    clock = QElapsedTimer()
    clock.start()

    def pump(condition, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError("the window did not get there in time")
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)

    class FirstPaint(QObject):
        """Notes when the viewport first paints rows of a document other than `shown_before`."""

        def __init__(self) -> None:
            super().__init__()
            self.at: int | None = None
            self.shown_before = model.document

        def eventFilter(self, watched, event) -> bool:
            if (event.type() == QEvent.Type.Paint and self.at is None and model.document is not self.shown_before
                    and model.rowCount()):
                self.at = clock.nsecsElapsed()
            return False

    pump(lambda: window.log_model.rowCount() == len(sizes))
    for row, name in enumerate(sizes):
        pump(lambda: not window.documents.busy)  # the previous document's warnings scan is done
        painted = FirstPaint()
        viewport.installEventFilter(painted)
        worst = [0.0]
        last = [clock.nsecsElapsed()]

        def tick() -> None:
            now = clock.nsecsElapsed()
            worst[0] = max(worst[0], (now - last[0]) / 1e6 - 5.0)
            last[0] = now

        timer = QTimer()
        timer.setInterval(5)
        timer.timeout.connect(tick)
        timer.start()
        selected = clock.nsecsElapsed()
        window.log_view.selectRow(row)
        pump(lambda: painted.at is not None)
        timer.stop()
        viewport.removeEventFilter(painted)
        print(f"BENCH open_{name}_first_paint {(painted.at - selected) / 1e9:.2f} s", flush=True)
        print(f"BENCH open_{name}_max_stall {worst[0]:.0f} ms", flush=True)
    questions(model.document, painted.at / 1e9, clock)
    window.shutdown()


def questions(document, painted_at: float, clock) -> None:
    def timed(question):
        start = time.perf_counter()
        answer = question()
        return answer, time.perf_counter() - start

    scanning = document.warnings(False) is None
    _, page = timed(lambda: document.children((0, 0), 200_000, 500))
    print(f"BENCH open_64mib_page_during_scan {page * 1000:.0f} ms (scan still running: {scanning})", flush=True)
    for _ in range(10_000):  # bounded: the scan ends within minutes
        if document.warnings(False) is not None:
            break
        time.sleep(0.05)  # polling another process, as the window does
    print(f"BENCH open_64mib_warnings_complete {clock.nsecsElapsed() / 1e9 - painted_at:.1f} s after first paint",
          flush=True)
    found, absent = timed(lambda: document.find("nowhere"))
    assert not found.paths
    print(f"BENCH open_64mib_find_absent {absent:.2f} s", flush=True)
    found, one = timed(lambda: document.find("user1234@example"))
    assert len(found.paths) == 1
    print(f"BENCH open_64mib_find_one_record {one:.2f} s", flush=True)


if __name__ == "__main__":
    main()

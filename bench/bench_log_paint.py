"""log_paint: one repaint of the message log while another thread keeps the GIL busy.

A client thread reading at wire speed holds the GIL most of the time; every call a paint makes
from Qt into Python must win it back. Counted here as the GUI thread's voluntary context switches
per paint (each one a wait, mostly for the GIL), next to the paint's wall time; both grow when other
processes compete for the cores. A pure-Python thread stands in for the client.
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import note, report

PAINTS = 20


def voluntary_switches() -> int:
    with open(f"/proc/self/task/{threading.get_native_id()}/status") as status:
        for line in status:
            if line.startswith("voluntary_ctxt_switches"):
                return int(line.split()[1])
    raise RuntimeError("no voluntary_ctxt_switches in /proc (Linux only)")


def main() -> None:
    from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    from app.core.frames import Direction, Frame, Opcode, Side
    from app.main import build
    from bench.stream_server import message

    app = QApplication([])
    window = build(["--no-server"])
    window.resize(1280, 800)
    window.show()
    text = message(1, 150)
    window.ingest([Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, text) for _ in range(10_000)])
    window.drain_events()
    app.processEvents()

    samples: list[tuple[float, int]] = []
    started: list[tuple[float, int]] = []

    class PaintClock(QObject):
        """Notes when the log's viewport is about to paint; the next timer tick closes the sample."""

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                started.append((time.perf_counter(), voluntary_switches()))
            return False

    clock = PaintClock()
    window.log_view.viewport().installEventFilter(clock)
    busy = True

    def compete() -> None:
        spins = 0
        while busy:
            spins += 1

    competitor = threading.Thread(target=compete, name="bench-competitor")
    competitor.start()
    loop = QEventLoop()

    def next_paint() -> None:
        if started:
            begun, switches = started.pop()
            samples.append(((time.perf_counter() - begun) * 1000, voluntary_switches() - switches))
        started.clear()
        if len(samples) >= PAINTS:
            loop.quit()
            return
        window.log_view.viewport().update()
        QTimer.singleShot(0, next_paint)

    QTimer.singleShot(0, next_paint)
    QTimer.singleShot(120_000, loop.quit)
    loop.exec()
    busy = False
    competitor.join()
    window.shutdown()
    window.close()
    note(f"{len(samples)} paints: " + ", ".join(f"{ms:.0f} ms/{waits}" for ms, waits in samples))
    report("log_paint_gil_waits", statistics.median(w for _, w in samples), "waits/paint")
    report("log_paint_contended", statistics.median(ms for ms, _ in samples), "ms")


if __name__ == "__main__":
    main()

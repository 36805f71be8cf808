"""Python's cyclic garbage collector, run on the GUI thread only.

A collection runs in whichever thread happens to allocate when a threshold is
crossed: with network and worker threads busy, that is often not the GUI
thread. When such a collection frees the wrapper of a Qt widget, PySide defers
deleting the widget to the GUI thread, and a deferred deletion crashed the test
suite (a segmentation fault in `BindingManager::runDeletionInMainThread`,
about one run in three). So automatic collection is turned off and the GUI
thread collects on a timer, with the thresholds Python itself would use.
Reference counting still frees everything that is not in a cycle at once.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

CHECK_INTERVAL_MS = 250

_installed: GuiThreadCollector | None = None


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_INTERVAL_MS)
        self._timer.timeout.connect(self.check)
        self._timer.start()
        gc.disable()

    def check(self) -> None:
        """Collect the oldest generation whose count is over its threshold, as Python would have."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        generation = -1
        for candidate in range(3):
            if counts[candidate] > thresholds[candidate]:
                generation = candidate
        if generation >= 0:
            gc.collect(generation)


def install(application: QObject) -> GuiThreadCollector:
    """Collect on the GUI thread from now on; once per process (tests build many windows)."""
    global _installed
    if _installed is None:
        _installed = GuiThreadCollector(application)
    return _installed

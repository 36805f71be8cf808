"""The message log's table view: Qt's, painted while the GUI thread holds the GIL."""

from __future__ import annotations

from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QTableView


class LogTable(QTableView):
    """A `QTableView` whose paint runs from Python, so its calls back into the model never wait for the GIL.

    Painting the log calls into Python hundreds of times (`multiData` per cell, the
    `rowCount` and `columnCount` behind every `index()`). Dispatched by Qt alone, the
    paint runs without the GIL and each of those calls has to win it back from the
    client thread reading a flood, a wait of up to the switch interval each: a 20 ms
    paint became 100 ms and more. Called from this Python override, the C++ paint runs
    with the GIL already held, and the calls into the model go straight through; the
    client thread waits instead, for the few milliseconds the paint takes.
    """

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)

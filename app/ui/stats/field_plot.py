"""Plot field…: a live time series of one JSONPath's numeric value, one line per connection.

Opened from a JSON column's header in the log or from a number in the message tree. The values are
read by `FieldSeries` a few milliseconds at a time from a 200 ms timer that runs while the plot is
shown, and drawn at most that often (both once a second while a flood outpaces the reading). Pause freezes
the drawing (values are still read, so resuming shows all of them); the mouse zooms and pans
(pyqtgraph's own) and *Reset zoom* follows the data again; the plot exports as PNG (what is drawn)
and CSV (every value read).
"""

from __future__ import annotations

import csv
import datetime
import heapq
import sys
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from PySide6.QtCore import QElapsedTimer, QObject, Qt, QTimer
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import QDialog, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget
from qasync import asyncSlot

from app.core.field_series import MAX_CONNECTIONS, PARSE_LIMIT, FieldSeries
from app.core.ingest import Capture
from app.core.json_query import FilterError
from app.ui.common import async_loop, notify
from app.ui.common.naming import named
from app.ui.common.style import tint
from app.ui.stats.charts import ThemedPlots, new_plot, series_colour, series_pen

REDRAW_MS = 200  # read and redraw at most five times a second
BUSY_MS = 1000  # while it falls behind a flood, read and redraw once a second
CSV_COLUMNS = ("time", "epoch_seconds", "connection", "value")


def iso_time(epoch: float) -> str:
    """A capture time as ISO 8601 in UTC, to the millisecond."""
    moment = datetime.datetime.fromtimestamp(epoch, datetime.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def plain_number(value: float) -> str:
    """A value as JSON wrote it, as near as a float keeps it: 7 rather than 7.0."""
    return str(int(value)) if value.is_integer() and abs(value) < 2 ** 53 else repr(value)


def write_csv(path: str | Path, points: list[tuple[str, array[float], array[float]]]) -> int:
    """Write each connection's (times, values) to `path` as CSV rows, oldest first; how many were written.

    Each connection's points are sorted apart and then merged: one sort of them all is a single call that
    holds the GIL for as long as it takes (a second for 16 × 20,000), and the window waits for the GIL.
    """
    def rows_of(connection: str, times: array[float], values: array[float]) -> Iterator[tuple[float, str, float]]:
        return ((at, connection, value) for at, value in sorted(zip(times, values, strict=True)))

    rows = heapq.merge(*(rows_of(*each) for each in points))
    written = 0
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(CSV_COLUMNS)
        for at, connection, value in rows:
            writer.writerow((iso_time(at), repr(at), connection, plain_number(value)))
            written += 1
    return written


class FieldPlot(QDialog):
    """The plot window of one JSONPath (objectName `fieldPlot`)."""

    def __init__(self, capture: Capture, path: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.series = FieldSeries(capture.store, path, capture.protocols)  # FilterError for a bad path, before any widget shows
        named(self, "fieldPlot")
        self.setWindowTitle(f"Plot {self.series.path}")
        self.resize(720, 420)
        self.curves: dict[str, Any] = {}
        self._drawn = -1
        self._since_read = QElapsedTimer()
        self._outpaced = False
        self._behind = sys.maxsize  # rows left unread after the last read
        self.plots = ThemedPlots(self)
        self.plot = named(new_plot(dates=True), "fieldPlotChart")
        self.plot.addLegend(offset=(-8, 8), labelTextSize="8pt")
        self.plots.add(self.plot, self.series.path, "value", "capture time")
        self.plots.restyle_series.append(self._restyle_series)

        self.pause_button = named(QPushButton("Pause"), "fieldPlotPause")
        self.pause_button.setCheckable(True)
        self.pause_button.setToolTip("Freeze the drawing; values are still read, and show when you resume")
        self.reset_button = named(QPushButton("Reset zoom"), "fieldPlotResetZoom")
        self.reset_button.setToolTip("Show all the values again and follow new ones "
                                     "(the mouse wheel and a drag zoom and pan)")
        self.png_button = named(QPushButton("Export PNG…"), "fieldPlotExportPng")
        self.csv_button = named(QPushButton("Export CSV…"), "fieldPlotExportCsv")
        self.status = named(QLabel(), "fieldPlotStatus")
        self.status.setWordWrap(True)
        tint(self.status, "text.muted")
        buttons = QHBoxLayout()
        for button in (self.pause_button, self.reset_button, self.png_button, self.csv_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.status)

        self.pause_button.toggled.connect(lambda _paused: self.refresh())
        self.reset_button.clicked.connect(self.reset_zoom)
        self.png_button.clicked.connect(lambda: self._choose_file("PNG images (*.png)", "png", self.export_png))
        self.csv_button.clicked.connect(lambda: self._choose_file("CSV files (*.csv)", "csv", self.export_csv))
        self.timer = QTimer(self)
        self.timer.setInterval(REDRAW_MS)
        self.timer.timeout.connect(self.refresh)

    @property
    def paused(self) -> bool:
        return self.pause_button.isChecked()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()
        self.timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        self.timer.stop()
        super().hideEvent(event)

    # -- reading and drawing -----------------------------------------------------------------------

    def refresh(self) -> None:
        """Read what arrived (a bounded slice), and draw it unless paused.

        Reading and painting take milliseconds of the GUI thread the ingest needs: while messages come
        faster than they are read here (a flood), both happen once a second instead of at every tick.
        """
        if self._outpaced and self._since_read.elapsed() < BUSY_MS:
            return
        self._since_read.start()
        self.series.catch_up()
        behind = self.series.behind
        self._outpaced = behind > 0 and behind >= self._behind  # more came than was read: not the history alone
        self._behind = behind
        if not self.paused and self._drawn != self.series.changes:
            self._drawn = self.series.changes
            for connection, points in self.series.series.items():
                curve = self.curves.get(connection)
                if curve is None:
                    curve = self.curves[connection] = self.plot.plot(name=connection, pen=self._pen(connection))
                    curve.setDownsampling(auto=True, method="peak")
                    curve.setClipToView(True)
                curve.setData(points.times, points.values)
        self._show_status()

    def _pen(self, connection: str) -> Any:
        return series_pen(list(self.series.series).index(connection))

    def _restyle_series(self) -> None:
        for connection, curve in self.curves.items():
            curve.setPen(self._pen(connection))

    def _show_status(self) -> None:
        series = self.series
        values = sum(len(points.values) for points in series.series.values())
        parts = [f"{values:,} values in {series.read:,} text messages"]
        if series.behind:
            parts.append(f"{series.behind:,} messages not read yet")
        if series.skipped:
            parts.append(f"{series.skipped:,} over {PARSE_LIMIT // 1024} KiB not read")
        if series.not_shown:
            parts.append(f"{series.not_shown:,} values of connections after the first {MAX_CONNECTIONS} not plotted")
        if self.paused:
            parts.append("paused")
        self.status.setText("; ".join(parts))

    def reset_zoom(self) -> None:
        self.plot.getPlotItem().enableAutoRange()

    def colours(self) -> dict[str, str]:
        """Each connection's line colour: for tests and the legend's reader."""
        return {connection: series_colour(list(self.series.series).index(connection)).name()
                for connection in self.curves}

    # -- export ------------------------------------------------------------------------------------

    def _choose_file(self, kind: str, suffix: str, export: Any) -> None:
        suggested = f"plot.{suffix}"
        path, _chosen = QFileDialog.getSaveFileName(self, f"Export the plot of {self.series.path}", suggested, kind)
        if path:
            export(path if Path(path).suffix else f"{path}.{suffix}")

    def export_png(self, path: str | Path) -> bool:
        """Save the plot as drawn now (zoom and pause included) as a PNG image."""
        if not self.plot.grab().save(str(path), "PNG"):
            notify.error(f"Not exported: {path} cannot be written")
            return False
        notify.info(f"Exported the plot to {path}")
        return True

    @asyncSlot(object)
    async def export_csv(self, path: str | Path) -> bool:
        """Save every value read, oldest first: time (UTC), epoch seconds, connection, value.

        Written on a worker from a copy of the points: 1.6 million of them take seconds to sort and format.
        """
        points = [(connection, array("d", series.times), array("d", series.values))
                  for connection, series in self.series.series.items()]
        try:
            count = await async_loop.in_worker(write_csv, path, points)
        except OSError as error:
            notify.error(f"Not exported: {error.strerror or error} ({path})")
            return False
        notify.info(f"Exported {count:,} values to {path}")
        return True


class FieldPlots(QObject):
    """Opens field plots over the window's capture; each closes on its own."""

    def __init__(self, capture: Capture, window: QWidget) -> None:
        super().__init__(window)
        self.capture, self.window = capture, window
        self.shown: list[FieldPlot] = []

    def open(self, path: str) -> FieldPlot | None:
        try:
            plot = FieldPlot(self.capture, path, self.window)
        except FilterError as error:
            notify.warning(f"Not plotted: {error}")
            return None
        plot.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        plot.destroyed.connect(lambda _object=None, plot=plot: self.shown.remove(plot))
        self.shown.append(plot)
        plot.show()
        return plot

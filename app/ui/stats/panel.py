"""The Statistics dock: message and byte rates per connection and direction, sizes, latencies.

The figures are the window's `TrafficStats` (a capture observer, counting every live batch);
this panel only draws them, from a 100 ms timer that runs while the dock is shown: the tab shown,
once a second (rates are whole seconds, up to the last complete one, as the current one is still
filling) or at once when another tab is chosen; nothing while the dock is hidden. Painting a chart
costs milliseconds of the GUI thread, which the ingest shares: drawn ten times a second, the dock and
a field plot took about 40 % off a flood's rate (bench/bench_ingest_charts.py).
"""

from __future__ import annotations

import html
import time
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QTabWidget, QVBoxLayout, QWidget

from app.core.frames import Direction
from app.core.traffic_stats import MAX_CONNECTIONS, OTHERS, WINDOW_SECONDS, TrafficStats, bucket_floor
from app.ui.common.naming import named
from app.ui.common.style import tint
from app.ui.stats.charts import ThemedPlots, new_plot, pyqtgraph, series_colour, series_pen

REDRAW_MS = 100  # how often a redraw may start (one is due once a second, or when the tab changes)
# The first time the dock shows, its charts (and pyqtgraph, half a second to import) wait this long, so a
# window opening with the dock in view paints first.
FIRST_BUILD_DELAY_MS = 300
ARROWS = {Direction.RECEIVED: "↓ received", Direction.SENT: "↑ sent"}
SECONDS = list(range(1 - WINDOW_SECONDS, 1))  # the rate plots' x: seconds before the last complete one
SHOWN_BUCKETS = 12  # a histogram shows at least this many buckets, so a few bars do not fill it


def power_label(value: int, units: tuple[str, ...], step: int) -> str:
    """`value` (a power of two, or 0) in the largest unit it fills: 512 B, 1 KiB, 2 MiB."""
    unit = 0
    while value >= step and unit < len(units) - 1:
        value //= step
        unit += 1
    return f"{value} {units[unit]}"


def size_label(bucket: int) -> str:
    return "0 B" if bucket == 0 else "≥ " + power_label(bucket_floor(bucket), ("B", "KiB", "MiB", "GiB"), 1024)


def latency_label(bucket: int) -> str:
    floor = bucket_floor(bucket)
    if floor < 1000:
        return "< 1 µs" if bucket == 0 else f"≥ {floor} µs"
    return f"≥ {floor / 1000:g} ms" if floor < 1_000_000 else f"≥ {floor / 1_000_000:g} s"


class StatsPanel(QWidget):
    """What the Statistics dock shows; its charts are made (and pyqtgraph imported) when first shown."""

    def __init__(self, stats: TrafficStats, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stats = stats
        self.tabs: QTabWidget | None = None
        self._build_due = False  # the first build waits FIRST_BUILD_DELAY_MS
        self.plots: ThemedPlots | None = None
        self.curves: dict[tuple[str, Direction], tuple[Any, Any]] = {}  # series → (messages/s, bytes/s) curves
        self.bars: dict[str, list[Any]] = {}  # "sizes" and "latency": their bar items
        self._bucket_range: dict[str, tuple[int, int]] = {}  # the buckets each histogram's bars stand for
        self.redraws = 0
        self._drawn: tuple[int, int] | None = None  # the second and the tab drawn last
        # The rate plots' legend, under them rather than over them: a dozen series would cover a small plot.
        self.legend = named(QLabel(), "statsLegend")
        self.legend.setTextFormat(Qt.TextFormat.RichText)  # connection names are the window's own (client#1)
        self.legend.setWordWrap(True)
        self.note = named(QLabel(), "statsNote")
        self.note.setWordWrap(True)
        tint(self.note, "text.muted")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(4, 4, 4, 4)
        self._layout.addWidget(self.note)
        self.timer = QTimer(self)
        self.timer.setInterval(REDRAW_MS)
        self.timer.timeout.connect(self.redraw)

    def set_shown(self, shown: bool) -> None:
        """The dock was shown or hidden (its tab raised or not): draw, and keep drawing, only while seen.

        Qt also says "shown" of a dock tab that is not raised (it is moved out of the window): whether the
        panel is seen is asked once the layout has settled.
        """
        if shown:
            QTimer.singleShot(0, self._start_if_seen)
        else:
            self.timer.stop()

    def _start_if_seen(self) -> None:
        if not self.isVisible() or self.visibleRegion().isEmpty():
            return
        if self.tabs is None:
            if not self._build_due:
                self._build_due = True
                QTimer.singleShot(FIRST_BUILD_DELAY_MS, self._start_if_seen)
                return
            self._build()
        self.redraw()
        self.timer.start()

    def _build(self) -> None:
        self.plots = ThemedPlots(self)
        self.tabs = named(QTabWidget(), "statsTabs")
        self.messages_plot = self._plot("statsMessages", "Messages per second", "msgs/s")
        self.bytes_plot = self._plot("statsBytes", "Bytes per second", "B/s")
        for plot, tab in ((self.messages_plot, "Messages/s"), (self.bytes_plot, "Bytes/s")):
            self.plots.add(plot, plot.windowTitle(), plot.property("unitsLabel"), "seconds ago")
            # One plot shown at a time: each paint of a chart is milliseconds the ingest waits for.
            self.tabs.addTab(plot, tab)
        self.bytes_plot.setXLink(self.messages_plot)
        self.messages_plot.setXRange(SECONDS[0], SECONDS[-1], padding=0.01)  # fixed: no range to work out per paint
        for plot in (self.messages_plot, self.bytes_plot):
            plot.getPlotItem().disableAutoRange()
        self.sizes_plot = self._plot("statsSizes", "Message sizes (sent and received)", "messages")
        self.latency_plot = self._plot("statsLatency", "Latency of paired requests and replies", "pairs")
        self.sizes_plot.addLegend(offset=(-8, 8), labelTextSize="8pt")
        for plot, tab in ((self.sizes_plot, "Sizes"), (self.latency_plot, "Latency")):
            self.plots.add(plot, plot.windowTitle(), plot.property("unitsLabel"))
            self.tabs.addTab(plot, tab)
        self.plots.restyle_series.append(self._restyle_series)
        self._layout.insertWidget(0, self.tabs, 1)
        self._layout.insertWidget(1, self.legend)
        self.tabs.currentChanged.connect(lambda _index: self.redraw())
        self._drawn = None

    def _plot(self, name: str, title: str, units: str) -> Any:
        plot = named(new_plot(), name)
        plot.setWindowTitle(title)
        plot.setProperty("unitsLabel", units)
        plot.setMouseEnabled(x=True, y=False)
        return plot

    # -- drawing ---------------------------------------------------------------------------------

    def redraw(self) -> bool:
        """Draw the tab shown, once a second (rates are whole seconds) or when the tab changed; False if not due."""
        if self.tabs is None:
            return False
        until = int(time.time()) - 1
        shown = self.tabs.currentWidget()
        state = (until, self.tabs.currentIndex())
        if state == self._drawn:
            return False
        self._drawn = state
        self.redraws += 1
        rates = (self.messages_plot, self.bytes_plot)
        self.legend.setVisible(shown in rates)
        if shown is self.sizes_plot:
            self._draw_sizes()
        elif shown is self.latency_plot:
            self._draw_latency()
        else:
            self._draw_rates(until, rates.index(shown))
        self._update_note()
        return True

    def _draw_rates(self, until: int, which: int) -> None:
        """The messages (`which` 0) or bytes (1) per second of each series, from its first counted second in
        the window (before it: no line, rather than zeros).

        The y range is set here from the peak: left to pyqtgraph, working it out takes another paint.
        """
        added = False
        peak = 1
        for key in self.stats.series:
            curves = self.curves.get(key)
            if curves is None:
                curves = self.curves[key] = self._add_curves(key)
                added = True
            messages, volumes = self.stats.rates(*key, until)
            start = next((second for second, count in enumerate(messages) if count), len(messages))
            values = (messages, volumes)[which]
            curves[which].setData(SECONDS[start:], values[start:])
            peak = max(peak, *values)
        (self.messages_plot, self.bytes_plot)[which].setYRange(0, peak * 1.05, padding=0)
        if added:
            self._update_legend()

    def _update_legend(self) -> None:
        entries = []
        order = [*self.stats.connections, OTHERS]
        for key in sorted(self.curves, key=lambda key: (order.index(key[0]), -key[1])):  # received, then sent
            connection, direction = key
            line = "╍╍" if direction == Direction.SENT else "━━"
            entries.append(f'<span style="color:{self._pen(key).color().name()}">{line}&nbsp;'
                           f'{html.escape(connection)}&nbsp;{ARROWS[direction].replace(" ", "&nbsp;")}</span>')
        self.legend.setText(" &nbsp; ".join(entries))

    def _add_curves(self, key: tuple[str, Direction]) -> tuple[Any, Any]:
        connection, direction = key
        name = f"{connection} {ARROWS[direction]}"
        pen = self._pen(key)
        return (self.messages_plot.plot(name=name, pen=pen), self.bytes_plot.plot(name=name, pen=pen))

    def _pen(self, key: tuple[str, Direction]) -> Any:
        """A connection's colour (in order of appearance); received solid, sent dashed."""
        connection, direction = key
        connections = [*self.stats.connections, OTHERS]
        return series_pen(connections.index(connection), dashed=direction == Direction.SENT)

    def _restyle_series(self) -> None:
        for key, curves in self.curves.items():
            for curve in curves:
                curve.setPen(self._pen(key))
        self._update_legend()
        self._bucket_range.clear()  # the bars are made again, in the new colours
        for draw in (self._draw_sizes, self._draw_latency):
            draw()
        self._drawn = None
        self.redraw()

    def _draw_histogram(self, plot: Any, name: str, counts: list[list[int]], label: Any, legends: list[str]) -> None:
        """Bars of `counts` (one set per list, side by side) over the buckets in use, at least SHOWN_BUCKETS."""
        used = [bucket for each in counts for bucket, count in enumerate(each) if count]
        last = max(max(used, default=0) + 1, SHOWN_BUCKETS)
        first = max(0, min(min(used, default=0), last - SHOWN_BUCKETS))
        bars = self.bars.get(name, [])
        if bars and self._bucket_range.get(name) == (first, last):
            for bar, each in zip(bars, counts, strict=True):
                bar.setOpts(height=each[first:last])  # the same bars, new heights: no new items, no new legend
            return
        pg = pyqtgraph()
        for item in bars:
            plot.removeItem(item)
        legend = plot.getPlotItem().legend
        if legend is not None:
            legend.clear()
        width = 0.8 / len(counts)
        bars = []
        for index, each in enumerate(counts):
            colour = series_colour(index)
            offset = -0.4 + width * (index + 0.5)
            bar = pg.BarGraphItem(x=[bucket + offset for bucket in range(first, last)], height=each[first:last],
                                  width=width, brush=colour, pen=colour, name=legends[index] if legends else None)
            plot.addItem(bar)
            bars.append(bar)
        self.bars[name] = bars
        self._bucket_range[name] = (first, last)
        step = max(1, (last - first) // 8)
        plot.getAxis("bottom").setTicks([[(bucket, label(bucket)) for bucket in range(first, last, step)]])
        plot.setXRange(first - 0.6, last - 0.4, padding=0)

    def _draw_sizes(self) -> None:
        sizes = self.stats.sizes
        self._draw_histogram(self.sizes_plot, "sizes", [sizes[Direction.RECEIVED], sizes[Direction.SENT]], size_label,
                             [ARROWS[Direction.RECEIVED], ARROWS[Direction.SENT]])

    def _draw_latency(self) -> None:
        self._draw_histogram(self.latency_plot, "latency", [self.stats.latencies], latency_label, [])

    def _update_note(self) -> None:
        parts = [f"Data frames by capture time, the last {WINDOW_SECONDS // 60} minutes."]
        if (OTHERS, Direction.RECEIVED) in self.stats.series or (OTHERS, Direction.SENT) in self.stats.series:
            parts.append(f"Connections after the first {MAX_CONNECTIONS} are counted together as “{OTHERS}”.")
        if not any(self.stats.latencies):
            parts.append("Latency: no paired requests and replies yet.")
        self.note.setText(" ".join(parts))


def add_stats_dock(window: QMainWindow, stats: TrafficStats) -> QDockWidget:
    """The Statistics dock (objectName `statsDock`), drawing `stats` while it is shown."""
    panel = named(StatsPanel(stats), "statsPanel")
    dock = named(QDockWidget("Statistics", window), "statsDock")
    dock.setWidget(panel)
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    dock.visibilityChanged.connect(panel.set_shown)
    return dock


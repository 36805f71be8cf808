"""ingest_external_with_charts: the window's ingest with the Statistics dock shown and a field plot open.

Four times the stream of bench_ingest (800,000 × 150-byte JSON, ~3 s: the dock's and the plot's
once-a-second work lands in every run) from the fast server (which outpaces the window, so
the window sets the pace), into a fresh window ROUNDS times each way, alternating which goes first: once with the
Connections tab raised and nothing plotted, once with the Statistics tab raised and Plot field… open on
`$.seq` (a number in every message). The figure is the median of the rounds' ratios, charts / none (the
issue's bound: at least 0.95). pyqtgraph is imported before the first round, and each window is left
SETTLE seconds before its stream opens, so neither side pays for an import or a first paint.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_ingest import COUNT as BASE_COUNT
from bench.bench_ingest import SIZE
from bench.common import FastStreamServer, note, report, run_qt_until, window_ingest

ROUNDS = 10  # a round's ratio varies by ±10 % with the scheduling of two threads; the median of ten holds to ~3 %
COUNT = 4 * BASE_COUNT  # ~3 s a stream: long enough for the charts' once-a-second work to land in every run
PATH = "$.seq"
SETTLE = 0.5  # seconds between showing the window (and the charts) and opening the stream


def without_charts(window: Any) -> None:
    window.dock_layout.docks["connectionsDock"].raise_()  # a saved layout may have the Statistics tab raised


def with_charts(window: Any) -> None:
    window.dock_layout.reveal(window.stats_dock)  # the bottom band starts folded
    panel = window.stats_dock.widget()
    assert run_qt_until(lambda: panel.timer.isActive(), 10), "the Statistics dock did not start drawing"
    plot = window.field_plots.open(PATH)
    assert plot is not None and run_qt_until(plot.timer.isActive, 10), "the field plot did not open"
    drawn.update(panel=panel, series=plot.series, traffic=window.traffic)


drawn: dict[str, Any] = {}  # what the charts of the latest round held: checked once the window is gone


def ingest(url: str, prepare: Any) -> dict[str, float]:
    """A fresh window set up by `prepare`, then connected to the stream: no message waits while it is set up."""
    from app.net.options import ConnectionOptions

    def connect(window: Any) -> None:
        prepare(window)
        run_qt_until(lambda: False, SETTLE)  # the first paints of what was just shown are not the ingest's
        window.session.connect(ConnectionOptions(url))
    return window_ingest(["--no-server"], COUNT, connect)


def one_round(charts_first: bool) -> tuple[float, float, dict[str, float]]:
    """One window each way; which goes first alternates (a process's second window ingests faster)."""
    with FastStreamServer(COUNT, SIZE) as server:
        if charts_first:
            charts = ingest(server.url, with_charts)
            plain = ingest(server.url, without_charts)
        else:
            plain = ingest(server.url, without_charts)
            charts = ingest(server.url, with_charts)
    traffic, series = drawn["traffic"], drawn["series"]
    counted = sum(sum(rates.messages) for rates in traffic.series.values())
    values = sum(len(points.values) for points in series.series.values())
    note(f"charts: {counted:,} messages counted, {drawn['panel'].redraws} redraws of the dock; "
         f"the plot read {series.read:,} messages ({values:,} values) during the run")
    return plain["rate"], charts["rate"], charts


def main() -> None:
    from PySide6.QtWidgets import QApplication

    from app.ui.stats.charts import pyqtgraph

    _app = QApplication.instance() or QApplication([])
    pyqtgraph()
    rounds = [one_round(charts_first=bool(number % 2)) for number in range(ROUNDS)]
    ratios = sorted(charts / plain for plain, charts, _ in rounds)
    note("rates without / with charts: " + ", ".join(f"{plain:,.0f} / {charts:,.0f}" for plain, charts, _ in rounds))
    note("ratios: " + ", ".join(f"{ratio:.2f}" for ratio in ratios))
    report("ingest_external_without_charts", statistics.median(plain for plain, _, _ in rounds), "msgs/s")
    report("ingest_external_with_charts", statistics.median(charts for _, charts, _ in rounds), "msgs/s")
    report("ingest_external_with_charts_ratio", statistics.median(ratios), "x")
    report("ingest_external_with_charts_loop_gap_p99", max(charts["p99"] for _, _, charts in rounds), "ms")


if __name__ == "__main__":
    main()

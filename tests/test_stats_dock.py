"""The Statistics dock in the real window: live traffic drawn per connection and direction, in the theme's colours."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QByteArray
from PySide6.QtGui import QColor, QTextDocumentFragment
from PySide6.QtWidgets import QApplication, QDockWidget, QTabWidget

from app.core.frames import Direction, Frame, Opcode, Side
from app.core.traffic_stats import TrafficStats
from app.ui.common import theme
from app.ui.shell.main_window import MainWindow
from app.ui.stats.panel import REDRAW_MS, StatsPanel
from tests.helpers import REPO, shown_window
from tests.test_themes import MINIMUM_CONTRAST, contrast


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:
    with shown_window(qtbot, "--status-delay", "60", wait_open=True) as window:
        yield window


def data_frames(window: MainWindow, connection: str, direction: Direction) -> int:
    store = window.store
    return sum(1 for row in store.rows() if store.connection(row) == connection
               and store.directions[row] == direction and store.opcodes[row] in (Opcode.TEXT, Opcode.BINARY))


def drawn(panel: StatsPanel, connection: str, direction: Direction) -> tuple[int, int]:
    """The messages and bytes the rate curves of one series add up to over the five minutes."""
    curves = panel.curves.get((connection, direction))
    if curves is None:
        return 0, 0
    messages, volumes = (int(sum(curve.getData()[1])) if curve.getData()[1] is not None else 0 for curve in curves)
    return messages, volumes


def test_the_dock_draws_each_connections_rates_sizes_and_only_while_shown(window: MainWindow, qtbot) -> None:
    dock = window.findChild(QDockWidget, "statsDock")
    assert dock is window.stats_dock and dock.windowTitle() == "Statistics"
    panel = dock.widget()
    assert isinstance(panel, StatsPanel) and panel.tabs is None  # nothing drawn (pyqtgraph not needed) until shown
    window.dock_layout.reveal(dock)  # the bottom band starts folded to its tabs
    qtbot.waitUntil(lambda: panel.tabs is not None and panel.timer.isActive(), timeout=5000)
    assert panel.timer.interval() == REDRAW_MS >= 100  # at most ten redraws a second

    payloads = ['{"price": 1}', '{"price": 22}', '{"price": 333}']
    for payload in payloads:
        window.composer.set_text(payload)
        window.composer.request_send()
        qtbot.waitUntil(lambda: data_frames(window, "client#1", Direction.SENT) == payloads.index(payload) + 1,
                        timeout=5000)
    received = data_frames(window, "client#1", Direction.RECEIVED)
    assert received >= 1
    sent_bytes = sum(len(payload) for payload in payloads)
    # Rates are drawn up to the last complete second: the counts show within two seconds.
    qtbot.waitUntil(lambda: drawn(panel, "client#1", Direction.SENT)[0] == 3, timeout=5000)
    qtbot.waitUntil(lambda: drawn(panel, "client#1", Direction.RECEIVED)[0]
                    == data_frames(window, "client#1", Direction.RECEIVED), timeout=5000)
    assert drawn(panel, "server#1", Direction.RECEIVED)[0] == 3  # the embedded server's side of it
    tabs = dock.findChild(QTabWidget, "statsTabs")
    assert drawn(panel, "client#1", Direction.SENT)[1] == 0  # the bytes' tab is drawn when shown
    tabs.setCurrentIndex(tabs.indexOf(panel.bytes_plot))
    qtbot.waitUntil(lambda: drawn(panel, "client#1", Direction.SENT)[1] == sent_bytes, timeout=3000)
    assert drawn(panel, "server#1", Direction.RECEIVED)[1] == sent_bytes
    legend = QTextDocumentFragment.fromHtml(panel.legend.text()).toPlainText()
    assert "━━ client#1 ↓ received   ╍╍ client#1 ↑ sent" in legend  # a connection's two directions side by side

    assert "sizes" not in panel.bars  # a tab not shown is not drawn
    tabs.setCurrentIndex(tabs.indexOf(panel.sizes_plot))
    sent = data_frames(window, "client#1", Direction.SENT) + data_frames(window, "server#1", Direction.SENT)
    qtbot.waitUntil(lambda: "sizes" in panel.bars and sum(panel.bars["sizes"][1].opts["height"]) == sent,
                    timeout=3000)
    tabs.setCurrentIndex(0)

    # Hidden behind another tab, nothing is redrawn.
    window.connections_panel.parentWidget().raise_()
    qtbot.waitUntil(lambda: not panel.timer.isActive(), timeout=2000)
    redraws = panel.redraws
    window.composer.set_text('{"price": 4444}')
    window.composer.request_send()
    qtbot.waitUntil(lambda: data_frames(window, "client#1", Direction.SENT) == 4, timeout=5000)
    qtbot.wait(2 * REDRAW_MS)  # noqa: sleep-ok — what is asserted is that nothing happens meanwhile
    assert panel.redraws == redraws
    dock.raise_()
    qtbot.waitUntil(lambda: drawn(panel, "client#1", Direction.SENT)[0] == 4, timeout=5000)


def test_every_chart_colour_reads_on_its_background(qtbot, qapp: QApplication) -> None:
    stats = TrafficStats()
    now = time.time() - 2
    stats.observe([Frame(f"client#{n}", Side.CLIENT, direction, Opcode.TEXT, "{}", wall_time=now)
                   for n in range(1, 9) for direction in (Direction.SENT, Direction.RECEIVED)])
    stats.add_latency(12.5)
    panel = StatsPanel(stats)
    qtbot.addWidget(panel)
    panel.resize(900, 300)
    panel.show()
    panel.set_shown(True)
    qtbot.waitUntil(lambda: panel.tabs is not None, timeout=5000)
    before = qapp.palette()
    try:
        for dark in (False, True):
            qapp.setPalette(theme.palette_for(dark))
            table = theme.colours_for(dark)
            for plot in (panel.messages_plot, panel.bytes_plot, panel.sizes_plot, panel.latency_plot):
                assert plot.backgroundBrush().color().name() == theme.palette_for(dark).base().color().name()
            texts = panel.plots.text_colours()
            assert texts and {colour.name() for colour in texts} == {table["chart.axis"]}
            background = theme.palette_for(dark).base().color()
            lines = {curve.opts["pen"].color().name() for curves in panel.curves.values() for curve in curves}
            assert lines == {table[f"chart.{n}"] for n in range(1, 8)}  # eight connections: every colour, one again
            for colour in [*texts, *map(QColor, lines)]:
                assert contrast(colour, background) >= MINIMUM_CONTRAST, colour.name()
    finally:
        qapp.setPalette(before)
        panel.set_shown(False)


def test_the_window_paints_without_importing_the_plotting_library() -> None:
    probe = ("import sys\n"
             "from PySide6.QtWidgets import QApplication\n"
             "from app.main import build\n"
             "window = build(['--no-server'])\n"
             "window.show()\n"
             "QApplication.processEvents()\n"
             "loaded = 'pyqtgraph' in sys.modules\n"
             "window.dock_layout.reveal(window.stats_dock)\n"
             "import time\n"
             "deadline = time.monotonic() + 5  # the charts are made once the window has painted\n"
             "while 'pyqtgraph' not in sys.modules and time.monotonic() < deadline:\n"
             "    QApplication.processEvents()\n"
             "print(loaded, 'pyqtgraph' in sys.modules)\n"
             "window.shutdown()\n")
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["False", "True"]


@pytest.mark.parametrize("name", ["statsDock", "testsDock"])
def test_a_layout_saved_before_a_dock_existed_gets_it_as_a_tab_behind_the_connections(qtbot, name: str) -> None:
    from app.main import build
    from app.ui.shell import window_settings

    older = build(["--no-server"])
    qtbot.addWidget(older)
    older.shutdown()  # saves the layout
    settings = window_settings.open_settings()
    state = bytes(settings.value("window/state"))  # as an older version saved it: without that dock
    settings.setValue("window/state", QByteArray(state.replace(name.encode("utf-16-be"),
                                                               "someDocks".encode("utf-16-be"))))
    settings.sync()
    assert not window_settings.layout_has_dock(name) and window_settings.layout_has_dock("connectionsDock")

    with shown_window(qtbot, "--no-server") as window:
        connections = window.connections_panel.parentWidget()
        assert connections in window.tabifiedDockWidgets(window.findChild(QDockWidget, name))
        qtbot.waitUntil(lambda: not connections.visibleRegion().isEmpty(), timeout=2000)
        assert window.stats_dock.widget().tabs is None  # not raised, so not drawn

"""Plot field… in the real window: from a JSON column's header and from a number in the tree, live, paused,
zoomed, and exported to files read back here."""

from __future__ import annotations

import asyncio
import csv
import json
from pathlib import Path

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDialog

from app.core.field_series import HISTORY_ROWS, MAX_CONNECTIONS, Series
from app.core.frames import Direction, Frame, Opcode, Side
from app.core.ingest import Capture
from app.ui.log.model import COLUMNS
from app.ui.message.tree_model import KEY
from app.ui.shell.main_window import MainWindow
from app.ui.stats.field_plot import CSV_COLUMNS, FieldPlot, iso_time
from tests.helpers import open_typed, shown_window
from tests.test_hostile_inputs import MAX_GAP_MS, Heartbeat

START = 1_800_000_000.0


def feed(window: MainWindow, qtbot, *messages: tuple[str, float, object]) -> None:
    """Frames on the session queue, as the network threads put them: (connection, seconds after START, JSON)."""
    end = window.store.end + len(messages)
    for connection, at, document in messages:
        payload = document if isinstance(document, str) else json.dumps(document)
        window.session.queue.put(Frame(connection, Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, payload,
                                       wall_time=START + at))
    qtbot.waitUntil(lambda: window.store.end == end, timeout=5000)


def plotted(plot: FieldPlot, connection: str) -> list[tuple[float, float]]:
    curve = plot.curves.get(connection)
    if curve is None:
        return []
    times, values = curve.getData()
    return [(float(at) - START, float(value)) for at, value in zip(times, values, strict=True)]


def open_from_header(window: MainWindow, qtbot, path: str) -> FieldPlot:
    window.log_columns.add_column(path)
    column = len(COLUMNS) + window.log_model.json_columns.index(path)
    menu = window.log_columns.menu(column)
    action = next(a for a in menu.actions() if a.objectName() == "plotField")
    assert action.text() == "Plot field…"
    action.trigger()
    plot = window.findChild(QDialog, "fieldPlot")
    assert isinstance(plot, FieldPlot)
    qtbot.waitUntil(plot.isVisible, timeout=2000)
    return plot


def test_a_json_columns_field_plots_live_per_connection_and_pauses(window: MainWindow, qtbot) -> None:
    feed(window, qtbot, ("client#1", 0, {"price": 1.5}), ("client#2", 0.5, {"price": 10}),
         ("client#1", 1, {"price": "2"}), ("client#1", 2, "not json"), ("client#1", 3, {"price": -4}))
    plot = open_from_header(window, qtbot, "$.price")
    assert plot.windowTitle() == "Plot $.price"
    qtbot.waitUntil(lambda: plotted(plot, "client#1") == [(0, 1.5), (3, -4)], timeout=3000)
    assert plotted(plot, "client#2") == [(0.5, 10)]
    legend = [label.text for _sample, label in plot.plot.getPlotItem().legend.items]
    assert legend == ["client#1", "client#2"]
    assert len(set(plot.colours().values())) == 2
    assert plot.status.text().startswith("3 values in 5 text messages")

    feed(window, qtbot, ("client#2", 4, {"price": 11}))  # live
    qtbot.waitUntil(lambda: plotted(plot, "client#2") == [(0.5, 10), (4, 11)], timeout=3000)

    plot.pause_button.click()
    feed(window, qtbot, ("client#2", 5, {"price": 12}))
    qtbot.waitUntil(lambda: len(plot.series.series["client#2"].values) == 3, timeout=3000)  # still read
    qtbot.waitUntil(lambda: "paused" in plot.status.text(), timeout=3000)
    assert plotted(plot, "client#2") == [(0.5, 10), (4, 11)]  # not drawn
    plot.pause_button.click()
    qtbot.waitUntil(lambda: plotted(plot, "client#2") == [(0.5, 10), (4, 11), (5, 12)], timeout=3000)

    view = plot.plot.getPlotItem().getViewBox()
    view.scaleBy((0.25, 0.25))  # what the mouse wheel does
    assert view.autoRangeEnabled() == [False, False]
    plot.reset_button.click()
    assert view.autoRangeEnabled() == [True, True]
    plot.close()
    qtbot.waitUntil(lambda: window.findChild(QDialog, "fieldPlot") is None, timeout=3000)
    assert window.field_plots.shown == []


def exported(qtbot, task: asyncio.Task[bool]) -> bool:
    """What an export written on a worker returned, once it is done."""
    qtbot.waitUntil(task.done, timeout=10_000)
    return task.result()


def test_a_csv_of_many_points_is_written_while_the_window_keeps_answering(window: MainWindow, qtbot,
                                                                         tmp_path: Path) -> None:
    feed(window, qtbot, ("client#0", 0, {"q": 1}))
    plot = open_from_header(window, qtbot, "$.q")
    qtbot.waitUntil(lambda: len(plotted(plot, "client#0")) == 1, timeout=3000)
    for connection in range(MAX_CONNECTIONS):  # the most a plot holds: here 16 × 20,000 points
        points = plot.series.series.setdefault(f"client#{connection}", Series())
        for n in range(20_000):
            points.add(START + n + connection / 100, n / 4)
    heartbeat = Heartbeat()
    assert exported(qtbot, plot.export_csv(tmp_path / "many.csv"))
    assert heartbeat.stop() < MAX_GAP_MS
    with (tmp_path / "many.csv").open(encoding="utf-8") as file:
        assert sum(1 for _ in file) == 1 + 16 * 20_000 + 1  # the heading, and the point fed before


def test_the_plot_exports_as_png_and_csv(window: MainWindow, qtbot, tmp_path: Path) -> None:
    feed(window, qtbot, ("client#1", 0, {"q": 3}), ("client#2", 0.25, {"q": 0.5}), ("client#1", 1.5, {"q": 4}))
    plot = open_from_header(window, qtbot, "$.q")
    qtbot.waitUntil(lambda: len(plotted(plot, "client#1")) == 2, timeout=3000)

    image_path = tmp_path / "plot.png"
    assert plot.export_png(image_path)
    image = QImage(str(image_path))
    assert not image.isNull() and image.size() == plot.plot.grab().size()
    assert plot.colours()["client#1"] in {image.pixelColor(x, y).name() for x in range(image.width())
                                          for y in range(0, image.height(), 2)}  # its line is drawn

    table_path = tmp_path / "plot.csv"
    assert exported(qtbot, plot.export_csv(table_path))
    with table_path.open(newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    assert rows == [list(CSV_COLUMNS),
                    [iso_time(START), repr(START), "client#1", "3"],
                    [iso_time(START + 0.25), repr(START + 0.25), "client#2", "0.5"],
                    [iso_time(START + 1.5), repr(START + 1.5), "client#1", "4"]]
    assert rows[1][0].endswith("Z") and rows[1][0].count(":") == 2

    assert not exported(qtbot, plot.export_csv(tmp_path / "no such folder" / "plot.csv"))  # said, not raised
    assert "Not exported" in window.notice_label.text()


def test_a_number_in_the_tree_plots_its_path_and_a_string_does_not_offer_it(window: MainWindow, qtbot) -> None:
    feed(window, qtbot, ("client#1", 0, {"order": {"qty": 2, "side": "buy"}}), ("client#1", 1, {"order": {"qty": 5}}))
    qtbot.waitUntil(lambda: window.log_model.rowCount() == 2, timeout=3000)
    window.log_view.selectRow(0)
    model, panel = window.message_view.tree_model, window.message_view.tree_panel
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=3000)
    order = model.index(0, KEY)
    panel.tree.expand(order)
    qtbot.waitUntil(lambda: model.rowCount(order) == 2, timeout=3000)
    keys = {model.index(row, KEY, order).data(): model.index(row, KEY, order) for row in range(2)}
    side_menu = panel.context_menu(keys["side"])
    assert "plotField" not in [a.objectName() for a in side_menu.actions()]
    side_menu.close()
    menu = panel.context_menu(keys["qty"])
    action = next(a for a in menu.actions() if a.objectName() == "plotField")
    action.trigger()
    menu.close()
    plot = window.findChild(QDialog, "fieldPlot")
    assert isinstance(plot, FieldPlot) and plot.series.path == "$.order.qty"
    qtbot.waitUntil(lambda: plotted(plot, "client#1") == [(0, 2), (1, 5)], timeout=3000)


def test_a_bad_path_is_said_and_opens_nothing(window: MainWindow) -> None:
    assert window.field_plots.open("$[") is None
    assert "Not plotted" in window.notice_label.text()
    assert window.findChild(QDialog, "fieldPlot") is None


def test_a_flood_the_plot_cannot_keep_up_with_is_read_and_drawn_once_a_second(qtbot) -> None:
    capture = Capture()
    plot = FieldPlot(capture, "$.n")
    qtbot.addWidget(plot)
    capture.append([Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, json.dumps({"n": n}),
                          wall_time=START + n / 1000) for n in range(HISTORY_ROWS)])
    qtbot.waitUntil(capture.protocols.catch_up, timeout=5000)  # as the log does: the plot reads what it decided
    plot.refresh()
    read = plot.series.next_row
    assert 0 < read < capture.store.end  # a slice of a few milliseconds, not all of it
    plot.refresh()  # the history alone: read on at every tick
    assert plot.series.next_row > read
    capture.append([Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, json.dumps({"n": n}),
                          wall_time=START + n / 1000) for n in range(HISTORY_ROWS, 2 * HISTORY_ROWS)])
    qtbot.waitUntil(capture.protocols.catch_up, timeout=5000)
    plot.refresh()  # more came than a tick reads: a flood
    read = plot.series.next_row
    plot.refresh()  # the next tick, within the second
    assert plot.series.next_row == read and "not read yet" in plot.status.text()

    def read_again() -> bool:
        plot.refresh()
        return plot.series.next_row > read

    qtbot.waitUntil(read_again, timeout=3000)  # once the second is over


def test_a_number_in_a_socketio_events_tree_plots_the_decoded_values(qtbot) -> None:
    with shown_window(qtbot, wait_open=True) as window:
        connection = open_typed(window, qtbot, "/socket.io/?EIO=4&transport=websocket")
        for price in (3, 4.5):
            window.session.inspector.submit_send(connection, f'42["chat",{{"price": {price}}}]').result(5)

        def sent() -> list[int]:
            store = window.store
            return [row for row in range(store.first, store.end) if store.connection(row) == connection
                    and store.directions[row] == Direction.SENT and str(store.payloads[row]).startswith("42[")]
        qtbot.waitUntil(lambda: len(sent()) == 2 and window.capture.protocols.caught_up, timeout=5000)
        window.log_view.selectRow(window.view.positions([sent()[0]])[sent()[0]])
        model, panel = window.message_view.tree_model, window.message_view.tree_panel
        qtbot.waitUntil(lambda: model.rowCount() == 4, timeout=3000)  # event, args, namespace, ack
        args = next(model.index(row, KEY) for row in range(4) if model.index(row, KEY).data() == "args")
        panel.tree.expand(args)
        qtbot.waitUntil(lambda: model.rowCount(args) == 1, timeout=3000)
        first = model.index(0, KEY, args)
        panel.tree.expand(first)
        qtbot.waitUntil(lambda: model.rowCount(first) == 1, timeout=3000)
        menu = panel.context_menu(model.index(0, KEY, first))
        next(a for a in menu.actions() if a.objectName() == "plotField").trigger()
        menu.close()
        plot = window.findChild(QDialog, "fieldPlot")
        assert isinstance(plot, FieldPlot) and plot.series.path == "$.args[0].price"

        def values() -> dict[str, list[float]]:
            return {name: [value for _at, value in plotted(plot, name)] for name in plot.series.series}
        # The client's frames as sent, and the embedded server's side of the connection as it received them.
        qtbot.waitUntil(lambda: len(values()) == 2 and all(v == [3, 4.5] for v in values().values()), timeout=3000)
        assert connection in values()
        qtbot.waitUntil(lambda: plot.status.text().startswith("4 values in "), timeout=3000)

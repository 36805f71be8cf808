"""The log at scale in the real window: JSONPath filters typed in the filter bar, columns added from
the header menu, sorting by clicking a header, and the memory budget's visible drops."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QInputDialog, QLabel, QLineEdit, QMenu

from app.core.frames import Direction, Frame, Opcode, Side
from app.main import build
from app.ui.log.model import COLUMNS
from app.ui.shell.main_window import MainWindow


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:
    window = build(["--no-server", "--memory-budget", "1M"])
    qtbot.addWidget(window)
    window.show()
    yield window
    window.shutdown()


def feed(window: MainWindow, payloads: list[str], qtbot) -> None:
    """Put frames on the session queue, as the network threads do, and wait until the log shows them."""
    end = window.store.end + len(payloads)
    for payload in payloads:
        window.session.queue.put(Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, payload))
    qtbot.waitUntil(lambda: window.store.end == end, timeout=5000)
    window.drain_events()  # shown now rather than at the log's next repaint
    assert window.log_model.rowCount() == len(window.view)


def shown(window: MainWindow, column: int) -> list[str]:
    model = window.log_model
    return [model.index(row, column).data() for row in range(model.rowCount())]


def test_jsonpath_filter_typed_in_the_filter_bar(window: MainWindow, qtbot) -> None:
    feed(window, ['{"type": "chat", "id": 1}', '{"type": "ping"}', "plain text", '{"type": "chat", "id": 2}'], qtbot)
    edit = window.findChild(QLineEdit, "filterEdit")
    status = window.findChild(QLabel, "filterStatus")
    assert "$.type == 'chat'" in edit.toolTip()
    qtbot.keyClicks(edit, "$.type == 'chat' -$.id==2")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: status.text() == "1 of 4 shown", timeout=3000)
    assert window.log_model.rowCount() == 1 and window.view.store_row(0) == 0
    edit.setText("$.type == ")
    window.filter_bar.apply()
    assert "needs a value" in status.text() and window.log_model.rowCount() == 1  # the old filter stays
    edit.setText("$[?@.id > ]")
    window.filter_bar.apply()
    assert status.text().startswith("column 1: Bad JSONPath")


@pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing the keyboard)")  # a popup, offscreen
def test_header_menu_adds_a_json_column_and_a_click_sorts_by_it(window: MainWindow, qtbot) -> None:
    feed(window, ['{"n": 10}', '{"n": 2}', "not json", '{"n": "x"}', '{"n": 33}'], qtbot)
    header = window.log_view.horizontalHeader()
    header.customContextMenuRequested.emit(QPoint(10, 5))  # what a right-click on the header sends
    popup = window.log_view.findChild(QMenu, "logHeaderMenu")
    qtbot.waitUntil(lambda: popup.isVisible(), timeout=2000)
    assert [a.objectName() for a in popup.actions() if a.objectName()][:2] == ["addJsonColumn", "addLatencyColumn"]
    popup.close()
    menu = window.log_columns.menu(0)
    assert isinstance(menu, QMenu) and menu.objectName() == "logHeaderMenu"
    action = next(a for a in menu.actions() if a.objectName() == "addJsonColumn")
    action.trigger()
    dialog = window.findChild(QInputDialog, "jsonColumnDialog")
    assert dialog is not None and dialog.isVisible()
    path_edit = dialog.findChild(QLineEdit, "jsonColumnPath")
    # What is typed goes after the "$." the dialog starts with, rather than replacing it.
    qtbot.waitUntil(lambda: not path_edit.hasSelectedText() and path_edit.cursorPosition() == 2, timeout=2000)
    qtbot.keyClicks(path_edit, "n")
    assert path_edit.text() == "$.n"
    dialog.accept()
    column = len(COLUMNS)
    qtbot.waitUntil(lambda: window.log_model.columnCount() == column + 1, timeout=2000)
    assert shown(window, column) == ["10", "2", "", "x", "33"]

    click_at = QPoint(header.sectionViewportPosition(column) + 5, header.height() // 2)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=click_at)
    qtbot.waitUntil(lambda: window.log_columns.status.text().startswith("Sorted by $.n ↑"), timeout=3000)
    assert shown(window, column) == ["2", "10", "33", "x", ""]
    assert "new rows go at the end" in window.log_columns.status.toolTip()
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=click_at)
    qtbot.waitUntil(lambda: "↓" in window.log_columns.status.text(), timeout=3000)
    assert shown(window, column) == ["x", "33", "10", "2", ""]

    feed(window, ['{"n": 1}'], qtbot)  # sorted: new rows at the end until the next sort
    assert shown(window, column)[-1] == "1"

    remove = next(a for a in window.log_columns.menu(column).actions() if a.objectName() == "removeJsonColumn")
    remove.trigger()
    assert window.log_model.columnCount() == column and window.log_columns.sort_column is None
    assert [window.view.store_row(r) for r in range(window.log_model.rowCount())] == list(range(6))


def test_a_bad_column_path_is_asked_again_with_the_error(window: MainWindow, qtbot) -> None:
    window.log_columns.add_column("$.[")
    dialog = window.log_columns.path_dialog
    assert dialog is not None and dialog.isVisible() and "Bad JSONPath" in dialog.labelText()
    assert dialog.textValue() == "$.["
    dialog.reject()
    assert window.log_model.columnCount() == len(COLUMNS)


def test_the_memory_budget_drops_the_oldest_visibly(window: MainWindow, qtbot) -> None:
    label = window.findChild(QLabel, "droppedCount")
    assert label is not None and label.text() == ""
    feed(window, [f'{{"seq": {i}, "pad": "{"x" * 1000}"}}' for i in range(400)], qtbot)
    window.log_view.setCurrentIndex(window.log_model.index(window.log_model.rowCount() - 1, 0))
    selected = window.view.store_row(window.log_view.currentIndex().row())
    feed(window, [f'{{"seq": {i}, "pad": "{"x" * 1000}"}}' for i in range(400, 1200)], qtbot)
    dropped = window.store.dropped
    assert dropped > 0 and label.text() == f"{dropped:,} oldest messages dropped"
    assert "--memory-budget" in label.toolTip()
    assert window.store.nbytes <= window.store.budget
    assert window.log_model.rowCount() == len(window.store) == 1200 - dropped
    assert window.view.store_row(0) == dropped == window.store.first
    assert window.view.store_row(window.log_view.currentIndex().row()) == selected


def test_drops_while_sorted_keep_the_selected_message(window: MainWindow, qtbot) -> None:
    feed(window, [f'{{"seq": {i}, "pad": "{"x" * 1000}"}}' for i in range(600)], qtbot)
    window.log_columns.add_column("$.seq")
    window.log_view.sortByColumn(len(COLUMNS), Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: window.log_columns.status.text().startswith("Sorted by $.seq ↓"), timeout=3000)
    assert window.view.store_row(0) == 599
    window.log_view.setCurrentIndex(window.log_model.index(100, 0))
    selected = window.view.store_row(100)
    assert selected == 499
    resets = []
    window.log_model.modelReset.connect(lambda: resets.append(True))
    feed(window, [f'{{"seq": {i}, "pad": "{"x" * 1000}"}}' for i in range(600, 1200)], qtbot)
    assert window.store.dropped > 0 and resets  # scattered rows: a reset, not a removal at the top
    assert window.view.store_row(window.log_view.currentIndex().row()) == selected
    assert sorted(window.view.store_row(r) for r in range(window.log_model.rowCount())) == list(window.store.rows())
    assert window.view.store_row(window.log_model.rowCount() - 1) == 1199  # new rows at the end until re-sort

"""The detail pane shows the selected message only: focus alone, or a click below the rows, selects none."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from app.ui.shell.main_window import MainWindow
from tests.test_log_window import feed, message


def test_a_click_on_the_empty_log_below_its_rows_shows_no_message(window: MainWindow, qtbot) -> None:
    feed(window, qtbot, [message('{"n": 1}'), message('{"n": 2}')])
    table = window.log_view
    below = QPoint(20, table.rowViewportPosition(1) + 4 * table.rowHeight(1))
    assert table.indexAt(below).row() == -1  # empty space
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=below)
    qtbot.wait(50)  # noqa: sleep-ok - what is asserted is that nothing gets shown meanwhile
    assert not table.selectionModel().selectedRows()
    assert window.shown_row is None


def test_focus_coming_to_the_log_shows_no_message_until_one_is_selected(window: MainWindow, qtbot) -> None:
    feed(window, qtbot, [message('{"n": 1}'), message('{"n": 2}')])
    table = window.log_view
    table.setFocus(Qt.FocusReason.TabFocusReason)  # Qt makes the first row current, not selected
    qtbot.waitUntil(table.hasFocus, timeout=2000)
    qtbot.wait(50)  # noqa: sleep-ok - what is asserted is that nothing gets shown meanwhile
    assert not table.selectionModel().selectedRows()
    assert window.shown_row is None
    qtbot.keyClick(table, Qt.Key.Key_Down)  # the keys select as they move
    qtbot.waitUntil(lambda: window.shown_row is not None, timeout=2000)
    assert [index.row() for index in table.selectionModel().selectedRows()] == [table.currentIndex().row()]

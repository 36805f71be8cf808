"""Room for the message: at 1280×800 the selected message gets most of the window, the composer and
the bottom band of docks fold away and come back, and the layout chosen is kept between runs."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QDockWidget, QTabBar

from app.core.frames import Direction, Frame, Opcode, Side
from app.main import build
from app.ui.common.commands import window_commands
from app.ui.shell.main_window import MainWindow
from tests.helpers import shown_window

KEYS = 40


@pytest.fixture
def fresh(qtbot) -> Iterator[MainWindow]:
    """A first run (no saved settings) without the server, shown at the default 1280×800 and active."""
    with shown_window(qtbot, "--no-server", active=True) as window:
        yield window


def show_forty_keys(window: MainWindow, qtbot) -> None:
    payload = json.dumps({f"key{k:02}": k for k in range(KEYS)})
    window.ingest([Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, payload, len(payload), time.time())])
    window.show_new_rows()
    window.log_view.selectRow(0)
    qtbot.waitUntil(lambda: window.message_view.tree_model.rowCount() == KEYS, timeout=3000)


def tree_rows_shown(window: MainWindow) -> int:
    tree = window.message_view.tree
    return tree.viewport().height() // tree.sizeHintForRow(0)


def log_rows_shown(window: MainWindow) -> int:
    table = window.log_view
    return table.viewport().height() // table.verticalHeader().defaultSectionSize()


def test_the_selected_message_gets_at_least_25_tree_rows_at_1280_by_800(fresh: MainWindow, qtbot) -> None:
    assert (fresh.width(), fresh.height()) == (1280, 800)
    show_forty_keys(fresh, qtbot)
    assert tree_rows_shown(fresh) >= 25
    assert log_rows_shown(fresh) >= 15  # the log still shows a screenful to pick from


def band_tabs(window: MainWindow) -> dict[str, tuple[QTabBar, int]]:
    """The bottom band's tabs by title: the window's own dock tab bars below the central widget."""
    bottom = window.centralWidget().geometry().bottom()
    return {bar.tabText(index): (bar, index) for bar in window.findChildren(QTabBar)
            if bar.parent() is window and bar.isVisible() and bar.y() >= bottom for index in range(bar.count())}


def click_tab(qtbot, window: MainWindow, title: str) -> None:
    bar, index = band_tabs(window)[title]
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())


def press(qtbot, window: MainWindow, key: Qt.Key, modifiers: Qt.KeyboardModifier) -> None:
    qtbot.keyClick(QApplication.focusWidget() or window, key, modifiers)
    for modifier, release in ((Qt.KeyboardModifier.ShiftModifier, Qt.Key.Key_Shift),
                              (Qt.KeyboardModifier.ControlModifier, Qt.Key.Key_Control)):
        if modifiers & modifier:
            qtbot.keyRelease(QApplication.focusWidget() or window, release)


def test_ctrl_e_opens_the_folded_composer_and_folds_it_again_at_the_height_it_had(fresh: MainWindow, qtbot) -> None:
    window, composer = fresh, fresh.composer
    right = window.splitters[1]
    assert composer.folded and composer.height() <= composer.fold_button.height() + 4
    assert composer.fold_hint.isVisible() and "Ctrl+E" in composer.fold_hint.text()
    commands = {command.label: command for command in window_commands(window)}
    assert commands["View › Composer"].keys == ("Ctrl+E",) and commands["View › Composer"].checked is False

    window.log_view.setFocus()
    press(qtbot, window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: composer.editor.isVisible() and composer.editor.hasFocus(), timeout=2000)
    editor = composer.editor
    qtbot.waitUntil(lambda: editor.viewport().height() >= 6 * editor.fontMetrics().lineSpacing(), timeout=2000)
    assert window.composer_fold.action.isChecked()
    right.setSizes([sum(right.sizes()) - 250, 250])  # the user drags the splitter: it stays resizable
    qtbot.waitUntil(lambda: composer.height() == 250, timeout=2000)

    press(qtbot, window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: composer.height() < 40, timeout=2000)
    assert not editor.isVisible() and not window.composer_fold.action.isChecked()
    composer.fold_button.click()  # the folded strip opens it too
    qtbot.waitUntil(lambda: composer.height() == 250, timeout=2000)
    press(qtbot, window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: composer.folded, timeout=2000)
    window.load_into_composer('{"loaded": true}')  # Log → Load into composer opens it
    assert not composer.folded and composer.text() == '{"loaded": true}'


def test_the_bottom_band_folds_to_its_tabs_and_opens_from_them(fresh: MainWindow, qtbot) -> None:
    window = fresh
    layout, connections = window.dock_layout, window.connections_panel
    tree = window.message_view.tree
    assert sorted(band_tabs(window)) == ["Connections", "Embedded server", "History", "Library", "Statistics", "Tests",
                                         "Variables"]
    assert layout.band_folded and connections.height() == 0
    folded_tree = tree.height()
    commands = {command.label: command for command in window_commands(window)}
    assert commands["View › Bottom panels"].keys == ("Ctrl+Shift+B",)

    click_tab(qtbot, window, "Connections")  # the raised tab: opens the band
    qtbot.waitUntil(lambda: connections.height() >= 100, timeout=2000)
    assert not layout.band_folded and layout.band_action.isChecked() and tree.height() < folded_tree
    click_tab(qtbot, window, "Connections")  # again: folds it
    qtbot.waitUntil(lambda: connections.height() == 0, timeout=2000)
    click_tab(qtbot, window, "Embedded server")  # another tab: opens the band on it
    qtbot.waitUntil(lambda: window.server_panel.height() >= 100, timeout=2000)
    click_tab(qtbot, window, "History")  # the other group's raised tab folds the whole band
    qtbot.waitUntil(lambda: window.server_panel.height() == 0, timeout=2000)

    press(qtbot, window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: window.server_panel.height() >= 100, timeout=2000)
    press(qtbot, window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: window.server_panel.height() == 0, timeout=2000)
    press(qtbot, window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)  # Ctrl+B: search the library
    library = window.payload_tools.library
    qtbot.waitUntil(lambda: library.height() >= 100 and library.search.hasFocus(), timeout=2000)

    bar, _index = band_tabs(window)["Connections"]  # from the keyboard: Tab reaches the strip, Space or Enter
    bar.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(bar, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: layout.band_folded, timeout=2000)
    qtbot.keyClick(bar, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not layout.band_folded and connections.height() >= 100, timeout=2000)


def test_summary_stretches_and_added_columns_grow_with_their_content_until_sized_by_hand(fresh: MainWindow,
                                                                                      qtbot) -> None:
    from app.ui.log.columns import ADDED_WIDTH, SUMMARY_MIN_WIDTH
    from app.ui.log.model import COLUMNS, SUMMARY

    table, header, columns = fresh.log_view, fresh.log_view.horizontalHeader(), fresh.log_columns
    columns.add_column("$.text")  # before any row: as wide as its header
    column = len(COLUMNS)
    narrow = header.sectionSize(column)

    def feed(text: str) -> None:
        payload = json.dumps({"text": text})
        fresh.ingest([Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, payload, len(payload), time.time())])
        fresh.show_new_rows()

    feed("a value much wider than the column's header")
    qtbot.waitUntil(lambda: header.sectionSize(column) > narrow, timeout=2000)
    assert header.sectionSize(column) <= ADDED_WIDTH[1]
    others = sum(header.sectionSize(c) for c in range(header.count()) if c != SUMMARY)
    assert header.sectionSize(SUMMARY) == max(SUMMARY_MIN_WIDTH, table.viewport().width() - others)  # the rest
    header.resizeSection(column, 90)  # the user's width is kept
    feed("an even longer value, which would widen the column if it still followed its content")
    assert header.sectionSize(column) == 90


def connections_dock(window: MainWindow) -> QDockWidget:
    dock = window.findChild(QDockWidget, "connectionsDock")
    assert dock is not None
    return dock


COMPOSER_HEIGHT = 200  # with the message view at its least height beside it, when the band is open at 260 pixels


def test_what_is_folded_and_the_heights_they_open_at_survive_a_restart(qtbot) -> None:
    first = build(["--no-server"])
    qtbot.addWidget(first)
    first.show()
    qtbot.waitExposed(first)
    first.resize(first.width(), 760)  # the offscreen screen is 800 high: the restored window fits it whole
    qtbot.waitUntil(lambda: first.height() == 760, timeout=2000)
    right, dock = first.splitters[1], connections_dock(first)
    first.dock_layout.fold_band(False)
    qtbot.waitUntil(lambda: dock.height() > 100, timeout=2000)
    first.resizeDocks([dock], [260], Qt.Orientation.Vertical)  # the tab strip included
    qtbot.waitUntil(lambda: dock.height() > 230, timeout=2000)
    first.composer.set_folded(False)
    right.setSizes([sum(right.sizes()) - COMPOSER_HEIGHT, COMPOSER_HEIGHT])
    qtbot.waitUntil(lambda: first.composer.height() == COMPOSER_HEIGHT, timeout=2000)
    band_height = dock.height()
    first.shutdown()

    second = build(["--no-server"])
    qtbot.addWidget(second)
    second.show()
    try:
        assert second.height() == 760
        qtbot.waitUntil(lambda: second.composer.height() == COMPOSER_HEIGHT, timeout=2000)
        assert not second.composer.folded and second.composer_fold.action.isChecked()
        assert not second.dock_layout.band_folded and connections_dock(second).height() == band_height
        second.composer.set_folded(True)
        second.dock_layout.fold_band(True)
    finally:
        second.shutdown()

    third = build(["--no-server"])
    qtbot.addWidget(third)
    third.show()
    try:
        qtbot.waitExposed(third)
        assert third.composer.folded and third.dock_layout.band_folded
        assert third.connections_panel.height() == 0
        third.composer.set_folded(False)  # each opens at the height it had
        qtbot.waitUntil(lambda: third.composer.height() == COMPOSER_HEIGHT, timeout=2000)
        third.dock_layout.fold_band(False)
        qtbot.waitUntil(lambda: connections_dock(third).height() == band_height, timeout=2000)
    finally:
        third.shutdown()


def test_reset_layout_folds_the_composer_and_the_band_as_at_first_start(fresh: MainWindow, qtbot) -> None:
    show_forty_keys(fresh, qtbot)
    main = fresh.splitters[0]
    fresh.composer.set_folded(False)
    fresh.dock_layout.fold_band(False)
    main.setSizes([400, sum(main.sizes()) - 400])
    qtbot.waitUntil(lambda: tree_rows_shown(fresh) < 25, timeout=2000)

    reset = next(action for action in fresh.findChildren(QAction) if action.objectName() == "resetLayout")
    reset.trigger()
    assert fresh.composer.folded and fresh.dock_layout.band_folded
    assert not fresh.composer_fold.action.isChecked() and not fresh.dock_layout.band_action.isChecked()
    qtbot.waitUntil(lambda: tree_rows_shown(fresh) >= 25 and main.sizes()[0] > 600, timeout=2000)

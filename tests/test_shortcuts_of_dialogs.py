"""Keys of the window's dialogs (a file dialog kept for next time) are theirs, not the window's."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.ui.common.commands import window_commands
from tests.helpers import shown_window


def test_a_file_dialog_once_opened_adds_nothing_to_the_shortcuts_list_or_the_palette(qtbot) -> None:
    with shown_window(qtbot, "--no-server") as window:
        before = {(command.what, command.keys) for command in window_commands(window)}
        window.tests_panel.choose_file()  # Tests → Open…: the dialog is kept, with Qt's own Del shortcuts
        dialog = window.tests_panel.file_dialog
        assert dialog is not None
        dialog.reject()
        assert {(command.what, command.keys) for command in window_commands(window)} == before
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=2000)
        qtbot.keyClick(window, Qt.Key.Key_F1)
        shortcuts = window.shortcuts_dialog
        assert shortcuts is not None
        assert not [entry for entry in shortcuts.entries if entry.what == "(not described)" or entry.keys == "Del"]


def test_the_shortcuts_list_shows_where_each_key_works_without_scrolling_sideways(qtbot) -> None:
    with shown_window(qtbot, "--no-server") as window:
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=2000)
        qtbot.keyClick(window, Qt.Key.Key_F1)
        dialog = window.shortcuts_dialog
        assert dialog is not None
        qtbot.waitExposed(dialog)
        table = dialog.table
        assert table.horizontalScrollBar().maximum() == 0
        assert table.columnViewportPosition(2) + table.columnWidth(2) <= table.viewport().width()
        assert table.columnWidth(2) >= table.fontMetrics().horizontalAdvance("anywhere in the window")

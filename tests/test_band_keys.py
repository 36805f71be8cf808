"""Keyboard paths: the bottom band's tab strip (Space or Enter opens the band), the composer opened with Ctrl+E,
a column from a JSON path without the header's context menu."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.ui.common.commands import window_commands
from app.ui.shell.main_window import MainWindow
from tests import test_window_room as room
from tests.test_window_room import band_tabs

fresh = room.fresh  # the window's first run, shown at 1280×800


def test_space_or_enter_on_a_band_tab_opens_the_folded_band_and_folds_it_again(fresh: MainWindow, qtbot) -> None:
    window, layout = fresh, fresh.dock_layout
    bar, index = band_tabs(window)["Embedded server"]
    assert layout.band_folded
    bar.setFocus()
    qtbot.keyClick(bar, Qt.Key.Key_Right)  # the arrows pick a tab, as in any tab bar
    assert bar.currentIndex() == index and layout.band_folded
    qtbot.keyClick(bar, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.server_panel.height() >= 100, timeout=2000)
    assert not layout.band_folded and layout.band_action.isChecked()
    qtbot.keyClick(bar, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.server_panel.height() == 0, timeout=2000)
    assert layout.band_folded
    qtbot.keyClick(bar, Qt.Key.Key_Enter)
    qtbot.waitUntil(lambda: window.server_panel.height() >= 100, timeout=2000)


def test_typing_in_the_composer_opened_on_its_example_replaces_the_example(fresh: MainWindow, qtbot) -> None:
    """A first run's composer holds an example: Ctrl+E then typing gives what was typed, not it prepended."""
    window, composer = fresh, fresh.composer
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    example = composer.text()
    assert composer.folded and '"action": "ping"' in example
    window.log_view.setFocus()
    qtbot.keyClick(window.log_view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: composer.editor.hasFocus(), timeout=2000)
    qtbot.keyClicks(composer.editor, '{"price": 12}')
    assert composer.text() == '{"price": 12}'
    composer.editor.undo()  # the example is one Ctrl+Z away
    assert composer.text() == example

    qtbot.keyClick(composer.editor, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)  # folded again
    qtbot.waitUntil(lambda: composer.folded, timeout=2000)
    composer.set_text('{"mine": 1}')  # a payload of the user's own is left as it is
    composer.set_folded(False)
    qtbot.keyClicks(composer.editor, " ")
    assert composer.text() != " "


def test_a_column_from_a_json_path_can_be_added_from_the_log_menu_and_the_palette(fresh: MainWindow, qtbot) -> None:
    """The header's context menu needs the mouse: the Log menu (and so the palette and Alt+L) offers it too."""
    window = fresh
    commands = {command.label: command for command in window_commands(window)}
    command = commands["Log › Add column from JSON path"]
    assert command.enabled
    command.run()
    dialog = window.log_columns.path_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.setTextValue("$.id")
    dialog.accept()
    assert "$.id" in window.log_model.json_columns

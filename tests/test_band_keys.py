"""The bottom band's tab strip from the keyboard: Tab reaches it, and Space or Enter opens the band there."""

from __future__ import annotations

from PySide6.QtCore import Qt

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

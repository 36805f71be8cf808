"""The command palette (Ctrl+K, Ctrl+Shift+P) in the real window: it opens from the log and from text
fields, finds commands fuzzily, runs the chosen one, leaves out disabled ones and gives the focus back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFrame, QLineEdit, QTreeWidget

from app.core.frames import Direction, Frame, Opcode, Side
from app.main import build
from app.ui.shell.main_window import MainWindow

# The palette is a popup: offscreen, Qt says it cannot raise it or grab the keyboard for it.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing the keyboard)")
CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:
    window = build(["--no-server"])
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    yield window
    window.shutdown()


def palette_of(window: MainWindow) -> QFrame:
    palette = window.findChild(QFrame, "commandPalette")
    assert palette is not None
    return palette


def rows(window: MainWindow) -> list[tuple[str, str]]:
    listing = palette_of(window).findChild(QTreeWidget, "commandList")
    return [(listing.topLevelItem(row).text(0), listing.topLevelItem(row).text(1))
            for row in range(listing.topLevelItemCount())]


def search_field(window: MainWindow) -> QLineEdit:
    field = palette_of(window).findChild(QLineEdit, "commandSearch")
    assert field is not None
    return field


def open_with(window: MainWindow, qtbot, widget, modifiers: Qt.KeyboardModifier, key: Qt.Key) -> None:
    widget.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget, timeout=3000)
    qtbot.keyClick(widget, key, modifiers)
    qtbot.waitUntil(lambda: palette_of(window).isVisible() and search_field(window).hasFocus(), timeout=3000)


def feed(window: MainWindow, qtbot, count: int) -> None:
    for n in range(count):
        window.session.queue.put(Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, f'{{"n": {n}}}'))
    qtbot.waitUntil(lambda: window.log_model.rowCount() == count, timeout=5000)


def test_ctrl_k_from_the_log_finds_clear_log_fuzzily_and_enter_runs_it(window: MainWindow, qtbot) -> None:
    feed(window, qtbot, 3)
    open_with(window, qtbot, window.log_view, CTRL, Qt.Key.Key_K)
    palette = palette_of(window)
    assert palette.isWindow() and palette.accessibleName() and search_field(window).accessibleName()
    assert palette.findChild(QTreeWidget, "commandList").accessibleName()
    listed = rows(window)
    assert ("Log › Copy payload", "Ctrl+C") in listed  # the menu path and the keys
    assert ("Log › Clear log", "Ctrl+Shift+L") in listed
    assert ("Filter the log", "Ctrl+F") in listed  # a window-wide shortcut
    assert any(label.startswith("View › ") for label, _keys in listed)
    assert not [label for label, _keys in listed if "Command palette" in label]  # not itself

    qtbot.keyClicks(search_field(window), "clr log")
    assert rows(window)[0] == ("Log › Clear log", "Ctrl+Shift+L")
    qtbot.keyClick(search_field(window), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.log_model.rowCount() == 0, timeout=3000)
    assert not palette.isVisible()
    assert window.notice_label.text() == "Cleared 3 rows from the log"
    assert QApplication.focusWidget() is window.log_view


def test_ctrl_shift_p_opens_it_from_text_fields_and_up_down_choose(window: MainWindow, qtbot) -> None:
    editor = window.composer.editor
    window.composer.set_folded(False)  # it starts folded (Ctrl+E)
    editor.setPlainText('{"keep": 1}')
    open_with(window, qtbot, editor, CTRL_SHIFT, Qt.Key.Key_P)
    assert editor.toPlainText() == '{"keep": 1}'  # the key opened the palette and typed nothing
    field = search_field(window)
    qtbot.keyClicks(field, "url")
    assert rows(window)[0][0] == "Type a URL to connect to"
    listing = palette_of(window).findChild(QTreeWidget, "commandList")
    qtbot.keyClick(field, Qt.Key.Key_Down)
    assert listing.indexOfTopLevelItem(listing.currentItem()) == min(1, listing.topLevelItemCount() - 1)
    qtbot.keyClick(field, Qt.Key.Key_Up)
    assert listing.indexOfTopLevelItem(listing.currentItem()) == 0
    qtbot.keyClick(field, Qt.Key.Key_Return)  # runs after the palette closes: its focus change wins
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.url_edit, timeout=3000)

    window.url_edit.setText("ws://127.0.0.1:9/")
    open_with(window, qtbot, window.url_edit, CTRL_SHIFT, Qt.Key.Key_P)
    qtbot.keyClick(search_field(window), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not palette_of(window).isVisible(), timeout=3000)
    open_with(window, qtbot, window.filter_bar.edit, CTRL_SHIFT, Qt.Key.Key_P)
    qtbot.keyClick(search_field(window), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not palette_of(window).isVisible(), timeout=3000)
    assert window.url_edit.text() == "ws://127.0.0.1:9/"


def test_disabled_actions_are_not_offered_and_esc_gives_the_focus_back(window: MainWindow, qtbot) -> None:
    cancel = window.capture_controls.cancel_replay_action
    assert not cancel.isEnabled()  # no replay is running
    open_with(window, qtbot, window.log_view, CTRL, Qt.Key.Key_K)
    labels = [label for label, _keys in rows(window)]
    assert "Capture › Replay capture" in labels and "Capture › Cancel replay" not in labels
    qtbot.keyClicks(search_field(window), "cancel replay")
    assert [label for label, _keys in rows(window)] == []
    qtbot.keyClick(search_field(window), Qt.Key.Key_Return)  # nothing chosen: nothing runs, it stays open
    assert palette_of(window).isVisible()
    qtbot.keyClick(search_field(window), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not palette_of(window).isVisible(), timeout=3000)
    assert QApplication.focusWidget() is window.log_view

    window.composer.editor.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.composer.editor, timeout=3000)
    cancel.setEnabled(True)  # as while a replay runs
    open_with(window, qtbot, window.composer.editor, CTRL, Qt.Key.Key_K)
    assert "Capture › Cancel replay" in [label for label, _keys in rows(window)]
    qtbot.keyClick(search_field(window), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not palette_of(window).isVisible(), timeout=3000)
    assert QApplication.focusWidget() is window.composer.editor


def test_submenus_are_walked_and_their_path_shown(window: MainWindow, qtbot) -> None:
    from PySide6.QtWidgets import QMenu

    view_menu = window.findChild(QMenu, "viewMenu")
    submenu = view_menu.addMenu("&Extra")
    ran = []
    submenu.addAction("Deep &thing…").triggered.connect(lambda: ran.append(True))
    hidden = submenu.addAction("Hidden thing")
    hidden.setVisible(False)
    open_with(window, qtbot, window.log_view, CTRL, Qt.Key.Key_K)
    labels = [label for label, _keys in rows(window)]
    assert "View › Extra › Deep thing" in labels and "View › Extra › Hidden thing" not in labels
    listing = palette_of(window).findChild(QTreeWidget, "commandList")
    states = {listing.topLevelItem(row).text(0): listing.topLevelItem(row).checkState(0)
              for row in range(listing.topLevelItemCount()) if listing.topLevelItem(row).text(0).startswith("View")}
    assert states["View › History"] == Qt.CheckState.Checked  # a toggle shows its state, as in the menu
    qtbot.keyClicks(search_field(window), "deep")
    first = listing.visualItemRect(listing.topLevelItem(0)).center()
    qtbot.mouseClick(listing.viewport(), Qt.MouseButton.LeftButton, pos=first)  # a click runs it too
    qtbot.waitUntil(lambda: ran == [True], timeout=3000)
    assert not palette_of(window).isVisible()

    open_with(window, qtbot, window.log_view, CTRL, Qt.Key.Key_K)
    qtbot.keyClicks(search_field(window), "history")
    assert rows(window)[0][0] == "View › History"
    history = window.payload_tools.history_dock
    assert window.dock_layout.band_folded  # open, but out of sight: choosing it brings it into view
    qtbot.keyClick(search_field(window), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.dock_layout.band_folded and not history.visibleRegion().isEmpty(),
                    timeout=3000)

    def history_state() -> Qt.CheckState:
        open_with(window, qtbot, window.log_view, CTRL, Qt.Key.Key_K)
        states = {listing.topLevelItem(row).text(0): listing.topLevelItem(row).checkState(0)
                  for row in range(listing.topLevelItemCount())}
        return states["View › History"]

    assert history_state() == Qt.CheckState.Checked
    qtbot.keyClicks(search_field(window), "history")
    qtbot.keyClick(search_field(window), Qt.Key.Key_Return)  # in view now: the toggle hides it
    qtbot.waitUntil(lambda: history.isHidden(), timeout=3000)
    assert history_state() == Qt.CheckState.Unchecked
    qtbot.keyClick(search_field(window), Qt.Key.Key_Escape)


def test_the_keyboard_shortcuts_dialog_is_read_from_the_palettes_commands(window: MainWindow, qtbot) -> None:
    from PySide6.QtGui import QKeySequence
    from PySide6.QtWidgets import QMenu

    submenu = window.findChild(QMenu, "viewMenu").addMenu("&Extra")
    submenu.addAction("Deep &thing…").setShortcut(QKeySequence("Ctrl+Alt+T"))
    hidden = submenu.addAction("Hidden thing")
    hidden.setShortcut(QKeySequence("Ctrl+Alt+H"))
    hidden.setVisible(False)  # its key does nothing, so neither lists it
    open_with(window, qtbot, window.log_view, CTRL, Qt.Key.Key_K)
    offered = rows(window)
    qtbot.keyClick(search_field(window), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not palette_of(window).isVisible(), timeout=3000)

    qtbot.keyClick(window.log_view, Qt.Key.Key_F1)
    dialog = window.shortcuts_dialog
    assert dialog is not None
    table = dialog.table
    listed = {tuple(table.item(row, column).text() for column in range(3)) for row in range(table.rowCount())}
    assert ("Ctrl+Alt+T", "Deep thing", "View › Extra menu") in listed  # the same menu path as the palette's
    assert not [row for row in listed if row[0] == "Ctrl+Alt+H" or row[1] == "Hidden thing"]
    assert {("Ctrl+K", "Command palette", "Help menu"), ("Ctrl+Shift+P", "Command palette", "Help menu")} <= listed
    for label, keys in offered:  # every key the palette shows is in the dialog, under the same name
        for key in filter(None, keys.split(", ")):
            assert key in {row[0] for row in listed if row[1] == label.split(" › ")[-1]}, (label, key)
    dialog.close()

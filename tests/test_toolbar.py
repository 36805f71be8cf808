"""The main toolbar: its buttons are the window's own actions, and do what their menus and keys do."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu, QToolBar, QToolButton

from app.core.frames import Direction, Frame, Opcode, Side
from app.ui.shell.main_window import MainWindow
from tests.helpers import shown_window

BUTTONS = ("toolbarConnect", "toolbarFollow", "toolbarPause", "toolbarRecord", "toolbarClear", "toolbarCompare")


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:
    with shown_window(qtbot, wait_open=True) as window:
        yield window


def button(window: MainWindow, name: str) -> QToolButton:
    found = window.findChild(QToolBar, "mainToolbar").findChild(QToolButton, name)
    assert found is not None, f"the toolbar has no button {name}"
    return found


def click(qtbot, window: MainWindow, name: str) -> None:
    qtbot.mouseClick(button(window, name), Qt.MouseButton.LeftButton)


def test_every_button_has_an_icon_a_tooltip_with_its_keys_and_a_name(window: MainWindow) -> None:
    bar = window.findChild(QToolBar, "mainToolbar")
    assert bar.isVisible() and bar.accessibleName() == "mainToolbar"
    for name in BUTTONS:
        tool = button(window, name)
        assert tool.accessibleName() == name and tool.isVisible()
        assert not tool.icon().isNull() and not tool.icon().pixmap(20, 20).isNull()
        assert tool.toolTip() == tool.defaultAction().toolTip()
    assert button(window, "toolbarConnect").toolTip().startswith("Disconnect (Ctrl+Shift+O)\n")
    assert button(window, "toolbarPause").toolTip().startswith("Pause (Ctrl+P)\n")
    assert button(window, "toolbarClear").toolTip().startswith("Clear log (Ctrl+Shift+L)\n")
    assert button(window, "toolbarCompare").toolTip().startswith("Compare selected messages (Ctrl+D)\n")
    assert button(window, "toolbarRecord").toolTip().startswith("Record to file (Ctrl+R)\n")
    assert button(window, "toolbarFollow").toolTip().startswith("Follow\nKeep the newest message in view")
    labels = [button(window, name).text() for name in BUTTONS]
    assert labels == ["Disconnect", "Follow", "Pause", "Record", "Clear", "Compare"]


def test_the_buttons_are_the_menus_actions_one_source(window: MainWindow) -> None:
    assert button(window, "toolbarClear").defaultAction() is window.log_actions.clear
    assert button(window, "toolbarCompare").defaultAction() is window.log_actions.compare
    assert button(window, "toolbarRecord").defaultAction() is window.capture_controls.record_action
    assert button(window, "toolbarPause").defaultAction() is window.pause_button.defaultAction()
    assert button(window, "toolbarFollow").defaultAction() is window.follow_button.defaultAction()
    listed = [(entry.keys, entry.what) for entry in window.show_shortcuts().entries]
    assert listed.count(("Ctrl+P", "Pause")) == 1 and ("Ctrl+Shift+O", "Disconnect") in listed
    window.shortcuts_dialog.close()


def test_view_menu_hides_the_toolbar_and_its_keys_still_work(window: MainWindow, qtbot) -> None:
    toggle = next(action for action in window.findChild(QMenu, "viewMenu").actions()
                  if action.objectName() == "mainToolbarToggle")
    assert toggle.text() == "&Toolbar" and toggle.isChecked()
    bar = window.findChild(QToolBar, "mainToolbar")
    toggle.trigger()
    assert not bar.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert window.pause_button.isChecked()
    toggle.trigger()
    assert bar.isVisible() and button(window, "toolbarPause").isChecked()


def view_action(window: MainWindow, name: str):
    return next(action for action in window.findChild(QMenu, "viewMenu").actions() if action.objectName() == name)


def test_a_hidden_toolbar_stays_hidden_after_a_restart_until_the_layout_is_reset(qtbot) -> None:
    with shown_window(qtbot, "--no-server") as first:
        view_action(first, "mainToolbarToggle").trigger()
        assert not first.findChild(QToolBar, "mainToolbar").isVisible()
    with shown_window(qtbot, "--no-server") as second:
        bar, toggle = second.findChild(QToolBar, "mainToolbar"), view_action(second, "mainToolbarToggle")
        assert not bar.isVisible() and not toggle.isChecked()
        view_action(second, "resetLayout").trigger()
        assert bar.isVisible() and toggle.isChecked()
    with shown_window(qtbot, "--no-server") as third:
        assert third.findChild(QToolBar, "mainToolbar").isVisible()


def all_buttons_shown(window: MainWindow) -> bool:
    """Every button whole in the bar (none pushed behind its » extension)."""
    bar = window.findChild(QToolBar, "mainToolbar")
    return bar.isVisible() and all(button(window, name).isVisible() and bar.rect().contains(button(window, name).geometry())
                                   for name in BUTTONS)


def test_connect_disconnects_and_connects_again_to_the_embedded_server(window: MainWindow, qtbot) -> None:
    click(qtbot, window, "toolbarConnect")
    qtbot.waitUntil(lambda: window.connect_button.text() == "Connect", timeout=5000)
    assert window.state_label.text().startswith("Closed")
    assert button(window, "toolbarConnect").text() == "Connect" and all_buttons_shown(window)
    click(qtbot, window, "toolbarConnect")  # to the URL in the bar: the embedded server's
    qtbot.waitUntil(lambda: window.state_label.text() == "Open", timeout=5000)
    assert button(window, "toolbarConnect").text() == "Disconnect" and all_buttons_shown(window)
    assert len(window.session.inspector.connections) == 2


def test_the_toolbar_shares_the_menu_bars_row(window: MainWindow) -> None:
    """The log, the message view and the composer keep the window's height."""
    bar, menus = window.findChild(QToolBar, "mainToolbar"), window.menuBar()
    assert bar.parentWidget() is menus and bar.height() <= menus.height()
    assert menus.geometry().bottom() < window.url_edit.mapTo(window, window.url_edit.rect().topLeft()).y()
    assert all_buttons_shown(window)


def test_clear_empties_the_log(window: MainWindow, qtbot) -> None:
    qtbot.waitUntil(lambda: window.log_model.rowCount() >= 2, timeout=5000)
    click(qtbot, window, "toolbarClear")
    assert window.log_model.rowCount() == 0 and len(window.store) == 0
    assert window.notice_label.text().startswith("Cleared ")


def test_pause_holds_new_rows_and_follow_lets_go_of_the_tail(window: MainWindow, qtbot) -> None:
    window.drain_events()  # what arrived before the pause is shown; only what follows waits
    click(qtbot, window, "toolbarPause")
    assert window.pause_button.isChecked()
    shown = window.log_model.rowCount()
    window.ingest([Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, '{"late": 1}')])
    window.show_new_rows()
    assert window.log_model.rowCount() == shown and window.new_badge.text() == "+1 new"
    click(qtbot, window, "toolbarPause")
    assert window.log_model.rowCount() == shown + 1 and not window.pause_button.isChecked()
    click(qtbot, window, "toolbarFollow")
    assert not window.follow_tail and not window.follow_button.isChecked()
    window.follow_button.setChecked(True)  # the pane's own button, checked in code, moves the toolbar's too
    assert window.follow_tail and button(window, "toolbarFollow").isChecked()


def test_compare_shows_the_two_selected_messages(window: MainWindow, qtbot) -> None:
    qtbot.waitUntil(lambda: window.log_model.rowCount() >= 3, timeout=5000)
    window.log_view.selectRow(1)
    window.log_view.selectionModel().select(
        window.log_model.index(2, 0), window.log_view.selectionModel().SelectionFlag.Select
        | window.log_view.selectionModel().SelectionFlag.Rows)
    click(qtbot, window, "toolbarCompare")
    assert window.diff_view is not None and window.diff_view.isVisible()


def test_record_asks_for_a_file_then_stops(window: MainWindow, qtbot, tmp_path: Path) -> None:
    controls = window.capture_controls
    click(qtbot, window, "toolbarRecord")
    dialog = controls.file_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.selectFile(str(tmp_path / "toolbar.jsonl"))
    dialog.accept()
    assert controls.recording
    assert button(window, "toolbarRecord").toolTip().startswith("Stop recording (Ctrl+R)\n")
    assert button(window, "toolbarRecord").text() == "Stop"
    click(qtbot, window, "toolbarRecord")
    assert not controls.recording
    qtbot.waitUntil(lambda: window.notice_label.text().startswith("Recorded "), timeout=5000)

"""The window's features used together, as a demanding user would: keys that belong to one
pane stay there, the default layout leaves room for the log, and work in flight at close
is finished or given up cleanly."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QShortcut
from PySide6.QtWidgets import QDockWidget, QMenu, QTabBar

from app.core import jsonl
from app.core.frames import Direction, Frame, Opcode, Side
from app.main import build
from app.services.replay import CaptureError, Timing, load_capture
from app.ui.common import notify
from app.ui.log.model import SUMMARY
from app.ui.shell.main_window import MainWindow
from tests.helpers import shown_window
from tests.test_capture_files import chrome_har


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:
    with shown_window(qtbot, "--status-delay", "0.3", wait_open=True) as window:
        yield window


def finish(qtbot, task: asyncio.Task) -> Any:
    qtbot.waitUntil(task.done, timeout=10_000)
    return task.result()


def sent_texts(window: MainWindow) -> list[str | bytes]:
    store = window.store
    return [store.payloads[row] for row in range(len(store))
            if store.connection(row) == "client#1" and store.directions[row] == Direction.SENT
            and store.opcodes[row] == Opcode.TEXT]


def test_pane_shortcuts_stay_in_their_pane(window: MainWindow, qtbot) -> None:
    composer = window.composer
    composer.set_text('{"n": 1}')
    composer.request_send()
    history = window.payload_tools.history
    qtbot.waitUntil(lambda: len(history.model.rows) == 1, timeout=3000)

    # With the Raw tab showing, its find box's Shift+Enter must not swallow History's re-send.
    window.message_view.tabs.setCurrentWidget(window.message_view.raw)
    history.table.setFocus()
    history.table.selectRow(0)
    qtbot.keyClick(history.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: len(sent_texts(window)) == 2, timeout=3000)

    assert sent_texts(window) == ['{"n": 1}'] * 2
    qtbot.keyClick(history.table, Qt.Key.Key_Shift)  # let go of the modifier QTest leaves held


def test_no_two_window_wide_shortcuts_share_a_key(window: MainWindow) -> None:
    window_wide = (Qt.ShortcutContext.WindowShortcut, Qt.ShortcutContext.ApplicationShortcut)
    keys = [key.toString() for shortcut in window.findChildren(QShortcut) if shortcut.context() in window_wide
            for key in shortcut.keys()]
    keys += [key.toString() for action in window.findChildren(QAction) if action.shortcutContext() in window_wide
             for key in action.shortcuts()]
    assert len(keys) == len(set(keys)), sorted(keys)
    assert "Shift+Return" not in keys and "F3" not in keys  # the raw view's find keys stay in the raw view


def test_a_har_exported_from_the_window_replays(window: MainWindow, qtbot, tmp_path: Path) -> None:
    window.composer.set_text('{"replay": "me"}')
    window.composer.request_send()
    qtbot.waitUntil(lambda: '{"replay": "me"}' in sent_texts(window), timeout=3000)
    har = tmp_path / "exported.har"
    assert finish(qtbot, window.capture_files.export_path(str(har), False))

    dialog = window.capture_controls.open_replay_dialog()
    dialog.file_edit.setText(str(har))
    dialog.file_edit.editingFinished.emit()
    with qtbot.waitSignal(dialog.connections_listed, timeout=5000):
        pass
    listed = {dialog.connection_box.itemData(index) for index in range(dialog.connection_box.count())}
    assert "client#1" in listed and dialog.error_label.text() == ""
    dialog.reject()

    finish(qtbot, window.capture_controls.start_replay(str(har), window.url_edit.text(), None, Timing(0.0)))
    assert window.notice_label.text().startswith("Replay done: 1 of 1 messages of client#1 sent as client#2")
    store = window.store
    assert [store.payloads[row] for row in range(len(store)) if store.connection(row) == "client#2"
            and store.directions[row] == Direction.SENT and store.opcodes[row] == Opcode.TEXT] == ['{"replay": "me"}']


def test_a_browsers_har_replays_what_the_page_sent(tmp_path: Path) -> None:
    path = tmp_path / "chrome.har"
    path.write_text(json.dumps(chrome_har()), encoding="utf-8")
    script = load_capture(path).script()
    assert script.payloads == ['{"subscribe": "prices"}', ""] and script.offsets[1] - script.offsets[0] == 1.0

    empty = tmp_path / "pages-only.har"
    empty.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "x", "version": "1"}, "entries": []}}))
    with pytest.raises(CaptureError, match="no WebSocket frame in this HAR file"):
        load_capture(empty)


def test_default_layout_leaves_the_log_message_view_and_composer_their_room(window: MainWindow, qtbot) -> None:
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: window.width() == 1280, timeout=2000)
    docks = {dock.objectName(): dock for dock in window.findChildren(QDockWidget)}
    assert set(docks) == {"connectionsDock", "serverDock", "statsDock", "testsDock", "historyDock", "libraryDock",
                          "variablesDock"}
    assert {window.dockWidgetArea(dock) for dock in docks.values()} == {Qt.DockWidgetArea.BottomDockWidgetArea}
    assert {d.objectName() for d in window.tabifiedDockWidgets(docks["connectionsDock"])} == {
        "serverDock", "statsDock", "testsDock"}
    assert {d.objectName() for d in window.tabifiedDockWidgets(docks["historyDock"])} == {"libraryDock", "variablesDock"}
    assert window.log_view.columnWidth(SUMMARY) >= 200  # the column a user reads is on screen
    assert window.message_view.width() >= 500 and window.composer.width() >= 500
    editor, tree = window.composer.editor, window.message_view.tree
    window.composer.set_folded(False)  # opened (Ctrl+E) from its folded first state
    qtbot.waitUntil(lambda: editor.isVisible() and editor.viewport().height() > 0, timeout=2000)
    lines_shown = editor.viewport().height() / editor.fontMetrics().lineSpacing()
    assert lines_shown >= 6, f"the composer shows {lines_shown:.1f} lines"  # room to write a message in
    assert tree.viewport().height() >= 8 * tree.fontMetrics().height()  # and the tree still shows a screenful
    assert window.minimumSizeHint().width() <= 1000  # fits a 1024-pixel-wide screen
    titles = [action.text() for action in window.menuBar().actions()]
    assert titles == ["&File", "&Edit", "&View", "&Capture", "&Log", "&Help"]


def test_a_restored_layout_keeps_its_tabs_and_paints_none_over_the_menus(qtbot) -> None:
    first = build(["--no-server"])
    qtbot.addWidget(first)
    first.shutdown()  # saves the default layout
    second = build(["--no-server"])
    qtbot.addWidget(second)
    second.show()
    try:
        qtbot.waitExposed(second)
        menus_bottom = second.menuBar().geometry().bottom()
        tab_bars = [bar for bar in second.findChildren(QTabBar) if bar.parent() is second and bar.isVisible()
                    and bar.count() and second.rect().intersects(bar.geometry())]
        assert sorted(tuple(bar.tabText(i) for i in range(bar.count())) for bar in tab_bars) == [
            ("Connections", "Embedded server", "Statistics", "Tests"), ("History", "Library", "Variables"),
        ]
        assert all(bar.geometry().top() > menus_bottom for bar in tab_bars)
    finally:
        second.shutdown()


def test_a_closed_dock_comes_back_from_the_view_menu_and_reset_restores_the_layout(window: MainWindow, qtbot) -> None:
    menu = window.menuBar().findChild(QMenu, "viewMenu")
    assert menu is not None
    toggles = {action.objectName(): action for action in menu.actions()}
    history = window.payload_tools.history_dock
    history.close()
    assert not history.isVisible() and not toggles["historyDockToggle"].isChecked()
    toggles["historyDockToggle"].trigger()
    assert history.isVisible()

    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, window.payload_tools.library_dock)
    window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, window.findChild(QDockWidget, "serverDock"))
    window.payload_tools.variables_dock.close()
    toggles["resetLayout"].trigger()
    library = window.payload_tools.library_dock
    assert window.dockWidgetArea(library) == Qt.DockWidgetArea.BottomDockWidgetArea
    server = window.findChild(QDockWidget, "serverDock")
    assert window.dockWidgetArea(server) == Qt.DockWidgetArea.BottomDockWidgetArea
    assert window.findChild(QDockWidget, "connectionsDock") in window.tabifiedDockWidgets(server)
    assert history in window.tabifiedDockWidgets(library) and window.payload_tools.variables_dock.isVisible()


def test_closing_mid_repeat_replay_recording_and_export_finishes_the_files(qtbot, tmp_path: Path) -> None:
    window = build(["--port", "0", "--status-delay", "0.3"])
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.state_label.text() == "Open", timeout=5000)
    url = window.url_edit.text()
    start = time.time()
    script = [Frame("client#1", Side.CLIENT, Direction.EVENT, Opcode.OPEN, json.dumps({"url": url}), 0, start)]
    script += [Frame("client#1", Side.CLIENT, Direction.SENT, Opcode.TEXT, json.dumps({"k": k}), 8, start + 0.2 * k)
               for k in range(50)]
    slow_replay = tmp_path / "slow.jsonl"
    with open(slow_replay, "w", encoding="utf-8") as out:
        jsonl.write_frames(out, script)
    window.ingest([Frame("client#9", Side.CLIENT, Direction.SENT, Opcode.TEXT, json.dumps({"k": k, "pad": "x" * 200}),
                           220, start) for k in range(200_000)])  # big enough that the export is still running

    recording = tmp_path / "recording.jsonl"
    assert window.capture_controls.start_recording(str(recording))
    recorded_from = len(window.store)
    window.composer.set_text('{"n": {{seq}}}')
    window.composer.repeat_count.setValue(0)
    window.composer.repeat_interval.setValue(5)
    window.composer.start_repeat()
    replay = window.capture_controls.start_replay(str(slow_replay), url, None, Timing(1.0))
    qtbot.waitUntil(lambda: window.capture_controls.replay is not None
                    and window.capture_controls.replay.result.sent >= 2, timeout=5000)
    total = len(window.store)
    export = window.capture_files.export_path(str(tmp_path / "everything.jsonl"), False)
    qtbot.waitUntil(lambda: window.capture_files.busy, timeout=2000)

    window.close()  # the autouse fixture checks that no thread and no port is left

    assert not (tmp_path / "everything.jsonl.part").exists()
    exported = (tmp_path / "everything.jsonl").read_text(encoding="utf-8").splitlines()
    # The export finished before the window closed: its whole file is there.
    assert sum('"connection"' in line for line in exported) >= total
    recorded = [line for line in recording.read_text(encoding="utf-8").splitlines() if '"connection"' in line]
    assert len(recorded) == len(window.store) - recorded_from  # every frame that arrived while recording
    qtbot.waitUntil(lambda: export.done() and replay.done(), timeout=5000)
    assert export.exception() is None and replay.exception() is None
    assert export.result() == sum('"connection"' in line for line in exported)
    # Closing stopped the repeat; its task ends on the event loop's next turn.
    qtbot.waitUntil(lambda: not window.composer.repeater.running, timeout=3000)


def test_a_replay_does_not_take_the_composers_connection(window: MainWindow, qtbot, tmp_path: Path) -> None:
    url = window.url_edit.text()
    capture = tmp_path / "short.jsonl"
    start = time.time()
    with open(capture, "w", encoding="utf-8") as out:
        jsonl.write_frames(out, [
            Frame("client#1", Side.CLIENT, Direction.EVENT, Opcode.OPEN, json.dumps({"url": url}), 0, start),
            Frame("client#1", Side.CLIENT, Direction.SENT, Opcode.TEXT, '{"replayed": true}', 18, start + 0.01),
        ])
    composer = window.composer
    composer.set_text('{"repeat": {{seq}}}')
    composer.repeat_count.setValue(0)
    composer.repeat_interval.setValue(50)
    composer.start_repeat()
    finish(qtbot, window.capture_controls.start_replay(str(capture), url, None, Timing(0.0)))
    assert window.notice_label.text().startswith("Replay done: 1 of 1 messages of client#1 sent as client#2")
    sent_before = composer.repeater.count
    qtbot.waitUntil(lambda: composer.repeater.count >= sent_before + 2, timeout=3000)  # still repeating
    composer.repeater.stop()
    qtbot.waitUntil(lambda: not composer.repeater.running, timeout=3000)
    assert window.current_connection == "client#1" and "Not sent" not in composer.error.text()
    assert window.connections_panel.selected().id == "client#1"


def test_a_long_notice_and_recording_name_do_not_widen_the_window(window: MainWindow, qtbot, tmp_path: Path) -> None:
    narrowest = window.minimumSizeHint().width()
    long_name = "recording-of-the-afternoon-session-against-the-staging-cluster-2026-11-25.jsonl"
    assert window.capture_controls.start_recording(str(tmp_path / long_name))
    long_notice = "Replaying 1,234 messages of client#1 to wss://staging.example.test/api/v2/stream, original timing"
    notify.info(long_notice)
    indicator = window.capture_controls.indicator
    qtbot.waitUntil(lambda: indicator.isVisible() and "frames" in indicator.text(), timeout=2000)
    window.statusBar().layout().activate()
    window.layout().activate()
    assert window.minimumSizeHint().width() <= narrowest + 50
    assert "…" in indicator.text() and long_name in indicator.toolTip()
    assert window.notice_label.toolTip() == long_notice
    window.capture_controls.stop_recording()
    qtbot.waitUntil(lambda: window.notice_label.text().startswith("Recorded"), timeout=5000)


def test_tab_never_takes_the_focus_into_a_dock_tab_that_is_not_shown(window: MainWindow, qtbot) -> None:
    from PySide6.QtWidgets import QApplication

    # The Embedded server, Library and Variables tabs sit behind Connections and History.
    window.dock_layout.fold_band(False)  # the band and the composer start folded
    window.composer.set_folded(False)
    start = window.composer.send_button
    start.setFocus()
    qtbot.waitUntil(start.hasFocus, timeout=3000)
    visited = []
    for _ in range(60):  # more than every stop in the window, so the walk goes round
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        focused = QApplication.focusWidget()
        visited.append(focused.objectName())
        assert not focused.visibleRegion().isEmpty(), f"Tab went to {focused.objectName()}, which is out of sight"
    assert {"newConnection", "historySearch", "connectionUrl", "messageLog"} <= set(visited), " ".join(visited)
    for _ in range(60):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
        focused = QApplication.focusWidget()
        assert not focused.visibleRegion().isEmpty(), f"Shift+Tab went to {focused.objectName()}, out of sight"


def test_tab_leaves_the_tables_of_the_windows_dialogs(window: MainWindow, qtbot) -> None:
    from PySide6.QtWidgets import QApplication, QTableView

    from app.net.options import ConnectionOptions
    from app.ui.common.shortcuts import ShortcutsDialog
    from app.ui.connections.dialog import ConnectionDialog
    from app.ui.message.diff_view import DiffView

    def leaves(table: QTableView) -> bool:
        table.setFocus()
        table.setCurrentIndex(table.model().index(0, 0))
        qtbot.waitUntil(table.hasFocus, timeout=3000)
        for _ in range(3):
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        return not table.hasFocus()

    dialog = ConnectionDialog(ConnectionOptions(url="ws://127.0.0.1:1/"), window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    dialog.query.add_row("a", "1")
    dialog.query.add_row("b", "2")
    assert leaves(dialog.query.table)
    dialog.close()

    shortcuts = ShortcutsDialog(window)
    qtbot.addWidget(shortcuts)
    shortcuts.show()
    shortcuts.activateWindow()
    assert leaves(shortcuts.table)
    shortcuts.close()

    diff = DiffView(window)
    qtbot.addWidget(diff)
    assert not diff.rows.tabKeyNavigation() and not diff.changes.tabKeyNavigation()


def test_the_view_menu_brings_a_dock_behind_another_tab_into_view_before_it_hides_it(window: MainWindow, qtbot) -> None:
    toggles = {action.objectName(): action for action in window.menuBar().findChild(QMenu, "viewMenu").actions()}
    stats, connections = window.stats_dock, window.dock_layout.docks["connectionsDock"]
    window.dock_layout.fold_band(False)
    connections.raise_()
    qtbot.waitUntil(lambda: stats.visibleRegion().isEmpty() and not connections.visibleRegion().isEmpty(), timeout=3000)
    assert toggles["statsDockToggle"].isChecked()  # open, behind the Connections tab
    toggles["statsDockToggle"].trigger()
    qtbot.waitUntil(lambda: not stats.visibleRegion().isEmpty(), timeout=3000)
    assert toggles["statsDockToggle"].isChecked() and not stats.isHidden()
    toggles["statsDockToggle"].trigger()  # in view: now it closes
    assert stats.isHidden() and not toggles["statsDockToggle"].isChecked()
    toggles["statsDockToggle"].trigger()
    qtbot.waitUntil(lambda: not stats.visibleRegion().isEmpty(), timeout=3000)
    assert toggles["statsDockToggle"].isChecked()

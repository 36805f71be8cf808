"""The log in the real window: selection across filters, its actions, the status bar, its columns."""

from __future__ import annotations

import json
import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMenu

from app.core.frames import ConnectionState, Direction, Frame, Level, Notice, Opcode, Side, StateChange
from app.main import build
from app.ui.common import notify
from app.ui.common.style import status_colour
from app.ui.shell import theme_switch
from app.ui.shell.main_window import MainWindow
from tests.helpers import connection_row


def feed(window: MainWindow, qtbot, frames: list[Frame]) -> None:
    """Put frames on the session queue, as the network threads do, and wait until the log shows them."""
    end = window.store.end + len(frames)
    for frame in frames:
        window.session.queue.put(frame)
    qtbot.waitUntil(lambda: window.store.end == end and window.log_model.rowCount() == len(window.view),
                    timeout=5000)


def message(payload: str, direction: Direction = Direction.RECEIVED, connection: str = "client#1") -> Frame:
    return Frame(connection, Side.CLIENT, direction, Opcode.TEXT, payload)


def click_row(window: MainWindow, qtbot, row: int,
              modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    table = window.log_view
    index = window.log_model.index(row, 0)
    table.scrollTo(index)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, modifier, table.visualRect(index).center())


def apply_filter(window: MainWindow, qtbot, text: str) -> None:
    window.filter_bar.edit.setText(text)
    with qtbot.waitSignal(window.filter_bar.applied, timeout=3000):
        window.filter_bar.apply()


def heading(window: MainWindow) -> str:
    return window.message_view.info.text().split("\n")[0]


def selected_store_rows(window: MainWindow) -> list[int]:
    return sorted(window.view.store_row(index.row()) for index in window.log_view.selectionModel().selectedRows())


def test_a_new_filter_keeps_the_selected_message_or_clears_the_pane(window: MainWindow, qtbot) -> None:
    feed(window, qtbot, [message(f'{{"n": {n}, "type": "{"ab"[n % 2]}"}}') for n in range(6)])
    window.log_view.setFocus()
    click_row(window, qtbot, 1)
    click_row(window, qtbot, 3, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: heading(window).startswith("#4 "), timeout=3000)

    apply_filter(window, qtbot, "$.type == 'b'")  # rows 1, 3, 5 stay
    assert window.log_model.rowCount() == 3
    assert selected_store_rows(window) == [1, 3]
    assert window.view.store_row(window.log_view.currentIndex().row()) == 3
    assert heading(window).startswith("#4 ")
    qtbot.keyClick(window.log_view, Qt.Key.Key_Down)  # the arrow keys go on from the kept row
    qtbot.waitUntil(lambda: heading(window).startswith("#6 "), timeout=3000)
    assert '"n": 5' in window.message_view.raw.toPlainText()

    apply_filter(window, qtbot, "$.type == 'a'")  # the shown message (row 5) is filtered out
    assert not window.log_view.currentIndex().isValid() and selected_store_rows(window) == []
    assert window.message_view.info.text() == "Select a message to see it here."
    tree = window.message_view.tree_model
    assert window.message_view.raw.toPlainText() == ""
    assert tree.rowCount() == 0  # nothing, not an empty array's "(value) [0 items]" row


# -- the log's actions (copy, load, resend, clear, shortcuts, quit) ----------------------------


def select_store_rows(window: MainWindow, qtbot, rows: list[int]) -> None:
    """Ctrl+click the rows (view positions of an unfiltered log are store rows here)."""
    window.log_view.setFocus()
    for number, row in enumerate(rows):
        click_row(window, qtbot, row, Qt.KeyboardModifier.ControlModifier if number else Qt.KeyboardModifier.NoModifier)


def test_ctrl_c_copies_the_selected_payloads_in_log_order_and_jsonl_copies_frames(window: MainWindow, qtbot) -> None:
    from PySide6.QtGui import QGuiApplication

    from app.core import jsonl

    frames = [message('{"n": 0}'), message('{"n": 1}', Direction.SENT),
              Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.BINARY, b"\x00\xffA")]
    feed(window, qtbot, frames)
    select_store_rows(window, qtbot, [2, 0])  # selected bottom first: copied in the log's order
    clipboard = QGuiApplication.clipboard()
    clipboard.clear()
    qtbot.keyClick(window.log_view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert clipboard.text() == '{"n": 0}\n00 ff 41'
    assert window.notice_label.text() == "Copied 2 payloads"

    qtbot.keyClick(window.log_view, Qt.Key.Key_J,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    lines = clipboard.text().splitlines()
    assert [jsonl.record_to_frame(json.loads(line)) for line in lines] == [
        window.store.frame(0), window.store.frame(2)]

    names = [action.text() for action in window.log_view.actions() if not action.isSeparator()]
    assert names == ["&Copy payload", "Copy as &JSONL", "&Load into composer", "&Resend",
                     "Compare selected messages", "&Infer schema…", "Save as &test…", "Clear &log"]
    menu = next(action.menu() for action in window.menuBar().actions() if action.text() == "&Log")
    assert isinstance(menu, QMenu)
    # The Log menu: the rows' actions, then what the header's context menu offers that needs no row.
    assert [action.text() for action in menu.actions() if not action.isSeparator()] == [
        *names, "Add &column from JSON path…"]


def test_load_into_composer_takes_the_current_message(window: MainWindow, qtbot) -> None:
    feed(window, qtbot, [message('{"n": 0}'), message('{"order": "buy", "qty": 2}', Direction.SENT),
                         Frame("client#1", Side.CLIENT, Direction.EVENT, Opcode.OPEN, '{"url": "ws://x"}')])
    select_store_rows(window, qtbot, [1])
    window.log_actions.load.trigger()
    assert window.composer.text() == '{"order": "buy", "qty": 2}' and window.composer.mode == "text"
    select_store_rows(window, qtbot, [2])
    window.log_actions.load.trigger()
    assert window.notice_label.text() == "Not loaded: only text and binary messages go into the composer"
    assert window.composer.text() == '{"order": "buy", "qty": 2}'


def test_clear_log_empties_the_log_and_its_counts_but_not_the_recording(window: MainWindow, qtbot, tmp_path) -> None:
    from app.core.capture_files import read_capture

    recording = tmp_path / "kept.jsonl"
    assert window.capture_controls.start_recording(str(recording))
    feed(window, qtbot, [message(f'{{"n": {n}}}', Direction.SENT if n % 2 else Direction.RECEIVED) for n in range(4)])
    select_store_rows(window, qtbot, [1])
    qtbot.waitUntil(lambda: heading(window).startswith("#2 "), timeout=3000)
    qtbot.keyClick(window.log_view, Qt.Key.Key_L,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.log_model.rowCount() == 0 and len(window.store) == 0
    assert window.counts_label.text() == "0 messages · ↑ 0 sent · ↓ 0 received"
    assert window.message_view.info.text() == "Select a message to see it here."
    assert window.notice_label.text() == "Cleared 4 rows from the log (the recording to file goes on)"
    feed(window, qtbot, [message('{"n": 4}')])
    assert window.log_model.index(0, 5).data() == '{"n": 4}'
    assert window.counts_label.text() == "1 message · ↑ 0 sent · ↓ 1 received"
    window.capture_controls.stop_recording()
    qtbot.waitUntil(lambda: window.notice_label.text().startswith("Recorded "), timeout=5000)
    frames, _report = read_capture(recording)
    assert [frame.payload for frame in frames] == [f'{{"n": {n}}}' for n in range(5)]


def test_keyboard_shortcuts_dialog_lists_the_windows_actions_without_clashes(window: MainWindow, qtbot) -> None:
    from collections import Counter

    from PySide6.QtGui import QAction, QKeySequence

    added = QAction("Something new", window)
    added.setShortcut(QKeySequence("Ctrl+Alt+Y"))
    window.addAction(added)  # the list is read from the window, so a new action appears in it
    qtbot.keyClick(window, Qt.Key.Key_F1)
    dialog = window.shortcuts_dialog
    assert dialog is not None and dialog.isVisible()
    table = dialog.table
    shown = {(table.item(row, 0).text(), table.item(row, 1).text()) for row in range(table.rowCount())}
    for keys, what in [("Ctrl+C", "Copy payload"), ("Ctrl+Shift+J", "Copy as JSONL"), ("Ctrl+Shift+L", "Clear log"),
                       ("Ctrl+D", "Compare selected messages"), ("Ctrl+Q", "Quit"), ("F1", "Keyboard shortcuts"),
                       ("Ctrl+R", "Record to file"), ("Ctrl+O", "Import capture"), ("Ctrl+F", "Filter the log"),
                       ("Ctrl+Alt+Y", "Something new")]:
        assert (keys, what) in shown, (keys, what)
    assert not [entry for entry in dialog.entries if entry.what == "(not described)"]
    window_wide = Counter(entry.keys for entry in dialog.entries if entry.where in ("anywhere in the window",)
                          or entry.where.endswith(" menu"))
    assert [keys for keys, count in window_wide.items() if count > 1] == []
    wheres = {entry.where for entry in dialog.entries}
    assert "in the JSON tree panel" in wheres and not [where for where in wheres if "json" in where]


def test_ctrl_q_quits(window: MainWindow, qtbot) -> None:
    file_menu = next(action.menu() for action in window.menuBar().actions() if action.text() == "&File")
    assert isinstance(file_menu, QMenu)
    quit_action = file_menu.actions()[-1]
    assert quit_action.text() == "&Quit" and quit_action.shortcut().toString() == "Ctrl+Q"
    qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=3000)
    assert window.closing


def test_resend_sends_again_on_the_rows_connection_or_says_why_not(qtbot) -> None:
    from tests.helpers import shown_window

    def rows_with(window: MainWindow, payload: str, direction: Direction, connection: str) -> list[int]:
        store = window.store
        return [row for row in range(store.first, store.end) if store.payloads[row] == payload
                and store.directions[row] == direction and store.connection(row) == connection]

    with shown_window(qtbot, wait_open=True) as window:
        window.composer.set_text('{"resend": 1}')
        window.composer.request_send()
        qtbot.waitUntil(lambda: bool(rows_with(window, '{"resend": 1}', Direction.SENT, "client#1")), timeout=5000)
        qtbot.waitUntil(lambda: window.log_model.rowCount() == len(window.store), timeout=3000)
        sent = rows_with(window, '{"resend": 1}', Direction.SENT, "client#1")[0]
        select_store_rows(window, qtbot, [sent])
        window.log_actions.resend.trigger()
        qtbot.waitUntil(lambda: len(rows_with(window, '{"resend": 1}', Direction.SENT, "client#1")) == 2,
                        timeout=5000)
        qtbot.waitUntil(lambda: window.notice_label.text() == "Resent 1 message", timeout=3000)

        qtbot.waitUntil(lambda: bool(rows_with(window, '{"resend": 1}', Direction.RECEIVED, "server#1")), timeout=5000)
        qtbot.waitUntil(lambda: window.log_model.rowCount() == len(window.store), timeout=3000)
        select_store_rows(window, qtbot, [rows_with(window, '{"resend": 1}', Direction.RECEIVED, "server#1")[0]])
        window.log_actions.resend.trigger()
        assert window.notice_label.text().startswith("Not resent: server#1 is the embedded server's side")

        feed(window, qtbot, [message('{"old": 1}', Direction.SENT, connection="client#1~1")])
        select_store_rows(window, qtbot, [window.store.end - 1])
        window.log_actions.resend.trigger()
        assert window.notice_label.text() == ("Not resent: client#1~1 came from an imported capture, "
                                              "not a connection of this window")

        window.toggle_connection()  # Disconnect
        qtbot.waitUntil(lambda: window.connection_states["client#1"].name == "CLOSED", timeout=5000)
        select_store_rows(window, qtbot, [sent])
        window.log_actions.resend.trigger()
        assert window.notice_label.text().startswith("Not resent: client#1 is closed"), window.notice_label.text()
        assert len(rows_with(window, '{"resend": 1}', Direction.SENT, "client#1")) == 2


def test_summary_keeps_its_width_when_json_columns_are_added_and_they_fit_their_content(window: MainWindow, qtbot) -> None:
    from app.ui.log.columns import ADDED_WIDTH, SUMMARY_MIN_WIDTH
    from app.ui.log.model import COLUMNS, SUMMARY

    feed(window, qtbot, [message(f'{{"type": "chat", "n": {n}, "text": "a long message to read in the summary"}}')
                         for n in range(5)])
    table, header = window.log_view, window.log_view.horizontalHeader()

    def summary_fills_the_rest() -> bool:
        others = sum(header.sectionSize(c) for c in range(header.count()) if c != SUMMARY)
        return header.sectionSize(SUMMARY) == max(SUMMARY_MIN_WIDTH, table.viewport().width() - others)

    for path in ("$.type", "$.text"):  # in the default layout the log is narrow
        window.log_columns.add_column(path)
    assert header.count() == len(COLUMNS) + 2
    assert header.sectionSize(SUMMARY) >= SUMMARY_MIN_WIDTH  # the table scrolls instead
    for column in (len(COLUMNS), len(COLUMNS) + 1):
        content = max(table.sizeHintForColumn(column), header.sectionSizeHint(column))
        assert header.sectionSize(column) == min(max(content, ADDED_WIDTH[0]), ADDED_WIDTH[1])
    assert header.sectionSize(len(COLUMNS)) < header.sectionSize(len(COLUMNS) + 1)  # "chat" is short

    window.resize(1800, 800)  # a wide log: Summary takes the room the others leave
    qtbot.waitUntil(lambda: table.viewport().width() > 415 + 68 + 220 + SUMMARY_MIN_WIDTH, timeout=2000)
    qtbot.waitUntil(summary_fills_the_rest, timeout=2000)
    assert header.sectionSize(SUMMARY) > SUMMARY_MIN_WIDTH
    window.log_columns.remove_column(len(COLUMNS) + 1)
    assert summary_fills_the_rest()


def test_dropped_count_counts_messages_not_the_connections_open_event(qtbot) -> None:
    window = build(["--no-server", "--memory-budget", "1M"])
    qtbot.addWidget(window)
    window.show()
    try:
        opened = Frame("client#1", Side.CLIENT, Direction.EVENT, Opcode.OPEN, '{"url": "ws://127.0.0.1:1/"}')
        feed(window, qtbot, [opened] + [message(f'{{"seq": {i}, "pad": "{"x" * 1000}"}}') for i in range(1200)])
        store = window.store
        assert store.dropped > 0 and store.opcodes[store.first] == Opcode.TEXT  # the open event went too
        first_kept = json.loads(store.payloads[store.first])["seq"]
        assert store.dropped_messages == store.dropped - 1 == first_kept
        label = window.findChild(QLabel, "droppedCount")
        assert label.text() == f"{store.dropped - 1:,} oldest messages dropped (and 1 connection event)"
    finally:
        window.shutdown()


# -- the status bar ------------------------------------------------------------------------------


def test_a_multi_megabyte_message_loads_tree_pages_as_scrolled_not_all_at_once(window: MainWindow, qtbot) -> None:
    """Each page of a big document's tree used to make the view lay every row out again and fetch the
    next page, until all were loaded: the window stalled for seconds in 0.1-0.4 s steps."""
    from app.ui.message.tree_model import CHUNK

    big = json.dumps(["x" * 100] * 55_000)  # 5.7 MB: held by the document process
    feed(window, qtbot, [message(big)])
    tree, model = window.message_view.tree, window.message_view.tree_model
    click_row(window, qtbot, 0)
    qtbot.waitUntil(lambda: model.rowCount() >= CHUNK, timeout=10_000)
    shown_at = model.rowCount()
    feed(window, qtbot, [message('{"after": 1}')])  # the log goes on meanwhile
    assert window.counts_label.text().startswith("2 messages")
    with pytest.raises(qtbot.TimeoutError):  # nobody scrolled: no more pages are fetched
        qtbot.waitUntil(lambda: model.rowCount() > shown_at + CHUNK, timeout=1500)
    tree.verticalScrollBar().setValue(tree.verticalScrollBar().maximum())  # the user scrolls to the end
    qtbot.waitUntil(lambda: model.rowCount() > shown_at, timeout=10_000)


def test_notices_expire_errors_stay_until_dismissed(window: MainWindow, qtbot) -> None:
    from app.ui.shell.notices import NOTICE_SECONDS

    notices = window.notices
    assert NOTICE_SECONDS == 10 and notices.expiry.interval() == 10_000
    notices.expiry.setInterval(200)  # the same timer, shorter, so the test need not wait ten seconds
    notify.info("Copied 2 payloads")
    assert window.notice_label.text() == "Copied 2 payloads" and notices.dismiss_button.isVisible()
    qtbot.waitUntil(lambda: window.notice_label.text() == "", timeout=3000)
    assert not notices.dismiss_button.isVisible()

    notify.error("Recording stopped: No space left on device")
    notify.info("Resent 1 message")  # a later notice covers the error for a while
    assert window.notice_label.text() == "Resent 1 message"
    qtbot.waitUntil(lambda: window.notice_label.text() == "Recording stopped: No space left on device",
                    timeout=3000)  # ... and the error comes back
    with pytest.raises(qtbot.TimeoutError):
        qtbot.waitUntil(lambda: window.notice_label.text() == "", timeout=600)  # it does not expire
    qtbot.mouseClick(notices.dismiss_button, Qt.MouseButton.LeftButton)
    assert window.notice_label.text() == "" and notices.error is None


def test_notices_and_statuses_never_change_the_filter_boxs_width(window: MainWindow, qtbot) -> None:
    from PySide6.QtWidgets import QApplication

    feed(window, qtbot, [message(f'{{"n": {n}}}') for n in range(3)])
    edit = window.filter_bar.edit
    QApplication.processEvents()
    width = edit.width()

    def settled_width() -> int:
        QApplication.processEvents()
        return edit.width()

    notify.error("A very long error notice " * 20)
    assert settled_width() == width
    window.log_columns.add_column("$.n")  # "Added column $.n"
    window.log_view.sortByColumn(len(window.log_model.json_columns) + 5, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: window.log_columns.status.text().startswith("Sorted by"), timeout=3000)
    assert settled_width() == width
    window.pause_button.setChecked(True)
    feed_paused = [message('{"late": 1}')]
    window.session.queue.put(feed_paused[0])
    qtbot.waitUntil(lambda: window.new_badge.text() == "+1 new", timeout=3000)
    assert settled_width() == width
    window.filter_bar.edit.setText("$.n == ")  # a bad expression: its long explanation
    window.filter_bar.apply()
    assert "needs a value" in window.filter_bar.status.text()
    assert "needs a value" in window.notice_label.text()  # said in full in the status bar
    assert settled_width() == width
    window.filter_bar.edit.setText("$.n >= 0")
    with qtbot.waitSignal(window.filter_bar.applied, timeout=3000):
        window.filter_bar.apply()
    assert window.filter_bar.status.text() == "3 of 4 shown" and settled_width() == width


def test_message_counts_leave_connection_events_out(window: MainWindow, qtbot) -> None:
    opened = Frame("client#1", Side.CLIENT, Direction.EVENT, Opcode.OPEN, '{"url": "ws://127.0.0.1:1/"}')
    feed(window, qtbot, [opened, message('{"n": 1}', Direction.SENT), message('{"n": 1}')])
    assert window.counts_label.text() == "2 messages · ↑ 1 sent · ↓ 1 received"


def test_a_notice_coming_and_going_never_moves_the_window_s_layout(window: MainWindow, qtbot) -> None:
    from PySide6.QtWidgets import QApplication

    def settled() -> tuple[int, int]:
        QApplication.processEvents()
        return window.statusBar().height(), window.log_view.height()

    before = settled()
    notify.info("Copied 2 frames as JSONL")  # its × shows beside it
    assert window.notices.dismiss_button.isVisible()
    assert settled() == before
    window.notices.dismiss()
    assert settled() == before


def _contrast(foreground, background) -> float:
    """WCAG contrast ratio of two QColors."""
    def luminance(colour) -> float:
        def channel(value: float) -> float:
            return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4
        return 0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF())
    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_dark_theme_gets_colours_that_read_on_it(qtbot) -> None:
    from PySide6.QtGui import QColor, QPalette
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    try:
        window = build(["--no-server", "--theme", "dark"])
        qtbot.addWidget(window)
        window.show()
        dark = app.palette()
        base = dark.color(QPalette.ColorRole.Base)
        feed(window, qtbot, [message('{"name": "Alice", "n": 123, "ok": true, "none": null, "big": 12345678901234567890}'),
                             message('{"n": 1}', Direction.SENT),
                             Frame("client#1", Side.CLIENT, Direction.EVENT, Opcode.ERROR, '{"error": "refused"}')])
        model = window.log_model
        for row in range(3):
            for column in (2, 3):  # Direction, Opcode
                colour = model.index(row, column).data(Qt.ItemDataRole.ForegroundRole)
                assert _contrast(colour, base) >= 4.5, (row, column, colour.name())
        click_row(window, qtbot, 0)
        tree = window.message_view.tree_model
        qtbot.waitUntil(lambda: tree.rowCount() == 5, timeout=3000)
        for row in range(5):
            colour = tree.index(row, 1).data(Qt.ItemDataRole.ForegroundRole)
            assert _contrast(colour, base) >= 4.5, (tree.index(row, 0).data(), colour.name())
        for state in (ConnectionState.FAILED, ConnectionState.RECONNECTING, ConnectionState.CLOSED):
            window.session.queue.put(StateChange(f"client#{state.value}", "ws://127.0.0.1:9/", state, "refused"))
            panel = window.connections_panel.model
            qtbot.waitUntil(lambda: panel.row_of(f"client#{state.value}") is not None, timeout=3000)
            colour = panel.index(connection_row(panel, f"client#{state.value}"), 0).data(Qt.ItemDataRole.ForegroundRole)
            assert _contrast(colour, base) >= 4.5, (state, colour.name())
        for level in ("warning", "error"):
            notify.post(Notice(Level(level), "something to read"))
            notice = QColor(window.notice_label.styleSheet().split("color:")[1].strip(" ;"))
            assert _contrast(notice, dark.color(QPalette.ColorRole.Window)) >= 4.5, (level, notice.name())
        window.shutdown()
    finally:
        theme_switch.install("system")  # what the next window shows unless told otherwise


def test_clearing_the_log_empties_the_hex_view_of_a_binary_frame_shown(window: MainWindow, qtbot) -> None:
    feed(window, qtbot, [Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.BINARY, bytes(range(40)))])
    window.log_view.setFocus()
    click_row(window, qtbot, 0)
    view = window.message_view
    qtbot.waitUntil(lambda: view.tabs.currentWidget() is view.hex and "00 01 02" in view.hex.toPlainText(),
                    timeout=3000)
    qtbot.keyClick(window.log_view, Qt.Key.Key_L,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert view.info.text() == "Select a message to see it here."
    assert view.hex.toPlainText() == "" and view.tabs.currentWidget() is not view.hex


def test_message_counts_go_on_while_a_filter_hides_the_new_messages(window: MainWindow, qtbot) -> None:
    feed(window, qtbot, [message('{"items": [1, 2]}')])
    apply_filter(window, qtbot, "-tick")
    for n in range(3):
        window.session.queue.put(message(f'{{"tick": {n}}}'))
    qtbot.waitUntil(lambda: window.filter_bar.status.text() == "1 of 4 shown", timeout=3000)
    qtbot.waitUntil(lambda: window.counts_label.text() == "4 messages · ↑ 0 sent · ↓ 4 received", timeout=3000)


def test_one_short_json_column_fits_the_default_window_without_scrolling(window: MainWindow, qtbot) -> None:
    from PySide6.QtWidgets import QApplication

    from app.ui.log.model import COLUMNS

    window.resize(1280, 800)  # the window's own default size
    feed(window, qtbot, [message(f'{{"code": {1000 + n}, "text": "a long message to read in the summary"}}')
                         for n in range(5)])
    window.log_columns.add_column("$.code")
    QApplication.processEvents()
    table = window.log_view
    added = len(COLUMNS)
    assert table.columnViewportPosition(added) + table.columnWidth(added) <= table.viewport().width()
    assert not table.horizontalScrollBar().isVisible()


def test_or_groups_and_negated_groups_filter_the_log_through_the_filter_bar(window: MainWindow, qtbot) -> None:
    from app.core.filters import help_tooltip

    feed(window, qtbot, [
        message('{"type": "trade", "note": "heartbeat"}'),
        message('{"type": "trade", "id": 1}'),
        message('{"type": "quote", "id": 2}'),
        message('{"type": "news"}'),
        message('{"type": "trade", "id": 3}', connection="client#2"),
        Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.BINARY, b'{"type": "trade"}'),
    ])
    bar = window.filter_bar
    assert bar.edit.toolTip() == help_tooltip()
    expression = "conn:client#1 ($.type == 'trade' | $.type == 'quote') -(/heartbeat/ | op:binary)"
    bar.edit.setFocus()
    with qtbot.waitSignal(bar.applied, timeout=5000):
        qtbot.keyClicks(bar.edit, expression)  # typed; applied once the typing pauses
    assert [window.view.store_row(row) for row in range(window.log_model.rowCount())] == [1, 2]
    assert bar.status.text() == "2 of 6 shown"

    bar.edit.setText("conn:client#1 ($.type == 'trade' | op:binary")
    qtbot.waitUntil(lambda: bar.error is not None, timeout=3000)
    assert bar.status.text().startswith("column 15: unclosed parenthesis")
    assert status_colour("error") in bar.status.styleSheet()
    assert window.log_model.rowCount() == 2  # the previous filter stays


def test_the_log_paints_its_cells_from_python_holding_the_gil(qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every call a paint makes into the model runs inside the view's Python `paintEvent`.

    Dispatched by Qt alone, each of those calls would first have to win the GIL back from
    the client thread; under the Python paint the GIL is already this thread's.
    """
    import inspect

    from app.ui.log.model import LogModel

    callers: list[bool] = []
    multi_data = LogModel.multiData

    def noting_the_caller(model: LogModel, index, spans) -> None:
        frame, painting = inspect.currentframe(), False
        while frame is not None and not painting:
            painting = frame.f_code.co_name == "paintEvent"
            frame = frame.f_back
        callers.append(painting)
        multi_data(model, index, spans)

    monkeypatch.setattr(LogModel, "multiData", noting_the_caller)
    window = build(["--no-server"])
    qtbot.addWidget(window)
    window.show()
    try:
        feed(window, qtbot, [message(f'{{"n": {n}}}') for n in range(50)])
        callers.clear()
        window.log_view.viewport().update()
        qtbot.waitUntil(lambda: len(callers) >= 50, timeout=3000)
        assert all(callers), f"{callers.count(False)} of {len(callers)} cells painted outside the Python paint"
    finally:
        window.shutdown()


def test_shutdown_drains_every_queued_record_however_many(qtbot) -> None:
    window = build(["--no-server"])
    qtbot.addWidget(window)
    for n in range(25_000):  # more than any one slice of the drain timer takes
        window.session.queue.put(message(f'{{"n": {n}}}'))
    window.shutdown()
    assert window.store.received_count == 25_000 and len(window.session.queue) == 0


def test_a_flood_is_drained_in_slices_with_the_window_answering_between_them(
        window: MainWindow, qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtCore import QTimer

    from app.ui.shell import main_window

    monkeypatch.setattr(main_window, "DRAIN_SLICE_MS", 0)  # one step of DRAIN_CHUNK records per slice
    happened: list[str] = []

    class Batches:
        def observe(self, frames) -> None:
            happened.append(f"batch {len(frames)}")

    window.capture.add_observer(Batches())
    turns = QTimer(window)
    turns.setInterval(0)
    turns.timeout.connect(lambda: happened.append("turn") if happened and happened[-1] != "turn" else None)
    inserted: list[int] = []
    window.log_model.rowsInserted.connect(lambda *_: inserted.append(window.log_model.rowCount()))
    count = 10 * main_window.DRAIN_CHUNK
    for n in range(count):
        window.session.queue.put(message(f'{{"n": {n}}}'))
    turns.start()
    started = time.monotonic()
    qtbot.waitUntil(lambda: window.log_model.rowCount() == count, timeout=10_000)
    elapsed_ms = (time.monotonic() - started) * 1000
    turns.stop()
    batches = [event for event in happened if event != "turn"]
    assert batches == [f"batch {main_window.DRAIN_CHUNK}"] * 10
    assert happened.count("turn") >= 9, happened  # the event loop ran between the slices
    assert len(inserted) <= 2 + elapsed_ms // main_window.REPAINT_INTERVAL_MS  # new rows at the repaint cadence

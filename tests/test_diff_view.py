"""Comparing two messages: from two rows of real traffic (Ctrl+D) to the side-by-side view."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication

from app.core.frames import Direction, Opcode
from app.ui.common import async_loop
from app.ui.common.tooltips import plain_tooltip
from app.ui.message.diff_view import GAP, LEFT_TEXT, RIGHT_NUMBER, RIGHT_TEXT, DiffView, Message, prepare
from app.ui.shell.main_window import MainWindow
from tests.helpers import shown_window

BIG = 2**64 + 1


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:
    with shown_window(qtbot, "--status-delay", "0.3") as window:
        yield window


def received(window: MainWindow, text: str) -> int | None:
    store = window.store
    for row in range(window.log_model.rowCount()):
        if (store.connection(row) == "client#1" and store.directions[row] == Direction.RECEIVED
                and store.opcodes[row] == Opcode.TEXT and text in store.payloads[row]):
            return row
    return None


def select_rows(window: MainWindow, rows: list[int]) -> None:
    selection = window.log_view.selectionModel()
    selection.clearSelection()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in rows:
        selection.select(window.log_model.index(row, 0), flags)


def test_ctrl_d_compares_the_greeting_with_the_status_update(window: MainWindow, qtbot) -> None:
    qtbot.waitUntil(lambda: received(window, "Alice") is not None, timeout=3000)
    qtbot.waitUntil(lambda: received(window, '"online"') is not None, timeout=3000)
    greeting, status = received(window, "Alice"), received(window, '"online"')
    assert greeting is not None and status is not None

    select_rows(window, [greeting])
    window.log_view.setFocus()
    qtbot.keyClick(window.log_view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert window.notice_label.text() == "Select exactly two messages to compare (1 selected)"
    assert window.diff_view is None

    select_rows(window, [greeting, status])
    assert "Compare selected messages" in [a.text() for a in window.log_view.actions()]  # the context menu's entry
    qtbot.keyClick(window.log_view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    view = window.diff_view
    assert view is not None and view.isVisible()
    qtbot.waitUntil(lambda: view.changes_model.rowCount() > 0, timeout=5000)
    found = {(c.path, c.kind) for c in view.changes_model.changes}
    assert found == {("$.username", "removed"), ("$.id", "removed"), ("$.is_active", "removed"),
                     ("$.status", "added"), ("$.last_seen", "added")}
    assert view.summary.text().startswith("5 differences")
    assert view.left_title.text().startswith(f"Left: #{greeting + 1} ")
    assert '"username": "Alice"' in view.prepared.side_text(0)
    assert '"status": "online"' in view.prepared.side_text(1)

    last = view.changes_model.rowCount() - 1
    view.changes.selectRow(last)  # choosing a path selects its first row
    row = view.prepared.comparison.change_rows[last]
    assert view.current_row() == row
    assert view.rows_model.index(row, RIGHT_TEXT).data().strip().startswith('"last_seen"')
    assert view.rows_model.index(row, RIGHT_TEXT).data(Qt.ItemDataRole.BackgroundRole) is not None
    view.grab().save("/tmp/rawdiff-diff-view.png")
    qtbot.keyClick(view.changes, Qt.Key.Key_F7)  # next change, wrapping round
    assert view.changes.currentIndex().row() == 0
    assert view.current_row() == view.prepared.comparison.change_rows[0]
    qtbot.keyClick(view.changes, Qt.Key.Key_F7, Qt.KeyboardModifier.ShiftModifier)
    assert view.changes.currentIndex().row() == last
    # A key without modifiers last: Qt remembers the last event's modifiers, and a held Shift
    # would turn a later test's selectRow into a range selection.
    qtbot.keyClick(view.changes, Qt.Key.Key_F7)
    assert view.changes.currentIndex().row() == 0


def test_side_by_side_rows_align_and_colour_changes(qtbot) -> None:
    async_loop.install(QApplication.instance())  # type: ignore[arg-type]
    left = Message("left", Opcode.TEXT, f'{{"id": {BIG}, "items": [1, 2], "a": 1, "a": 2}}')
    right = Message("right", Opcode.TEXT, f'{{"id": {BIG - 1}, "items": [1, 2, 3], "a": 1, "a": "2"}}')
    prepared = prepare(left, right)
    left_rows, right_rows = prepared.side_text(0).split("\n"), prepared.side_text(1).split("\n")
    assert len(left_rows) == len(right_rows)
    assert (left_rows[1], right_rows[1]) == (f'  "id": {BIG},', f'  "id": {BIG - 1},')
    gap = right_rows.index("    3")
    assert left_rows[gap] == ""
    assert prepared.left_kinds[gap] == GAP and prepared.right_kinds[gap] == "added"
    assert prepared.left_kinds[1] == prepared.right_kinds[1] == "changed"
    assert [c.path for c in prepared.comparison.differences.changes] == ["$.id", "$.items[2]", "$.a#2"]

    view = DiffView()
    qtbot.addWidget(view)
    view.compare(left, right)
    qtbot.waitUntil(lambda: view.changes_model.rowCount() == 3, timeout=5000)
    assert view.rows_model.rowCount() == len(left_rows)
    assert view.rows_model.index(gap, LEFT_TEXT).data() == "" and view.rows_model.index(gap, RIGHT_NUMBER).data()
    assert view.rows_model.index(1, LEFT_TEXT).data(Qt.ItemDataRole.BackgroundRole).color() == \
        view.rows_model.index(1, RIGHT_TEXT).data(Qt.ItemDataRole.BackgroundRole).color()
    view.grab().save("/tmp/rawdiff-diff-small.png")
    assert view.changes_model.index(2, 1).data() == "type-changed"
    assert view.changes_model.index(2, 3).data() == '"2"'


def test_text_messages_are_compared_by_lines_in_the_view(qtbot) -> None:
    async_loop.install(QApplication.instance())  # type: ignore[arg-type]
    view = DiffView()
    qtbot.addWidget(view)
    view.compare(Message("a", Opcode.TEXT, "one\ntwo\nthree"), Message("b", Opcode.BINARY, b"\x00\x01"))
    qtbot.waitUntil(lambda: view.changes_model.rowCount() == 1, timeout=5000)
    assert view.summary.text() == ("1 difference · Compared as text: the left and right messages are not JSON "
                                   "(left: Line 1, column 1: Expecting value) · Right: Binary frame, 2 bytes (hex view)")
    assert view.changes_model.index(0, 0).data() == "lines 1–3"
    assert view.changes_model.index(0, 2).data() == "one ⏎ two ⏎ three"
    assert view.changes_model.index(0, 3).data().startswith("00000000  00 01")


def test_the_diffs_tooltips_show_a_peers_markup_as_text(qtbot) -> None:
    """Both tables are the shared `RowsModel`: a line or a path a peer wrote is never drawn as rich text."""
    async_loop.install(QApplication.instance())  # type: ignore[arg-type]
    markup = "<h1>500</h1><img src='http://127.0.0.1:9/x.png'>" + "x" * 40
    view = DiffView()
    qtbot.addWidget(view)
    view.compare(Message("a", Opcode.TEXT, '{"k": 1}'), Message("b", Opcode.TEXT, json.dumps({"<b>k</b>": markup})))
    qtbot.waitUntil(lambda: view.changes_model.rowCount() == 2, timeout=5000)
    rows = [row for row in range(view.rows_model.rowCount()) if "<h1>" in view.rows_model.index(row, RIGHT_TEXT).data()]
    assert len(rows) == 1
    tip = view.rows_model.index(rows[0], RIGHT_TEXT).data(Qt.ItemDataRole.ToolTipRole)
    assert tip == plain_tooltip(view.rows_model.index(rows[0], RIGHT_TEXT).data())
    assert "&lt;h1&gt;500&lt;/h1&gt;" in tip and "<img" not in tip
    paths = [view.changes_model.index(row, 0) for row in range(2)]
    added = next(index for index in paths if "<b>" in index.data())
    assert added.data(Qt.ItemDataRole.ToolTipRole) == plain_tooltip(added.data())
    assert view.rows_model.index(0, LEFT_TEXT).data(Qt.ItemDataRole.ToolTipRole) is None  # a short line has none

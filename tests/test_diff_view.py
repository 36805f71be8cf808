"""Comparing two messages: from two rows of real traffic (Ctrl+D) to the side-by-side view."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication

from app.core.frames import Direction, Opcode
from app.main import build
from app.ui import async_loop
from app.ui.diff_view import GAP, DiffView, Message, prepare
from app.ui.main_window import MainWindow

BIG = 2**64 + 1


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    window = build(["--port", "0", "--status-delay", "0.3"])
    qtbot.addWidget(window)
    window.show()
    yield window
    window.shutdown()


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


def test_ctrl_d_compares_the_greeting_with_the_status_update(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
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
    assert window.log_view.actions()[0].text() == "Compare selected messages"  # the context menu's entry
    qtbot.keyClick(window.log_view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    view = window.diff_view
    assert view is not None and view.isVisible()
    qtbot.waitUntil(lambda: view.changes_model.rowCount() > 0, timeout=5000)
    found = {(c.path, c.kind) for c in view.changes_model.changes}
    assert found == {("$.username", "removed"), ("$.id", "removed"), ("$.is_active", "removed"),
                     ("$.status", "added"), ("$.last_seen", "added")}
    assert view.summary.text().startswith("5 differences")
    assert view.left_title.text().startswith(f"Left: #{greeting + 1} ")
    assert '"username": "Alice"' in view.left.toPlainText()
    assert '"status": "online"' in view.right.toPlainText()

    last = view.changes_model.rowCount() - 1
    view.changes.selectRow(last)  # choosing a path puts its line at the cursor on both sides
    row = view.prepared.comparison.change_rows[last]
    assert view.right.textCursor().blockNumber() == row == view.left.textCursor().blockNumber()
    assert view.right.document().findBlockByNumber(row).text().strip().startswith('"last_seen"')
    view.grab().save("/tmp/rawdiff-diff-view.png")


def test_side_by_side_rows_align_and_colour_changes(qtbot) -> None:  # type: ignore[no-untyped-def]
    async_loop.install(QApplication.instance())  # type: ignore[arg-type]
    left = Message("left", Opcode.TEXT, f'{{"id": {BIG}, "items": [1, 2], "a": 1, "a": 2}}')
    right = Message("right", Opcode.TEXT, f'{{"id": {BIG - 1}, "items": [1, 2, 3], "a": 1, "a": "2"}}')
    prepared = prepare(left, right)
    left_rows, right_rows = prepared.left_text.split("\n"), prepared.right_text.split("\n")
    assert len(left_rows) == len(right_rows)
    assert (left_rows[1], right_rows[1]) == (f'  "id": {BIG},', f'  "id": {BIG - 1},')
    gap = right_rows.index("    3")
    assert left_rows[gap] == ""
    assert (gap, gap, GAP) in prepared.left_runs and (gap, gap, "added") in prepared.right_runs
    assert [c.path for c in prepared.comparison.differences.changes] == ["$.id", "$.items[2]", "$.a#2"]

    view = DiffView()
    qtbot.addWidget(view)
    view.compare(left, right)
    qtbot.waitUntil(lambda: view.changes_model.rowCount() == 3, timeout=5000)
    assert view.left.toPlainText() == prepared.left_text
    assert len(view.right.extraSelections()) == sum(last - first + 1 for first, last, _ in prepared.right_runs)
    assert view.changes_model.index(2, 1).data() == "type-changed"
    assert view.changes_model.index(2, 3).data() == '"2"'

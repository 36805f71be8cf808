"""The log in the real window: selection across filters, its actions, the status bar, its columns."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from app.core.frames import Direction, Frame, Opcode, Side
from app.main import build
from app.ui.json_tree_model import KEY
from app.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    window = build(["--no-server"])
    qtbot.addWidget(window)
    window.show()
    yield window
    window.shutdown()


def feed(window: MainWindow, qtbot, frames: list[Frame]) -> None:  # type: ignore[no-untyped-def]
    """Put frames on the session queue, as the network threads do, and wait until the log shows them."""
    end = window.store.end + len(frames)
    for frame in frames:
        window.session.queue.put(frame)
    qtbot.waitUntil(lambda: window.store.end == end and window.log_model.rowCount() == len(window.view),
                    timeout=5000)


def message(payload: str, direction: Direction = Direction.RECEIVED, connection: str = "client#1") -> Frame:
    return Frame(connection, Side.CLIENT, direction, Opcode.TEXT, payload)


def click_row(window: MainWindow, qtbot, row: int,  # type: ignore[no-untyped-def]
              modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    table = window.log_view
    index = window.log_model.index(row, 0)
    table.scrollTo(index)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, modifier, table.visualRect(index).center())


def apply_filter(window: MainWindow, qtbot, text: str) -> None:  # type: ignore[no-untyped-def]
    window.filter_bar.edit.setText(text)
    with qtbot.waitSignal(window.filter_bar.applied, timeout=3000):
        window.filter_bar.apply()


def heading(window: MainWindow) -> str:
    return window.message_view.info.text().split("\n")[0]


def selected_store_rows(window: MainWindow) -> list[int]:
    return sorted(window.view.store_row(index.row()) for index in window.log_view.selectionModel().selectedRows())


def test_a_new_filter_keeps_the_selected_message_or_clears_the_pane(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
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
    assert "n" not in [tree.index(row, KEY).data() for row in range(tree.rowCount())]

"""The one ingest path: `Capture.append` for the window's drain, an import and tests alike."""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence

import pytest
from PySide6.QtCore import Qt

from app.core.capture import ROW_BYTES
from app.core.frames import Direction, Frame, Opcode, Side
from app.core.ingest import Capture
from app.main import build
from app.ui.shell.main_window import MainWindow


class Recorded:
    def __init__(self) -> None:
        self.batches: list[list[Frame]] = []

    def observe(self, frames: Sequence[Frame]) -> None:
        self.batches.append(list(frames))


def message(seq: int, connection: str = "client#1") -> Frame:
    return Frame(connection, Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, f'{{"seq": {seq:08d}, "p": 0}}'[:20])


def test_append_stores_tells_live_observers_and_says_what_changed() -> None:
    capture = Capture()
    live, everything = Recorded(), Recorded()
    capture.add_observer(live)
    capture.add_observer(everything, imported=True)
    appended = capture.append([message(0), message(1)])
    assert appended.rows == range(0, 2) and appended.dropped == 0 and not appended.reset
    imported = capture.append([message(2, "client#1~1")], imported=True)
    assert imported.rows == range(2, 3) and len(capture.store) == 3
    assert [len(batch) for batch in live.batches] == [2]  # the panels and the recorder follow live traffic only
    assert [len(batch) for batch in everything.batches] == [2, 1]
    capture.remove_observer(live)
    capture.append([message(3)])
    assert len(live.batches) == 1


def test_a_drop_reports_the_rows_that_left_the_view_top_or_a_reset_when_sorted() -> None:
    capture = Capture(budget=(20 + ROW_BYTES) * 100)
    capture.append([message(i) for i in range(100)])
    appended = capture.append([message(i) for i in range(100, 120)])
    assert appended.dropped == 30 and appended.removed_top == 30 and capture.store.first == 30
    assert capture.view.store_row(0) == 30

    order = capture.view.sort_snapshot()[0]
    capture.view.install_order(array("Q", reversed(order)), capture.store.end)
    shown_before = [capture.view.store_row(row) for row in range(len(capture.view))]
    appended = capture.append([message(i) for i in range(120, 150)])
    assert appended.dropped and appended.reset  # sorted: the dropped rows were anywhere in the order
    assert [capture.view.previous_store_row(row) for row in range(len(shown_before))] == shown_before
    assert all(capture.view.store_row(row) >= capture.store.first for row in range(len(capture.view)))


def test_clear_empties_the_view_and_the_counts() -> None:
    capture = Capture()
    capture.append([message(i) for i in range(5)])
    cleared = capture.clear()
    assert cleared.dropped == 5 and cleared.reset and len(capture.view) == 0 and capture.store.received_count == 0


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:
    window = build(["--no-server", "--memory-budget", "1M"])
    qtbot.addWidget(window)
    window.show()
    yield window
    window.shutdown()


def test_a_sorted_log_keeps_the_selected_message_when_the_budget_drops_rows(window: MainWindow, qtbot) -> None:
    payload = "x" * 2000
    frames = [Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, f'{{"n": {n}, "p": "{payload}"}}')
              for n in range(400)]
    window.ingest(frames)
    window.show_new_rows()
    window.log_columns.add_column("$.n")
    window.log_view.sortByColumn(len(window.log_model.json_columns) + 5, Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(lambda: window.log_columns.status.text().startswith("Sorted by"), timeout=3000)
    window.log_view.selectRow(300)
    chosen = window.view.store_row(300)
    window.ingest(frames[:200])  # over 1 MiB: the oldest rows go from the sorted order (above the chosen one)
    assert window.store.dropped > 0 and chosen >= window.store.first
    current = window.log_view.currentIndex()
    assert current.row() < 300 and window.view.store_row(current.row()) == chosen
    assert window.dropped_label.text().endswith("oldest messages dropped")


def test_an_import_goes_through_the_same_path_but_not_to_the_panels(window: MainWindow, qtbot, tmp_path) -> None:
    from app.core.jsonl import frame_to_line

    capture = tmp_path / "old.jsonl"
    frames = [Frame("server#1", Side.SERVER, Direction.EVENT, Opcode.OPEN, '{"path": "/ws", "peer": "127.0.0.1:1"}'),
              Frame("server#1", Side.SERVER, Direction.RECEIVED, Opcode.TEXT, "{}")]
    capture.write_text("".join(frame_to_line(frame) + "\n" for frame in frames))
    window.capture_files.import_path(str(capture))
    qtbot.waitUntil(lambda: window.log_model.rowCount() == 2, timeout=5000)
    assert window.store.connection(window.store.first) == "server#1~1"
    assert window.server_panel.model.rowCount() == 0  # an imported client is not connected to this server

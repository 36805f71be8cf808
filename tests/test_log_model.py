"""The log model: a correct Qt model, and one that survives many batched inserts."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.core.capture import CaptureStore
from app.core.frames import Direction, Frame, Opcode, Side
from app.ui.log_model import COLUMNS, DIRECTION, OPCODE, SIZE, SUMMARY, LogModel


def frame(i: int) -> Frame:
    direction = Direction.SENT if i % 2 else Direction.RECEIVED
    return Frame(f"client#{i % 3}", Side.CLIENT, direction, Opcode.TEXT, f'{{"seq": {i}}}')


def test_log_model_passes_qtmodeltester(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    store = CaptureStore()
    model = LogModel(store)
    store.extend(frame(i) for i in range(20))
    model.rows_appended(20)
    store.extend([Frame("server#1", Side.SERVER, Direction.RECEIVED, Opcode.BINARY, b"\x00\x01")])
    model.rows_appended(1)
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() == 21 and model.columnCount() == len(COLUMNS)
    assert model.index(0, SUMMARY).data() == '{"seq": 0}'
    assert model.index(1, DIRECTION).data() == "↑ sent"
    assert model.index(1, OPCODE).data() == "text" and model.index(20, OPCODE).data() == "binary"
    assert model.index(20, SIZE).data() == "2 B"
    assert model.index(20, SUMMARY).data().startswith("binary 2 B")
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Time"


def test_fifty_thousand_insert_cycles_survive(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Regression: PySide6 6.12 on Python 3.11 aborted after ~2,600 of these (None refcount)."""
    store = CaptureStore()
    model = LogModel(store)
    inserted = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append(last - first + 1))
    one = [frame(0)]
    for _ in range(50_000):
        store.extend(one)
        model.rows_appended(1)
    assert model.rowCount() == 50_000 == len(store)
    assert len(inserted) == 50_000 and sum(inserted) == 50_000


def test_a_batch_is_one_insert(qtbot) -> None:  # type: ignore[no-untyped-def]
    store = CaptureStore()
    model = LogModel(store)
    with qtbot.waitSignal(model.rowsInserted, timeout=1000) as blocker:
        store.extend(frame(i) for i in range(1000))
        model.rows_appended(1000)
    assert blocker.args[1:] == [0, 999]
    model.rows_appended(0)
    assert model.rowCount() == 1000

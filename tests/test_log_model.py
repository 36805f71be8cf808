"""The log model: a correct Qt model, and one that survives many batched inserts."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.core.frames import Direction, Frame, Opcode, Side
from app.core.ingest import Capture
from app.ui.common.style import colours
from app.ui.log.model import COLUMNS, DIRECTION, OPCODE, SIZE, SUMMARY, TIME, LogModel


def frame(i: int) -> Frame:
    direction = Direction.SENT if i % 2 else Direction.RECEIVED
    return Frame(f"client#{i % 3}", Side.CLIENT, direction, Opcode.TEXT, f'{{"seq": {i}}}')


def feed(model: LogModel, capture: Capture, frames: list[Frame]) -> int:
    """The window's ingest path: append through the capture, apply, announce; return the rows announced."""
    model.apply(capture.append(frames))
    return model.announce_new_rows()


def test_log_model_passes_qtmodeltester(qtmodeltester) -> None:
    capture = Capture()
    model = LogModel(capture)
    assert feed(model, capture, [frame(i) for i in range(20)]) == 20
    assert feed(model, capture, [Frame("server#1", Side.SERVER, Direction.RECEIVED, Opcode.BINARY, b"\x00\x01")]) == 1
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() == 21 and model.columnCount() == len(COLUMNS)
    assert model.index(0, SUMMARY).data() == '{"seq": 0}'
    assert model.index(1, DIRECTION).data() == "sent"
    assert model.index(1, OPCODE).data() == "text" and model.index(20, OPCODE).data() == "binary"
    assert model.index(20, SIZE).data() == "2 B"
    assert model.index(20, SUMMARY).data().startswith("binary 2 B")
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Time"


def test_fifty_thousand_insert_cycles_survive(qtbot) -> None:
    """Regression: PySide6 6.12 on Python 3.11 aborted after ~2,600 of these (None refcount)."""
    capture = Capture()
    model = LogModel(capture)
    inserted = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append(last - first + 1))
    one = [frame(0)]
    for _ in range(50_000):
        feed(model, capture, one)
    assert model.rowCount() == 50_000 == len(capture.store)
    assert len(inserted) == 50_000 and sum(inserted) == 50_000


def test_a_batch_is_one_insert(qtbot) -> None:
    capture = Capture()
    model = LogModel(capture)
    with qtbot.waitSignal(model.rowsInserted, timeout=1000) as blocker:
        feed(model, capture, [frame(i) for i in range(1000)])
    assert blocker.args[1:] == [0, 999]
    assert model.announce_new_rows() == 0
    assert model.rowCount() == 1000


def run_sort(model: LogModel, column: int, descending: bool = False) -> None:
    """Sort the way the window does, all steps at once."""
    from app.core.sorting import SortJob

    rows, end = model.view.sort_snapshot()
    job = SortJob(model.view.store, rows, model.sort_key(column), descending)
    for _ in job.steps():
        pass
    model.view.install_order(job.order, end)
    model.view_replaced()


def json_frame(payload: str) -> Frame:
    return Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, payload)


def column_texts(model: LogModel, column: int) -> list[str]:
    return [model.index(row, column).data() for row in range(model.rowCount())]


def test_json_columns_pass_qtmodeltester_and_sort_numbers_text_missing(qtmodeltester) -> None:
    capture = Capture()
    store, model = capture.store, LogModel(capture)
    payloads = ['{"v": 10}', '{"v": "beta"}', '{"v": 9.5}', 'not json', '{"w": 1}', '{"v": "Alpha"}',
                '{"v": -3}', '{"v": {"k": [1, 2]}}']
    feed(model, capture, [json_frame(p) for p in payloads])
    column = model.add_json_column("$.v")
    assert column == len(COLUMNS) and model.headerData(column, Qt.Orientation.Horizontal) == "$.v"
    qtmodeltester.check(model, force_py=True)  # stays connected: checks every change below too
    assert column_texts(model, column) == ["10", "beta", "9.5", "", "", "Alpha", "-3", '{"k": [1, 2]}']

    run_sort(model, column)
    assert column_texts(model, column) == ["-3", "9.5", "10", "Alpha", "beta", '{"k": [1, 2]}', "", ""]
    run_sort(model, column, descending=True)
    assert column_texts(model, column) == ['{"k": [1, 2]}', "beta", "Alpha", "10", "9.5", "-3", "", ""]
    run_sort(model, SIZE)
    sizes = [store.sizes[model.view.store_row(r)] for r in range(model.rowCount())]
    assert sizes == sorted(sizes)

    assert feed(model, capture, [json_frame('{"v": -100}')]) == 1  # while sorted, new rows go at the end
    assert model.index(8, column).data() == "-100"
    model.remove_json_column(column)
    assert model.columnCount() == len(COLUMNS) and model.index(8, SUMMARY).data() == '{"v": -100}'


def test_a_bad_json_column_path_says_why() -> None:
    import pytest

    from app.core.json_query import FilterError

    model = LogModel(Capture())
    with pytest.raises(FilterError, match="Bad JSONPath"):
        model.add_json_column("$.[")
    with pytest.raises(FilterError, match="starts with \\$"):
        model.add_json_column("type")
    for combined in ("$.a|$.b", "$.a&$.b"):  # the library's union and intersection: one column, one query
        with pytest.raises(FilterError, match="one query at a time"):
            model.add_json_column(combined)
    assert model.columnCount() == len(COLUMNS)


def test_drops_keep_view_model_and_selection_consistent(qtbot) -> None:
    from PySide6.QtWidgets import QTableView

    from app.core.capture import ROW_BYTES
    from app.core.filters import compile_filter

    capture = Capture(budget=(20 + ROW_BYTES) * 100)
    store, model = capture.store, LogModel(capture)
    table = QTableView()
    qtbot.addWidget(table)
    table.setModel(model)
    frames = [json_frame(f'{{"seq": {i:08d}, "p": 0}}'[:20]) for i in range(100)]
    feed(model, capture, frames)
    list(model.view.refilter_steps(compile_filter("dir:received -/5,/")))
    model.view.catch_up()
    model.view_replaced()
    assert model.rowCount() == 90
    table.setCurrentIndex(model.index(50, 0))
    selected = model.view.store_row(50)
    removed = []
    model.rowsRemoved.connect(lambda _parent, first, last: removed.append((first, last)))

    appended = capture.append([json_frame(f'{{"seq": {i:08d}, "p": 0}}'[:20]) for i in range(100, 120)])
    assert appended.dropped == 30 and store.first == 30 and appended.removed_top == 27
    model.apply(appended)
    assert removed == [(0, 26)]  # the 27 matching rows among the 30 oldest, in one removal
    assert model.rowCount() == 63 and len(model.view) == 63
    assert model.view.store_row(table.currentIndex().row()) == selected
    model.announce_new_rows()
    assert all(model.view.store_row(r) >= store.first for r in range(model.rowCount()))
    assert model.index(0, SUMMARY).data() == store.payloads[30]


def two_directions() -> LogModel:
    """A model with a received row (0) and a sent row (1)."""
    capture = Capture()
    model = LogModel(capture)
    feed(model, capture, [Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, '{"a": 1}'),
                          Frame("client#1", Side.CLIENT, Direction.SENT, Opcode.TEXT, '{"b": 2}')])
    return model


def test_multidata_clears_the_roles_it_does_not_set_in_a_reused_span(qtbot) -> None:
    """A view passes the same span cell after cell: what one cell set must not leak into the next."""
    from PySide6.QtCore import QModelRoleData, QModelRoleDataSpan

    model = two_directions()
    foreground = QModelRoleData(int(Qt.ItemDataRole.ForegroundRole))
    span = QModelRoleDataSpan(foreground)
    model.multiData(model.index(0, DIRECTION), span)
    assert foreground.data() is not None  # the received row's direction is coloured
    model.multiData(model.index(1, TIME), span)
    assert foreground.data() is None
    alignment = QModelRoleData(int(Qt.ItemDataRole.TextAlignmentRole))
    span = QModelRoleDataSpan(alignment)
    model.multiData(model.index(0, SIZE), span)
    assert alignment.data() is not None
    model.multiData(model.index(0, SUMMARY), span)
    assert alignment.data() is None


def test_the_views_delegate_colours_and_aligns_each_cell_on_its_own(qtbot) -> None:
    """Through the table's own delegate, which reuses one span for every cell it paints."""
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem, QTableView

    model = two_directions()
    table = QTableView()
    qtbot.addWidget(table)
    table.setModel(model)
    delegate = table.itemDelegate()
    assert isinstance(delegate, QStyledItemDelegate)

    def style(row: int, column: int) -> tuple[str, Qt.AlignmentFlag]:
        option = QStyleOptionViewItem()
        delegate.initStyleOption(option, model.index(row, column))
        return option.palette.color(QPalette.ColorRole.Text).name(), option.displayAlignment

    plain_text, left = style(1, TIME)
    received_colour, _ = style(0, DIRECTION)
    assert received_colour == colours()["log.received"]
    assert style(1, TIME) == (plain_text, left)  # a sent row's time is not green
    sent_colour, _ = style(1, DIRECTION)
    assert sent_colour == colours()["log.sent"]
    _, right = style(0, SIZE)
    assert right & Qt.AlignmentFlag.AlignRight
    colour, alignment = style(0, SUMMARY)
    assert colour == plain_text and not alignment & Qt.AlignmentFlag.AlignRight

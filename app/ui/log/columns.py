"""The log's header: columns from JSON paths (context menu) and sorting (click a header).

Sorting a million rows by a JSON field parses every payload, so it runs as a
`SortJob` in time-budgeted steps on a zero-delay timer, with progress shown
beside the filter; the log keeps its old order until the new one is ready.

The table's own sorting switches (header clicks, indicator) are used: Qt calls
`LogModel.sort()`, which asks this controller to do the work. A first click sorts
ascending, the next descending, the third returns to arrival order. While
sorted, rows that arrive go at the end ("new rows at the end until re-sort"):
sorting again, or changing the filter, sorts them in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtWidgets import QHeaderView, QInputDialog, QLabel, QLineEdit, QMenu, QTableView

from app.core.json_query import FilterError
from app.core.sorting import SortJob
from app.ui.common import notify
from app.ui.common.naming import named
from app.ui.common.style import tint
from app.ui.log import selection
from app.ui.log.model import COLUMNS, CONTRACT, LATENCY, SUMMARY, LogModel

SUMMARY_MIN_WIDTH = 200  # Summary fills the log's width but never gets narrower (the table scrolls instead);
# low enough that a short added column fits the default window
ADDED_WIDTH = (60, 320)  # an added column's width follows its content within these bounds, growing as
# rows arrive (never shrinking under the reader's eyes) until the user sets it by dragging

PATH_HELP = ("A JSONPath query; each row shows the first value it finds in the payload, e.g. $.type, "
             "$.data.id, $.items[0].price, $..user")


class LogColumns(QObject):
    sorted = Signal()  # a new order is showing
    plot_requested = Signal(str)  # Plot field… on a JSON column's header: its path

    def __init__(self, table: QTableView, model: LogModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.table, self.model, self.view = table, model, model.view
        self.status = QLabel()
        named(self.status, "sortStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.sort_column: int | None = None
        self.descending = False
        self._job: SortJob | None = None
        self._steps: Iterator[float] | None = None
        self._snapshot_end = 0
        self._stepper = QTimer(self)
        self._stepper.setInterval(0)
        self._stepper.timeout.connect(self._step)
        self.path_dialog: QInputDialog | None = None
        self.following_content: set[str] = set()  # added columns (by path) that still grow with their content
        self._fitting = False  # a width set here, not by the user's drag

        header = table.horizontalHeader()
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # arrival order until a header is clicked
        header.setSortIndicatorClearable(True)
        model.sort_requested.connect(self.sort_by)
        table.setSortingEnabled(True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._show_menu)
        header.setToolTip("Click to sort (again to reverse, a third time for arrival order); "
                          "right-click to add a column from a JSON path")
        # Summary takes the width the other columns leave, with a floor: Qt's Stretch mode would
        # squeeze it to a few pixels once added columns fill the view.
        header.setSectionResizeMode(SUMMARY, QHeaderView.ResizeMode.Fixed)
        header.sectionResized.connect(self._other_section_resized)
        header.sectionCountChanged.connect(lambda *_: self.fit_summary())
        model.rowsInserted.connect(self.grow_to_content)
        model.modelReset.connect(self.grow_to_content)
        table.viewport().installEventFilter(self)

    # -- widths ------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit_summary()
        return False

    def _other_section_resized(self, section: int, _old: int, _new: int) -> None:
        if section >= len(COLUMNS) and not self._fitting:  # the user's width: kept from now on
            self.following_content.discard(self._path(section))
        if section != SUMMARY:
            self.fit_summary()

    def fit_summary(self) -> None:
        """Give Summary the width the other columns leave, at least SUMMARY_MIN_WIDTH."""
        header = self.table.horizontalHeader()
        others = sum(header.sectionSize(section) for section in range(header.count())
                     if section != SUMMARY and not header.isSectionHidden(section))
        width = max(SUMMARY_MIN_WIDTH, self.table.viewport().width() - others)
        if header.sectionSize(SUMMARY) != width:
            header.resizeSection(SUMMARY, width)

    def size_to_content(self, column: int, *, grow_only: bool = False) -> None:
        """An added column as wide as its header and the values in view, within ADDED_WIDTH."""
        header = self.table.horizontalHeader()
        content = max(self.table.sizeHintForColumn(column), header.sectionSizeHint(column))
        if grow_only:
            content = max(content, header.sectionSize(column))
        self._fitting = True
        try:
            header.resizeSection(column, min(max(content, ADDED_WIDTH[0]), ADDED_WIDTH[1]))
        finally:
            self._fitting = False

    def grow_to_content(self) -> None:
        """Widen the added columns the user has not sized to what the rows in view now hold."""
        for column in range(len(COLUMNS), self.model.columnCount()):
            if self._path(column) in self.following_content:
                self.size_to_content(column, grow_only=True)

    def _path(self, column: int) -> str:
        paths = self.model.json_columns
        return paths[column - len(COLUMNS)] if 0 <= column - len(COLUMNS) < len(paths) else ""

    def _follow_content(self, column: int) -> None:
        self.size_to_content(column)
        self.following_content.add(self._path(column))

    # -- the header menu -----------------------------------------------------------------------

    def menu(self, section: int) -> QMenu:
        """The header's context menu for column `section` (-1: no column under the pointer)."""
        menu = QMenu(self.table)
        named(menu, "logHeaderMenu")
        add = menu.addAction("Add column from JSON path…")
        add.setObjectName("addJsonColumn")
        add.triggered.connect(self.ask_json_path)
        latency = menu.addAction("Add Latency column")
        latency.setObjectName("addLatencyColumn")
        latency.setToolTip("A paired request's or reply's latency in ms (protocols that pair: JSON-RPC, Socket.IO acks…)")
        latency.setEnabled(LATENCY not in self.model.json_columns)
        latency.triggered.connect(self.add_latency_column)
        contract = menu.addAction("Add Contract column")
        contract.setObjectName("addContractColumn")
        contract.setToolTip("✓ valid, ✗ invalid against the connection's contract, — not checked")
        contract.setEnabled(CONTRACT not in self.model.json_columns)
        contract.triggered.connect(self.add_contract_column)
        if section >= len(COLUMNS):
            path = self.model.headerData(section, Qt.Orientation.Horizontal)
            remove = menu.addAction(f"Remove column {path}")
            remove.setObjectName("removeJsonColumn")
            remove.triggered.connect(lambda: self.remove_column(section))
            if path != LATENCY:
                plot = menu.addAction("Plot field…")
                plot.setObjectName("plotField")
                plot.setToolTip(f"A live plot of {path}'s numeric values over time, per connection")
                plot.triggered.connect(lambda: self.plot_requested.emit(path))
        if section >= 0:
            menu.addSeparator()
            ascending = menu.addAction("Sort ascending")
            ascending.setObjectName("sortAscending")
            ascending.triggered.connect(lambda: self.table.sortByColumn(section, Qt.SortOrder.AscendingOrder))
            descending = menu.addAction("Sort descending")
            descending.setObjectName("sortDescending")
            descending.triggered.connect(lambda: self.table.sortByColumn(section, Qt.SortOrder.DescendingOrder))
        unsort = menu.addAction("Arrival order (no sort)")
        unsort.setObjectName("clearSort")
        unsort.setEnabled(self.sort_column is not None)
        unsort.triggered.connect(self.clear_sort)
        return menu

    def _show_menu(self, position: QPoint) -> None:
        header = self.table.horizontalHeader()
        menu = self.menu(header.logicalIndexAt(position))
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(header.mapToGlobal(position))

    def ask_json_path(self, text: str = "") -> QInputDialog:
        """Ask for a path (non-modal); a valid one becomes a column, a bad one is asked again with the error."""
        dialog = QInputDialog(self.table)
        named(dialog, "jsonColumnDialog")
        dialog.setWindowTitle("Add column from JSON path")
        dialog.setLabelText(PATH_HELP)
        dialog.setTextValue(text or "$.")
        dialog.setInputMode(QInputDialog.InputMode.TextInput)
        dialog.textValueSelected.connect(self.add_column)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.path_dialog = dialog
        dialog.open()
        edit = dialog.findChild(QLineEdit)
        if edit is not None:
            named(edit, "jsonColumnPath")
            if not text:  # the bare "$.": typing goes after it (Qt selects the text as the dialog shows)
                QTimer.singleShot(0, edit, lambda: edit.setCursorPosition(len(edit.text())))
        return dialog

    def add_column(self, path: str) -> None:
        try:
            column = self.model.add_json_column(path)
        except FilterError as error:
            notify.warning(str(error))
            self.ask_json_path(path).setLabelText(f"{PATH_HELP}\n\n{error}")
            return
        self._follow_content(column)
        notify.info(f"Added column {path.strip()}")

    def add_contract_column(self) -> None:
        column = self.model.add_contract_column()
        self.size_to_content(column)

    def add_latency_column(self) -> None:
        column = self.model.add_latency_column()
        self._follow_content(column)
        notify.info(f"Added column {LATENCY}")

    def remove_column(self, column: int) -> None:
        sort_column = self.sort_column
        if sort_column == column:
            self.clear_sort()
        self.model.remove_json_column(column)
        if sort_column is not None and sort_column > column:
            self.sort_column = sort_column - 1
            self._indicate()

    # -- sorting -------------------------------------------------------------------------------

    def sort_by(self, column: int, descending: bool = False) -> None:
        """Start sorting the displayed rows by `column` in steps (-1: arrival order); the old order shows until done."""
        if column < 0:
            self.clear_sort()
            return
        if self.sorting and (column, descending) == (self.sort_column, self.descending):
            return  # the same sort is under way (Qt may ask twice for one click)
        self._stepper.stop()
        self.sort_column, self.descending = column, descending
        rows, self._snapshot_end = self.view.sort_snapshot()
        self._job = SortJob(self.view.store, rows, self.model.sort_key(column), descending)
        self._steps = self._job.steps()
        self._indicate()
        self._stepper.start()

    def resort(self) -> None:
        """Sort again by the current column (after a new filter, or to place rows that arrived)."""
        if self.sort_column is not None:
            self._stepper.stop()  # a sort under way started from rows that are no longer shown
            self.sort_by(self.sort_column, self.descending)

    def clear_sort(self) -> None:
        """Back to arrival order."""
        self._stepper.stop()
        self._job = self._steps = None
        self.sort_column = None
        self._indicate()
        self._replace_order(None)
        self._show("")
        self.status.setToolTip("")

    @property
    def sorting(self) -> bool:
        return self._stepper.isActive()

    def _step(self) -> None:
        assert self._steps is not None and self._job is not None
        try:
            done = next(self._steps)
        except StopIteration:
            self._stepper.stop()
            order, self._job, self._steps = self._job.order, None, None
            self._replace_order(order)
            self._show(f"Sorted by {self._column_name()} {'↓' if self.descending else '↑'}")
            self.status.setToolTip("While sorted, new rows go at the end until you sort again "
                                   "(click the header) or change the filter")
            self.sorted.emit()
            return
        self._show(f"Sorting by {self._column_name()}… {done:.0%}")

    def _replace_order(self, order: object) -> None:
        """Install an order (or none), keeping the current row selected."""
        def install() -> None:
            self.view.catch_up()
            self.view.install_order(order, self._snapshot_end)  # type: ignore[arg-type]
            self.model.view_replaced()
        self.keeping_selection(install)

    def keeping_selection(self, change: Callable[[], None], store_row: Callable[[int], int] | None = None) -> None:
        """Run `change` (which may reset the model) and select the same stored rows afterwards where still shown.

        `store_row` maps the table's rows as they were (the view's own mapping by default; its
        `previous_store_row` once the view has already changed under the model).
        """
        kept = selection.remember(self.table, store_row or self.view.store_row)
        change()
        if kept.current is None or self.table.currentIndex().isValid():
            return  # nothing to keep, or rows were only removed and Qt kept the selection
        selection.restore(self.table, self.view, kept)

    def _column_name(self) -> str:
        return str(self.model.headerData(self.sort_column or 0, Qt.Orientation.Horizontal))

    def _indicate(self) -> None:
        """Keep the header's arrow in step (without asking the model to sort again)."""
        header = self.table.horizontalHeader()
        order = Qt.SortOrder.DescendingOrder if self.descending else Qt.SortOrder.AscendingOrder
        blocked = header.blockSignals(True)
        header.setSortIndicator(-1 if self.sort_column is None else self.sort_column, order)
        header.blockSignals(blocked)

    def _show(self, text: str, *, error: bool = False) -> None:
        tint(self.status, "status.error" if error else None)
        self.status.setText(text)


__all__ = ["LogColumns", "PATH_HELP"]

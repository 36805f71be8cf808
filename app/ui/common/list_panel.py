"""A searchable table of stored payloads: the common shape of the history and the library.

The search runs in SQLite (the store holds thousands of rows); typing refreshes
after a short pause, not on every key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.ui.common.headers import horizontal_header
from app.ui.common.naming import named
from app.ui.common.tooltips import plain_tooltip

SEARCH_DELAY_MS = 150
Index = QModelIndex | QPersistentModelIndex


class RowsModel(QAbstractTableModel):
    """Rows of any objects, shown through one formatter per column.

    Every cell's tooltip is its text, shown literally (`plain_tooltip`: peers' text must not
    render as markup). A subclass that colours, aligns or caches cells overrides `cell`,
    `tooltip` or `styled`, never `data`, so that rule holds for every table.
    """

    def __init__(self, columns: tuple[str, ...], cells: Callable[[Any], Sequence[Any]], parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = columns
        self._cells = cells
        self.rows: list[Any] = []

    def set_rows(self, rows: list[Any]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        return horizontal_header(self.columns, section, orientation, role)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = self.tooltip(row, column)
            return plain_tooltip(tip) if isinstance(tip, str) else tip
        return self.styled(row, column, role)

    def cell(self, row: int, column: int) -> Any:
        """What row `row` shows in `column`."""
        return self._cells(self.rows[row])[column]

    def tooltip(self, row: int, column: int) -> Any:
        """The text of a cell's tooltip (the cell's own text by default), None for none."""
        return self.cell(row, column)

    def styled(self, row: int, column: int, role: int) -> Any:
        """A cell's other roles (colour, alignment); none by default."""
        return None


class _Table(QTableView):
    """Enter activates the current row (the view's own Enter only edits); Delete asks to delete it."""

    activated_row = Signal(int)
    shift_activated_row = Signal(int)
    delete_pressed = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        row = self.currentIndex().row() if self.currentIndex().isValid() else -1
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and row >= 0:
            shifted = event.modifiers() & Qt.KeyboardModifier.ShiftModifier
            (self.shift_activated_row if shifted else self.activated_row).emit(row)
            return
        if event.key() == Qt.Key.Key_Delete and row >= 0:
            self.delete_pressed.emit(row)
            return
        super().keyPressEvent(event)


class SearchableList(QWidget):
    """Search box, table, and a row of buttons; subclasses say what to query and show."""

    def __init__(self, name: str, columns: tuple[str, ...], cells: Callable[[Any], Sequence[str]],
                 placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit()
        named(self.search, f"{name}Search")
        self.search.setPlaceholderText(placeholder)
        self.search.setClearButtonEnabled(True)
        self.model = RowsModel(columns, cells, self)
        self.table = _Table()
        named(self.table, f"{name}List")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(len(columns) - 1, QHeaderView.ResizeMode.Stretch)
        self.buttons = QHBoxLayout()
        layout = self.column = QVBoxLayout(self)  # subclasses add their rows to it
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        layout.addLayout(self.buttons)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(self._search_timer.start)
        self.search.returnPressed.connect(self._focus_table)
        self.table.doubleClicked.connect(lambda index: self.table.activated_row.emit(index.row()))

    def button(self, text: str, name: str, tip: str, action: Callable[[], None]) -> QPushButton:
        button = QPushButton(text)
        named(button, name)
        button.setToolTip(tip)
        button.clicked.connect(action)
        self.buttons.addWidget(button)
        return button

    def refresh_soon(self) -> None:
        """Coalesce refreshes: a burst of sends re-queries once."""
        if self.isEnabled():
            self._search_timer.start()

    def shut_down(self) -> None:
        """No more queries: the store is about to close."""
        self.setEnabled(False)
        self.search.textChanged.disconnect(self._search_timer.start)
        self._search_timer.stop()

    def refresh(self) -> None:
        self._search_timer.stop()
        current = self.current()
        self.model.set_rows(self.query(self.search.text().strip()))
        if current is not None and current in self.model.rows:
            self.table.selectRow(self.model.rows.index(current))

    def query(self, search: str) -> list[Any]:
        raise NotImplementedError

    def current(self) -> Any:
        index = self.table.currentIndex()
        return self.model.rows[index.row()] if index.isValid() and index.row() < len(self.model.rows) else None

    def _focus_table(self) -> None:
        if self.model.rowCount():
            self.table.setFocus()
            if not self.table.currentIndex().isValid():
                self.table.selectRow(0)

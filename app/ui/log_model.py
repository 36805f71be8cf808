"""The message log as a Qt table model: a thin adapter over the capture store.

Rows are only ever appended, a whole drained batch at once (one
`beginInsertRows` per batch), and cell text is computed when a row is painted.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from app.core.capture import CaptureStore
from app.core.frames import Direction, Opcode
from app.core.summary import human_size, summarize
from app.core.view import View
from app.ui.headers import horizontal_header

COLUMNS = ("Time", "Connection", "Direction", "Opcode", "Size", "Summary")
TIME, CONNECTION, DIRECTION, OPCODE, SIZE, SUMMARY = range(len(COLUMNS))

_OPCODE_NAMES = {
    Opcode.TEXT: "text", Opcode.BINARY: "binary", Opcode.CLOSE: "close", Opcode.PING: "ping",
    Opcode.PONG: "pong", Opcode.OPEN: "open", Opcode.REJECT: "refused", Opcode.ERROR: "error",
}
_ARROWS = {Direction.SENT: "↑", Direction.RECEIVED: "↓", Direction.EVENT: "●"}
_DIRECTION_NAMES = {Direction.SENT: "↑ sent", Direction.RECEIVED: "↓ received", Direction.EVENT: "● event"}
_COLOURS = {
    Direction.SENT: QColor("#1f6feb"),
    Direction.RECEIVED: QColor("#1a7f37"),
    Direction.EVENT: QColor("#8250df"),
}
_ERROR_COLOUR = QColor("#cf222e")

Index = QModelIndex | QPersistentModelIndex


def format_time(wall_time: float) -> str:
    seconds = int(wall_time)
    return time.strftime("%H:%M:%S", time.localtime(seconds)) + f".{int((wall_time - seconds) * 1000):03d}"


def direction_text(direction: int, opcode: int) -> str:
    return f"{_ARROWS[Direction(direction)]} {_OPCODE_NAMES.get(Opcode(opcode), str(opcode))}"


class LogModel(QAbstractTableModel):
    def __init__(self, store: CaptureStore, view: View | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._store = store
        self.view = view if view is not None else View(store)
        self._rows = 0  # rows announced to views; the view may be ahead between drains

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        return horizontal_header(COLUMNS, section, orientation, role)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = self.view.store_row(index.row()), index.column()
        store = self._store
        if role == Qt.ItemDataRole.DisplayRole:
            if column == SUMMARY:
                return summarize(store.opcodes[row], store.payloads[row])
            if column == TIME:
                return format_time(store.wall_times[row])
            if column == CONNECTION:
                return store.connection(row)
            if column == DIRECTION:
                return _DIRECTION_NAMES[Direction(store.directions[row])]
            if column == OPCODE:
                return _OPCODE_NAMES.get(Opcode(store.opcodes[row]), str(store.opcodes[row]))
            if column == SIZE:
                return human_size(store.sizes[row])
        elif role == Qt.ItemDataRole.ForegroundRole and column in (DIRECTION, OPCODE):
            if store.opcodes[row] in (Opcode.ERROR, Opcode.REJECT):
                return _ERROR_COLOUR
            return _COLOURS[Direction(store.directions[row])]
        elif role == Qt.ItemDataRole.TextAlignmentRole and column == SIZE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def multiData(self, index: Index, roleDataSpan: Any) -> None:  # noqa: N802, N803 (Qt's names)
        """Every role a delegate asks for a cell, in one call into Python instead of one per role.

        A paint runs on the GUI thread while the client thread may hold the GIL; each call
        from Qt into Python has to win it back, so fewer calls keep the window responsive.
        """
        data = self.data
        for role_data in roleDataSpan:
            value = data(index, role_data.role())
            if value is not None:  # each entry starts out empty
                role_data.setData(value)

    def view_replaced(self) -> None:
        """The view now shows other rows (a new filter): one reset, not N removals."""
        self.beginResetModel()
        self._rows = len(self.view)
        self.endResetModel()

    def rows_appended(self, count: int) -> None:
        """Announce `count` rows the store has gained since the last call."""
        if count <= 0:
            return
        first = self._rows
        self.beginInsertRows(QModelIndex(), first, first + count - 1)
        self._rows += count
        self.endInsertRows()

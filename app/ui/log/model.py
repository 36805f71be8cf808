"""The message log as a Qt table model: a thin adapter over the capture store.

Rows are appended a whole drained batch at once (one `beginInsertRows` per
batch), removed from the top when the store drops its oldest (one
`beginRemoveRows`), and cell text is computed when a row is painted. Columns the
user adds from JSON paths follow the built-in ones; their values are extracted
when a row is painted and kept in a small cache.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QColor, QIcon

from app.core.capture import CaptureStore
from app.core.filters import NOT_JSON, parse_payload
from app.core.frames import DIRECTION_NAMES, OPCODE_NAMES, Direction, Opcode
from app.core.ingest import Appended, Capture
from app.core.json_query import MISSING, compile_query, first_value
from app.core.sorting import KeyFunction
from app.core.summary import SUMMARY_CHARS, format_time, human_size, summarize
from app.ui.common.headers import horizontal_header
from app.ui.common.icons import row_icon
from app.ui.common.style import colour, colours_changed, follow_theme

COLUMNS = ("Time", "Connection", "Direction", "Opcode", "Size", "Summary")
TIME, CONNECTION, DIRECTION, OPCODE, SIZE, SUMMARY = range(len(COLUMNS))

# The icon beside each draws its arrow.
_DIRECTION_NAMES: dict[int, str] = {Direction.SENT: "sent", Direction.RECEIVED: "received", Direction.EVENT: "event"}
# Keyed by int: a stored opcode finds its name without an enum member made per painted cell.
_OPCODE_NAMES: dict[int, str] = {int(opcode): name for opcode, name in OPCODE_NAMES.items()}
_COLOUR_NAMES = {Direction.SENT: "log.sent", Direction.RECEIVED: "log.received", Direction.EVENT: "log.event"}
_ERRORS = (Opcode.ERROR, Opcode.REFUSED)

Index = QModelIndex | QPersistentModelIndex
_DISPLAY, _FOREGROUND, _DECORATION, _ALIGNMENT = (int(role) for role in (
    Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.DecorationRole,
    Qt.ItemDataRole.TextAlignmentRole))
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_CENTRE = int(Qt.AlignmentFlag.AlignCenter)
VALUE_CACHE_ROWS = 4096  # rows whose JSON column values are kept
LATENCY = "Latency (ms)"  # the added column of a paired request's or reply's latency
CONTRACT = "Contract"  # the added column of a message's verdict against its contract: ✓ ✗ —
_CONTRACT_QUERY = object()  # its place in `_queries` (the latency's is None): read from the checks, never cached
_ROW_KEYS = {
    TIME: lambda store, row: store.wall_times[row],
    CONNECTION: lambda store, row: store.connection(row),
    DIRECTION: lambda store, row: _DIRECTION_NAMES[Direction(store.directions[row])],
    OPCODE: lambda store, row: OPCODE_NAMES.get(Opcode(store.opcodes[row]), str(store.opcodes[row])),
    SIZE: lambda store, row: store.sizes[row],
    SUMMARY: lambda store, row: summarize(store.opcodes[row], store.payloads.head(row, SUMMARY_CHARS * 4),
                                          store.payloads.length(row)),
}


def json_value(value_of: Any, document: Any) -> Any:
    """The first value a `first_value()` function finds in `document`, or MISSING."""
    return MISSING if document is NOT_JSON else value_of(document)


def display_value(value: Any) -> str:
    if value is MISSING:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


class LogModel(QAbstractTableModel):
    # Sorting a million rows takes steps, so `sort()` only asks for it: (column or -1, descending).
    sort_requested = Signal(int, bool)

    def __init__(self, capture: Capture, parent: Any = None) -> None:
        super().__init__(parent)
        self._store = capture.store
        self.view = capture.view
        self._protocols = capture.protocols
        self._checks = capture.checks
        self._rows = 0  # rows announced to views; the view may be ahead between drains
        self.json_columns: list[str] = []  # paths of the columns the user added
        self._queries: list[Any] = []
        self._values: OrderedDict[int, tuple[str, ...]] = OrderedDict()  # store row → column texts
        self._colours: dict[int, QColor] = {}
        # Beside the Direction and Opcode texts, in their colour: (column, direction, opcode, heartbeat) → icon.
        self._icons: dict[tuple[int, int, int, bool], QIcon | None] = {}
        self._error_colour = self._heartbeat_colour = self._valid_colour = self._invalid_colour = QColor()
        self.read_colours()
        follow_theme(self.read_colours)

    @Slot()
    def read_colours(self) -> None:
        """Take the theme's colours for the application's palette now."""
        self._colours = {direction: colour(name) for direction, name in _COLOUR_NAMES.items()}
        self._error_colour = colour("log.error")
        self._heartbeat_colour = colour("log.heartbeat")  # a protocol's keep-alives, dimmed
        self._icons.clear()  # drawn again in the new colours
        self._valid_colour, self._invalid_colour = colour("status.valid"), colour("status.error")
        colours_changed(self)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS) + len(self.json_columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        return horizontal_header(COLUMNS + tuple(self.json_columns), section, orientation, role)

    # -- columns from JSON paths ------------------------------------------------------------

    def add_json_column(self, path: str) -> int:
        """Add a column showing the first value `path` finds in each payload; return its number."""
        path = path.strip()
        query = compile_query(path)
        column = self.columnCount()
        self.beginInsertColumns(QModelIndex(), column, column)
        self.json_columns.append(path)
        self._queries.append(first_value(query))
        self._values.clear()
        self.endInsertColumns()
        return column

    def add_latency_column(self) -> int:
        """Add the Latency column (a paired request's or reply's latency, in ms); return its number."""
        # Not a query: read from the protocol tracker, never cached (a reply may come).
        return self._add_column_once(LATENCY, None)

    def add_contract_column(self) -> int:
        """Add the Contract column (✓ valid, ✗ invalid, — not checked); return its number."""
        return self._add_column_once(CONTRACT, _CONTRACT_QUERY)

    def _add_column_once(self, heading: str, query: Any) -> int:
        """Add a column read from elsewhere than the payload (unless it is there); return its number."""
        if heading in self.json_columns:
            return len(COLUMNS) + self.json_columns.index(heading)
        column = self.columnCount()
        self.beginInsertColumns(QModelIndex(), column, column)
        self.json_columns.append(heading)
        self._queries.append(query)
        self._values.clear()
        self.endInsertColumns()
        return column

    def verdicts_arrived(self, first: int, end: int) -> None:
        """Store rows [first, end) have their verdicts: the Contract column repaints (the rows shown of them)."""
        if CONTRACT in self.json_columns and self._rows:
            column = len(COLUMNS) + self.json_columns.index(CONTRACT)
            self.dataChanged.emit(self.index(0, column), self.index(self._rows - 1, column))

    def _latency_text(self, row: int) -> str:
        latency = self._protocols.latency(row)
        return "" if latency is None else f"{latency:,.1f}"

    def remove_json_column(self, column: int) -> None:
        index = column - len(COLUMNS)
        if not 0 <= index < len(self.json_columns):
            raise ValueError(f"column {column} is not a JSON path column")
        self.beginRemoveColumns(QModelIndex(), column, column)
        del self.json_columns[index]
        del self._queries[index]
        self._values.clear()
        self.endRemoveColumns()

    def _json_text(self, row: int, index: int) -> str:
        values = self._values.get(row)
        if values is None:
            document = parse_payload(self._store, row)
            values = tuple("" if query is None or query is _CONTRACT_QUERY
                           else display_value(json_value(query, document)) for query in self._queries)
            self._values[row] = values
            if len(self._values) > VALUE_CACHE_ROWS:
                self._values.popitem(last=False)
        else:
            self._values.move_to_end(row)
        return values[index]

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.sort_requested.emit(column, order == Qt.SortOrder.DescendingOrder)

    def sort_key(self, column: int) -> KeyFunction:
        """The value a column sorts by, for any store row (MISSING when it has none)."""
        if column in _ROW_KEYS:
            return _ROW_KEYS[column]
        query = self._queries[column - len(COLUMNS)]
        if query is _CONTRACT_QUERY:
            checks = self._checks
            return lambda store, row: checks.code(row)
        if query is None:
            protocols = self._protocols

            def latency_key(store: CaptureStore, row: int) -> Any:
                latency = protocols.latency(row)
                return MISSING if latency is None else latency
            return latency_key
        return lambda store, row: json_value(query, parse_payload(store, row))

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        return self._value(self.view.store_row(index.row()), index.column(), int(role))

    def _value(self, row: int, column: int, role: int) -> Any:
        """A cell's value for one role (an int: comparing Qt's enum members costs more than the lookups)."""
        if role == _DISPLAY:
            return self._display(row, column)
        if role == _FOREGROUND:
            return self._foreground(row, column)
        if role == _DECORATION:
            if column != DIRECTION and column != OPCODE:
                return None
            store = self._store
            key = (column, store.directions[row], store.opcodes[row], self._protocols.is_heartbeat(row))
            found = self._icons.get(key, False)
            return found if found is not False else self._icon(*key)
        if role == _ALIGNMENT:
            if column == SIZE:
                return _RIGHT
            if column >= len(COLUMNS):
                query = self._queries[column - len(COLUMNS)]
                return _CENTRE if query is _CONTRACT_QUERY else _RIGHT if query is None else None
        return None

    def _display(self, row: int, column: int) -> Any:
        store = self._store
        if column == SUMMARY:
            payloads = store.payloads
            text = summarize(store.opcodes[row], payloads.head(row, SUMMARY_CHARS * 4), payloads.length(row))
            protocols = self._protocols
            decoded = protocols.decoded(row) if protocols.protocol_of_row(row) is not None else None
            return text if decoded is None else f"{decoded.summary()} · {text}"
        if column == TIME:
            return format_time(store.wall_times[row])
        if column == CONNECTION:
            return store.connection(row)
        if column == DIRECTION:
            return _DIRECTION_NAMES[store.directions[row]]
        if column == OPCODE:
            opcode = store.opcodes[row]
            return _OPCODE_NAMES.get(opcode, str(opcode))
        if column == SIZE:
            return human_size(store.sizes[row])
        if column >= len(COLUMNS):
            query = self._queries[column - len(COLUMNS)]
            if query is _CONTRACT_QUERY:
                return self._checks.mark(row)
            if query is None:
                return self._latency_text(row)
            return self._json_text(row, column - len(COLUMNS))
        return None

    def _foreground(self, row: int, column: int) -> QColor | None:
        if column >= len(COLUMNS) and self._queries[column - len(COLUMNS)] is _CONTRACT_QUERY:
            return self._contract_colour(row)
        if self._protocols.is_heartbeat(row):
            return self._heartbeat_colour
        if column != DIRECTION and column != OPCODE:
            return None
        store = self._store
        if store.opcodes[row] in _ERRORS:
            return self._error_colour
        return self._colours[store.directions[row]]

    def _icon(self, column: int, direction: int, opcode: int, heartbeat: bool) -> QIcon | None:
        """The icon beside a Direction or Opcode text, drawn in the text's colour (made once per kind of row)."""
        meaning: str | None = None
        if column == DIRECTION:
            meaning = f"direction.{DIRECTION_NAMES[Direction(direction)]}"
        elif opcode in Opcode:
            meaning = f"opcode.{OPCODE_NAMES[Opcode(opcode)]}"
        colour_name = ("log.heartbeat" if heartbeat else "log.error" if opcode in _ERRORS
                       else _COLOUR_NAMES[Direction(direction)])
        found = row_icon(meaning, colour_name) if meaning is not None else None
        self._icons[column, direction, opcode, heartbeat] = found
        return found

    def _contract_colour(self, row: int) -> QColor | None:
        checks = self._checks
        return self._invalid_colour if checks.is_invalid(row) else self._valid_colour if checks.is_valid(row) else None

    def multiData(self, index: Index, roleDataSpan: Any) -> None:
        """Every role a delegate asks for a cell, in one call into Python instead of one per role.

        A paint runs on the GUI thread while the client thread may hold the GIL; each call
        from Qt into Python has to win it back, so fewer calls keep the window responsive,
        and a paint holding the GIL holds up the reading: the cell's row is looked up once
        for all its roles. A view reuses one span for cell after cell, so a role this cell
        has no value for is cleared: left alone it would keep the previous cell's colour or alignment.
        """
        if not index.isValid():
            for role_data in roleDataSpan:
                role_data.clearData()
            return
        row, column, value_of = self.view.store_row(index.row()), index.column(), self._value
        for role_data in roleDataSpan:
            value = value_of(row, column, role_data.role())
            if value is None:
                role_data.clearData()
            else:
                role_data.setData(value)

    def view_replaced(self) -> None:
        """The view now shows other rows (a new filter): one reset, not N removals."""
        self.beginResetModel()
        self._rows = len(self.view)
        self.endResetModel()

    def apply(self, appended: Appended) -> None:
        """Take in what `Capture.append` (or `clear`) changed, at once: dropped rows must never be painted.

        Rows dropped from the top are removed in one `beginRemoveRows`, or the model resets
        when they were scattered (sorted). New rows wait for `announce_new_rows`, which the
        window calls at its repaint cadence.
        """
        if not appended.dropped:
            return
        self._values.clear()
        if appended.removed_top is None:
            self.view_replaced()
            return
        removed = min(appended.removed_top, self._rows)
        if removed <= 0:
            return
        self.beginRemoveRows(QModelIndex(), 0, removed - 1)
        self._rows -= removed
        self.endRemoveRows()

    def pending_rows(self) -> int:
        """Rows the view shows that are not announced yet (the filter runs over new rows here)."""
        self.view.catch_up()
        return len(self.view) - self._rows

    def announce_new_rows(self) -> int:
        """Announce the rows the view gained since the last call, in one `beginInsertRows`; return how many."""
        count = self.pending_rows()
        if count <= 0:
            return 0
        first = self._rows
        self.beginInsertRows(QModelIndex(), first, first + count - 1)
        self._rows += count
        self.endInsertRows()
        return count

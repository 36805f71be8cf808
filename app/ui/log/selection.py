"""Keeping the log's selection when its rows are replaced (a new filter, a new sort order).

A model reset clears a table's selection and current row. The selected messages
are remembered by their store rows before the change and selected again where
they show afterwards, so the detail pane and the arrow keys stay with the message
the user was reading.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QItemSelection, QItemSelectionModel
from PySide6.QtWidgets import QTableView

from app.core.view import View

# Beyond this many selected rows only the current one is kept (finding each in a new order costs time).
KEPT_SELECTION_LIMIT = 10_000


@dataclass(frozen=True)
class Selection:
    """Selected messages by store row, and the current one (None: no current row)."""

    rows: tuple[int, ...]
    current: int | None
    column: int


def remember(table: QTableView, store_row: Callable[[int], int]) -> Selection:
    """The table's selection as store rows, `store_row` mapping the view rows it was made on."""
    current = table.currentIndex()
    selection = table.selectionModel().selection()
    count = sum(part.height() for part in selection.toList())
    rows: tuple[int, ...] = ()
    if count <= KEPT_SELECTION_LIMIT:
        rows = tuple(store_row(row) for part in selection.toList() for row in range(part.top(), part.bottom() + 1))
    return Selection(rows, store_row(current.row()) if current.isValid() else None,
                     current.column() if current.isValid() else 0)


def restore(table: QTableView, view: View, kept: Selection) -> bool:
    """Select the kept messages the view still shows; True if the current one is shown (and current again)."""
    model = table.model()
    wanted = set(kept.rows)
    if kept.current is not None:
        wanted.add(kept.current)
    positions = view.positions(wanted)
    positions = {row: position for row, position in positions.items() if position < model.rowCount()}
    selection = QItemSelection()
    last_column = model.columnCount() - 1
    for top, bottom in _runs(sorted(positions[row] for row in kept.rows if row in positions)):
        selection.select(model.index(top, 0), model.index(bottom, last_column))
    selection_model = table.selectionModel()
    current = positions.get(kept.current) if kept.current is not None else None
    if current is not None:
        selection_model.setCurrentIndex(model.index(current, kept.column), QItemSelectionModel.SelectionFlag.NoUpdate)
    selection_model.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    return current is not None


def selected_view_rows(table: QTableView, limit: int) -> list[int] | None:
    """The selected rows in the order the table shows them; None if more than `limit` are selected."""
    ranges = sorted((part.top(), part.bottom()) for part in table.selectionModel().selection().toList())
    if sum(bottom - top + 1 for top, bottom in ranges) > limit:
        return None
    rows: list[int] = []
    for top, bottom in ranges:
        rows.extend(row for row in range(top, bottom + 1) if not rows or row > rows[-1])
    return rows


def _runs(positions: list[int]) -> list[tuple[int, int]]:
    """Sorted positions as (first, last) runs of consecutive ones."""
    runs: list[tuple[int, int]] = []
    for position in positions:
        if runs and runs[-1][1] == position - 1:
            runs[-1] = (runs[-1][0], position)
        elif not runs or runs[-1][1] != position:
            runs.append((position, position))
    return runs


__all__ = ["KEPT_SELECTION_LIMIT", "Selection", "remember", "restore", "selected_view_rows"]

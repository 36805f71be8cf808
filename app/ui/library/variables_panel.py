"""User variables for payload templates: name → text, saved as they are edited."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.templates import validate_variable_name
from app.services.persistence import Persistence
from app.ui.common.naming import named
from app.ui.common.style import tint


class VariablesPanel(QWidget):
    changed = Signal(dict)  # the valid variables, after every edit

    def __init__(self, store: Persistence, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.table = QTableWidget(0, 2)
        named(self.table, "variablesTable")
        self.table.setHorizontalHeaderLabels(["Name", "Value"])
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.status = QLabel("Use as {{name}} in a payload")
        named(self.status, "variablesStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        add = QPushButton("Add")
        named(add, "variableAdd")
        remove = QPushButton("Remove")
        named(remove, "variableRemove")
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)

        for name, value in store.variables().items():
            self._append_row(name, value)
        add.clicked.connect(self.add_variable)
        remove.clicked.connect(self.remove_selected)
        self.table.itemChanged.connect(lambda _item: self.save())

    def _append_row(self, name: str, value: str) -> int:
        row = self.table.rowCount()
        self.table.blockSignals(True)
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(name))
        self.table.setItem(row, 1, QTableWidgetItem(value))
        self.table.blockSignals(False)
        return row

    def _item(self, row: int, column: int) -> QTableWidgetItem:
        """A cell of a row `_append_row` made: it has both."""
        item = self.table.item(row, column)
        assert item is not None
        return item

    def variables(self) -> dict[str, str]:
        return {name: value for name, value, _ in self._rows() if validate_variable_name(name) is None}

    def _rows(self) -> list[tuple[str, str, int]]:
        rows = []
        for row in range(self.table.rowCount()):
            name_item, value_item = self.table.item(row, 0), self.table.item(row, 1)
            name = name_item.text().strip() if name_item else ""
            if name:
                rows.append((name, value_item.text() if value_item else "", row))
        return rows

    def set_variable(self, name: str, value: str) -> None:
        """Add or change one variable, as typing it in the table would."""
        for existing, _value, row in self._rows():
            if existing == name:
                self._item(row, 1).setText(value)
                return
        self._append_row(name, value)
        self.save()

    def add_variable(self) -> None:
        row = self._append_row("", "")
        self.table.setCurrentCell(row, 0)
        self.table.editItem(self._item(row, 0))

    def remove_selected(self) -> None:
        rows = sorted({index.row() for index in self.table.selectedIndexes()}, reverse=True)
        for row in rows:
            self.table.removeRow(row)
        self.save()

    def save(self) -> None:
        """Persist the valid variables; name the invalid ones (they are kept in the table, not saved)."""
        problems = [problem for name, _value, _row in self._rows()
                    if (problem := validate_variable_name(name)) is not None]
        valid = self.variables()
        self.store.set_variables(valid)
        self.changed.emit(valid)
        tint(self.status, "status.error" if problems else None)
        self.status.setText("Not saved: " + "; ".join(problems) if problems else
                            f"{len(valid)} variable{'s' if len(valid) != 1 else ''} saved; use as {{{{name}}}}")

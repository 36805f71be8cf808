"""Edit → Preferences…: contracts by URL pattern, remembered between runs.

A connection whose URL matches a pattern (a shell-style glob: `ws://*/chat*`) is checked against
that pattern's contract, unless its own options name one; the first matching pattern wins. The
table is kept in QSettings; the contracts are loaded (off the GUI thread) when it is saved, so a
faulty file is named at once.
"""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFileDialog, QLabel, QPushButton, QVBoxLayout, QWidget

from app.ui.common import contracts
from app.ui.common.naming import named
from app.ui.common.style import tint
from app.ui.connections.dialog import PairsTable
from app.ui.shell.window_settings import open_settings

_KEY = "contracts/urlPatterns"


def contract_patterns() -> list[tuple[str, str]]:
    """The saved (URL glob, contract file) pairs, in order."""
    try:
        pairs = json.loads(str(open_settings().value(_KEY, "[]")))
    except ValueError:
        return []
    return [(glob, path) for glob, path in pairs if isinstance(glob, str) and isinstance(path, str)] \
        if isinstance(pairs, list) and all(isinstance(pair, list) and len(pair) == 2 for pair in pairs) else []


def save_contract_patterns(pairs: list[tuple[str, str]]) -> None:
    settings = open_settings()
    settings.setValue(_KEY, json.dumps([list(pair) for pair in pairs]))
    settings.sync()


def contract_for_url(url: str, patterns: list[tuple[str, str]]) -> str:
    """The contract file of the first pattern `url` matches; empty: none."""
    return next((path for glob, path in patterns if fnmatchcase(url, glob)), "")


class PreferencesDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "preferencesDialog")
        self.setWindowTitle("Preferences")
        self.resize(640, 320)
        note = QLabel("Contracts by URL: a connection whose URL matches a pattern (* and ? as in a shell; the first "
                      "that matches) is checked against its contract file, unless its own options name one.")
        note.setWordWrap(True)
        self.patterns = PairsTable("preferencesContractPatterns", ("URL pattern", "Contract file (JSON Schema or AsyncAPI)"))
        self.patterns.set_pairs(tuple(contract_patterns()))
        self.choose_button = named(QPushButton("Contract file…"), "preferencesContractFile")
        self.choose_button.setToolTip("Choose the contract file of the selected row (or of the first row without one)")
        self.choose_button.clicked.connect(self.choose_file)
        self.file_dialog: QFileDialog | None = None
        self.problem = named(QLabel(""), "preferencesProblem")
        self.problem.setWordWrap(True)
        tint(self.problem, "status.error")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.patterns, 1)
        layout.addWidget(self.choose_button, 0, Qt.AlignmentFlag.AlignLeft)  # under the table, as wide as its text
        layout.addWidget(self.problem)
        layout.addWidget(buttons)

    def choose_file(self) -> None:
        """Pick the selected row's contract file in a file dialog rather than typing its path."""
        table = self.patterns.table
        row = table.currentRow()
        if row < 0:  # none selected: the first row still without a file, else a new row
            row = next((r for r in range(table.rowCount()) if not self._file_of(r).strip()), table.rowCount())
            if row == table.rowCount():
                self.patterns.add_row("", "")
        dialog = QFileDialog(self, "Contract", self._file_of(row),
                             "Contracts (*.json *.yaml *.yml);;All files (*)")
        dialog.setObjectName("preferencesContractDialog")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        dialog.fileSelected.connect(lambda path: self._set_file(row, path))
        self.file_dialog = dialog
        dialog.open()

    def _file_of(self, row: int) -> str:
        item = self.patterns.table.item(row, 1)
        return item.text() if item is not None else ""

    def _set_file(self, row: int, path: str) -> None:
        item = self.patterns.table.item(row, 1)
        if item is not None:
            item.setText(path)

    def _problem(self, pairs: tuple[tuple[str, str], ...]) -> str:
        """Why the rows cannot be saved as they are (empty: they can); the GUI thread only asks whether files exist."""
        for number, (glob, path) in enumerate(pairs, 1):
            if not glob:
                return f"Row {number} has no URL pattern: type one (ws://127.0.0.1:*/ws) or remove the row"
            if not path.strip():
                return f"Row {number} has no contract file: choose one (Contract file…) or remove the row"
            if not Path(path.strip()).is_file():
                return f"Row {number}: no file at {path.strip()}"
        return ""

    def accept(self) -> None:
        rows = self.patterns.pairs()
        problem = self._problem(rows)
        self.problem.setText(problem)
        if problem:  # the dialog stays, with what was typed
            return
        pairs = [(glob, path.strip()) for glob, path in rows]
        save_contract_patterns(pairs)
        for _glob, path in pairs:
            contracts.ensure(path)  # read now: a faulty file is named at once
        super().accept()

"""Edit → Preferences…: contracts by URL pattern, remembered between runs.

A connection whose URL matches a pattern (a shell-style glob: `ws://*/chat*`) is checked against
that pattern's contract, unless its own options name one; the first matching pattern wins. The
table is kept in QSettings; the contracts are loaded (off the GUI thread) when it is saved, so a
faulty file is named at once.
"""

from __future__ import annotations

import json
from fnmatch import fnmatchcase

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from app.ui.common import contracts
from app.ui.common.naming import named
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
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.patterns, 1)
        layout.addWidget(buttons)

    def accept(self) -> None:
        pairs = [(glob, path.strip()) for glob, path in self.patterns.pairs() if glob and path.strip()]
        save_contract_patterns(pairs)
        for _glob, path in pairs:
            contracts.ensure(path)  # read now: a faulty file is named at once
        super().accept()

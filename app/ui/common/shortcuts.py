"""Keyboard shortcuts with the context they were asked for.

PySide6 (6.12) ignores the context passed to `QShortcut(keys, parent, slot, context)`:
every such shortcut becomes window-wide, so a key meant for one pane (Shift+Enter in
the raw view's find box) steals it from another (Shift+Enter re-sends from History).
Setting the context after construction works.

The Keyboard shortcuts dialog is read from the window's commands when it opens, the
same collection the command palette offers, so it lists what the keys really do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.ui.common.commands import window_commands
from app.ui.common.naming import named


def add_shortcut(keys: str, parent: QWidget, slot: Callable[[], object],
                 context: Qt.ShortcutContext = Qt.ShortcutContext.WindowShortcut, what: str = "") -> QShortcut:
    """A shortcut; `what` it does is shown in the Keyboard shortcuts dialog."""
    shortcut = QShortcut(QKeySequence(keys), parent)
    shortcut.setContext(context)
    shortcut.setWhatsThis(what)
    shortcut.activated.connect(slot)
    return shortcut


@dataclass(frozen=True)
class ShortcutEntry:
    keys: str  # as the platform shows them
    what: str
    where: str  # the menu, pane or window it works in


def window_shortcuts(window: QWidget) -> list[ShortcutEntry]:
    """Every key the window's commands answer to, sorted by what they do.

    The commands are the ones the command palette offers (app/ui/common/commands.py), read
    the same way, so the two agree on names and menu paths; disabled ones are listed too
    (their keys work again once they are enabled), hidden ones are not.
    """
    entries = {ShortcutEntry(keys, command.what, command.where)
               for command in window_commands(window) for keys in command.keys}
    return sorted(entries, key=lambda entry: (entry.what.lower(), entry.keys))


class ShortcutsDialog(QDialog):
    """Help → Keyboard shortcuts: a table built from the window's own actions when it opens."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        named(self, "shortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        self.table = QTableWidget(0, 3)
        named(self.table, "shortcutsTable")
        self.table.setHorizontalHeaderLabels(["Keys", "Does", "Where"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)  # Tab goes on to Close
        # Keys and Where as wide as they need; Does takes the rest and wraps, so Where is never scrolled out of view.
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(True)
        self.entries = window_shortcuts(window)
        self.table.setRowCount(len(self.entries))
        for row, entry in enumerate(self.entries):
            for column, text in enumerate((entry.keys, entry.what, entry.where)):
                self.table.setItem(row, column, QTableWidgetItem(text))
        header.sectionResized.connect(lambda *_: self.table.resizeRowsToContents())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(620, 520)

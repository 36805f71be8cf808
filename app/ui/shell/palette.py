"""The command palette: Ctrl+K (or Ctrl+Shift+P, which text fields leave alone) runs any command by name.

A popup over the window lists every enabled command of the menu bar, submenus too, and the
window-wide shortcuts, each with its menu path and keys; typing narrows the list fuzzily
(app/core/fuzzy.py), Up and Down choose, Enter runs the chosen one and Esc closes. The
commands are read when the palette opens (app/ui/common/commands.py), so it offers what
the menus offer at that moment. A command runs once the palette has closed and the focus
is back where it was, so one that moves the focus (Ctrl+L) or opens a dialog works as from
its menu.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer
from PySide6.QtGui import QAction, QHideEvent, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QHeaderView,
    QLineEdit,
    QMainWindow,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from app.core.fuzzy import fuzzy_rank
from app.ui.common.commands import Command, window_commands
from app.ui.common.naming import named

PALETTE_KEYS = ("Ctrl+K", "Ctrl+Shift+P")  # Ctrl+K deletes to the line's end in a text field; Ctrl+Shift+P works there
WIDTH_SHARE = 0.6  # of the window's width
MOST_WIDTH = 640
VISIBLE_ROWS = 12


class CommandPalette(QFrame):
    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window, Qt.WindowType.Popup | Qt.WindowType.FramelessWindowHint)
        named(self, "commandPalette")
        self.host = window
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.search = named(QLineEdit(), "commandSearch")
        self.search.setPlaceholderText("Type a command: ↑↓ choose, Enter runs, Esc closes")
        self.search.installEventFilter(self)
        self.list = named(QTreeWidget(), "commandList")
        self.list.setColumnCount(2)
        self.list.setHeaderHidden(True)
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # typing goes on in the search field
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.header().setStretchLastSection(False)
        self.list.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.list.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.list.clicked.connect(lambda index: self.run(index.row()))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.search)
        layout.addWidget(self.list)
        self.search.textChanged.connect(self._narrow)

        self.action = QAction("Command &palette…", window)
        self.action.setObjectName("commandPaletteAction")
        self.action.setShortcuts([QKeySequence(keys) for keys in PALETTE_KEYS])
        self.action.setStatusTip("Find a command by name and run it")
        self.action.triggered.connect(self.open)
        window.addAction(self.action)

        self.commands: list[Command] = []  # what the palette offers since it opened
        self.shown: list[Command] = []  # the rows, in order
        self._return_focus: QWidget | None = None

    def open(self) -> None:
        """Read the window's commands as they are now and show them all, the search field empty."""
        self._return_focus = QApplication.focusWidget()
        self.commands = [command for command in window_commands(self.host)
                         if command.enabled and command.anywhere and command.source is not self.action]
        self.search.clear()
        self._narrow("")
        width = min(MOST_WIDTH, int(self.host.width() * WIDTH_SHARE))
        rows = self.list.sizeHintForRow(0) * VISIBLE_ROWS if self.shown else 0
        self.resize(width, self.search.sizeHint().height() + rows + 24)
        self.move(self.host.mapToGlobal(QPoint((self.host.width() - width) // 2, self.host.height() // 10)))
        self.show()
        self.search.setFocus(Qt.FocusReason.PopupFocusReason)

    def _narrow(self, query: str) -> None:
        self.shown = fuzzy_rank(query, self.commands, lambda command: command.what, lambda command: command.label)
        self.list.clear()
        for command in self.shown:
            item = QTreeWidgetItem([command.label, ", ".join(command.keys)])
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if command.tip:
                item.setToolTip(0, command.tip)
            if command.checked is not None:  # shown as its menu shows it; a click runs it like any row
                item.setCheckState(0, Qt.CheckState.Checked if command.checked else Qt.CheckState.Unchecked)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsUserCheckable)
            self.list.addTopLevelItem(item)
        self._choose(0)

    def _choose(self, row: int) -> None:
        if self.shown:
            row = min(max(row, 0), len(self.shown) - 1)
            self.list.setCurrentIndex(self.list.model().index(row, 0))

    def run(self, row: int) -> None:
        """Close, then run the command in `row` once the focus is back where it was."""
        if not 0 <= row < len(self.shown):
            return
        command = self.shown[row]
        self.close()
        QTimer.singleShot(0, self.host, command.run)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key, row = event.key(), self.list.currentIndex().row()
            page = VISIBLE_ROWS - 1
            steps = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1, Qt.Key.Key_PageUp: -page, Qt.Key.Key_PageDown: page}
            if key in steps:
                self._choose(row + steps[Qt.Key(key)])
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.run(row)
                return True
            if key == Qt.Key.Key_Escape:
                self.close()
                return True
        return super().eventFilter(watched, event)

    def hideEvent(self, event: QHideEvent) -> None:
        """Give the focus back to the widget that had it (a click outside closes the palette too)."""
        super().hideEvent(event)
        previous, self._return_focus = self._return_focus, None
        if previous is not None and isValid(previous) and previous.isVisible():
            previous.window().activateWindow()  # some platforms leave no window active once a popup closes
            previous.setFocus(Qt.FocusReason.PopupFocusReason)

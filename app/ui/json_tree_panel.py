"""The JSON tree with what a user of a developer tool expects around it.

Copy value (Ctrl+C) and Copy JSONPath (Ctrl+Shift+C) from a context menu or the
keyboard, Expand all / Collapse all (at most EXPAND_LIMIT nodes are opened, and
the user is told when the limit is hit), and Find within the message
(Ctrl+Shift+G, F3 / Shift+F3 for the next / previous match), which opens the
tree down to each match. Everything that asks the document process awaits its
answer on the GUI loop, so the window keeps painting meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMenu, QToolButton, QTreeView, QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot
from shiboken6 import isValid

from app.core.docnodes import FindResult, Path
from app.ui import async_loop
from app.ui.json_tree_model import CHUNK, JsonTreeModel

T = TypeVar("T")

EXPAND_LIMIT = 10_000  # nodes opened by Expand all
FIND_SHORTCUT = "Ctrl+Shift+G"


def _named(widget: Any, name: str) -> Any:
    widget.setObjectName(name)
    widget.setAccessibleName(name)
    return widget


class JsonTreePanel(QWidget):
    def __init__(self, model: JsonTreeModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        _named(self, "jsonTreePanel")
        self.model = model
        self._matches: FindResult | None = None
        self._match_query = ""
        self._match = -1
        self._task_generation = 0

        self.tree = _named(QTreeView(), "jsonTree")
        self.tree.setModel(model)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 180)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(2, 70)

        self.find_edit = _named(QLineEdit(), "jsonFind")
        self.find_edit.setPlaceholderText(f"Find in this message: keys and values ({FIND_SHORTCUT}, F3 next)")
        self.find_edit.setClearButtonEnabled(True)
        self.previous_button = _named(QToolButton(), "jsonFindPrevious")
        self.previous_button.setText("▲")
        self.previous_button.setToolTip("Previous match (Shift+F3)")
        self.next_button = _named(QToolButton(), "jsonFindNext")
        self.next_button.setText("▼")
        self.next_button.setToolTip("Next match (F3, Enter)")
        self.status = _named(QLabel(), "jsonTreeStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.find_edit, 1)
        bar.addWidget(self.previous_button)
        bar.addWidget(self.next_button)
        bar.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.tree, 1)

        scroll = self.tree.verticalScrollBar()
        # Pages after the first are fetched as the user scrolls to them (a hidden tree has no end to reach).
        model.view_at_end = lambda: self.tree.isVisible() and scroll.value() >= scroll.maximum()
        self.copy_value_action = self._action("Copy value", "Ctrl+C", self.copy_value, self.tree)
        self.copy_path_action = self._action("Copy JSONPath", "Ctrl+Shift+C", self.copy_path, self.tree)
        self.expand_all_action = self._action("Expand all", "Ctrl+Shift+E", self.expand_all, self)
        self.collapse_all_action = self._action("Collapse all", "Ctrl+Shift+K", self.collapse_all, self)
        self._action("Find in message", FIND_SHORTCUT, self.focus_find, self, Qt.ShortcutContext.WindowShortcut)
        # Within the tree panel (its find box included): the raw view uses F3 for its own find.
        self._action("Next match", "F3", lambda: self.find_step(1), self)
        self._action("Previous match", "Shift+F3", lambda: self.find_step(-1), self)

        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.tree.expanded.connect(self._expanded)
        self.find_edit.returnPressed.connect(lambda: self.find_step(1))
        self.find_edit.textChanged.connect(self._query_changed)
        self.next_button.clicked.connect(lambda: self.find_step(1))
        self.previous_button.clicked.connect(lambda: self.find_step(-1))
        model.modelReset.connect(self._document_changed)
        model.load_failed.connect(lambda message: self.show_status(f"Could not load: {message}"))

    def _action(self, text: str, keys: str, slot: Any, owner: QWidget,
                context: Qt.ShortcutContext = Qt.ShortcutContext.WidgetWithChildrenShortcut) -> QAction:
        action = QAction(text, owner)
        action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(context)
        action.triggered.connect(lambda _checked=False: slot())
        owner.addAction(action)
        return action

    def show_status(self, text: str) -> None:
        self.status.setText(text)

    def _document_changed(self) -> None:
        self._task_generation += 1
        self._matches = None
        self._match = -1
        self.status.clear()

    def _expanded(self, index: QModelIndex) -> None:
        if self.model.canFetchMore(index):  # a node of a remote document: ask for its first page
            self.model.fetchMore(index)

    def _context_menu(self, position: Any) -> None:
        if not self.tree.indexAt(position).isValid():
            return
        menu = QMenu(self.tree)
        for action in (self.copy_value_action, self.copy_path_action, None,
                       self.expand_all_action, self.collapse_all_action):
            if action is None:
                menu.addSeparator()
            else:
                menu.addAction(action)
        menu.popup(self.tree.viewport().mapToGlobal(position))

    # -- copying ---------------------------------------------------------------------------

    def _current(self) -> QModelIndex | None:
        index = self.tree.currentIndex()
        return index.siblingAtColumn(0) if index.isValid() else None

    def copy_path(self) -> None:
        index = self._current()
        if index is None:
            return
        path = self.model.json_path(index)
        QGuiApplication.clipboard().setText(path)
        self.show_status(f"Copied {path[:80]}")

    async def _ask(
        self, document: Any, busy: str | None, failed: str, question: Callable[..., T], *args: Any,
    ) -> T | None:
        """The document's answer: awaited off the GUI thread when the document process holds it
        (showing `busy` meanwhile), at once otherwise; None, with `failed` and the reason shown, if it failed.
        """
        if not document.remote:
            return question(*args)
        if busy:
            self.show_status(busy)
        try:
            return await async_loop.in_worker(question, *args)
        except Exception as error:  # the document process failed: say so
            self.show_status(f"{failed}: {error}")
            return None

    @asyncSlot()
    async def copy_value(self) -> None:
        index = self._current()
        if index is None:
            return
        document, path = self.model.document, self.model.path(index)
        answer = await self._ask(document, "Copying…", "Not copied", document.copy_text, path)
        if answer is None:
            return
        text, cut = answer
        QGuiApplication.clipboard().setText(text)
        self.show_status(
            f"Copied the first {len(text):,} characters only (the value is longer)" if cut
            else f"Copied {len(text):,} characters"
        )

    # -- expanding -------------------------------------------------------------------------

    @asyncSlot()
    async def expand_all(self) -> None:
        """Open nodes breadth-first from the top until EXPAND_LIMIT rows are shown."""
        generation = self._task_generation
        document = self.model.document
        self.show_status("Expanding…")
        answer = await self._ask(document, None, "Not expanded", document.expand_plan, EXPAND_LIMIT)
        if answer is None:
            return
        plan, limited = answer
        if generation != self._task_generation or document is not self.model.document or not isValid(self.tree):
            return  # another document, or Collapse all, or the window closed
        containers = self.model.apply_plan(plan)
        # With a layout pending, expanding only records the index: one layout for all of them.
        self.tree.scheduleDelayedItemsLayout()
        for index in containers:
            self.tree.expand(index)
        self.show_status(f"Expanded the first {EXPAND_LIMIT:,} nodes (limit reached)" if limited else "")

    def collapse_all(self) -> None:
        self._task_generation += 1  # stops an expansion still under way
        self.tree.collapseAll()
        self.show_status("")

    # -- finding ---------------------------------------------------------------------------

    def focus_find(self) -> None:
        self.find_edit.setFocus()
        self.find_edit.selectAll()

    def _query_changed(self) -> None:
        self._matches = None
        self._match = -1
        self.status.clear()

    @asyncSlot(int)
    async def find_step(self, step: int) -> None:
        """Go to the next (`step` 1) or previous (-1) match, searching first if the query changed."""
        query = self.find_edit.text()
        if not query:
            return
        generation = self._task_generation
        if self._matches is None or self._match_query != query:
            document = self.model.document
            found = await self._ask(document, "Searching…", "Search failed", document.find, query)
            if found is None:
                return
            if generation != self._task_generation or query != self.find_edit.text():
                return
            self._matches, self._match_query, self._match = found, query, -1
        matches = self._matches
        if not matches.paths:
            self.show_status("No match")
            return
        self._match = (self._match + step) % len(matches.paths)
        more = "+" if matches.capped else ""
        self.show_status(f"{self._match + 1} of {len(matches.paths):,}{more}")
        await self.reveal(matches.paths[self._match])

    async def reveal(self, path: Path) -> bool:
        """Load, expand and select the node at `path`."""
        generation = self._task_generation
        model = self.model
        parent = QModelIndex()
        for row in path:
            node = model.node(parent)
            if not await model.load_rows(node, ((row // CHUNK) + 1) * CHUNK) or generation != self._task_generation:
                return False
            if parent.isValid():
                self.tree.expand(parent)
            parent = model.index(row, 0, parent)
            if not parent.isValid():
                return False
        self.tree.setCurrentIndex(parent)
        self.tree.scrollTo(parent, QAbstractItemView.ScrollHint.PositionAtCenter)
        return True

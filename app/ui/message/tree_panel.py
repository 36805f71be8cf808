"""The JSON tree with what a user of a developer tool expects around it.

Copy value (Ctrl+C) and Copy JSONPath (Ctrl+Shift+C) from a context menu or the
keyboard, Expand all / Collapse all (at most EXPAND_LIMIT nodes and OPEN_DEPTH
levels are opened, and the user is told when a limit is hit), and Find within the
message (Ctrl+Shift+G, F3 / Shift+F3 for the next / previous match), which opens
the tree down to each match.

A hostile message may nest 100,000 levels deep, so nothing here holds the GUI
thread for long: a search runs on a worker thread (for a document held in this
process too) and stops when the query or the document changes; Expand all and
revealing a match open nodes in slices of SLICE seconds, the window painting in
between.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot
from shiboken6 import isValid

from app.core.docnodes import FIND_LIMIT, FindResult, NodePath
from app.core.docworker import DocumentWorkerError
from app.ui.common import async_loop
from app.ui.common.naming import named
from app.ui.message.tree_model import CHUNK, JsonTreeModel

T = TypeVar("T")

EXPAND_LIMIT = 10_000  # nodes opened by Expand all
# Levels the tree opens, by Expand all or to reveal a match. Qt lays out expanded levels recursively:
# past ~25,000 it overflows the stack, and 10,000 levels take half a second per layout.
OPEN_DEPTH = 1_000
SLICE = 0.02  # seconds of opening nodes between two paints
KEY_WIDTH = 180  # the Key column's first width; it widens to show a deeper selected key
KEY_PADDING = 24  # pixels beside a key's text: margins and the decoration
VALUE_MIN_WIDTH = 220  # the Value column's narrowest when it fills the width the other columns leave
FIND_SHORTCUT = "Ctrl+Shift+G"


class JsonTreePanel(QWidget):
    plot_requested = Signal(str)  # Plot field… on a number: its JSONPath

    def __init__(self, model: JsonTreeModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "jsonTreePanel")
        self.model = model
        self._matches: FindResult | None = None
        self._match_query = ""
        self._match = -1
        self._task_generation = 0  # bumped to stop an expansion or a reveal under way
        self._search_cancel = threading.Event()  # set to stop the search under way
        self._searching: str | None = None  # the query of the search under way

        self.tree = named(QTreeView(), "jsonTree")
        self.tree.setModel(model)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.setIndentation(14)  # narrower than most styles': deep trees keep more of their width
        # Past the viewport's width the tree scrolls sideways: a key 40 levels deep stays reachable.
        self.tree.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        # The Value column takes the width left, but never less than VALUE_MIN_WIDTH (a Stretch section
        # would shrink to nothing beside a widened Key column instead of letting the tree scroll).
        header = self.tree.header()
        header.setStretchLastSection(False)
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, KEY_WIDTH)
        header.resizeSection(2, 70)
        header.sectionResized.connect(self._section_resized)
        self.tree.viewport().installEventFilter(self)

        self.find_edit = named(QLineEdit(), "jsonFind")
        self.find_edit.setPlaceholderText(f"Find in this message: keys and values ({FIND_SHORTCUT}, F3 next)")
        self.find_edit.setClearButtonEnabled(True)
        self.previous_button = named(QToolButton(), "jsonFindPrevious")
        self.previous_button.setText("▲")
        self.previous_button.setToolTip("Previous match (Shift+F3)")
        self.next_button = named(QToolButton(), "jsonFindNext")
        self.next_button.setText("▼")
        self.next_button.setToolTip("Next match (F3, Enter)")
        self.status = named(QLabel(), "jsonTreeStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)

        # Where the selected node is: its JSONPath, selectable, with the path's end in view.
        self.breadcrumb = named(QLineEdit(), "jsonBreadcrumb")
        self.breadcrumb.setReadOnly(True)
        self.breadcrumb.setPlaceholderText("JSONPath of the selected node")
        self.copy_breadcrumb_button = named(QToolButton(), "jsonBreadcrumbCopy")
        self.copy_breadcrumb_button.setText("Copy")
        self.copy_breadcrumb_button.setToolTip("Copy the JSONPath (Ctrl+Shift+C in the tree)")

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.find_edit, 1)
        bar.addWidget(self.previous_button)
        bar.addWidget(self.next_button)
        bar.addWidget(self.status)
        path_bar = QHBoxLayout()
        path_bar.setContentsMargins(0, 0, 0, 0)
        path_bar.addWidget(self.breadcrumb, 1)
        path_bar.addWidget(self.copy_breadcrumb_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.tree, 1)
        layout.addLayout(path_bar)

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

        self.tree.installEventFilter(self)  # the `*` key: QTreeView's own would open every level, unbounded
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.tree.expanded.connect(self._expanded)
        self.find_edit.returnPressed.connect(lambda: self.find_step(1))
        self.find_edit.textChanged.connect(self._query_changed)
        self.next_button.clicked.connect(lambda: self.find_step(1))
        self.previous_button.clicked.connect(lambda: self.find_step(-1))
        model.modelReset.connect(self._document_changed)
        self.tree.selectionModel().currentChanged.connect(self._current_changed)
        self.copy_breadcrumb_button.clicked.connect(self.copy_path)
        model.load_failed.connect(lambda message: self.show_status(f"Could not load: {message}"))

    def _action(self, text: str, keys: str, slot: Any, owner: QWidget,
                context: Qt.ShortcutContext = Qt.ShortcutContext.WidgetWithChildrenShortcut) -> QAction:
        action = QAction(text, owner)
        action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(context)
        action.triggered.connect(lambda _checked=False: slot())
        owner.addAction(action)
        return action

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.tree.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_value_column()
        if (watched is self.tree and event.type() == QEvent.Type.KeyPress
                and cast(QKeyEvent, event).key() == Qt.Key.Key_Asterisk):
            index = self.tree.currentIndex()
            if index.isValid():
                self.expand_below(index)
            return True
        return super().eventFilter(watched, event)

    def show_status(self, text: str) -> None:
        self.status.setText(text)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.breadcrumb.clear()
            return
        self.breadcrumb.setText(self.model.json_path(current))
        self.breadcrumb.setCursorPosition(len(self.breadcrumb.text()))  # the end: where the node is
        self._fit_key(current.siblingAtColumn(0))

    def _section_resized(self, column: int, _old: int, _new: int) -> None:
        if column != 1:
            self._fit_value_column()

    def _fit_value_column(self) -> None:
        header = self.tree.header()
        left = self.tree.viewport().width() - header.sectionSize(0) - header.sectionSize(2)
        header.resizeSection(1, max(VALUE_MIN_WIDTH, left))

    def _fit_key(self, index: QModelIndex) -> None:
        """Widen the Key column until the key at `index` fits after its indentation, and scroll to it."""
        depth = 0
        parent = index.parent()
        while parent.isValid():
            depth += 1
            parent = parent.parent()
        start = self.tree.indentation() * (depth + 1)  # where the key begins in its row (the root decorated)
        needed = start + self.tree.fontMetrics().horizontalAdvance(index.data() or "") + KEY_PADDING
        header = self.tree.header()
        if needed > header.sectionSize(0):
            header.resizeSection(0, needed)
            self.tree.updateGeometries()  # the scroll bar's range, now
        scroll = self.tree.horizontalScrollBar()
        if not scroll.value() <= start <= scroll.value() + self.tree.viewport().width() - KEY_PADDING:
            scroll.setValue(max(0, start - KEY_PADDING))

    def _document_changed(self) -> None:
        self.breadcrumb.clear()
        self._task_generation += 1
        self._search_cancel.set()
        self._searching = None
        self._matches = None
        self._match = -1
        self.status.clear()

    def _expanded(self, index: QModelIndex) -> None:
        if self.model.canFetchMore(index):  # a node of a remote document: ask for its first page
            self.model.fetchMore(index)

    def _context_menu(self, position: Any) -> None:
        menu = self.context_menu(self.tree.indexAt(position))
        if menu is not None:
            menu.popup(self.tree.viewport().mapToGlobal(position))

    def context_menu(self, index: QModelIndex) -> QMenu | None:
        """The menu for the node at `index` (None: no node there); a number's can be plotted."""
        if not index.isValid():
            return None
        menu = QMenu(self.tree)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        for action in (self.copy_value_action, self.copy_path_action, None,
                       self.expand_all_action, self.collapse_all_action):
            if action is None:
                menu.addSeparator()
            else:
                menu.addAction(action)
        if self.model.node(index).info.kind == "number":
            path = self.model.json_path(index.siblingAtColumn(0))
            menu.addSeparator()
            plot = menu.addAction("Plot field…")
            plot.setObjectName("plotField")
            plot.setToolTip(f"A live plot of {path} over time, per connection, from the messages' JSON")
            plot.triggered.connect(lambda: self.plot_requested.emit(path))
        return menu

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
        off_thread: bool = False,
    ) -> T | None:
        """The document's answer: awaited off the GUI thread when the document process holds it or
        `off_thread` (work that walks the document), showing `busy` meanwhile; at once otherwise;
        None, with `failed` and the reason shown, if it failed.
        """
        if not document.remote and not off_thread:
            return question(*args)
        if busy:
            self.show_status(busy)
        try:
            return await async_loop.in_worker(question, *args)
        except DocumentWorkerError as error:  # the document process failed: say so
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

    def _stale(self, generation: int, document: Any) -> bool:
        """Another document, Collapse all or another task since `generation`, or the window closed."""
        return generation != self._task_generation or document is not self.model.document or not isValid(self.tree)

    def expand_all(self) -> None:
        """Open nodes breadth-first from the top until EXPAND_LIMIT rows or OPEN_DEPTH levels are shown."""
        self.expand_below(QModelIndex())

    @asyncSlot(QModelIndex)
    async def expand_below(self, top: QModelIndex) -> None:
        """Open the node at `top` and those below it, as Expand all does from the top (also the `*` key)."""
        self._task_generation += 1
        generation = self._task_generation
        document = self.model.document
        below_a_node = top.isValid()
        anchor = QPersistentModelIndex(top.siblingAtColumn(0) if below_a_node else top)
        answer = await self._ask(document, "Expanding…", "Not expanded", document.expand_plan, EXPAND_LIMIT,
                                 OPEN_DEPTH, self.model.path(anchor), off_thread=True)
        if answer is None or self._stale(generation, document) or below_a_node != anchor.isValid():
            return
        plan, limited = answer
        if below_a_node:
            self.tree.expand(anchor)
        deadline = time.monotonic() + SLICE
        for index in self.model.open_plan(plan, anchor):
            self.tree.expand(index)
            if time.monotonic() > deadline:
                await asyncio.sleep(0)  # let the window paint and answer
                if self._stale(generation, document):
                    return
                deadline = time.monotonic() + SLICE
        self.show_status(
            f"Expand all stops at {EXPAND_LIMIT:,} nodes or {OPEN_DEPTH:,} levels (limit reached)" if limited else "")

    def collapse_all(self) -> None:
        """One step whatever was open: Qt forgets the expanded nodes and lays out the top level only."""
        self._task_generation += 1  # stops an expansion still under way
        self.tree.collapseAll()
        self.show_status("")

    # -- finding ---------------------------------------------------------------------------

    def focus_find(self) -> None:
        self.find_edit.setFocus()
        self.find_edit.selectAll()

    def _query_changed(self) -> None:
        self._search_cancel.set()
        self._searching = None
        self._matches = None
        self._match = -1
        self.status.clear()

    async def _search(self, query: str) -> FindResult | None:
        """Search the whole document on a worker thread; None if stopped (new query or document) or failed."""
        self._search_cancel.set()
        cancel = self._search_cancel = threading.Event()
        document = self.model.document
        self._searching = query
        try:
            found = await self._ask(document, "Searching…", "Search failed", document.find, query, FIND_LIMIT,
                                    cancel.is_set, off_thread=True)
        finally:
            if self._search_cancel is cancel:
                self._searching = None
        if cancel.is_set() or document is not self.model.document or query != self.find_edit.text():
            return None
        return found

    @asyncSlot(int)
    async def find_step(self, step: int) -> None:
        """Go to the next (`step` 1) or previous (-1) match, searching first if the query changed."""
        query = self.find_edit.text()
        if not query:
            return
        if self._matches is None or self._match_query != query:
            if self._searching == query:
                return  # this query's search is still under way
            found = await self._search(query)
            if found is None:
                return
            self._matches, self._match_query, self._match = found, query, -1
        matches = self._matches
        if not len(matches):
            self.show_status("No match")
            return
        self._match = (self._match + step) % len(matches)
        more = "+" if matches.capped else ""
        position = f"{self._match + 1} of {len(matches):,}{more}"
        self.show_status(position)
        path = matches.path(self._match)
        if await self.reveal(path) and len(path) > OPEN_DEPTH + 1:
            self.show_status(f"{position}: {len(path):,} levels deep; the tree opens {OPEN_DEPTH:,} "
                             "(the deepest shown is selected)")

    async def reveal(self, path: NodePath) -> bool:
        """Load, expand and select the node at `path`, or its ancestor OPEN_DEPTH levels down if deeper."""
        self._task_generation += 1
        generation = self._task_generation
        document = self.model.document
        model = self.model
        parent = QModelIndex()
        deadline = time.monotonic() + SLICE
        for row in path[:OPEN_DEPTH + 1]:
            node = model.node(parent)
            if not await model.load_rows(node, ((row // CHUNK) + 1) * CHUNK) or self._stale(generation, document):
                return False
            if parent.isValid():
                self.tree.expand(parent)
            parent = model.index(row, 0, parent)
            if not parent.isValid():
                return False
            if time.monotonic() > deadline:
                await asyncio.sleep(0)  # let the window paint and answer
                if self._stale(generation, document):
                    return False
                deadline = time.monotonic() + SLICE
        self.tree.scrollTo(parent, QAbstractItemView.ScrollHint.PositionAtCenter)
        self.tree.setCurrentIndex(parent)  # after scrolling: selecting scrolls sideways to the key
        return True

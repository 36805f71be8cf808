"""A lazy tree model over a JSON document, held in this process or by the document process.

A node's children are created only when a view asks for them (on expand), and
big arrays and objects arrive in pages through `fetchMore`, so a document with
millions of values costs only what the user has opened. For a document held in
this process a page is read at once; for one held by the document process
(`app.core.docworker`) the page is requested on a worker thread and its rows are
inserted when the answer arrives, so the GUI thread never waits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QColor

from app.core.docnodes import PAGE, LocalDocument, NodeInfo, NodePath, PlanStep, json_path
from app.core.docworker import DocumentWorkerError
from app.core.printable import displayable
from app.ui.common import async_loop
from app.ui.common.headers import horizontal_header
from app.ui.common.style import colour, colours_changed, follow_theme

CHUNK = PAGE
LOCAL_PAGES = 10 * PAGE  # rows of a local document made at once while a node is loaded for Find
COLUMNS = ("Key", "Value", "Type")
KEY, VALUE, TYPE = range(3)

VALUE_KINDS = ("string", "number", "boolean", "null", "object", "array")  # coloured as "tree.<kind>" of the theme

Index = QModelIndex | QPersistentModelIndex


class _Node:
    __slots__ = ("parent", "row", "info", "children", "pending")

    def __init__(self, parent: _Node | None, row: int, info: NodeInfo) -> None:
        self.parent = parent
        self.row = row
        self.info = info
        self.children: list[_Node] | None = None  # None: never asked for
        self.pending: asyncio.Future[None] | None = None  # a page being fetched from the document process

    @property
    def loaded(self) -> int:
        return len(self.children) if self.children is not None else 0


class JsonTreeModel(QAbstractItemModel):
    load_failed = Signal(str)  # a page could not be fetched from the document process

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._document: Any = LocalDocument([], [])
        self._root = _Node(None, 0, NodeInfo(None, "array", "", 0))
        self._generation = 0
        self._type_colours: dict[str, QColor] = {}
        self._warning_colour = self._violation_colour = self._violation_background = QColor()
        self._marked: set[str] = set()  # JSONPaths of the nodes that violate the message's contract
        self.read_colours()
        follow_theme(self.read_colours)
        # Set by the view's panel: is the view scrolled to its end? A tree view lays every row out
        # again when a page arrives and asks for the next page each time; without this check a big
        # document would be fetched whole, one relayout of all its rows per page.
        self.view_at_end: Callable[[], bool] | None = None

    @Slot()
    def read_colours(self) -> None:
        """Take the theme's colours for the application's palette now."""
        self._type_colours = {kind: colour(f"tree.{kind}") for kind in VALUE_KINDS}
        self._warning_colour = colour("tree.warning")
        self._violation_colour, self._violation_background = colour("tree.violation"), colour("violation.background")
        colours_changed(self)  # the view repaints the rows below too: its palette changed

    @property
    def document(self) -> Any:
        return self._document

    def set_value(self, value: Any) -> None:
        """Show a value parsed in this process; containers show their members at the top level."""
        self.set_document(LocalDocument(value, []))

    def set_document(self, document: Any, first_page: list[NodeInfo] | None = None, *, rows: int | None = None) -> None:
        """Show a `LocalDocument` or a `RemoteDocument` (with the top-level rows it came with)."""
        self.beginResetModel()
        self._generation += 1
        self._document = document
        self._marked = set()
        self._root = _Node(None, 0, NodeInfo(None, "array", "", document.count if rows is None else rows))
        if first_page is not None:
            self._root.children = [_Node(self._root, row, info) for row, info in enumerate(first_page)]
        self.endResetModel()

    def mark_paths(self, paths: set[str]) -> None:
        """Mark the nodes at these JSONPaths (a contract's violations), until the next document or marks."""
        if paths == self._marked:
            return
        self._marked = set(paths)
        if self.rowCount():
            self.layoutChanged.emit()  # the marked rows repaint, wherever they are

    def _is_marked(self, node: _Node) -> bool:
        return bool(self._marked) and self.json_path(self.index_of(node)) in self._marked

    def clear(self) -> None:
        """Show no rows: no message, not an empty array's "(value) [0 items]" row."""
        self.set_document(LocalDocument([], []), rows=0)

    # -- paths -----------------------------------------------------------------------------

    def node(self, index: Index) -> _Node:
        return index.internalPointer() if index.isValid() else self._root

    def path(self, index: Index) -> NodePath:
        """Child positions from the root: how the document's owner finds this node."""
        return self._path_of(self.node(index))

    def json_path(self, index: Index) -> str:
        keys = []
        node = self.node(index)
        while node.parent is not None:
            if node.info.key is not None:  # None: the single row of a scalar document
                keys.append(node.info.key)
            node = node.parent
        return json_path(list(reversed(keys)))

    def index_of(self, node: _Node, column: int = 0) -> QModelIndex:
        return QModelIndex() if node.parent is None else self.createIndex(node.row, column, node)

    # -- structure -------------------------------------------------------------------------

    def _children(self, node: _Node) -> list[_Node]:
        if node.children is None:
            if self._document.remote:
                return []  # fetched through fetchMore, inserted when they arrive
            node.children = self._make_nodes(node, self._document.children(self._path_of(node), 0, CHUNK))
        return node.children

    @staticmethod
    def _make_nodes(parent: _Node, rows: list[NodeInfo], start: int = 0) -> list[_Node]:
        return [_Node(parent, start + offset, info) for offset, info in enumerate(rows)]

    @staticmethod
    def _path_of(node: _Node) -> NodePath:
        rows = []
        while node.parent is not None:
            rows.append(node.row)
            node = node.parent
        return tuple(reversed(rows))

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        return self.createIndex(row, column, self._children(self.node(parent))[row])

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        if not index.isValid():
            return QModelIndex()
        parent = index.internalPointer().parent
        if parent is None or parent is self._root:
            return QModelIndex()
        return self.createIndex(parent.row, 0, parent)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        if parent.isValid() and parent.column() != 0:
            return 0
        node = self.node(parent)
        if node.info.count == 0:
            return 0
        return len(self._children(node))

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return len(COLUMNS)

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:
        if parent.isValid() and parent.column() != 0:
            return False
        return self.node(parent).info.count > 0

    def canFetchMore(self, parent: Index) -> bool:
        if parent.isValid() and parent.column() != 0:
            return False
        node = self.node(parent)
        if self._document.remote:
            return node.pending is None and node.loaded < node.info.count
        return node.children is not None and node.loaded < node.info.count

    def fetchMore(self, parent: Index) -> None:
        node = self.node(parent)
        if self._document.remote:
            if node.loaded and self.view_at_end is not None and not self.view_at_end():
                return  # only the first page, or one the user scrolls to
            if node.pending is None and node.loaded < node.info.count:
                self._request(node, node.loaded + CHUNK)
            return
        have = len(self._children(node))
        self._insert(node, self._document.children(self._path_of(node), have, min(CHUNK, node.info.count - have)))

    def _request(self, node: _Node, until: int) -> asyncio.Future[None]:
        """Ask the document process for children up to `until`; rows are inserted when they arrive."""
        generation = self._generation
        have = node.loaded
        request = async_loop.in_worker(self._document.children, self._path_of(node), have, max(CHUNK, until - have))

        async def insert_when_answered() -> None:
            try:
                rows = await request
            except DocumentWorkerError as error:  # the document process failed: say so, keep what is shown
                self.load_failed.emit(str(error))
                return
            finally:
                node.pending = None
            if generation == self._generation and node.loaded == have:
                self._insert(node, rows)

        node.pending = asyncio.ensure_future(insert_when_answered())
        return node.pending

    async def load_rows(self, node: _Node, until: int) -> bool:
        """Make sure `node` has its first `until` children (or all it has); False if the document changed.

        A local document's rows are made a few pages at a time, the window painting in between.
        """
        generation = self._generation
        while node.loaded < min(until, node.info.count) and generation == self._generation:
            if not self._document.remote:
                self._children(node)
                have = node.loaded
                self._insert(node, self._document.children(self._path_of(node), have, min(until - have, LOCAL_PAGES)))
                if node.loaded < min(until, node.info.count):
                    await asyncio.sleep(0)
                continue
            have = node.loaded
            await asyncio.shield(node.pending or self._request(node, until))
            if node.loaded == have and generation == self._generation:
                return False  # the request failed (load_failed said why)
        return generation == self._generation

    def open_plan(self, plan: list[PlanStep], top: Index = QModelIndex()) -> Iterator[QModelIndex]:
        """Load the rows of an "Expand all" plan for the node at `top` step by step, yielding each
        container to open below it.

        A caller opens each one and may pause between them (to paint). A local
        node not yet asked for its rows takes the plan's rows as they are: no
        walk from the root per node, which cost a second per hundred levels.
        """
        nodes: list[_Node] = []
        for step in plan:
            node = self.node(top) if step.parent < 0 else nodes[step.parent].children[step.row]  # type: ignore[index]
            nodes.append(node)
            if node.children is None and not self._document.remote:
                node.children = self._make_nodes(node, step.rows)  # the view has not counted them yet
            elif node.loaded < len(step.rows):
                self._insert(node, step.rows[node.loaded:])
            if step.parent >= 0:
                yield self.index_of(node)

    def _insert(self, node: _Node, rows: list[NodeInfo]) -> None:
        if not rows:
            return
        have = node.loaded
        self.beginInsertRows(self.index_of(node), have, have + len(rows) - 1)
        node.children = (node.children or []) + self._make_nodes(node, rows, have)
        self.endInsertRows()

    # -- content ---------------------------------------------------------------------------

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        return horizontal_header(COLUMNS, section, orientation, role)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        info: NodeInfo = index.internalPointer().info
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == KEY:
                if info.key is None:
                    return "(value)"
                return displayable(info.key) if isinstance(info.key, str) else f"[{info.key}]"
            if column == VALUE:
                return info.preview
            return info.kind
        if role == Qt.ItemDataRole.ForegroundRole:
            if self._is_marked(index.internalPointer()):
                return self._violation_colour
            if info.warning:
                return self._warning_colour
            if column == VALUE:
                return self._type_colours[info.kind]
        if role == Qt.ItemDataRole.BackgroundRole and self._is_marked(index.internalPointer()):
            return self._violation_background
        if role == Qt.ItemDataRole.ToolTipRole:
            return info.warning or ("Violates the message's contract (see above)"
                                    if self._is_marked(index.internalPointer()) else None)
        return None

"""A lazy tree model over a parsed JSON value.

A node's children are created only when a view asks for them (on expand), and
big arrays and objects arrive in chunks through `fetchMore`, so a document with
millions of values costs only what the user has opened.
"""

from __future__ import annotations

import json
import math
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from app.core.jsondoc import MAX_SAFE_INTEGER, JsonObject, NumberLiteral
from app.ui.headers import horizontal_header

CHUNK = 500
COLUMNS = ("Key", "Value", "Type")
KEY, VALUE, TYPE = range(3)
VALUE_CHARS = 300

_TYPE_COLOURS = {
    "string": QColor("#0a3069"), "number": QColor("#0550ae"), "boolean": QColor("#8250df"),
    "null": QColor("#6e7781"), "object": QColor("#57606a"), "array": QColor("#57606a"),
}
_WARNING_COLOUR = QColor("#bc4c00")

Index = QModelIndex | QPersistentModelIndex


def json_type(value: Any) -> str:
    if isinstance(value, JsonObject):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, NumberLiteral):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return "number"


def display_text(value: str) -> str:
    """Text safe for a QString: lone surrogates shown as escapes, not dropped."""
    if value.isascii():
        return value
    return value.encode("utf-8", "backslashreplace").decode("utf-8")


def value_text(value: Any) -> str:
    kind = json_type(value)
    if kind == "object":
        return f"{{{len(value)} keys}}" if len(value) != 1 else "{1 key}"
    if kind == "array":
        return f"[{len(value)} items]" if len(value) != 1 else "[1 item]"
    if kind == "string":
        shown = value[:VALUE_CHARS]
        text = json.dumps(shown, ensure_ascii=False)
        return display_text(text) + ("…" if len(value) > VALUE_CHARS else "")
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "null":
        return "null"
    return str(value)


class _Node:
    __slots__ = ("parent", "row", "key", "value", "children", "duplicate")

    def __init__(self, parent: _Node | None, row: int, key: str | int | None, value: Any, duplicate: bool = False):
        self.parent = parent
        self.row = row
        self.key = key
        self.value = value
        self.children: list[_Node] | None = None
        self.duplicate = duplicate

    def total(self) -> int:
        value = self.value
        return len(value) if isinstance(value, list) else 0

    def grow(self, count: int) -> None:
        """Create the next `count` children."""
        children = self.children if self.children is not None else []
        start = len(children)
        value = self.value
        if isinstance(value, JsonObject):
            seen = {key for key, _ in value[:start]} if start else set()
            for offset, (key, item) in enumerate(value[start:start + count]):
                children.append(_Node(self, start + offset, key, item, key in seen))
                seen.add(key)
        else:
            for offset, item in enumerate(value[start:start + count]):
                children.append(_Node(self, start + offset, start + offset, item))
        self.children = children


class JsonTreeModel(QAbstractItemModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._root = _Node(None, 0, None, [])
        self._root_is_wrapper = False  # a scalar document is shown as one "(value)" row

    def set_value(self, value: Any) -> None:
        """Show a new document; containers show their members at the top level."""
        self.beginResetModel()
        if isinstance(value, list):  # arrays and objects (JsonObject is a list)
            self._root = _Node(None, 0, None, value)
        else:
            self._root = _Node(None, 0, None, [value])
        self._root_is_wrapper = not isinstance(value, list)
        self.endResetModel()

    def clear(self) -> None:
        self.set_value([])

    # -- structure -------------------------------------------------------------------------

    def _node(self, index: Index) -> _Node:
        return index.internalPointer() if index.isValid() else self._root

    def _children(self, node: _Node) -> list[_Node]:
        if node.children is None:
            node.grow(CHUNK)
        return node.children  # type: ignore[return-value]

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        return self.createIndex(row, column, self._children(self._node(parent))[row])

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
        node = self._node(parent)
        if not isinstance(node.value, list):
            return 0
        return len(self._children(node))

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return len(COLUMNS)

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:
        if parent.isValid() and parent.column() != 0:
            return False
        value = self._node(parent).value
        return isinstance(value, list) and len(value) > 0

    def canFetchMore(self, parent: Index) -> bool:
        if parent.isValid() and parent.column() != 0:
            return False
        node = self._node(parent)
        return node.children is not None and len(node.children) < node.total()

    def fetchMore(self, parent: Index) -> None:
        node = self._node(parent)
        have = len(self._children(node))
        count = min(CHUNK, node.total() - have)
        if count <= 0:
            return
        self.beginInsertRows(parent, have, have + count - 1)
        node.grow(count)
        self.endInsertRows()

    # -- content ---------------------------------------------------------------------------

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        return horizontal_header(COLUMNS, section, orientation, role)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        node: _Node = index.internalPointer()
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == KEY:
                if node.key is None or (node.parent is self._root and self._root_is_wrapper):
                    return "(value)"
                return display_text(node.key) if isinstance(node.key, str) else f"[{node.key}]"
            if column == VALUE:
                return value_text(node.value)
            return json_type(node.value)
        if role == Qt.ItemDataRole.ForegroundRole:
            if self._warning(node):
                return _WARNING_COLOUR
            if column == VALUE:
                return _TYPE_COLOURS[json_type(node.value)]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._warning(node)
        return None

    def _warning(self, node: _Node) -> str | None:
        if node.duplicate:
            return f"Duplicate key {display_text(str(node.key))!r}: a JavaScript client keeps only the last."
        value = node.value
        if type(value) is int and abs(value) > MAX_SAFE_INTEGER:
            return "Beyond 2^53: JavaScript clients round this integer."
        if isinstance(value, NumberLiteral):
            return "Kept as its literal text: no double holds this number exactly."
        if isinstance(value, float) and not math.isfinite(value):
            return "NaN and Infinity are not standard JSON."
        return None

"""Two messages side by side: aligned, changed lines coloured, and the list of changed paths.

The comparison (parsing, structural diff, printing, alignment) runs on a worker
thread; the GUI thread only puts the prepared texts into two editors and colours
runs of lines. Both editors scroll together; choosing a path in the list brings
its lines into view on both sides.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPlainTextEdit, QSplitter, QTableView, QTextEdit,
    QVBoxLayout, QWidget,
)
from shiboken6 import isValid

from app.core.capture import CaptureStore
from app.core.comparison import Comparison, compare_payloads
from app.core.diff import ADDED, CHANGED, REMOVED, TYPE_CHANGED, Change, json_type
from app.core.pretty import members, scalar_text
from app.ui import async_loop
from app.ui.json_highlighter import HIGHLIGHT_LIMIT, JsonHighlighter
from app.ui.log_model import direction_text, format_time
from app.ui.message_view import monospace

GAP = "gap"  # a row where this side has no line
PREVIEW_LENGTH = 80
ROW_SELECTION_LIMIT = 20_000  # rows coloured one by one; longer runs beyond it get one selection each

# Translucent, so they read on light and dark palettes alike.
_BACKGROUNDS = {
    REMOVED: QColor(248, 81, 73, 70),
    ADDED: QColor(46, 160, 67, 70),
    CHANGED: QColor(210, 153, 34, 80),
    TYPE_CHANGED: QColor(163, 113, 247, 80),
    GAP: QColor(128, 128, 128, 40),
}


@dataclass(slots=True)
class Message:
    """One side of a comparison: a title for the user and the frame's opcode and payload."""

    title: str
    opcode: int
    payload: str | bytes


@dataclass(slots=True)
class PreparedComparison:
    comparison: Comparison
    left_text: str
    right_text: str
    left_runs: list[tuple[int, int, str]]  # (first row, last row, kind) of coloured rows
    right_runs: list[tuple[int, int, str]]


def _runs(kinds: list[str | None]) -> list[tuple[int, int, str]]:
    runs: list[tuple[int, int, str]] = []
    for row, kind in enumerate(kinds):
        if kind is None:
            continue
        if runs and runs[-1][2] == kind and runs[-1][1] == row - 1:
            runs[-1] = (runs[-1][0], row, kind)
        else:
            runs.append((row, row, kind))
    return runs


def prepare(left: Message, right: Message) -> PreparedComparison:
    """Compare and lay out both sides row by row (pure: runs on a worker thread)."""
    comparison = compare_payloads((left.opcode, left.payload), (right.opcode, right.payload))
    texts, runs = [], []
    for side, lines, marks in ((0, comparison.left_lines, comparison.left_marks),
                               (1, comparison.right_lines, comparison.right_marks)):
        shown, kinds = [], []
        for row in comparison.rows:
            line = row[side]
            shown.append("" if line is None else lines[line])
            kinds.append(GAP if line is None else marks.get(line))
        texts.append("\n".join(shown))
        runs.append(_runs(kinds))
    return PreparedComparison(comparison, texts[0], texts[1], runs[0], runs[1])


def preview(value: Any, present: bool) -> str:
    """A short, cheap rendering of one side of a change for the list."""
    if not present:
        return ""
    if isinstance(value, str) and "\n" in value:  # a run of text lines
        value_text = value.replace("\n", " ⏎ ")
        return value_text if len(value_text) <= PREVIEW_LENGTH else value_text[:PREVIEW_LENGTH] + "…"
    kind = json_type(value)
    if kind in ("object", "array"):
        count = len(members(value) or ())
        noun = "member" if kind == "object" else "item"
        return f"{'{…}' if kind == 'object' else '[…]'} {count:,} {noun}{'s' if count != 1 else ''}"
    text = scalar_text(value)
    return text if len(text) <= PREVIEW_LENGTH else text[:PREVIEW_LENGTH] + "…"


class ChangesModel(QAbstractTableModel):
    """The changed paths: path, kind, left value, right value."""

    HEADERS = ("Path", "Change", "Left", "Right")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.changes: list[Change] = []
        self._previews: dict[tuple[int, int], str] = {}

    def set_changes(self, changes: list[Change]) -> None:
        self.beginResetModel()
        self.changes = changes
        self._previews = {}
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.changes)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        change = self.changes[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return change.path
            if column == 1:
                return change.kind
            key = (index.row(), column)
            if key not in self._previews:
                if column == 2:
                    self._previews[key] = preview(change.left, change.left_location is not None)
                else:
                    self._previews[key] = preview(change.right, change.right_location is not None)
            return self._previews[key]
        if role == Qt.ItemDataRole.BackgroundRole and column == 1:
            return QBrush(_BACKGROUNDS[change.kind])
        if role == Qt.ItemDataRole.ToolTipRole and column == 0:
            return change.path
        return None


class DiffView(QWidget):
    """A window comparing two messages; `compare` fills it (off the GUI thread)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("diffView")
        self.setAccessibleName("diffView")
        self.setWindowTitle("Compare messages")
        self.resize(1200, 760)
        self.prepared: PreparedComparison | None = None
        self._generation = 0

        self.summary = QLabel("Select two messages in the log and press Ctrl+D.")
        self.summary.setObjectName("diffSummary")
        self.summary.setAccessibleName("diffSummary")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)

        self.left_title, self.left = self._pane("diffLeft")
        self.right_title, self.right = self._pane("diffRight")
        self.left_highlighter = JsonHighlighter(self)
        self.right_highlighter = JsonHighlighter(self)
        self._scrolling = False
        for one, other in ((self.left, self.right), (self.right, self.left)):
            one.verticalScrollBar().valueChanged.connect(
                lambda value, other=other: self._follow(other.verticalScrollBar(), value))
            one.horizontalScrollBar().valueChanged.connect(
                lambda value, other=other: self._follow(other.horizontalScrollBar(), value))

        self.changes_model = ChangesModel(self)
        self.changes = QTableView()
        self.changes.setObjectName("diffChanges")
        self.changes.setAccessibleName("diffChanges")
        self.changes.setModel(self.changes_model)
        self.changes.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.changes.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.changes.verticalHeader().setVisible(False)
        self.changes.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.changes.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.changes.setWordWrap(False)
        self.changes.horizontalHeader().resizeSection(0, 320)
        self.changes.horizontalHeader().resizeSection(1, 100)
        self.changes.horizontalHeader().resizeSection(2, 300)
        self.changes.horizontalHeader().setStretchLastSection(True)
        self.changes.selectionModel().currentRowChanged.connect(lambda current, _: self.show_change(current.row()))

        sides = QSplitter(Qt.Orientation.Horizontal)
        for title, editor in ((self.left_title, self.left), (self.right_title, self.right)):
            pane = QWidget()
            pane_layout = QVBoxLayout(pane)
            pane_layout.setContentsMargins(0, 0, 0, 0)
            pane_layout.addWidget(title)
            pane_layout.addWidget(editor, 1)
            sides.addWidget(pane)
        main = QSplitter(Qt.Orientation.Vertical)
        main.addWidget(sides)
        main.addWidget(self.changes)
        main.setSizes([540, 200])
        legend = QHBoxLayout()
        legend.addWidget(self.summary, 1)
        for kind in (REMOVED, ADDED, CHANGED, TYPE_CHANGED):
            swatch = QLabel(f" {kind} ")
            colour = _BACKGROUNDS[kind]
            swatch.setStyleSheet(f"background: rgba({colour.red()},{colour.green()},{colour.blue()},{colour.alpha()});")
            legend.addWidget(swatch)
        layout = QVBoxLayout(self)
        layout.addLayout(legend)
        layout.addWidget(main, 1)

    def _pane(self, name: str) -> tuple[QLabel, QPlainTextEdit]:
        title = QLabel()
        title.setObjectName(f"{name}Title")
        title.setAccessibleName(f"{name}Title")
        title.setTextFormat(Qt.TextFormat.PlainText)
        editor = QPlainTextEdit()
        editor.setObjectName(name)
        editor.setAccessibleName(name)
        editor.setReadOnly(True)
        editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)  # rows must stay aligned
        editor.setFont(monospace())
        return title, editor

    def _follow(self, bar, value: int) -> None:  # type: ignore[no-untyped-def]
        if not self._scrolling:
            self._scrolling = True
            bar.setValue(value)
            self._scrolling = False

    # -- comparing ---------------------------------------------------------------------------

    def compare(self, left: Message, right: Message) -> None:
        """Show the window and start comparing; the result replaces whatever is shown."""
        self._generation += 1
        self.left_title.setText(f"Left: {left.title}")
        self.right_title.setText(f"Right: {right.title}")
        self.summary.setText(f"Comparing {len(left.payload):,} and {len(right.payload):,} bytes…")
        if self.isVisible():  # perhaps behind the main window: bring it forward
            self.raise_()
        self.show()
        self.activateWindow()
        asyncio.ensure_future(self._compare(left, right, self._generation))

    async def _compare(self, left: Message, right: Message, generation: int) -> None:
        try:
            prepared = await async_loop.in_worker(prepare, left, right)
        except Exception as error:  # a bug must not lose the window: say what failed
            if isValid(self) and generation == self._generation:
                self.summary.setText(f"Could not compare: {error!r}")
            return
        if isValid(self) and generation == self._generation:
            self.display(prepared)

    def display(self, prepared: PreparedComparison) -> None:
        self.prepared = prepared
        comparison = prepared.comparison
        self.summary.setText(" · ".join(comparison.notes))
        for editor, highlighter, text, runs in (
            (self.left, self.left_highlighter, prepared.left_text, prepared.left_runs),
            (self.right, self.right_highlighter, prepared.right_text, prepared.right_runs),
        ):
            highlighter.setDocument(None)
            editor.setPlainText(text)
            if comparison.as_json and len(text) <= HIGHLIGHT_LIMIT:
                highlighter.setDocument(editor.document())
            editor.setExtraSelections(self._selections(editor, runs))
        self.changes_model.set_changes(comparison.differences.changes)
        if comparison.differences.changes:
            self.changes.selectRow(0)

    def _selections(self, editor: QPlainTextEdit, runs: list[tuple[int, int, str]]) -> list:
        """Coloured rows. A full-width colour covers whole lines only for a collapsed cursor, so each
        row gets its own, up to `ROW_SELECTION_LIMIT`; runs beyond get one selection each."""
        document = editor.document()
        selections = []
        budget = ROW_SELECTION_LIMIT
        for first, last, kind in runs:
            rows = range(first, last + 1) if last - first < budget else [first]
            budget -= len(rows)
            for row in rows:
                selection = QTextEdit.ExtraSelection()
                selection.format.setBackground(_BACKGROUNDS[kind])
                selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
                cursor = QTextCursor(document.findBlockByNumber(row))
                if len(rows) == 1 and last > first:
                    end = document.findBlockByNumber(last)
                    cursor.setPosition(end.position() + end.length() - 1, QTextCursor.MoveMode.KeepAnchor)
                selection.cursor = cursor
                selections.append(selection)
        return selections

    def show_change(self, index: int) -> None:
        """Scroll both sides to the first row of change `index`."""
        if self.prepared is None or not 0 <= index < len(self.prepared.comparison.change_rows):
            return
        row = self.prepared.comparison.change_rows[index]
        for editor in (self.left, self.right):
            block = editor.document().findBlockByNumber(row)
            if block.isValid():
                editor.setTextCursor(QTextCursor(block))
        self.left.centerCursor()
        self.right.verticalScrollBar().setValue(self.left.verticalScrollBar().value())

    def current_row(self) -> int:
        """The row at the top of the left side (for tests and for keeping the place)."""
        return self.left.firstVisibleBlock().blockNumber()


def message_of(store: CaptureStore, row: int) -> Message:
    """A stored frame as one side of a comparison, titled as the log shows it."""
    opcode = store.opcodes[row]
    title = (f"#{row + 1} · {format_time(store.wall_times[row])} · {store.connection(row)} · "
             f"{direction_text(store.directions[row], opcode)} · {store.sizes[row]:,} bytes")
    return Message(title, opcode, store.payloads[row])

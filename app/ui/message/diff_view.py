"""Two messages side by side: aligned rows, changed lines coloured, and the list of changed paths.

The comparison (parsing, structural diff, printing, alignment) runs on a worker
thread. The rows are shown by a table model, so the GUI thread only ever touches
the rows on screen: two 2 MiB documents cost no more to show than two small ones.
A delegate colours each visible line's JSON tokens; the row background says what
changed. Choosing a path in the list brings its first line into view.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPointF, Qt, Slot
from PySide6.QtGui import QBrush, QKeySequence, QPainter, QShortcut, QTextCharFormat, QTextLayout
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from app.core.capture import CaptureStore
from app.core.comparison import Comparison, Row, compare_payloads
from app.core.diff import ADDED, CHANGED, REMOVED, TYPE_CHANGED, Change, json_type
from app.core.pretty import members, scalar_text
from app.core.summary import message_heading
from app.ui.common import async_loop
from app.ui.common.json_highlighter import text_formats, token_spans
from app.ui.common.list_panel import RowsModel
from app.ui.common.naming import named
from app.ui.common.style import colour, css, follow_theme, monospace

GAP = "gap"  # a row where this side has no line
PREVIEW_LENGTH = 80
TOOLTIP_LENGTH = 2_000
LEFT_NUMBER, LEFT_TEXT, RIGHT_NUMBER, RIGHT_TEXT = range(4)

# The theme's colour of a row by its kind of change: translucent, so the text reads through.
_BACKGROUNDS = {REMOVED: "diff.removed", ADDED: "diff.added", CHANGED: "diff.changed",
                TYPE_CHANGED: "diff.type_changed", GAP: "diff.gap"}


@dataclass(slots=True)
class Message:
    """One side of a comparison: a title for the user and the frame's opcode and payload."""

    title: str
    opcode: int
    payload: str | bytes


@dataclass(slots=True)
class PreparedComparison:
    comparison: Comparison
    left_kinds: list[str | None]  # per row: the kind of change of the left line, GAP, or None
    right_kinds: list[str | None]

    def side_text(self, side: int) -> str:
        """One side's rows as text, gaps as empty lines."""
        lines = self.comparison.left_lines if side == 0 else self.comparison.right_lines
        return "\n".join("" if (line := row[side]) is None else lines[line] for row in self.comparison.rows)


def prepare(left: Message, right: Message) -> PreparedComparison:
    """Compare and mark both sides row by row (pure: runs on a worker thread)."""
    comparison = compare_payloads((left.opcode, left.payload), (right.opcode, right.payload))
    kinds = []
    for side, marks in ((0, comparison.left_marks), (1, comparison.right_marks)):
        kinds.append([GAP if (line := row[side]) is None else marks.get(line) for row in comparison.rows])
    return PreparedComparison(comparison, kinds[0], kinds[1])


def preview(value: Any, present: bool, as_json: bool = True) -> str:
    """A short, cheap rendering of one side of a change for the list."""
    if not present:
        return ""
    if not as_json:  # a run of text lines
        text = value.replace("\n", " ⏎ ")
    elif json_type(value) in ("object", "array"):
        count = len(members(value) or ())
        if json_type(value) == "object":
            return f"{{…}} {count:,} member{'s' if count != 1 else ''}"
        return f"[…] {count:,} item{'s' if count != 1 else ''}"
    else:
        text = scalar_text(value[:PREVIEW_LENGTH * 2] if isinstance(value, str) else value)
    return text if len(text) <= PREVIEW_LENGTH else text[:PREVIEW_LENGTH] + "…"


class DiffChangesModel(RowsModel):
    """The changed paths: path, kind, left value, right value."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(("Path", "Change", "Left", "Right"), self._change_cells, parent)
        self.as_json = True
        self._shown: dict[int, tuple[str, str, str, str]] = {}  # cells by row

    @property
    def changes(self) -> list[Change]:
        return self.rows

    def set_changes(self, changes: list[Change], as_json: bool) -> None:
        self.as_json = as_json
        self._shown = {}
        self.set_rows(changes)

    def _change_cells(self, change: Change) -> tuple[str, str, str, str]:
        return (change.path, change.kind, preview(change.left, change.left_location is not None, self.as_json),
                preview(change.right, change.right_location is not None, self.as_json))

    def cell(self, row: int, column: int) -> str:
        if row not in self._shown:  # a preview counts a container's members: make it once, when first shown
            self._shown[row] = self._change_cells(self.rows[row])
        return self._shown[row][column]

    def tooltip(self, row: int, column: int) -> str | None:
        return self.rows[row].path if column == 0 else None  # the previews say all a tooltip could

    def styled(self, row: int, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.BackgroundRole and column == 1:
            return QBrush(colour(_BACKGROUNDS[self.rows[row].kind]))
        return None


class DiffLinesModel(RowsModel):
    """The aligned rows: left line number and text, right line number and text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(("#", "Left", "#", "Right"), self._row_cells, parent)
        self.prepared: PreparedComparison | None = None

    def set_prepared(self, prepared: PreparedComparison) -> None:
        self.prepared = prepared
        self.set_rows(prepared.comparison.rows)

    def _row_cells(self, lines: Row) -> tuple[str, str, str, str]:
        assert self.prepared is not None
        comparison = self.prepared.comparison
        left, right = lines
        return ("" if left is None else str(left + 1), "" if left is None else comparison.left_lines[left],
                "" if right is None else str(right + 1), "" if right is None else comparison.right_lines[right])

    def tooltip(self, row: int, column: int) -> str | None:
        if column not in (LEFT_TEXT, RIGHT_TEXT):
            return None
        text = self.cell(row, column)
        return text[:TOOLTIP_LENGTH] if len(text) > 60 else None  # a short line is seen whole in its cell

    def styled(self, row: int, column: int, role: int) -> Any:
        assert self.prepared is not None
        if role == Qt.ItemDataRole.BackgroundRole:
            kind = (self.prepared.left_kinds if column < RIGHT_NUMBER else self.prepared.right_kinds)[row]
            return QBrush(colour(_BACKGROUNDS[kind])) if kind else None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (LEFT_NUMBER, RIGHT_NUMBER):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class JsonLineDelegate(QStyledItemDelegate):
    """Paints a row's text with its JSON tokens coloured; only visible rows are ever painted."""

    def __init__(self, parent: QWidget | None = None, colour_tokens: bool = True) -> None:
        super().__init__(parent)
        self.colour_tokens = colour_tokens
        self.formats: dict[str, QTextCharFormat] = text_formats()
        follow_theme(self.read_colours)

    @Slot()
    def read_colours(self) -> None:
        """Take the theme's colours for the application's palette now (the view repaints itself)."""
        self.formats = text_formats()

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:  # type: ignore[override]
        item = QStyleOptionViewItem(option)
        self.initStyleOption(item, index)
        text = item.text
        item.text = ""
        style = item.widget.style() if item.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, item, painter, item.widget)
        if not text:
            return
        rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, item, item.widget)
        layout = QTextLayout(text, item.font)
        if self.colour_tokens and not item.state & QStyle.StateFlag.State_Selected:
            ranges = []
            for start, length, kind in token_spans(text):
                span = QTextLayout.FormatRange()
                span.start, span.length, span.format = start, length, self.formats[kind]
                ranges.append(span)
            layout.setFormats(ranges)
        layout.beginLayout()
        line = layout.createLine()
        line.setLineWidth(1e7)  # one visual line: rows must stay aligned
        layout.endLayout()
        painter.save()
        painter.setClipRect(rect)
        if item.state & QStyle.StateFlag.State_Selected:
            painter.setPen(item.palette.highlightedText().color())
        else:
            painter.setPen(item.palette.text().color())
        top = rect.top() + (rect.height() - line.height()) / 2
        layout.draw(painter, QPointF(rect.left(), top))
        painter.restore()


class DiffView(QWidget):
    """A window comparing two messages; `compare` fills it (off the GUI thread)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        named(self, "diffView")
        self.setWindowTitle("Compare messages")
        self.resize(1200, 760)
        self.prepared: PreparedComparison | None = None
        self._generation = 0

        self.summary = QLabel("Select two messages in the log and press Ctrl+D.")
        named(self.summary, "diffSummary")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.left_title = self._title("diffLeftTitle")
        self.right_title = self._title("diffRightTitle")

        self.rows_model = DiffLinesModel(self)
        self.rows = QTableView()
        named(self.rows, "diffRows")
        self.rows.setModel(self.rows_model)
        self.rows.setFont(monospace())
        self.rows.setShowGrid(False)
        self.rows.setWordWrap(False)
        self.rows.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.rows.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.rows.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.delegate = JsonLineDelegate(self.rows)
        for column in (LEFT_TEXT, RIGHT_TEXT):
            self.rows.setItemDelegateForColumn(column, self.delegate)
        self._fixed_rows(self.rows, monospace_rows=True)
        header = self.rows.horizontalHeader()
        for column in (LEFT_NUMBER, RIGHT_NUMBER):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            header.resizeSection(column, self.rows.fontMetrics().horizontalAdvance("000000") + 8)
        for column in (LEFT_TEXT, RIGHT_TEXT):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)

        self.changes_model = DiffChangesModel(self)
        self.changes = QTableView()
        named(self.changes, "diffChanges")
        self.changes.setModel(self.changes_model)
        self.changes.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.changes.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.changes.setWordWrap(False)
        self.changes.setToolTip("Choose a path to see it on both sides (F7 next, Shift+F7 previous)")
        self._fixed_rows(self.changes)
        changes_header = self.changes.horizontalHeader()
        for column, width in enumerate((320, 100, 300)):
            changes_header.resizeSection(column, width)
        changes_header.setStretchLastSection(True)
        self.changes.selectionModel().currentRowChanged.connect(lambda current, _: self.show_change(current.row()))

        titles = QHBoxLayout()
        titles.addWidget(self.left_title, 1)
        titles.addWidget(self.right_title, 1)
        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addLayout(titles)
        upper_layout.addWidget(self.rows, 1)
        main = QSplitter(Qt.Orientation.Vertical)
        main.addWidget(upper)
        main.addWidget(self.changes)
        main.setSizes([540, 200])
        legend = QHBoxLayout()
        legend.addWidget(self.summary, 1)
        for kind in (REMOVED, ADDED, CHANGED, TYPE_CHANGED):
            swatch = QLabel(f" {kind} ")
            swatch.setStyleSheet(f"background: {css(_BACKGROUNDS[kind])};")
            legend.addWidget(swatch)
        layout = QVBoxLayout(self)
        layout.addLayout(legend)
        layout.addWidget(main, 1)
        QShortcut(QKeySequence("F7"), self, lambda: self.step_change(1))
        QShortcut(QKeySequence("Shift+F7"), self, lambda: self.step_change(-1))
        QShortcut(QKeySequence(QKeySequence.StandardKey.Close), self, self.close)
        QShortcut(QKeySequence("Escape"), self, self.close)

    def _title(self, name: str) -> QLabel:
        title = QLabel()
        named(title, name)
        title.setTextFormat(Qt.TextFormat.PlainText)
        return title

    def _fixed_rows(self, table: QTableView, monospace_rows: bool = False) -> None:
        table.setTabKeyNavigation(False)  # Tab leaves the table; the arrow keys move in it
        vertical = table.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize((table.fontMetrics() if monospace_rows else self.fontMetrics()).height() + 4)

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
        self.delegate.colour_tokens = comparison.as_json
        self.rows_model.set_prepared(prepared)
        self.changes_model.set_changes(comparison.differences.changes, comparison.as_json)
        if comparison.differences.changes:
            self.changes.selectRow(0)

    def step_change(self, step: int) -> None:
        """Select the next (+1) or previous (-1) change in the list."""
        count = self.changes_model.rowCount()
        if count:
            self.changes.selectRow((self.changes.currentIndex().row() + step) % count)

    def show_change(self, index: int) -> None:
        """Bring the first row of change `index` into view (centred) and select it."""
        if self.prepared is None or not 0 <= index < len(self.prepared.comparison.change_rows):
            return
        row = self.prepared.comparison.change_rows[index]
        target = self.rows_model.index(row, LEFT_TEXT)
        self.rows.scrollTo(target, QAbstractItemView.ScrollHint.PositionAtCenter)
        self.rows.selectRow(row)

    def current_row(self) -> int:
        return self.rows.currentIndex().row()


def message_of(store: CaptureStore, row: int) -> Message:
    """A stored frame as one side of a comparison, titled as the log shows it."""
    return Message(message_heading(store, row), store.opcodes[row], store.payloads[row])

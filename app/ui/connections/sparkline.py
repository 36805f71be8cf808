"""A cell that draws a short series of counts as a line, with the latest count written beside it.

Painted with QPainter from numbers the model already holds (a minute of per-second counts): no
chart library, no allocation beyond the points, so a table of connections repaints as cheaply as text.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QSize, Qt
from PySide6.QtGui import QPainter, QPalette, QPen
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from app.ui.common.style import colour

SERIES_ROLE = Qt.ItemDataRole.UserRole + 1  # a cell's counts, oldest first (None: nothing to draw)
LINE_WIDTH = 60  # pixels of line, beside the text
MARGIN = 3


class SparklineDelegate(QStyledItemDelegate):
    """Draws the counts of SERIES_ROLE as a line scaled to its own peak, and the cell's text after it."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        self.initStyleOption(option, index)
        text, option.text = option.text, ""
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, widget)  # background, selection
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        ink = option.palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        rect = option.rect.adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)
        counts = index.data(SERIES_ROLE)
        painter.save()
        if counts:
            area = rect.adjusted(0, 0, LINE_WIDTH - rect.width(), 0)
            peak = max(counts) or 1
            step = area.width() / max(1, len(counts) - 1)
            points = [QPointF(area.left() + position * step, area.bottom() - count / peak * area.height())
                      for position, count in enumerate(counts)]
            pen = QPen(ink if selected else colour("chart.1"))
            pen.setWidthF(1.2)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(pen)
            painter.drawPolyline(points)
        painter.setPen(ink)
        painter.drawText(rect.adjusted(LINE_WIDTH + MARGIN, 0, 0, 0),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width() + LINE_WIDTH + 2 * MARGIN, size.height())

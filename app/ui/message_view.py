"""The selected message: a lazy JSON tree, the raw text, and what is odd about it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QHeaderView, QLabel, QTabWidget, QTreeView, QVBoxLayout, QWidget

from app.core.inspection import Inspection
from app.ui.json_tree_model import JsonTreeModel
from app.ui.raw_view import RawView


def monospace() -> QFont:
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


class MessageView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info = QLabel("Select a message to see it here.")
        self.info.setObjectName("messageInfo")
        self.info.setAccessibleName("messageInfo")
        self.info.setWordWrap(True)
        self.info.setTextFormat(Qt.TextFormat.PlainText)

        self.tree_model = JsonTreeModel(self)
        self.tree = QTreeView()
        self.tree.setObjectName("jsonTree")
        self.tree.setAccessibleName("jsonTree")
        self.tree.setModel(self.tree_model)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.tree.header().resizeSection(0, 180)
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.tree.header().resizeSection(2, 70)

        self.raw = RawView(monospace_font=monospace())

        self.tabs = QTabWidget()
        self.tabs.addTab(self.tree, "Tree")
        self.tabs.addTab(self.raw, "Raw")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.info)
        layout.addWidget(self.tabs)

    def show_pending(self, size: int) -> None:
        self.info.setText(f"Parsing {size:,} bytes…")

    def display(self, inspection: Inspection, heading: str) -> None:
        lines = [heading]
        if inspection.error:
            lines.append(inspection.error)
        lines.extend(inspection.notes)
        self.info.setText("\n".join(lines))
        self.raw.set_inspection(inspection)
        if inspection.is_json:
            self.tree_model.set_value(inspection.value)
            if self.tree_model.rowCount() <= 50:
                self.tree.expandToDepth(0)
            self.tabs.setCurrentWidget(self.tree)
        else:
            self.tree_model.clear()
            self.tabs.setCurrentWidget(self.raw)

"""The selected message: a lazy JSON tree, the raw text, and what is odd about it."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget
from qasync import asyncSlot

from app.core.inspection import Inspection
from app.ui import async_loop
from app.ui.json_tree_model import JsonTreeModel
from app.ui.raw_view import RawView
from app.ui.json_tree_panel import JsonTreePanel

WARNINGS_POLL_MS = 250  # between asking whether a big document's warning scan has finished


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
        self.tree_panel = JsonTreePanel(self.tree_model)
        self.tree = self.tree_panel.tree
        self._shown = 0  # counts displayed messages, so a late answer about an earlier one is dropped
        # A big document's warnings: asked for again every WARNINGS_POLL_MS until its scan has finished.
        self._awaiting_warnings: tuple[Inspection, int] | None = None
        self._warnings_poll = QTimer(self)
        self._warnings_poll.setSingleShot(True)
        self._warnings_poll.setInterval(WARNINGS_POLL_MS)
        self._warnings_poll.timeout.connect(self._ask_for_warnings)

        self.raw = RawView(monospace_font=monospace())

        self.tabs = QTabWidget()
        self.tabs.addTab(self.tree_panel, "Tree")
        self.tabs.addTab(self.raw, "Raw")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.info)
        layout.addWidget(self.tabs)

    def clear(self) -> None:
        """Show no message (the one shown has left the log's rows)."""
        self._shown += 1
        self._awaiting_warnings = None
        self._warnings_poll.stop()
        self.info.setText("Select a message to see it here.")
        self.tree_model.clear()
        self.raw.clear()

    def show_pending(self, size: int) -> None:
        self.info.setText(f"Parsing {size:,} bytes…")

    def display(self, inspection: Inspection, heading: str) -> None:
        self._shown += 1
        lines = [heading]
        if inspection.error:
            lines.append(inspection.error)
        lines.extend(inspection.notes)
        self.info.setText("\n".join(lines))
        self.raw.set_inspection(inspection)
        if inspection.is_json:
            self.tree_model.set_document(inspection.document, inspection.first_page)
            if inspection.document.remote:
                self._awaiting_warnings = (inspection, self._shown)
                self._ask_for_warnings()
            elif self.tree_model.rowCount() <= 50:
                self.tree.expandToDepth(0)
            self.tabs.setCurrentWidget(self.tree_panel)
        else:
            self.tree_model.clear()
            self.tabs.setCurrentWidget(self.raw)

    def shutdown(self) -> None:
        """Stop asking for a big document's warnings (the document process is going away)."""
        self._awaiting_warnings = None
        self._warnings_poll.stop()

    @asyncSlot()
    async def _ask_for_warnings(self) -> None:
        """A big document's duplicate keys and unsafe integers are found by a scan after the first paint.

        The document process scans between the tree's requests; this asks whether
        it has finished, and asks again later if not, so expanding a node never
        waits behind the scan.
        """
        if self._awaiting_warnings is None:
            return
        inspection, shown = self._awaiting_warnings
        try:
            warnings = await async_loop.in_worker(inspection.document.warnings, False)
        except Exception as error:  # the document process failed: say what is not known
            warnings = [f"Not checked for duplicate keys and unsafe integers: {error}"]
        awaiting = self._awaiting_warnings
        if awaiting is None or awaiting[0] is not inspection or shown != self._shown:
            return  # another message is shown, or the window is closing
        if warnings is None:
            self._warnings_poll.start()
            return
        self._awaiting_warnings = None
        new = [w for w in warnings if w not in inspection.notes]
        if new:
            self.info.setText(self.info.text() + "\n" + "\n".join(new))

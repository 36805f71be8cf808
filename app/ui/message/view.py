"""The selected message: a lazy JSON tree, the raw text or a binary frame's hex dump, and what is odd about it.

The tab the user picks (Tree, Raw, Hex) stays picked for the next messages
whenever it has something to show for them.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget
from qasync import asyncSlot
from shiboken6 import isValid

from app.core.docworker import DocumentWorker, DocumentWorkerError
from app.core.inspection import Inspection, decode_binary
from app.ui.common import async_loop
from app.ui.common.naming import named
from app.ui.common.style import monospace
from app.ui.message.hex_view import HexView
from app.ui.message.raw_view import RawView
from app.ui.message.tree_model import JsonTreeModel
from app.ui.message.tree_panel import JsonTreePanel

WARNINGS_POLL_MS = 250  # between asking whether a big document's warning scan has finished
INLINE_DECODE_LIMIT = 64 * 1024  # bytes of a binary frame decoded on the GUI thread; more on a worker


class InfoLabel(QLabel):
    """`messageInfo`: plain text (what screen readers and tests read), whose second line may be a link.

    A paired message's second line reads `reply to #N · 12.3 ms`; clicking it (or Ctrl+J in the
    window) selects #N. Rich text would do the link, but would make the text a peer's markup could
    shape; the line's place is found from the heading's wrapped height instead.
    """

    link_activated = Signal(int)  # the store row the link names

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.link_row: int | None = None
        self.setMouseTracking(True)

    def set_link(self, row: int | None) -> None:
        self.link_row = row
        self.setToolTip("" if row is None else f"Click to select #{row + 1} in the log (Ctrl+J)")
        self.unsetCursor()

    def _on_link_line(self, y: int) -> bool:
        if self.link_row is None:
            return False
        heading = self.text().split("\n", 1)[0]
        area = self.contentsRect()
        flags = int(Qt.TextFlag.TextWordWrap)
        top = area.top() + self.fontMetrics().boundingRect(QRect(0, 0, area.width(), 100_000), flags, heading).height()
        return top <= y < top + self.fontMetrics().lineSpacing()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._on_link_line(int(event.position().y())):
            self.setCursor(Qt.CursorShape.PointingHandCursor)
        else:
            self.unsetCursor()
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._on_link_line(int(event.position().y())):
            assert self.link_row is not None
            self.link_activated.emit(self.link_row)
        super().mouseReleaseEvent(event)


class MessageView(QWidget):
    def __init__(self, parent: QWidget | None = None, documents: DocumentWorker | None = None) -> None:
        """`documents` parses big binary frames decoded as JSON (else this process does, on a worker)."""
        super().__init__(parent)
        self.documents = documents
        self.info = InfoLabel("Select a message to see it here.")
        named(self.info, "messageInfo")
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
        self.hex = HexView(monospace())
        self.hex.decode_requested.connect(self.decode_binary)
        self._inspection: Inspection | None = None
        self._heading = ""

        self.tabs = QTabWidget()
        self.tabs.setObjectName("messageTabs")
        self.tabs.addTab(self.tree_panel, "Tree")
        self.tabs.addTab(self.raw, "Raw")
        self.tabs.addTab(self.hex, "Hex")
        self._chosen_tab: QWidget | None = None  # the tab the user picked last
        self._choosing = False  # the view itself is switching tabs: not the user's choice
        self.tabs.currentChanged.connect(self._tab_changed)

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
        self.info.set_link(None)
        self._inspection = None
        self.tree_model.clear()
        self.raw.clear()
        self.hex.set_data(b"")
        self._offer_tabs([self.tree_panel, self.raw], self.tree_panel)  # no bytes left to show in Hex

    def show_pending(self, size: int) -> None:
        self.info.setText(f"Parsing {size:,} bytes…")

    def display(self, inspection: Inspection, heading: str) -> None:
        self._shown += 1
        # The frame exactly as captured is "Wire" when the tree shows a protocol's message taken out of it.
        binary = inspection.binary is not None
        self.tabs.setTabText(self.tabs.indexOf(self.raw), "Wire" if inspection.unwrapped and not binary else "Raw")
        self.tabs.setTabText(self.tabs.indexOf(self.hex), "Wire" if inspection.unwrapped and binary else "Hex")
        self._inspection, self._heading = inspection, heading
        self._show_info(inspection)
        if inspection.binary is not None and inspection.is_json:  # a protocol decoded the binary frame
            self.hex.set_data(inspection.binary)
            self.tree_model.set_document(inspection.document, inspection.first_page)
            if self.tree_model.rowCount() <= 50:
                self.tree.expandToDepth(0)
            self._offer_tabs([self.tree_panel, self.hex], self.tree_panel)
            return
        if inspection.binary is not None:
            self.hex.set_data(inspection.binary)
            self.tree_model.clear()
            self.raw.set_inspection(Inspection(raw=""))
            self._offer_tabs([self.hex], self.hex)
            return
        self._show_text(inspection)

    def _show_info(self, inspection: Inspection, *more: str) -> None:
        lines = [self._heading, *more]
        if inspection.error:
            lines.append(inspection.error)
        lines.extend(inspection.notes)
        self.info.setText("\n".join(lines))

    def _show_text(self, inspection: Inspection, *also: QWidget) -> None:
        """A text payload (or a binary one decoded): the tree if it is JSON, and the raw text."""
        self.raw.set_inspection(inspection)
        if inspection.is_json:
            self.tree_model.set_document(inspection.document, inspection.first_page)
            if inspection.document.remote:
                self._awaiting_warnings = (inspection, self._shown)
                self._ask_for_warnings()
            elif self.tree_model.rowCount() <= 50:
                self.tree.expandToDepth(0)
            self._offer_tabs([self.tree_panel, self.raw, *also], self.tree_panel)
        else:
            self.tree_model.clear()
            self._offer_tabs([self.raw, *also], self.raw)

    def _tab_changed(self, _index: int) -> None:
        if not self._choosing:
            self._chosen_tab = self.tabs.currentWidget()

    def _offer_tabs(self, available: list[QWidget], fallback: QWidget) -> None:
        """Enable the tabs with something to show; stay on the user's pick if it is one of them."""
        self._choosing = True
        try:
            for index in range(self.tabs.count()):
                self.tabs.setTabEnabled(index, self.tabs.widget(index) in available)
            self.tabs.setCurrentWidget(self._chosen_tab if self._chosen_tab in available else fallback)
        finally:
            self._choosing = False

    @asyncSlot()
    async def decode_binary(self) -> None:
        """Show the binary frame's bytes as text, and as a tree if they are JSON; say so if not UTF-8."""
        inspection, shown = self._inspection, self._shown
        if inspection is None or inspection.binary is None:
            return
        data = inspection.binary
        if len(data) <= INLINE_DECODE_LIMIT:
            decoded = decode_binary(data)
        else:
            self.hex.show_message("Decoding…")
            decoded = await async_loop.in_worker(decode_binary, data, self.documents)
            if shown != self._shown or not isValid(self.info):
                return  # another message is shown, or the view is gone
        if decoded.error and not decoded.raw:
            self.hex.show_message(decoded.error)
            return
        self._show_info(decoded, "Binary frame decoded as UTF-8 text")
        self._show_text(decoded, self.hex)

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
        except DocumentWorkerError as error:  # the document process failed: say what is not known
            warnings = [f"Not checked for duplicate keys and unsafe integers: {error}"]
        awaiting = self._awaiting_warnings
        if awaiting is None or awaiting[0] is not inspection or shown != self._shown or not isValid(self.info):
            return  # another message is shown, or the window is closing or gone
        if warnings is None:
            self._warnings_poll.start()
            return
        self._awaiting_warnings = None
        new = [w for w in warnings if w not in inspection.notes]
        if new:
            self.info.setText(self.info.text() + "\n" + "\n".join(new))

"""The selected message: a lazy JSON tree, the raw text or a binary frame's hex dump, and what is odd about it.

The tab the user picks (Tree, Raw, Hex) stays picked for the next messages
whenever it has something to show for them. Decode as… undoes the layers the user
names (base64, gzip…) and reads what is left; the frame itself stays one tab away.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Future

from PySide6.QtCore import QRect, Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget
from qasync import asyncSlot
from shiboken6 import isValid

from app.core.decode_chain import JSON, Chain, DecodeChainError, Decoding, decode_as, payload_size
from app.core.docnodes import LocalDocument
from app.core.docworker import DocumentWorker, DocumentWorkerError
from app.core.inspection import Inspection, decode_binary
from app.ui.common import async_loop
from app.ui.common.naming import named
from app.ui.common.shortcuts import add_shortcut
from app.ui.common.style import monospace
from app.ui.message.decode_as import DecodeAsBar, DecodeAsDialog
from app.ui.message.hex_view import HexView
from app.ui.message.raw_view import RawView
from app.ui.message.tree_model import JsonTreeModel
from app.ui.message.tree_panel import JsonTreePanel

WARNINGS_POLL_MS = 250  # between asking whether a big document's warning scan has finished
INLINE_DECODE_LIMIT = 64 * 1024  # bytes of a binary frame decoded on the GUI thread; more on a worker
DECODE_AS_SHORTCUT = "Ctrl+Shift+D"


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

        self.decode_bar = DecodeAsBar()
        self.decode_bar.hide()  # until a message is shown
        self.decode_bar.choose_button.clicked.connect(self.choose_decoding)
        self.decode_bar.again_button.clicked.connect(lambda: self.decode_as(self.last_chain))
        self.last_chain: Chain | None = None  # offered again for the next messages
        self._decode_dialog: DecodeAsDialog | None = None
        self._decoding: asyncio.Future[None] | None = None  # held: the loop keeps only a weak reference
        add_shortcut(DECODE_AS_SHORTCUT, self, self.choose_decoding, Qt.ShortcutContext.WidgetWithChildrenShortcut,
                     what="Decode the message as… (base64, gzip, zlib, deflate; JSON, MessagePack, CBOR)")

        self.tabs = QTabWidget()
        self.tabs.setObjectName("messageTabs")
        named(self.tabs.tabBar(), "messageTabBar")
        self.tabs.addTab(self.tree_panel, "Tree")
        self.tabs.addTab(self.raw, "Raw")
        self.tabs.addTab(self.hex, "Hex")
        self._chosen_tab: QWidget | None = None  # the tab the user picked last
        self._choosing = False  # the view itself is switching tabs: not the user's choice
        self.tabs.currentChanged.connect(self._tab_changed)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.info)
        layout.addWidget(self.decode_bar)
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
        self.decode_bar.hide()
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
        self.decode_bar.show_error("")
        self.decode_bar.setVisible(self._decode_source() is not None)
        self.hex.decode_button.setEnabled(True)
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
        self.hex.set_data(b"")  # a text frame: no bytes to dump, nor those a chain made from the one before
        self._show_text(inspection)

    def set_heading(self, heading: str) -> None:
        """New text above the message shown (its contract's verdict has arrived), the message staying as it is."""
        self._heading = heading
        if self._inspection is not None:
            self._show_info(self._inspection)

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

    # -- Decode as… --------------------------------------------------------------------------

    def _decode_source(self) -> str | bytes | None:
        """The payload as it came (None: no message, or only the beginning of a long text is held here)."""
        inspection = self._inspection
        if inspection is None:
            return None
        return inspection.binary if inspection.binary is not None else inspection.text

    def choose_decoding(self) -> None:
        """Open the dialog, set to the last chain picked; Decode runs it on the message shown."""
        if self._decode_source() is None or not self.decode_bar.choose_button.isEnabled():
            return
        if self._decode_dialog is None:
            self._decode_dialog = DecodeAsDialog(self)
            self._decode_dialog.accepted.connect(self._chain_chosen)
        self._decode_dialog.set_chain(self.last_chain or Chain((), JSON))
        self._decode_dialog.open()

    def _chain_chosen(self) -> None:
        assert self._decode_dialog is not None
        self.last_chain = self._decode_dialog.chain()
        self.decode_bar.offer_again(self.last_chain)
        self.decode_as(self.last_chain)

    def decode_as(self, chain: Chain | None) -> None:
        """Undo the chain's layers on a worker; show the result, or say which step failed and change nothing."""
        source, bar = self._decode_source(), self.decode_bar
        if chain is None or source is None or not bar.choose_button.isEnabled():
            return
        reached = bar.start(chain, big=len(source) >= INLINE_DECODE_LIMIT)
        running = async_loop.submit(_decode, source, chain, reached)
        self._decoding = asyncio.ensure_future(self._show_when_decoded(chain, running, self._shown))

    async def _show_when_decoded(self, chain: Chain, running: Future[tuple[Decoding, str]], shown: int) -> None:
        bar = self.decode_bar
        decoded: tuple[Decoding, str] | None = None
        try:
            decoded = await asyncio.wrap_future(running)
        except DecodeChainError as error:
            failure = str(error)
        finally:
            if isValid(bar):
                bar.finish()  # whatever happened, the buttons work again
        if not isValid(bar) or shown != self._shown:
            return  # the view is gone, or another message is shown
        if decoded is None:
            bar.show_error(failure)
            return
        self._show_decoding(chain, *decoded)

    def _show_decoding(self, chain: Chain, decoding: Decoding, note: str) -> None:
        """The tree shows the document (Hex the bytes, for a chain ending in bytes); the frame stays one tab away."""
        self._shown += 1  # an answer still on its way about what was shown before is dropped
        self._awaiting_warnings = None
        self._warnings_poll.stop()
        frame_tab = self.hex if self._inspection is not None and self._inspection.binary is not None else self.raw
        frame_name = "Hex" if frame_tab is self.hex else "Raw"
        if chain.then is None:
            self.hex.set_data(decoding.data)
            self.hex.decode_button.setEnabled(False)  # it reads the frame, not these bytes
            self.tree_model.clear()
            also = "" if frame_tab is self.hex else "; Raw shows the frame as it came"
            self._show_info(Inspection(raw=""), f"{note}; Hex shows the bytes after the last step{also}")
            self._show_result([self.hex] if frame_tab is self.hex else [self.hex, self.raw], self.hex)
            return
        self.tree_model.set_document(LocalDocument(decoding.value, decoding.warnings))
        if self.tree_model.rowCount() <= 50:
            self.tree.expandToDepth(0)
        self._show_info(Inspection(raw="", notes=decoding.warnings),
                        f"{note}; the tree shows the result, {frame_name} the frame as it came")
        self._show_result([self.tree_panel, frame_tab], self.tree_panel)

    def _show_result(self, available: list[QWidget], result: QWidget) -> None:
        """Show what the user asked to decode, whichever tab they picked for other messages."""
        self._offer_tabs(available, result)
        self._choosing = True
        try:
            self.tabs.setCurrentWidget(result)
        finally:
            self._choosing = False

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


def _decode(payload: str | bytes, chain: Chain, reached: list[int]) -> tuple[Decoding, str]:
    """Run on a worker: the decoding and its note (the chain and the size after each step)."""
    decoding = decode_as(payload, chain.steps, chain.then, progress=lambda step: reached.__setitem__(0, step))
    return decoding, chain.describe(payload_size(payload), decoding)

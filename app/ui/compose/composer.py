"""The composer: write a payload, see at once whether and where it is wrong, send it
once, N times or every T ms.

A payload is JSON text (with `{{variables}}` expanded at send time, see
app/core/templates.py) or bytes typed as hex or base64, sent as a binary frame.
Validation is strict (NaN and Infinity are refused) and runs shortly after the
user stops typing; an invalid payload cannot be sent.

The composer folds to its heading (a strip that says how to open it again), so that
the message view gets its room while nothing is being written; a payload put into it,
or a send that failed, opens it again.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import QMimeData, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeySequence, QResizeEvent, QShortcut, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core import binary_text, jsondoc, templates
from app.core.binary_text import BinaryTextError
from app.core.frames import ConnectionState, StateChange
from app.core.printable import displayable
from app.core.protocol_templates import PROTOCOL_TEMPLATES, ProtocolTemplate
from app.core.protocols.socketio import event_packet
from app.core.templates import TemplateContext, TemplateError
from app.ui.common.json_highlighter import JsonHighlighter
from app.ui.common.naming import named
from app.ui.common.style import monospace, status_colour, tint
from app.ui.compose.repeat_sender import RepeatSender

VALIDATE_DELAY_MS = 120
EXAMPLE = '{\n  "action": "ping",\n  "id": 1\n}'
MAX_FILE_BYTES = 8 * 1024 * 1024  # a bigger file would make the editor crawl
PREVIEW_CHARS = 2_000
TEXT = "text"
EVENT = "socket.io event"  # JSON args sent as a Socket.IO event packet, `42["name",…args]`
MODES = (("JSON text", TEXT), ("Binary · hex", binary_text.HEX), ("Binary · base64", binary_text.BASE64),
         ("Socket.IO event", EVENT))
JSON_MODES = (TEXT, EVENT)  # the editor holds JSON text in these
MARK_LIMIT = 64  # the error mark covers at most this many characters of the token it points at
TOKEN_ENDS = frozenset(' \t\n\u2029,:{}[]"')  # where the token under an error position ends
FOLD_SHORTCUT = "Ctrl+E"  # the window's View → Composer action carries it; the folded strip names it
UNBOUNDED = 16_777_215  # Qt's QWIDGETSIZE_MAX: no maximum size
FOLDED_HINT = f"folded: {FOLD_SHORTCUT} or click to write a message"

Payload = str | bytes


# Qt's text document turns U+2028 and U+2029 into line breaks, which would put raw
# newlines inside JSON strings, and drops lone surrogates (a peer can send them, and
# history keeps them); as escapes they stay the same JSON value inside a string.
_SEPARATOR_ESCAPES = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029"})


def escape_separators(text: str) -> str:
    return displayable(text).translate(_SEPARATOR_ESCAPES)


def _button(text: str, name: str, tip: str) -> QPushButton:
    button = QPushButton(text)
    named(button, name)
    button.setToolTip(tip)
    return button


class PayloadEditor(QPlainTextEdit):
    """A plain-text editor whose pasted and dropped text keeps its JSON meaning.

    Dropped files are not inserted as their URLs: `files_dropped` hands them to the
    composer, which loads the first one.
    """

    files_dropped = Signal(list)

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        return bool(_local_files(source)) or super().canInsertFromMimeData(source)

    def insertFromMimeData(self, source: QMimeData) -> None:
        files = _local_files(source)
        if files:
            self.files_dropped.emit(files)
        elif source.hasText():
            self.insertPlainText(escape_separators(source.text()))
        else:
            super().insertFromMimeData(source)


def _local_files(source: QMimeData) -> list[str]:
    return [url.toLocalFile() for url in source.urls() if url.isLocalFile()] if source.hasUrls() else []


class ElidedLabel(QLabel):
    """One line that gives way to its neighbours by shortening the middle of its body.

    The head and tail (a connection's name, its state) always show whole; the body (a
    URL) loses characters in its middle, so both its ends stay readable.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._parts = ("", "", "")
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def full_text(self) -> str:
        return "".join(self._parts)

    def set_parts(self, head: str, body: str = "", tail: str = "") -> None:
        self._parts = (head, body, tail)
        self.updateGeometry()
        self._elide()

    def _width_of(self, text: str) -> int:
        margins = self.contentsMargins()
        return self.fontMetrics().horizontalAdvance(text) + margins.left() + margins.right() + 2

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        hint.setWidth(self._width_of(self.full_text()))
        return hint

    def minimumSizeHint(self) -> QSize:
        head, body, tail = self._parts
        hint = super().minimumSizeHint()
        hint.setWidth(min(self._width_of(self.full_text()), self._width_of(f"{head}{body[:6]}…{tail}")))
        return hint

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        head, body, tail = self._parts
        room = self.contentsRect().width() - self.fontMetrics().horizontalAdvance(head + tail)
        self.setText(head + self.fontMetrics().elidedText(body, Qt.TextElideMode.ElideMiddle, max(0, room)) + tail)


class Composer(QWidget):
    send_requested = Signal(object)  # a payload that passed validation, about to be sent
    payload_sent = Signal(object)  # a payload the connection took (str: text frame, bytes: binary)
    fold_changed = Signal(bool)  # True: folded to its heading

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Set by the window: sends a payload, True once it is on the wire (it reports failures itself).
        self.send_to_connection: Callable[[Payload], Awaitable[bool]] | None = None
        self.variables: dict[str, str] = {}
        self.next_seq = 1  # what {{seq}} expands to in the next send
        self._repeat_typed: tuple[str, str] | None = None
        self._sends: set[asyncio.Future[bool]] = set()
        self._mode = TEXT
        self.error_position: tuple[int, int] | None = None

        self.editor = PayloadEditor()
        named(self.editor, "composerEditor")
        self.editor.setFont(monospace())
        self.editor.setTabChangesFocus(True)  # Tab goes on to the next control, never traps the keyboard here
        # No soft wrap: Qt breaks lines after hyphens and slashes too, which would split a UUID, a URL or
        # a long number in two; a long line scrolls sideways and every token stays whole.
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.highlighter = JsonHighlighter(self.editor.document())

        self.mode_combo = QComboBox()
        named(self.mode_combo, "composerMode")
        self.mode_combo.setToolTip("Send JSON as a text frame, or bytes typed as hex or base64 as a binary frame")
        for label, mode in MODES:
            self.mode_combo.addItem(label, mode)
        self.event_name = named(QLineEdit(), "composerEvent")
        self.event_name.setPlaceholderText("event name")
        self.event_name.setToolTip("The Socket.IO event to emit; the editor holds its arguments (an array: each "
                                   "element is one argument)")
        self.event_namespace = named(QLineEdit(), "composerNamespace")
        self.event_namespace.setPlaceholderText("/")
        self.event_namespace.setToolTip("The namespace (empty: /)")
        self.expect_ack = named(QCheckBox("expect ack"), "composerExpectAck")
        self.expect_ack.setToolTip("Send an ack id with the event: the server's ack pairs with it in the log")
        self._ack_ids = itertools.count()
        self._event: tuple[str, str, str] | None = None  # the last checked event: name, args, namespace
        self.event_row = QWidget()
        self.open_button = _button("Open file…", "openFileButton",
                                   "Load a .json file into the editor (or drop one onto it)")
        self.templates_button = _button("Templates", "composerTemplates",
                                        "Put a protocol's ready payload in the editor (GraphQL, JSON-RPC, Socket.IO)")
        templates_menu = QMenu(self.templates_button)
        for template in PROTOCOL_TEMPLATES:
            action = templates_menu.addAction(template.title)
            action.triggered.connect(partial(self.use_template, template))
        self.templates_button.setMenu(templates_menu)

        self.error = QLabel()
        named(self.error, "composerError")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(True)

        self.format_button = _button("Format", "formatButton", "Pretty-print the payload (Ctrl+Shift+F)")
        self.minify_button = _button("Minify", "minifyButton", "Put the payload on one line without spaces")
        self.send_button = _button("Send", "sendButton", "Send once to the connection named beside it (Ctrl+Enter)")
        # Bold, not Qt's "default" button: outside a dialog that only draws the focus outline for good,
        # so a keyboard user could not tell when the focus reaches Send.
        bold = self.send_button.font()
        bold.setBold(True)
        self.send_button.setFont(bold)
        self.refuse_invalid = named(QCheckBox("refuse invalid"), "composerRefuseInvalid")
        self.refuse_invalid.setToolTip("Do not send a payload that violates the target connection's contract "
                                       "(off: it is sent, and its violations shown)")
        self.target = ElidedLabel()
        named(self.target, "composerTarget")
        self.show_target(None)

        self.repeat_count = QSpinBox()
        named(self.repeat_count, "repeatCount")
        self.repeat_count.setRange(0, 1_000_000)
        self.repeat_count.setValue(10)
        self.repeat_count.setSpecialValueText("until stopped")
        self.repeat_count.setSuffix(" times")
        self.repeat_count.setToolTip("How many sends a repeat makes (0: until stopped)")
        self.repeat_interval = QSpinBox()
        named(self.repeat_interval, "repeatInterval")
        self.repeat_interval.setRange(0, 3_600_000)
        self.repeat_interval.setValue(1000)
        self.repeat_interval.setSingleStep(100)
        self.repeat_interval.setPrefix("every ")
        self.repeat_interval.setSuffix(" ms")
        self.repeat_interval.setToolTip("Time between two sends (0: each send right after the previous one)")
        self.repeat_button = _button("Repeat", "repeatButton",
                                     "Send repeatedly, variables expanded afresh each time (Ctrl+Shift+Enter)")
        self.stop_button = _button("Stop", "stopButton", "Stop repeating (Esc)")
        self.stop_button.setEnabled(False)
        self.repeat_status = QLabel()
        named(self.repeat_status, "repeatStatus")

        self.fold_button = QToolButton()
        named(self.fold_button, "composerFold")
        self.fold_button.setText("Compose")
        self.fold_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.fold_button.setAutoRaise(True)
        self.fold_button.setToolTip(f"Fold the composer to this line, or open it ({FOLD_SHORTCUT})")
        self.fold_hint = named(QLabel(FOLDED_HINT), "composerFoldedHint")
        tint(self.fold_hint, "text.muted")
        self.heading_tools = QWidget()  # the mode and the payload's sources: folded away with the body
        self.body = QWidget()

        self.repeater = RepeatSender(self._next_payload, self._send, self)
        self._build_layout()
        self._connect_signals()
        self.editor.setPlainText(EXAMPLE)
        self._set_mode(TEXT)

    def _build_layout(self) -> None:
        tools = QHBoxLayout(self.heading_tools)
        tools.setContentsMargins(0, 0, 0, 0)
        tools.addWidget(self.refuse_invalid)
        tools.addWidget(self.mode_combo)
        tools.addWidget(self.templates_button)
        tools.addWidget(self.open_button)
        heading = QHBoxLayout()
        heading.addWidget(self.fold_button)
        heading.addWidget(self.fold_hint, 1)
        heading.addWidget(self.heading_tools)
        buttons = QHBoxLayout()
        buttons.addWidget(self.format_button)
        buttons.addWidget(self.minify_button)
        buttons.addStretch(1)
        buttons.addWidget(self.target)
        buttons.addWidget(self.send_button)
        repeat = QHBoxLayout()
        repeat.addWidget(self.repeat_status, 1)
        repeat.addWidget(self.repeat_count)
        repeat.addWidget(self.repeat_interval)
        repeat.addWidget(self.repeat_button)
        repeat.addWidget(self.stop_button)
        event = QHBoxLayout(self.event_row)
        event.setContentsMargins(0, 0, 0, 0)
        event.addWidget(QLabel("Event"))
        event.addWidget(self.event_name, 2)
        event.addWidget(QLabel("namespace"))
        event.addWidget(self.event_namespace, 1)
        event.addWidget(self.expect_ack)
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self.event_row)
        body.addWidget(self.editor, 1)
        body.addWidget(self.error)
        body.addLayout(buttons)
        body.addLayout(repeat)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(heading)
        layout.addWidget(self.body, 1)
        self._show_fold(False)

    def _connect_signals(self) -> None:
        self._validate_timer = QTimer(self)
        self._validate_timer.setSingleShot(True)
        self._validate_timer.setInterval(VALIDATE_DELAY_MS)
        self._validate_timer.timeout.connect(self.validate)
        self.editor.textChanged.connect(self._validate_timer.start)
        self.editor.files_dropped.connect(lambda files: self.load_file(files[0]))
        self.mode_combo.currentIndexChanged.connect(lambda index: self.convert_to(self.mode_combo.itemData(index)))
        self.event_name.textChanged.connect(self._validate_timer.start)
        self.event_namespace.textChanged.connect(self._validate_timer.start)
        self.fold_button.clicked.connect(lambda: self.set_folded(not self.folded))
        self.open_button.clicked.connect(self.choose_file)
        self.format_button.clicked.connect(self.format_payload)
        self.minify_button.clicked.connect(self.minify_payload)
        self.send_button.clicked.connect(self.request_send)
        self.repeat_button.clicked.connect(self.start_repeat)
        self.stop_button.clicked.connect(self.repeater.stop)
        self.repeater.progress.connect(self._repeat_progress)
        self.repeater.finished.connect(self._repeat_finished)
        # Window-wide: send, repeat, stop and format work wherever the focus is (after loading from
        # History, say); no other pane of the window uses these keys.
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.request_send).setWhatsThis("Send the composer's payload")
        for keys in ("Ctrl+Shift+Return", "Ctrl+Shift+Enter"):
            QShortcut(QKeySequence(keys), self, self.start_repeat).setWhatsThis("Send the payload repeatedly")
        QShortcut(QKeySequence("Escape"), self, self.repeater.stop).setWhatsThis("Stop repeating")
        QShortcut(QKeySequence("Ctrl+Shift+F"), self, self.format_payload).setWhatsThis("Format the composer's JSON")

    # -- folding -----------------------------------------------------------------------------

    @property
    def folded(self) -> bool:
        return self.body.isHidden()

    def set_folded(self, folded: bool) -> None:
        """Fold the composer to its heading, or open it with the focus in the editor."""
        if folded == self.folded:
            return
        self._show_fold(folded)
        if not folded:
            if self.text() == EXAMPLE:  # typing replaces the example (Ctrl+Z brings it back); Ctrl+Enter sends it
                self.editor.selectAll()
            self.editor.setFocus()
        self.fold_changed.emit(folded)

    def _show_fold(self, folded: bool) -> None:
        self.body.setHidden(folded)
        self.heading_tools.setHidden(folded)
        self.fold_hint.setVisible(folded)
        self.fold_button.setArrowType(Qt.ArrowType.RightArrow if folded else Qt.ArrowType.DownArrow)
        # Folded, the splitter cannot give it more than its heading: the message view takes the rest.
        self.setMaximumHeight(self.minimumSizeHint().height() if folded else UNBOUNDED)

    # -- the payload -------------------------------------------------------------------------

    @property
    def mode(self) -> str:
        """"text", "hex" or "base64"."""
        return self._mode

    @property
    def format_name(self) -> str:
        return "JSON" if self._mode == TEXT else self._mode

    def text(self) -> str:
        return self.editor.toPlainText()

    def set_text(self, text: str) -> None:
        """Replace the payload (as a paste would: line and paragraph separators escaped)."""
        self.editor.setPlainText(escape_separators(text))

    def set_payload(self, payload: Payload) -> None:
        """Show a payload as it would be sent: text as JSON text, bytes in the current binary encoding."""
        if isinstance(payload, str):
            self._set_mode(TEXT)
            self.set_text(payload)
        else:
            self._set_mode(self._mode if self._mode != TEXT else binary_text.HEX)
            self.editor.setPlainText(binary_text.render(payload, self._mode))
        self.validate()
        self.set_folded(False)  # loaded to be looked at, edited and sent

    def set_draft(self, text: str, mode: str) -> None:
        """Put back what was typed, as typed and in its mode (the previous run's draft)."""
        if mode not in {m for _, m in MODES}:
            return
        self._set_mode(mode)
        self.editor.setPlainText(escape_separators(text) if mode == TEXT else text)
        self.validate()

    def use_template(self, template: ProtocolTemplate) -> None:
        """Put a protocol's ready payload in the editor, in the mode it is sent in (Ctrl+Z brings the text back)."""
        if template.event is not None:
            self._set_mode(EVENT)
            self.event_name.setText(template.event)
        elif self._mode != TEXT:
            self._set_mode(TEXT)
        cursor = QTextCursor(self.editor.document())
        cursor.select(QTextCursor.SelectionType.Document)
        cursor.insertText(template.text)  # an edit, not a reset: it can be undone
        self.validate()

    def _set_mode(self, mode: str) -> None:
        self._mode = mode
        self.mode_combo.blockSignals(True)
        self.mode_combo.setCurrentIndex(self.mode_combo.findData(mode))
        self.mode_combo.blockSignals(False)
        binary = mode not in JSON_MODES
        self.format_button.setEnabled(not binary)
        self.minify_button.setEnabled(not binary)
        self.event_row.setVisible(mode == EVENT)
        self.editor.setPlaceholderText(
            f"Type bytes as {mode}; Ctrl+Enter sends them as a binary frame" if binary
            else "Type the event's arguments as JSON (an array: one argument each); Ctrl+Enter emits it"
            if mode == EVENT
            else "Type a JSON payload ({{uuid}}, {{now}}, {{seq}}… expand when sent); Ctrl+Enter sends it")

    def convert_to(self, mode: str) -> None:
        """Switch mode, converting what is typed when it is valid (text ↔ its UTF-8 bytes)."""
        old = self._mode
        if mode == old:
            return
        if old in JSON_MODES and mode in JSON_MODES:  # the same JSON text, sent another way
            self._set_mode(mode)
            self.validate()
            return
        old = TEXT if old == EVENT else old
        text = self.text()
        try:
            if old == TEXT:
                converted = binary_text.render(text.encode("utf-8", "surrogatepass"), mode) if text else ""
            elif mode == TEXT:
                converted = binary_text.parse(text, old).decode("utf-8")
            else:
                converted = binary_text.render(binary_text.parse(text, old), mode)
        except (BinaryTextError, UnicodeDecodeError):
            converted = text  # left as typed; validation says what is wrong
        self._set_mode(mode)
        self.editor.setPlainText(converted if mode != TEXT else escape_separators(converted))
        self.validate()

    def validate(self) -> jsondoc.JsonDocument | bytes | None:
        """Check the payload now (variables expanded as the next send would); show the first error."""
        self._validate_timer.stop()
        result = self._check(self.next_seq)
        if result is None:
            return None
        checked = result[0]
        self.send_button.setEnabled(True)
        tint(self.error, "status.valid")
        if isinstance(checked, bytes):
            self.error.setText(f"Valid {self._mode}: {len(checked):,} byte{'s' if len(checked) != 1 else ''}, "
                               f"sent as a binary frame")
            return checked
        note = "; ".join(checked.warnings)
        templated = templates.has_placeholders(self.text())
        what = f"Valid JSON arguments for the event “{self.event_name.text()}”" if self._mode == EVENT else "Valid JSON"
        self.error.setText(f"{what}{' (variables expanded)' if templated else ''}" + (f" — {note}" if note else ""))
        # Hovering shows what the next send would look like (uuid and random values differ each time).
        expanded = result[1]
        assert isinstance(expanded, str)  # a text payload: a binary one returned above
        self.error.setToolTip(escape_separators(expanded[:PREVIEW_CHARS]) if templated else "")
        return checked

    def _check(self, seq: int, typed: tuple[str, str] | None = None
               ) -> tuple[jsondoc.JsonDocument | bytes, Payload] | None:
        """The checked payload and what to send, or None with the error shown.

        `typed` is (text, mode) to check instead of what the editor holds now.
        """
        result = self._check_text(seq, typed)
        if typed is None:  # the mark is about the editor's text, never a repeat's snapshot
            self._mark_error()
        return result

    def _check_text(self, seq: int, typed: tuple[str, str] | None
                    ) -> tuple[jsondoc.JsonDocument | bytes, Payload] | None:
        text, mode = typed or (self.text(), self._mode)
        self.error_position = None
        if mode == EVENT:
            return self._check_event(seq, text)
        if mode != TEXT:
            try:
                data = binary_text.parse(text, mode)
            except BinaryTextError as error:
                self._fail(str(error), (error.line, error.column))
                return None
            return data, data
        if not text.strip():
            self._fail("Empty payload: type a JSON value")
            return None
        expanded = text
        if templates.has_placeholders(text):
            try:
                expanded = templates.expand(text, TemplateContext(self.variables, seq))
            except TemplateError as error:
                self._fail(str(error), (error.line, error.column))
                return None
        try:
            document = jsondoc.parse(expanded)
        except jsondoc.JsonSyntaxError as error:
            if expanded is text:
                self._fail(str(error), (error.line, error.column))
                return None
            self._fail(f"After expanding variables: {error}")
            return None
        return document, expanded

    def _check_event(self, seq: int, text: str) -> tuple[jsondoc.JsonDocument | bytes, Payload] | None:
        """The arguments checked as JSON, then wrapped as a Socket.IO event packet."""
        name = self.event_name.text()
        if not name:
            self._fail("Type the event's name (above the arguments)")
            return None
        namespace = self.event_namespace.text().strip() or "/"
        if not namespace.startswith("/") or "," in namespace:
            self._fail(f"A namespace starts with / and holds no comma: {namespace!r}")
            return None
        checked = self._check_text(seq, (text, TEXT))
        if checked is None:
            return None
        document, expanded = checked
        assert isinstance(expanded, str)
        self._event = (name, expanded, namespace)
        return document, event_packet(name, expanded, namespace)

    def _fail(self, message: str, position: tuple[int, int] | None = None) -> None:
        self._show_error(message)
        self.error_position = position

    def _show_error(self, message: str) -> None:
        tint(self.error, "status.error")
        self.error.setText(message)
        self.send_button.setEnabled(False)

    def prepare_payload(self, typed: tuple[str, str] | None = None) -> Payload | None:
        """The payload for one send (variables expanded, `{{seq}}` advanced), or None with the error shown.

        `typed` is (text, mode) to send instead of what the editor holds now (a repeat's snapshot).
        """
        self._validate_timer.stop()
        result = self._check(self.next_seq, typed)
        if result is None:
            if typed is None:
                self._move_cursor_to_error()
            return None
        self.next_seq += 1
        if typed is None:
            self.validate()  # the label reflects what was just checked, not a stale delayed result
        mode = typed[1] if typed is not None else self._mode
        if mode == EVENT and self.expect_ack.isChecked() and self._event is not None:
            return event_packet(*self._event, ack=next(self._ack_ids))  # an id per send: each pairs with its ack
        return result[1]

    def payload_to_keep(self) -> Payload | None:
        """The payload as typed, for the library: a template stays a template. None if invalid."""
        if self._check(self.next_seq) is None:
            return None
        return self.text() if self._mode == TEXT else binary_text.parse(self.text(), self._mode)

    def format_payload(self) -> None:
        self._rewrite(indent=2)

    def minify_payload(self) -> None:
        self._rewrite(indent=None)

    def _rewrite(self, indent: int | None) -> None:
        """Re-serialise the payload (duplicates and exact numbers kept); on an error, show where."""
        if self._mode not in JSON_MODES:
            return
        if templates.has_placeholders(self.text()):
            self._show_error("Format and Minify work on plain JSON: this payload has {{variables}}")
            self.send_button.setEnabled(True)
            return
        document = self.validate()
        if not isinstance(document, jsondoc.JsonDocument):
            self._move_cursor_to_error()
            return
        self.editor.setPlainText(escape_separators(jsondoc.dumps(document.value, indent=indent)))
        self.validate()

    # -- files -------------------------------------------------------------------------------

    def choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Open a payload", "",
                                                    "JSON files (*.json);;All files (*)")
        if path:
            self.load_file(path)

    def load_file(self, path: str | Path) -> bool:
        """Put a file's content in the editor: text mode needs UTF-8, binary modes take any bytes."""
        path = Path(path)
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                self._show_error(f"Not loaded: {path.name} is {size:,} bytes; the composer takes at most "
                                 f"{MAX_FILE_BYTES:,}")
                return False
            data = path.read_bytes()
        except OSError as error:
            self._show_error(f"Not loaded: {path.name}: {error.strerror or error}")
            return False
        if self._mode != TEXT:
            self.editor.setPlainText(binary_text.render(data, self._mode))
        else:
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError as error:
                self._show_error(f"Not loaded: {path.name} is not UTF-8 text (invalid byte at offset {error.start:,}); "
                                 f"switch to a binary mode to send its bytes")
                return False
            self.set_text(text)
        self.validate()
        return True

    # -- sending -----------------------------------------------------------------------------

    def request_send(self) -> None:
        """Send once: validate now (not after the delay) and send only a valid payload."""
        payload = self.prepare_payload()
        if payload is None:
            return
        self.send_requested.emit(payload)
        self._start_send(payload)

    def send_as_is(self, payload: Payload) -> None:
        """Send a payload exactly (no variables expanded): a re-send from history."""
        self._start_send(payload)

    def _start_send(self, payload: Payload) -> None:
        if self.send_to_connection is None:
            return
        task = asyncio.ensure_future(self._send(payload))
        self._sends.add(task)  # the loop keeps only a weak reference to a task
        task.add_done_callback(self._sends.discard)

    async def _send(self, payload: Payload) -> bool:
        assert self.send_to_connection is not None
        if not await self.send_to_connection(payload):
            return False
        self.payload_sent.emit(payload)
        return True

    def _next_payload(self) -> Payload | None:
        """The repeat's next payload: the text it started with, variables expanded afresh."""
        payload = self.prepare_payload(self._repeat_typed)
        if payload is not None:
            self.send_requested.emit(payload)
        return payload

    def start_repeat(self) -> None:
        if self.repeater.running or self.send_to_connection is None:
            return
        if self._check(self.next_seq) is None:  # say what is wrong before starting
            self._move_cursor_to_error()
            return
        self._repeat_typed = (self.text(), self._mode)  # editing during a repeat does not change it
        self.repeat_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.repeat_status.setText("Repeating…")
        self.repeater.start(self.repeat_count.value(), self.repeat_interval.value())

    def _repeat_progress(self, count: int) -> None:
        total = self.repeater.total
        self.repeat_status.setText(f"Sent {count:,} of {total:,}" if total else f"Sent {count:,}, until stopped")

    def _repeat_finished(self, count: int, reason: str) -> None:
        self.repeat_button.setEnabled(True)
        self.stop_button.setEnabled(False)
        self.repeat_status.setText(f"Sent {count:,} ({reason})")

    def show_violations(self, lines: list[str], sent: bool) -> None:
        """The payload violates its target's contract: say so, each violation on a line, and whether it went."""
        tint(self.error, "status.warning" if sent else "status.error")
        verdict = "Sent, but it violates" if sent else "Not sent (refuse invalid is on): it violates"
        self.error.setText("\n".join([f"{verdict} {lines[0]}", *lines[1:]]))
        self.send_button.setEnabled(True)

    def show_send_error(self, message: str) -> None:
        self._show_error(message)
        self.send_button.setEnabled(True)  # the payload is fine; the connection was not
        self.set_folded(False)  # a send from a folded composer (Ctrl+Enter) says why it failed

    def _move_cursor_to_error(self) -> None:
        span = self._error_span()
        if span is not None:
            self.set_folded(False)
            cursor = QTextCursor(self.editor.document())
            cursor.setPosition(span[0])
            self.editor.setTextCursor(cursor)
            self.editor.setFocus()

    # -- where Send goes ----------------------------------------------------------------------

    def show_target(self, change: StateChange | None) -> None:
        """Name the connection Send goes to and say when it is not open; the window calls this on every change."""
        if change is None:
            self.target.set_parts("→ no connection")
            tint(self.target, "status.warning")
            self.target.setToolTip("Nothing to send to: type a ws:// URL and press Enter, or open a connection")
            return
        is_open = change.state == ConnectionState.OPEN
        self.target.set_parts(f"→ {change.connection} ", change.url, "" if is_open else f" ({change.state.value})")
        tint(self.target, None if is_open else "status.warning")
        detail = f": {change.detail}" if change.detail else ""
        self.target.setToolTip(f"Send goes to {change.connection}, {change.url} ({change.state.value}{detail})")

    # -- the error mark ------------------------------------------------------------------------

    def _mark_error(self) -> None:
        """Underline the token at the error position with a red wave; no error, no mark."""
        span = self._error_span()
        if span is None:
            self.editor.setExtraSelections([])
            return
        cursor = QTextCursor(self.editor.document())
        cursor.setPosition(span[0])
        cursor.setPosition(span[1], QTextCursor.MoveMode.KeepAnchor)
        mark = QTextCharFormat()
        mark.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SpellCheckUnderline)
        mark.setUnderlineColor(QColor(status_colour("error")))
        selection = QTextEdit.ExtraSelection()
        selection.cursor = cursor
        selection.format = mark
        self.editor.setExtraSelections([selection])

    def _error_span(self) -> tuple[int, int] | None:
        """Document positions (UTF-16 units) of the token or placeholder at the error position.

        A position past the end of its line (the text ended too early) marks the last
        character before it, looking back over blank lines.
        """
        if not self.error_position:
            return None
        line, column = self.error_position
        block = self.editor.document().findBlockByNumber(line - 1)
        if not block.isValid():
            return None
        text = block.text()
        start = max(0, column - 1)
        if start >= len(text) or text[start].isspace():
            before = text[:start].rstrip()
            while not before and block.previous().isValid():
                block = block.previous()
                text = before = block.text().rstrip()
            if not before:
                return None
            start = len(before) - 1
        end = start + 1
        if text.startswith("{{", start):  # a template error: the whole placeholder
            closing = text.find("}}", start + 2, start + MARK_LIMIT)
            end = closing + 2 if closing >= 0 else start + 2
        elif text[start] not in TOKEN_ENDS:
            while end < len(text) and end - start < MARK_LIMIT and text[end] not in TOKEN_ENDS:
                end += 1
        return block.position() + _utf16_length(text[:start]), block.position() + _utf16_length(text[:end])


def _utf16_length(text: str) -> int:
    """Qt's documents count UTF-16 code units: a character beyond U+FFFF takes two."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2

"""The composer: write a JSON payload, see at once whether and where it is wrong, send it.

Validation is strict (NaN and Infinity are refused) and runs shortly after the
user stops typing; an invalid payload cannot be sent.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import (
    QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget,
)

from app.core import jsondoc
from app.ui.message_view import monospace

VALIDATE_DELAY_MS = 120
EXAMPLE = '{\n  "action": "ping",\n  "id": 1\n}'


# Qt's text document turns U+2028 and U+2029 into line breaks, which would put raw
# newlines inside JSON strings; as escapes they stay the same JSON value.
_SEPARATOR_ESCAPES = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029"})


def escape_separators(text: str) -> str:
    return text.translate(_SEPARATOR_ESCAPES)


class PayloadEditor(QPlainTextEdit):
    """A plain-text editor whose pasted and dropped text keeps its JSON meaning."""

    def insertFromMimeData(self, source: QMimeData) -> None:
        if source.hasText():
            self.insertPlainText(escape_separators(source.text()))
        else:
            super().insertFromMimeData(source)


class Composer(QWidget):
    send_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = PayloadEditor()
        self.editor.setObjectName("composerEditor")
        self.editor.setAccessibleName("composerEditor")
        self.editor.setFont(monospace())
        self.editor.setPlaceholderText("Type a JSON payload; Ctrl+Enter sends it")
        self.editor.setTabChangesFocus(False)

        self.error = QLabel()
        self.error.setObjectName("composerError")
        self.error.setAccessibleName("composerError")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(True)

        self.format_button = QPushButton("Format")
        self.format_button.setObjectName("formatButton")
        self.format_button.setAccessibleName("formatButton")
        self.format_button.setToolTip("Pretty-print the payload (Ctrl+Shift+F)")
        self.minify_button = QPushButton("Minify")
        self.minify_button.setObjectName("minifyButton")
        self.minify_button.setAccessibleName("minifyButton")
        self.minify_button.setToolTip("Put the payload on one line without spaces")
        self.send_button = QPushButton("Send")
        self.send_button.setObjectName("sendButton")
        self.send_button.setAccessibleName("sendButton")
        self.send_button.setToolTip("Send to the inspector's connection (Ctrl+Enter)")
        self.send_button.setDefault(True)

        buttons = QHBoxLayout()
        buttons.addWidget(self.error, 1)
        buttons.addWidget(self.format_button)
        buttons.addWidget(self.minify_button)
        buttons.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Compose"))
        layout.addWidget(self.editor, 1)
        layout.addLayout(buttons)

        self._validate_timer = QTimer(self)
        self._validate_timer.setSingleShot(True)
        self._validate_timer.setInterval(VALIDATE_DELAY_MS)
        self._validate_timer.timeout.connect(self.validate)
        self.editor.textChanged.connect(self._validate_timer.start)
        self.format_button.clicked.connect(self.format_payload)
        self.minify_button.clicked.connect(self.minify_payload)
        self.send_button.clicked.connect(self.request_send)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self.editor, self.request_send,
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence("Ctrl+Shift+F"), self, self.format_payload,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

        self.error_position: tuple[int, int] | None = None
        self.editor.setPlainText(EXAMPLE)
        self.validate()

    def text(self) -> str:
        return self.editor.toPlainText()

    def set_text(self, text: str) -> None:
        """Replace the payload (as a paste would: line and paragraph separators escaped)."""
        self.editor.setPlainText(escape_separators(text))

    def validate(self) -> jsondoc.JsonDocument | None:
        """Check the payload now; show the first error with its line and column."""
        self._validate_timer.stop()
        text = self.text()
        if not text.strip():
            self._show_error("Empty payload: type a JSON value")
            return None
        try:
            document = jsondoc.parse(text)
        except jsondoc.JsonSyntaxError as error:
            self._show_error(str(error))
            self.error_position = (error.line, error.column)
            return None
        self.error_position = None
        self.error.setStyleSheet("color: #1a7f37;")
        note = "; ".join(document.warnings)
        self.error.setText("Valid JSON" + (f" — {note}" if note else ""))
        self.send_button.setEnabled(True)
        return document

    def _show_error(self, message: str) -> None:
        self.error.setStyleSheet("color: #cf222e;")
        self.error.setText(message)
        self.send_button.setEnabled(False)

    def format_payload(self) -> None:
        self._rewrite(indent=2)

    def minify_payload(self) -> None:
        self._rewrite(indent=None)

    def _rewrite(self, indent: int | None) -> None:
        """Re-serialise the payload (duplicates and exact numbers kept); on an error, show where."""
        document = self.validate()
        if document is None:
            self._move_cursor_to_error()
            return
        self.editor.setPlainText(escape_separators(jsondoc.dumps(document.value, indent=indent)))
        self.validate()

    def request_send(self) -> None:
        """Validate now (not after the delay) and emit the payload only if it is JSON."""
        if self.validate() is None:
            self._move_cursor_to_error()
            return
        self.send_requested.emit(self.text())

    def show_send_error(self, message: str) -> None:
        self._show_error(message)
        self.send_button.setEnabled(True)  # the payload is fine; the connection was not

    def _move_cursor_to_error(self) -> None:
        position = self.error_position
        if not position:
            return
        line, column = position
        block = self.editor.document().findBlockByNumber(line - 1)
        if block.isValid():
            cursor = QTextCursor(block)  # one jump: stepping right 100,000 times on a long line takes minutes
            cursor.setPosition(block.position() + min(max(0, column - 1), max(0, block.length() - 1)))
            self.editor.setTextCursor(cursor)
            self.editor.setFocus()

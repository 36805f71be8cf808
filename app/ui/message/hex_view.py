"""A binary frame as a hex dump: offset, 16 bytes, their ASCII; monospace, never wrapped, never coloured.

Laying out text costs GUI time in proportion to its length (app/ui/message/raw_view.py),
so a big frame shows its first HEX_FIRST bytes; "Show more" shows HEX_MORE times
as many, up to HEX_MOST (a dump is about five times as long as its bytes).
"Decode as UTF-8 / JSON" asks the message view to show the bytes as text.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from app.core.inspection import hex_dump
from app.ui.common.naming import named

HEX_FIRST = 16 * 1024  # bytes dumped at first (1,024 lines)
HEX_MORE = 8  # each "Show more" shows this many times as many bytes
HEX_MOST = 1024 * 1024  # bytes dumped at most (65,536 lines, ~5 MB of text)


class HexView(QWidget):
    decode_requested = Signal()

    def __init__(self, monospace_font: QFont, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "hexPane")
        self.data = b""
        self.shown = 0  # bytes in the dump

        self.editor = QPlainTextEdit()
        named(self.editor, "hexView")
        self.editor.setReadOnly(True)
        self.editor.setFont(monospace_font)
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)

        self.decode_button = QPushButton("Decode as UTF-8 / JSON")
        named(self.decode_button, "hexDecode")
        self.decode_button.setToolTip("Show these bytes as text, and as a tree if they are JSON")
        self.decode_button.clicked.connect(self.decode_requested)
        self.note = QLabel()
        named(self.note, "hexNote")
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setWordWrap(True)
        self.more_button = QPushButton("Show more")
        named(self.more_button, "hexShowMore")
        self.more_button.clicked.connect(self.show_more)

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.decode_button)
        bar.addWidget(self.note, 1)
        bar.addWidget(self.more_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.editor, 1)

    def toPlainText(self) -> str:
        return self.editor.toPlainText()

    def set_data(self, data: bytes) -> None:
        self.data = data
        self._dump(min(len(data), HEX_FIRST))

    def show_more(self) -> None:
        self._dump(min(len(self.data), HEX_MOST, self.shown * HEX_MORE))

    def show_message(self, text: str) -> None:
        """A line above the dump (why the bytes did not decode, for one)."""
        self.note.setText(text)

    def _dump(self, size: int) -> None:
        self.shown = size
        self.editor.setPlainText(hex_dump(self.data[:size], size))
        total = len(self.data)
        if size < total:
            self.note.setText(f"Showing the first {size:,} of {total:,} bytes")
        else:
            self.note.setText(f"{total:,} bytes")
        self.more_button.setVisible(size < min(total, HEX_MOST))

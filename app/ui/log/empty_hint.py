"""What an empty log says: how to get messages into it, or that the filter hides them.

A window that shows an empty table says nothing about what to do next. Over the log's
viewport, while it shows no row, this hint names the two ways in (type a URL; point a
client at the embedded server, whose URL it offers to copy) or, when a filter hides every
message, says so.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QLabel, QPushButton, QVBoxLayout, QWidget

from app.ui.common import notify
from app.ui.common.naming import named

NO_MESSAGES = "No messages yet.\nType a ws:// URL above and press Enter (Ctrl+L)"
ALL_FILTERED = "No message matches the filter (Ctrl+F to change it)"


class EmptyLogHint(QWidget):
    def __init__(self, table: QAbstractItemView, filtered: Callable[[], bool]) -> None:
        """`filtered()` says whether a filter is applied (then an empty log means nothing matches)."""
        super().__init__(table.viewport())
        named(self, "emptyLogHint")
        self.table, self._filtered = table, filtered
        self.server_url = ""
        self.text = named(QLabel(), "emptyLogText")
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setWordWrap(True)
        self.copy_button = named(QPushButton("Copy the embedded server's URL"), "copyServerUrl")
        self.copy_button.clicked.connect(self.copy_server_url)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.text)
        layout.addWidget(self.copy_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        model = table.model()
        for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset):
            signal.connect(self.refresh)
        table.viewport().installEventFilter(self)
        self.refresh()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.setGeometry(self.table.viewport().rect())
        return False

    def set_server_url(self, url: str) -> None:
        """The embedded server's WebSocket URL, or "" when it is not running."""
        self.server_url = url
        self.refresh()

    def refresh(self, *_: object) -> None:
        empty = self.table.model().rowCount() == 0
        self.setVisible(empty)
        if not empty:
            return
        if self._filtered():
            self.text.setText(ALL_FILTERED)
            self.copy_button.hide()
            return
        text = NO_MESSAGES
        if self.server_url:
            text += f", or point a client at the embedded server:\n{self.server_url}"
        self.text.setText(text)
        self.copy_button.setVisible(bool(self.server_url))
        self.setGeometry(self.table.viewport().rect())

    def copy_server_url(self) -> None:
        QGuiApplication.clipboard().setText(self.server_url)
        notify.info(f"Copied {self.server_url}")

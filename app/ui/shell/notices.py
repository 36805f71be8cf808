"""The status bar's notice: the latest thing the window has to say, for as long as it matters.

Information and warnings go after NOTICE_SECONDS; an error stays until the user
dismisses it (the × beside it), coming back when a later notice has expired, so a
failure is never hidden by the chatter that follows it. The label never asks for
width: a long notice is cut at the bar's edge, with all of it in the tooltip. The ×
keeps its place when hidden, so a notice coming or going never moves the window's layout.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QToolButton, QWidget

from app.core.frames import Level, Notice
from app.ui.common.naming import named
from app.ui.common.style import tint

NOTICE_SECONDS = 10


class NoticeArea(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        named(self.label, "notice")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.dismiss_button = QToolButton()
        named(self.dismiss_button, "dismissNotice")
        self.dismiss_button.setText("×")
        self.dismiss_button.setToolTip("Dismiss this notice")
        self.dismiss_button.setAutoRaise(True)
        self.dismiss_button.clicked.connect(self.dismiss)
        keep_place = self.dismiss_button.sizePolicy()  # the bar keeps its height when the × goes
        keep_place.setRetainSizeWhenHidden(True)
        self.dismiss_button.setSizePolicy(keep_place)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.dismiss_button)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.expiry = QTimer(self)
        self.expiry.setSingleShot(True)
        self.expiry.setInterval(NOTICE_SECONDS * 1000)
        self.expiry.timeout.connect(self._expired)
        self.error: str | None = None  # the last error not yet dismissed
        self._showing_error = False
        self._set("", "")

    @Slot(object)
    def show_notice(self, notice: Notice) -> None:
        if notice.level == Level.ERROR:
            self.error = notice.text
            self.expiry.stop()
        else:
            self.expiry.start()
        self._set(notice.level, notice.text)

    def dismiss(self) -> None:
        """Take the notice away; an error under a later notice shows again, once."""
        self.expiry.stop()
        if self._showing_error:
            self.error = None
        self._expired()

    def _expired(self) -> None:
        if self.error is not None:
            self._set("error", self.error)
        else:
            self._set("", "")

    def _set(self, level: str, text: str) -> None:
        self._showing_error = level == "error" and bool(text)
        tint(self.label, f"status.{level}" if level in ("error", "warning") else None)
        self.label.setText(text)
        self.label.setToolTip(text)
        self.dismiss_button.setVisible(bool(text))


__all__ = ["NOTICE_SECONDS", "NoticeArea"]

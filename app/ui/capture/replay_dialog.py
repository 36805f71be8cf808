"""The "Replay capture…" dialog: which capture, to which URL, with what timing.

It collects choices and lists the chosen capture's connections that sent
messages (read on a worker thread); the replay itself runs elsewhere
(app/ui/capture/recording.py runs app/services/replay.py off the GUI thread).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)
from qasync import asyncSlot

from app.services.replay import CaptureError, Timing, load_capture
from app.ui.common import async_loop
from app.ui.common.naming import named
from app.ui.common.style import tint

CAPTURE_FILTER = "SocketScope captures (*.jsonl);;All files (*)"  # what a recording writes
REPLAY_FILTER = "Captures (*.jsonl *.har);;SocketScope JSONL (*.jsonl);;HAR (*.har);;All files (*)"
_TIMINGS = ("Original timing", "Scaled timing", "As fast as possible")


class ReplayDialog(QDialog):
    """Asks for a capture file, a ws:// or wss:// URL, an optional connection and the timing."""

    connections_listed = Signal(int)  # the chosen capture's sending connections were listed

    def __init__(self, parent: QWidget | None, url: str = "", path: str = "") -> None:
        super().__init__(parent)
        self._listed_path = ""
        self.setWindowTitle("Replay capture")
        named(self, "replayDialog")
        self.file_edit = self._line_edit("replayFile", path, "capture.jsonl or .har")
        browse = QPushButton("Browse…")
        named(browse, "replayBrowse")
        browse.clicked.connect(self._browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(browse)
        self.url_edit = self._line_edit("replayUrl", url, "ws://host:port/path or wss://…")
        self.connection_box = QComboBox()
        named(self.connection_box, "replayConnection")
        self.connection_box.setEditable(True)
        connection_edit = self.connection_box.lineEdit()
        assert connection_edit is not None  # the box is editable
        connection_edit.setPlaceholderText("the first client connection that sent (e.g. client#2)")
        self.file_edit.editingFinished.connect(self._file_chosen)
        self.timing_box = QComboBox()
        named(self.timing_box, "replayTiming")
        self.timing_box.addItems(_TIMINGS)
        self.factor_box = QDoubleSpinBox()
        named(self.factor_box, "replayFactor")
        self.factor_box.setRange(0.01, 100.0)
        self.factor_box.setSingleStep(0.25)
        self.factor_box.setValue(1.0)
        self.factor_box.setPrefix("gaps × ")
        self.factor_box.setEnabled(False)
        self.timing_box.currentIndexChanged.connect(lambda index: self.factor_box.setEnabled(index == 1))
        timing_row = QHBoxLayout()
        timing_row.addWidget(self.timing_box, 1)
        timing_row.addWidget(self.factor_box)
        self.error_label = QLabel()
        named(self.error_label, "replayError")
        tint(self.error_label, "status.error")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        replay = buttons.addButton("Replay", QDialogButtonBox.ButtonRole.AcceptRole)
        named(replay, "replayStart")
        replay.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Capture file", file_row)
        form.addRow("Replay to", self.url_edit)
        form.addRow("Connection", self.connection_box)
        form.addRow("Timing", timing_row)
        form.addRow(self.error_label)
        form.addRow(buttons)
        self.resize(560, self.sizeHint().height())
        if path:
            self._file_chosen()

    def _line_edit(self, name: str, text: str, placeholder: str) -> QLineEdit:
        edit = QLineEdit(text)
        named(edit, name)
        edit.setPlaceholderText(placeholder)
        edit.setClearButtonEnabled(True)
        return edit

    def _browse(self) -> None:
        dialog = QFileDialog(self, "Capture to replay", self.file_edit.text(), REPLAY_FILTER)
        dialog.setObjectName("replayFileDialog")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        dialog.fileSelected.connect(self.file_edit.setText)
        dialog.fileSelected.connect(self._file_chosen)
        dialog.open()

    @asyncSlot()
    async def _file_chosen(self) -> None:
        """List the capture's connections that sent messages (read on a worker: captures can be big)."""
        path = self.path()
        if not path or path == self._listed_path:
            return
        self._listed_path = path
        try:
            senders = await async_loop.in_worker(lambda: load_capture(path).senders())
        except CaptureError as error:
            if path == self.path():
                self.error_label.setText(str(error))
            return
        if path != self.path():
            return  # another file was chosen meanwhile
        self.error_label.setText("" if senders else "No connection in this capture sent a message")
        typed = self.connection_box.currentText()
        self.connection_box.clear()
        for name, count in senders.items():
            self.connection_box.addItem(f"{name} ({count:,} message{'s' if count != 1 else ''})", name)
        self.connection_box.setCurrentIndex(-1)
        self.connection_box.setEditText(typed)
        self.connections_listed.emit(len(senders))

    # -- what was chosen ---------------------------------------------------------------------

    def path(self) -> str:
        return self.file_edit.text().strip()

    def url(self) -> str:
        return self.url_edit.text().strip()

    def connection(self) -> str | None:
        """The chosen connection's name, or None for the default."""
        text = self.connection_box.currentText().strip()
        index = self.connection_box.findText(text)
        if index >= 0:
            return str(self.connection_box.itemData(index))
        return text or None

    def timing(self) -> Timing:
        index = self.timing_box.currentIndex()
        return Timing(self.factor_box.value()) if index == 1 else Timing(0.0) if index == 2 else Timing(1.0)

    def set_timing(self, timing: Timing) -> None:
        if timing.factor == 0:
            self.timing_box.setCurrentIndex(2)
        elif timing.factor == 1:
            self.timing_box.setCurrentIndex(0)
        else:
            self.timing_box.setCurrentIndex(1)
            self.factor_box.setValue(timing.factor)

    def problem(self) -> str:
        """Why the choices cannot be replayed as they are, or ''."""
        if not self.path():
            return "Choose a capture file"
        if not self.url().startswith(("ws://", "wss://")):
            return "The URL must start with ws:// or wss://"
        return ""

    def accept(self) -> None:
        problem = self.problem()
        if problem:
            self.error_label.setText(problem)
            return
        super().accept()

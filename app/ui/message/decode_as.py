"""Decode as…: the dialog where the user names a payload's layers, and the bar that offers it.

Peers wrap documents in base64, gzip, zlib or raw deflate and say so nowhere; the
user picks the layers in order, then how to read what is left (app/core/decode_chain.py
does the work, off the GUI thread). The bar above the message's tabs opens the
dialog (Ctrl+Shift+D), applies the last chain again in one click, and shows how far
a long decoding has got.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.decode_chain import FORMATS, JSON, STEPS, Chain
from app.ui.common.naming import named
from app.ui.common.style import status_colour

PROGRESS_POLL_MS = 50  # between looks at which step a decoding on a worker has reached
PROGRESS_DELAY_MS = 200  # a decoding of a small input shows its progress once it has taken this long
MNEMONICS = {"base64": "&base64", "gzip": "&gzip", "zlib": "&zlib", "raw deflate": "raw &deflate"}


class DecodeAsDialog(QDialog):
    """Pick the steps in order (each button adds one), then the format; Enter decodes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "decodeAsDialog")
        self.setWindowTitle("Decode as")
        self.steps: list[str] = []

        self.step_list = QListWidget()
        named(self.step_list, "decodeAsSteps")
        self.step_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # shows the chain; the buttons build it
        self.step_list.setMaximumHeight(self.step_list.fontMetrics().lineSpacing() * 6)
        self.step_buttons: dict[str, QPushButton] = {}
        adders = QHBoxLayout()
        adders.addWidget(QLabel("Add a layer:"))
        for step, title in STEPS.items():
            button = QPushButton(MNEMONICS.get(title, title))
            named(button, f"decodeAsAdd_{step}")
            button.setAutoDefault(False)
            button.setToolTip(f"Undo a {title} layer next")
            button.clicked.connect(lambda _checked=False, step=step: self.add_step(step))
            self.step_buttons[step] = button
            adders.addWidget(button)
        self.remove_button = QPushButton("&Remove last")
        named(self.remove_button, "decodeAsRemoveLast")
        self.remove_button.setAutoDefault(False)
        self.remove_button.clicked.connect(self.remove_last)
        adders.addWidget(self.remove_button)

        self.format_combo = QComboBox()
        named(self.format_combo, "decodeAsFormat")
        for name, title in FORMATS.items():
            self.format_combo.addItem(title, name)
        self.format_combo.addItem("bytes (hex)", None)
        self.format_combo.currentIndexChanged.connect(self._show_chain)
        format_label = QLabel("&Then read as:")
        format_label.setBuddy(self.format_combo)
        reading = QHBoxLayout()
        reading.addWidget(format_label)
        reading.addWidget(self.format_combo, 1)

        self.chain_label = QLabel()
        named(self.chain_label, "decodeAsChain")
        self.chain_label.setTextFormat(Qt.TextFormat.PlainText)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.decode_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.decode_button.setText("Decode")
        named(self.decode_button, "decodeAsDecode")
        self.decode_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Undo the layers in this order (the first is the outermost):"))
        layout.addWidget(self.step_list)
        layout.addLayout(adders)
        layout.addLayout(reading)
        layout.addWidget(self.chain_label)
        layout.addWidget(buttons)
        self.set_chain(Chain((), JSON))

    def chain(self) -> Chain:
        return Chain(tuple(self.steps), self.format_combo.currentData())

    def set_chain(self, chain: Chain) -> None:
        self.steps = list(chain.steps)
        self.format_combo.setCurrentIndex(self.format_combo.findData(chain.then))
        self._show_chain()

    def add_step(self, step: str) -> None:
        self.steps.append(step)
        self._show_chain()

    def remove_last(self) -> None:
        if self.steps:
            self.steps.pop()
            self._show_chain()

    def _show_chain(self) -> None:
        self.step_list.clear()
        self.step_list.addItems([f"{number}. {STEPS[step]}" for number, step in enumerate(self.steps, 1)])
        self.remove_button.setEnabled(bool(self.steps))
        self.chain_label.setText(self.chain().title)


class DecodeAsBar(QWidget):
    """`Decode as…`, `Again: <the last chain>`, and a decoding's progress (step N of M)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "decodeAsBar")
        self.choose_button = QPushButton("Decode as…")
        named(self.choose_button, "decodeAsButton")
        self.choose_button.setToolTip("Undo base64, gzip, zlib or deflate layers, then read JSON, MessagePack "
                                      "or CBOR (Ctrl+Shift+D)")
        self.again_button = QPushButton()
        named(self.again_button, "decodeAsAgain")
        self.again_button.hide()
        self.progress = QProgressBar()
        named(self.progress, "decodeAsProgress")
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.status = QLabel()
        named(self.status, "decodeAsStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.status.setStyleSheet(f"color: {status_colour('error')};")
        self.status.hide()
        self._poll = QTimer(self)
        self._poll.setInterval(PROGRESS_POLL_MS)
        self._poll.timeout.connect(self._show_progress)
        self._delay = QTimer(self)
        self._delay.setSingleShot(True)
        self._delay.setInterval(PROGRESS_DELAY_MS)
        self._delay.timeout.connect(self._reveal_progress)
        self._reached = [0]  # the step a decoding has started, written by the worker running it
        self._chain = Chain(())

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.choose_button)
        layout.addWidget(self.again_button)
        layout.addWidget(self.progress, 1)
        layout.addWidget(self.status, 1)
        layout.addStretch(1)

    def offer_again(self, chain: Chain | None) -> None:
        """One click to apply `chain` (the last one picked) to the message shown."""
        self.again_button.setVisible(chain is not None)
        if chain is not None:
            self.again_button.setText(f"Again: {chain.title}")
            self.again_button.setToolTip(f"Decode this message as {chain.title}, like the last one")

    def show_error(self, text: str) -> None:
        """Why a decoding failed (the view it was asked from stays as it was)."""
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def start(self, chain: Chain, big: bool) -> list[int]:
        """A decoding starts: the buttons wait; returns the cell the worker writes each step's number into.

        The progress shows at once for a `big` input, else only if the decoding takes a while
        (an inflating step can make up to its limit out of a few bytes).
        """
        self.choose_button.setEnabled(False)
        self.again_button.setEnabled(False)
        self.show_error("")
        self._chain = chain
        self._reached = [0]
        self.progress.setRange(0, len(chain.steps) + (1 if chain.then else 0))
        self.progress.setValue(0)
        self.progress.setFormat("Decoding…")
        if big:
            self._reveal_progress()
        else:
            self._delay.start()
        return self._reached

    def finish(self) -> None:
        self._delay.stop()
        self._poll.stop()
        self.progress.hide()
        self.choose_button.setEnabled(True)
        self.again_button.setEnabled(True)

    def _reveal_progress(self) -> None:
        self.progress.show()
        self._show_progress()
        self._poll.start()

    def _show_progress(self) -> None:
        step = self._reached[0]
        if not step:
            return
        names = [*(STEPS[name] for name in self._chain.steps), FORMATS.get(self._chain.then or "", "")]
        self.progress.setValue(step - 1)
        self.progress.setFormat(f"Step {step} of {self.progress.maximum()}: {names[step - 1]}…")

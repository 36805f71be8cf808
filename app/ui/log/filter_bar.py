"""The filter bar above the log: type an expression, see at once if it is wrong.

Applying a filter walks every stored row; it runs in chunks on a zero-delay timer
so the window keeps painting and accepting input while a big capture refilters.
"""

from __future__ import annotations

from collections.abc import Iterator

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QWidget

from app.core.contracts.live import LiveChecks
from app.core.filters import compile_filter, help_line, help_tooltip
from app.core.json_query import FilterError
from app.core.protocols.tracker import ProtocolTracker
from app.core.view import View
from app.ui.common import notify
from app.ui.common.naming import named
from app.ui.common.style import tint

DEBOUNCE_MS = 250
# Generated from the registry of term kinds, like README's table, so the three never disagree.
HELP = help_line()
TOOLTIP = help_tooltip()


# The status beside the box has this text's width whatever it says (so the box never changes width);
# longer texts, such as a bad expression's explanation, are cut there and shown whole in its tooltip
# and in the window's status bar.
STATUS_SAMPLE = "99,999,999 of 99,999,999 shown"


class FilterBar(QWidget):
    applied = Signal()  # the view shows the new filter's rows

    def __init__(self, view: View, protocols: ProtocolTracker | None = None, parent: QWidget | None = None,
                 checks: LiveChecks | None = None) -> None:
        """`protocols` answers the protocol terms (is:, proto:, event:, latency); `checks` the contract terms."""
        super().__init__(parent)
        self.view = view
        self.protocols = protocols
        self.checks = checks
        self.edit = QLineEdit()
        named(self.edit, "filterEdit")
        self.edit.setPlaceholderText("Filter (Ctrl+F): " + HELP)
        self.edit.setToolTip(TOOLTIP)
        self.edit.setClearButtonEnabled(True)
        self.status = QLabel()
        named(self.status, "filterStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setFixedWidth(self.status.fontMetrics().horizontalAdvance(STATUS_SAMPLE) + 8)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.status)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.apply)
        self.edit.textChanged.connect(self._debounce.start)
        self._steps: Iterator[float] | None = None
        self._stepper = QTimer(self)
        self._stepper.setInterval(0)
        self._stepper.timeout.connect(self._step)
        self.filtering = False
        self.error: str | None = None  # shown until the expression changes, never hidden by counts

    def apply(self) -> None:
        """Compile the expression now; on success start refiltering in chunks."""
        self._debounce.stop()
        try:
            predicate = compile_filter(self.edit.text(), self.protocols, self.checks)
        except FilterError as error:
            self.error = str(error)
            self._show(self.error, error=True)
            notify.warning(f"Filter not applied: {self.error}")
            return
        self.error = None
        self._steps = self.view.refilter_steps(predicate)
        self.filtering = True
        self._stepper.start()

    def _step(self) -> None:
        assert self._steps is not None
        try:
            done = next(self._steps)
        except StopIteration:
            self._stepper.stop()
            self._steps = None
            self.filtering = False
            self.applied.emit()
            self.show_counts()
            return
        self._show(f"Filtering… {done:.0%}")

    def show_counts(self) -> None:
        if self.filtering or self.error is not None:
            return
        if self.view.predicate is None:
            self._show("")
        else:
            self._show(f"{len(self.view):,} of {len(self.view.store):,} shown")

    def _show(self, text: str, *, error: bool = False) -> None:
        tint(self.status, "status.error" if error else None)
        self.status.setText(text)
        self.status.setToolTip(text)


__all__ = ["FilterBar", "HELP", "TOOLTIP"]

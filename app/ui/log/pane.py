"""The log pane: the filter bar, the message table and the status of what it shows.

It is the Qt end of the ingest path: `ingest` appends a batch through the
`Capture` and applies what changed to the model at once (dropped rows never
paint); `show_new_rows` announces new rows at the window's repaint cadence,
unless the view is paused, and keeps the follow-the-tail, counts and dropped
labels true.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QToolButton, QVBoxLayout, QWidget

from app.core.frames import Frame
from app.core.ingest import Appended, Capture
from app.core.summary import human_size
from app.ui.common.naming import named
from app.ui.common.style import tint
from app.ui.log import selection
from app.ui.log.checking import ContractChecking
from app.ui.log.columns import LogColumns
from app.ui.log.empty_hint import EmptyLogHint
from app.ui.log.filter_bar import FilterBar
from app.ui.log.model import LogModel
from app.ui.log.table import LogTable

_COLUMN_WIDTHS = (92, 80, 100, 80, 75)  # Time, Connection, Direction, Opcode, Size; Summary takes the rest


class LogPane(QWidget):
    # The message the detail pane shows has left the log's rows (a filter, a clear): show nothing rather than it.
    shown_message_gone = Signal()

    def __init__(self, capture: Capture, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.capture = capture
        self.store, self.view = capture.store, capture.view
        self.model = LogModel(capture, self)
        self.checking = ContractChecking(capture.checks, self)  # contracts: verdicts checked on a worker
        self.filter_bar = FilterBar(self.view, capture.protocols, checks=capture.checks)
        self.table = self._build_table()
        self.columns = LogColumns(self.table, self.model, self)
        self.empty_hint = EmptyLogHint(self.table, lambda: self.view.predicate is not None)
        self.follow_tail = True
        # Actions, so that the toolbar, the command palette and the keys share them with the buttons here.
        self.follow_action = self._toggle_action("&Follow", "followAction", "",
                                                 "Keep the newest message in view (scrolling up turns this off)")
        self.follow_action.setChecked(True)
        self.pause_action = self._toggle_action("&Pause", "pauseAction", "Ctrl+P",
                                                "Freeze the log while capture goes on")
        self.follow_button = self._tool_button(self.follow_action, "followTail")
        self.pause_button = self._tool_button(self.pause_action, "pauseView")
        self.new_badge = named(QLabel(), "pausedBadge")
        tint(self.new_badge, "badge.paused", bold=True)
        self.dropped_label = named(QLabel(), "droppedCount")
        tint(self.dropped_label, "badge.dropped")
        self.counts_label = named(QLabel(), "messageCounts")
        self.counts_label.setToolTip("Messages in the log now (connection events not counted); sent and received "
                                     "count every message since the start or the last Clear log, dropped ones too")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.addWidget(self.filter_bar, 1)  # nothing beside it changes width: the filter box keeps its own
        bar.addWidget(self.follow_button)
        bar.addWidget(self.pause_button)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        self.table.verticalScrollBar().valueChanged.connect(self._scrolled)
        self.follow_action.toggled.connect(self._follow_toggled)
        self.pause_action.toggled.connect(self._pause_toggled)
        self.filter_bar.applied.connect(self._filter_applied)
        self.checking.checked.connect(self.model.verdicts_arrived)
        self.checking.first_contract.connect(self.columns.add_contract_column)
        # Decoding that fell behind (a flood, an import) goes on in short steps between events.
        self._decoding = QTimer(self)
        self._decoding.setInterval(0)
        self._decoding.timeout.connect(self._decode_step)
        self._update_counts()

    def _build_table(self) -> LogTable:
        table = named(LogTable(), "messageLog")
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setWordWrap(False)
        table.setShowGrid(False)
        table.setAlternatingRowColors(True)
        vertical = table.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = table.horizontalHeader()
        for column, width in enumerate(_COLUMN_WIDTHS):
            header.resizeSection(column, width)
        return table

    def _toggle_action(self, text: str, name: str, keys: str, tip: str) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        action.setCheckable(True)
        if keys:
            action.setShortcut(QKeySequence(keys))
        action.setStatusTip(tip)
        return action

    @staticmethod
    def _tool_button(action: QAction, name: str) -> QToolButton:
        button = named(QToolButton(), name)
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.toggled.connect(action.setChecked)  # checked in code (`setChecked`) as well as clicked
        return button

    def status_widgets(self) -> list[QWidget]:
        """For the window's status bar, left to right: sorting, new while paused, dropped, counts."""
        return [self.columns.status, self.new_badge, self.dropped_label, self.counts_label]

    # -- the ingest path -----------------------------------------------------------------------

    def ingest(self, frames: Sequence[Frame], *, imported: bool = False) -> Appended:
        """Append a batch to the capture and apply what changed; new rows show at the next `show_new_rows`."""
        appended = self.capture.append(frames, imported=imported)
        if appended.dropped:
            self._apply_drop(appended)
        return appended

    def _apply_drop(self, appended: Appended) -> None:
        """The store dropped its oldest rows to stay within its budget: say so, and keep the log consistent."""
        self.columns.keeping_selection(lambda: self.model.apply(appended), self.view.previous_store_row)
        store = self.store
        events = store.dropped_events
        also = f" (and {events:,} connection event{'s' if events != 1 else ''})" if events else ""
        self.dropped_label.setText(f"{store.dropped_messages:,} oldest messages dropped{also}")
        self.dropped_label.setToolTip(
            f"The log keeps at most {human_size(store.budget)} of messages (--memory-budget); "
            f"the oldest {store.dropped_messages:,} messages{also} were dropped to stay within it")

    def show_new_rows(self) -> None:
        """Announce stored rows to the table (the window calls this at most every repaint interval under a flood).

        A repaint calls back into Python for every visible cell; while the client
        thread competes for the GIL each call can wait for it, so repainting on every
        drain would starve the GUI thread.
        """
        if not self.capture.protocols.catch_up() and not self._decoding.isActive():
            self._decoding.start()  # before the view: a protocol term reads what was decoded
        self.checking.step()  # before the view too: a contract term reads the verdicts
        pending = self.model.pending_rows()
        self.filter_bar.show_counts()
        self._update_counts()  # they count the whole log: new rows the filter hides too
        if self.pause_action.isChecked():  # capture goes on; the view waits and says how much
            self.new_badge.setText(f"+{pending:,} new" if pending > 0 else "")
            return
        if pending > 0 and self.model.announce_new_rows() and self.follow_tail:
            self.table.scrollToBottom()

    def _decode_step(self) -> None:
        if self.capture.protocols.catch_up():
            self._decoding.stop()

    def clear(self) -> None:
        """Remove every row from the log; a recording to file, the connections and their counts go on."""
        self.model.apply(self.capture.clear())
        self.columns.resort()
        self.shown_message_gone.emit()
        self.new_badge.clear()
        self.dropped_label.clear()
        self.dropped_label.setToolTip("")
        self.filter_bar.show_counts()
        self._update_counts()

    def _update_counts(self) -> None:
        store = self.store
        messages = len(store) - store.event_count
        self.counts_label.setText(f"{messages:,} message{'' if messages == 1 else 's'} · ↑ {store.sent_count:,} sent · "
                                  f"↓ {store.received_count:,} received")

    # -- following, pausing, filtering ---------------------------------------------------------

    def focus_filter(self) -> None:
        self.filter_bar.edit.setFocus()
        self.filter_bar.edit.selectAll()

    def _scrolled(self, value: int) -> None:
        self.follow_tail = value >= self.table.verticalScrollBar().maximum()
        self.follow_action.setChecked(self.follow_tail)

    def _follow_toggled(self, on: bool) -> None:
        self.follow_tail = on
        if on:
            self.table.scrollToBottom()

    def _pause_toggled(self, paused: bool) -> None:
        if not paused:
            self.new_badge.clear()
            self.show_new_rows()

    def _filter_applied(self) -> None:
        """The new filter's rows are in place: keep the selected messages it still shows, else clear the pane."""
        kept = selection.remember(self.table, self.view.previous_store_row)
        self.view.catch_up()
        self.model.view_replaced()
        if kept.current is not None and not selection.restore(self.table, self.view, kept):
            self.shown_message_gone.emit()
        self.columns.resort()
        if self.follow_tail:
            self.table.scrollToBottom()
        elif self.table.currentIndex().isValid():
            self.table.scrollTo(self.table.currentIndex())

    def current_store_row(self) -> int | None:
        """The store row of the table's current row, or None."""
        current: QModelIndex = self.table.currentIndex()
        return self.view.store_row(current.row()) if current.isValid() else None

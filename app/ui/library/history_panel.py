"""Sent-payload history: every payload the connection took, newest first, searchable.

Enter or a double-click loads a payload into the composer; Shift+Enter or
Re-send sends it again as it was sent (variables already expanded).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from app.core.frames import Opcode
from app.core.summary import format_time, summarize
from app.services.persistence import HistoryEntry, Persistence
from app.ui.common.list_panel import SearchableList


def _cells(entry: HistoryEntry) -> tuple[str, str, str]:
    opcode = Opcode.TEXT if isinstance(entry.payload, str) else Opcode.BINARY
    return format_time(entry.sent_at), entry.target, summarize(opcode, entry.payload)


class HistoryPanel(SearchableList):
    load_requested = Signal(object)
    resend_requested = Signal(object)

    def __init__(self, store: Persistence, parent: QWidget | None = None) -> None:
        super().__init__("history", ("Sent", "To", "Payload"), _cells,
                         "Search sent payloads (text or target)", parent)
        self.store = store
        self.load_button = self.button("Load", "historyLoad", "Put the payload in the composer (Enter)", self.load)
        self.resend_button = self.button("Re-send", "historyResend", "Send it again as it was sent (Shift+Enter)",
                                         self.resend)
        self.delete_button = self.button("Delete", "historyDelete", "Forget this entry (Del)", self.delete)
        self.buttons.addStretch(1)
        self.table.activated_row.connect(lambda _row: self.load())
        self.table.shift_activated_row.connect(lambda _row: self.resend())
        self.table.delete_pressed.connect(lambda _row: self.delete())
        self.table.horizontalHeader().resizeSection(0, 90)
        self.table.horizontalHeader().resizeSection(1, 100)
        self.refresh()

    def query(self, search: str) -> list[HistoryEntry]:
        return self.store.history(search)

    def record(self, payload: str | bytes, target: str) -> None:
        self.store.record_sent(payload, target)
        self.refresh_soon()

    def load(self) -> None:
        entry = self.current()
        if entry is not None:
            self.load_requested.emit(entry.payload)

    def resend(self) -> None:
        entry = self.current()
        if entry is not None:
            self.resend_requested.emit(entry.payload)

    def delete(self) -> None:
        entry = self.current()
        if entry is None:
            return
        row = self.table.currentIndex().row()
        self.store.delete_history(entry.id)
        self.refresh()
        if self.model.rows:  # keep the keyboard on the list: the next entry takes the deleted one's place
            self.table.selectRow(min(row, len(self.model.rows) - 1))

"""The saved-payload library: named payloads with tags, kept across runs.

Search words match names or tags (`#tag` tags only). Saving under an existing
name replaces that payload. Enter or a double-click loads one into the composer.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QWidget

from app.core.frames import Opcode
from app.core.summary import summarize
from app.services.persistence import Persistence, SavedPayload
from app.ui.common.list_panel import SearchableList
from app.ui.common.naming import named
from app.ui.common.style import tint


def _cells(saved: SavedPayload) -> tuple[str, str, str]:
    opcode = Opcode.TEXT if isinstance(saved.payload, str) else Opcode.BINARY
    return saved.name, " ".join(f"#{tag}" for tag in saved.tags), summarize(opcode, saved.payload)


class LibraryPanel(SearchableList):
    load_requested = Signal(object)

    def __init__(self, store: Persistence, current_payload: Callable[[], str | bytes | None],
                 parent: QWidget | None = None) -> None:
        super().__init__("library", ("Name", "Tags", "Payload"), _cells,
                         "Search by name or #tag  (Ctrl+B)", parent)
        self.store = store
        self._current_payload = current_payload  # the composer's payload, or None if it is invalid
        self.name_edit = self._line_edit("libraryName", "Name")
        self.tags_edit = self._line_edit("libraryTags", "tags, space separated")
        self.status = QLabel()
        named(self.status, "libraryStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        save_row = QHBoxLayout()
        save_row.addWidget(self.name_edit, 2)
        save_row.addWidget(self.tags_edit, 2)
        self.column.insertLayout(2, save_row)
        self.column.addWidget(self.status)
        self.save_button = self.button("Save composer", "librarySave",
                                       "Save the composer's payload under this name (replaces one of that name)",
                                       self.save_current)
        self.load_button = self.button("Load", "libraryLoad", "Put the payload in the composer (Enter)", self.load)
        self.delete_button = self.button("Delete", "libraryDelete", "Delete the selected payload (Del)", self.delete)
        self.buttons.addStretch(1)
        self.name_edit.returnPressed.connect(self.save_current)
        self.tags_edit.returnPressed.connect(self.save_current)
        self.table.activated_row.connect(lambda _row: self.load())
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._fill_from_current())
        self.table.delete_pressed.connect(lambda _row: self.delete())
        self.table.horizontalHeader().resizeSection(0, 140)
        self.table.horizontalHeader().resizeSection(1, 110)
        self.refresh()

    def _line_edit(self, name: str, placeholder: str) -> QLineEdit:
        edit = QLineEdit()
        named(edit, name)
        edit.setPlaceholderText(placeholder)
        return edit

    def query(self, search: str) -> list[SavedPayload]:
        return self.store.saved_payloads(search)

    def save_current(self) -> None:
        name = self.name_edit.text().strip()
        if not name:
            self._say("Type a name to save the composer's payload under", error=True)
            self.name_edit.setFocus()
            return
        payload = self._current_payload()
        if payload is None:
            self._say("Not saved: the composer's payload is not valid (see the composer)", error=True)
            return
        saved = self.store.save_payload(name, payload, self.tags_edit.text())
        self.refresh()
        names = [row.name for row in self.model.rows]
        if saved.name in names:
            self.table.selectRow(names.index(saved.name))
        self._say(f"{'Replaced' if saved.updated != saved.created else 'Saved'} {saved.name!r}")

    def load(self) -> None:
        saved = self.current()
        if saved is not None:
            self.load_requested.emit(saved.payload)
            self._say(f"Loaded {saved.name!r}")

    def delete(self) -> None:
        saved = self.current()
        if saved is not None:
            self.store.delete_saved(saved.name)
            self.refresh()
            self._say(f"Deleted {saved.name!r}")

    def _fill_from_current(self) -> None:
        saved = self.current()
        if saved is not None:
            self.name_edit.setText(saved.name)
            self.tags_edit.setText(" ".join(saved.tags))

    def _say(self, text: str, error: bool = False) -> None:
        tint(self.status, "status.error" if error else None)
        self.status.setText(text)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

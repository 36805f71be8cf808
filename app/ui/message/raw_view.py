"""The message's text: as received, pretty-printed or compact, coloured, with a find bar.

Pretty and Compact re-print the parsed value with `app.core.pretty`, which writes
exactly what `jsondoc.dumps` writes (duplicate keys, big integers and number
literals survive) without recursion. Small values are printed at once; bigger ones
on a worker thread while the view says "Formatting…". Colouring and putting text
into the editor both cost GUI time in proportion to the text, so beyond the limits
below the text is shown plain, or only its beginning until the user asks for all
of it. The limits come from bench/bench_raw_view.py.
"""

from __future__ import annotations

import asyncio
import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core import pretty
from app.core.inspection import LARGE_DOCUMENT, Inspection
from app.core.printable import displayable
from app.core.summary import human_size
from app.ui.common import async_loop
from app.ui.common.json_highlighter import HIGHLIGHT_LIMIT, MAX_BLOCK_LENGTH, JsonHighlighter
from app.ui.common.naming import named
from app.ui.common.shortcuts import add_shortcut
from app.ui.common.style import colour, tint

INLINE_FORMAT_LIMIT = 64 * 1024  # characters of raw JSON re-printed on the GUI thread; more on a worker
# Characters put into the editor until the user asks for all. Qt lays a long line out as a whole
# (a 2 MiB single line took 2.5-5 s, 48 KiB 144 ms), many short lines more cheaply (256 KiB of pretty
# JSON: 210 ms), all on a 2-core machine under a load of 6-8.
DISPLAY_LIMIT = 128 * 1024
LONG_LINE_LIMIT = 32 * 1024
MAX_MATCHES = 10_000  # the find bar counts this many, then says "10,000+"
MARKED_MATCHES = 2_000  # matches given a background (the current one is selected)

RAW, PRETTY, COMPACT = "raw", "pretty", "compact"


def visible_part(text: str) -> str:
    """The beginning of `text` that is cheap to show: DISPLAY_LIMIT characters, cut short before the
    end of the first line longer than LONG_LINE_LIMIT."""
    part = text[:DISPLAY_LIMIT]
    start = 0
    while True:
        end = part.find("\n", start)
        line_end = len(part) if end < 0 else end
        if line_end - start > LONG_LINE_LIMIT:
            return part[:start + LONG_LINE_LIMIT]
        if end < 0:
            return part
        start = end + 1


def format_value(value: object, mode: str) -> str:
    """The printed value, ready for Qt (pure: runs on a worker for big values)."""
    return displayable(pretty.pretty(value) if mode == PRETTY else pretty.compact(value))


class RawView(QWidget):
    def __init__(self, parent: QWidget | None = None, monospace_font=None) -> None:
        super().__init__(parent)
        named(self, "rawPane")
        self.inspection: Inspection | None = None
        self.mode = RAW
        self.text = ""  # everything the current mode shows (the editor may hold only its beginning)
        self._generation = 0
        self._matches: list[tuple[int, int]] = []  # (start, length) in the editor's positions
        self._more_matches = False
        self._current_match = -1

        self.editor = QPlainTextEdit()
        named(self.editor, "rawView")
        self.editor.setReadOnly(True)
        if monospace_font is not None:
            self.editor.setFont(monospace_font)
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.highlighter = JsonHighlighter(self)

        self.mode_buttons = QButtonGroup(self)
        mode_bar = QHBoxLayout()
        mode_bar.setContentsMargins(0, 0, 0, 0)
        for mode, label, tip in ((RAW, "As received", "The text exactly as it came over the wire"),
                                 (PRETTY, "Pretty", "Indented, one member per line (duplicates and numbers kept)"),
                                 (COMPACT, "Compact", "One line without spaces (duplicates and numbers kept)")):
            button = QToolButton()
            button.setText(label)
            button.setCheckable(True)
            named(button, f"raw{mode.capitalize()}Button")
            button.setToolTip(tip)
            button.setChecked(mode == RAW)
            button.setProperty("mode", mode)
            self.mode_buttons.addButton(button)
            mode_bar.addWidget(button)
        self.mode_buttons.setExclusive(True)
        self.mode_buttons.buttonClicked.connect(lambda button: self.set_mode(button.property("mode")))

        self.find_edit = QLineEdit()
        named(self.find_edit, "rawFind")
        self.find_edit.setPlaceholderText("Find in text (Enter: next, Shift+Enter: previous)")
        self.find_edit.setClearButtonEnabled(True)
        self.previous_button = self._small_button("◀", "rawFindPrevious", "Previous match (Shift+F3)")
        self.next_button = self._small_button("▶", "rawFindNext", "Next match (F3)")
        self.match_label = QLabel()
        named(self.match_label, "rawMatchCount")
        mode_bar.addSpacing(12)
        mode_bar.addWidget(self.find_edit, 1)
        mode_bar.addWidget(self.previous_button)
        mode_bar.addWidget(self.next_button)
        mode_bar.addWidget(self.match_label)

        self.note = QLabel()
        named(self.note, "rawNote")
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setWordWrap(True)
        tint(self.note, "status.warning")
        self.note.hide()
        self.show_all_button = QPushButton("Show all")
        named(self.show_all_button, "rawShowAll")
        self.show_all_button.setToolTip("Put the whole text into the view (this can take seconds)")
        self.show_all_button.hide()
        self.show_all_button.clicked.connect(self.show_all)
        note_bar = QHBoxLayout()
        note_bar.setContentsMargins(0, 0, 0, 0)
        note_bar.addWidget(self.note, 1)
        note_bar.addWidget(self.show_all_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(mode_bar)
        layout.addLayout(note_bar)
        layout.addWidget(self.editor, 1)

        self.find_edit.textChanged.connect(self._search)
        self.find_edit.returnPressed.connect(self.find_next)
        self.next_button.clicked.connect(self.find_next)
        self.previous_button.clicked.connect(self.find_previous)
        add_shortcut("Shift+Return", self.find_edit, self.find_previous, Qt.ShortcutContext.WidgetShortcut,
                     what="Previous match")
        add_shortcut("F3", self, self.find_next, Qt.ShortcutContext.WidgetWithChildrenShortcut, what="Next match")
        add_shortcut("Shift+F3", self, self.find_previous, Qt.ShortcutContext.WidgetWithChildrenShortcut,
                     what="Previous match")

    def _small_button(self, text: str, name: str, tip: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        named(button, name)
        button.setToolTip(tip)
        return button

    # -- content -----------------------------------------------------------------------------

    def toPlainText(self) -> str:
        return self.editor.toPlainText()

    def set_inspection(self, inspection: Inspection) -> None:
        self.inspection = inspection
        self._render()

    def clear(self) -> None:
        """Show no text (no message is selected)."""
        self._generation += 1  # a formatting under way is not shown
        self.inspection = None
        self._show("")

    def set_mode(self, mode: str) -> None:
        """Show the message as received, pretty or compact; the choice stays for the next message."""
        self.mode = mode
        for button in self.mode_buttons.buttons():
            button.setChecked(button.property("mode") == mode)
        self._render()

    def _render(self) -> None:
        self._generation += 1
        inspection = self.inspection
        if inspection is None:
            return
        if self.mode == RAW or not inspection.is_json:
            note = "" if self.mode == RAW else "Not JSON: shown as received"
            self._show(inspection.raw, note)
            return
        if inspection.value is None:  # a big document lives in the document process, not here
            self._show(inspection.raw, f"Pretty and Compact print documents under {human_size(LARGE_DOCUMENT)} "
                       "(bigger ones are held by the document process); this one is shown as received")
            return
        if len(inspection.raw) <= INLINE_FORMAT_LIMIT:
            self._show(format_value(inspection.value, self.mode))
            return
        self._set_note(f"Formatting {len(inspection.raw):,} characters…")
        asyncio.ensure_future(self._format_in_worker(inspection, self.mode, self._generation))

    async def _format_in_worker(self, inspection: Inspection, mode: str, generation: int) -> None:
        text = await async_loop.in_worker(format_value, inspection.value, mode)
        if generation == self._generation:  # still the message and mode the user wants
            self._show(text)

    def _show(self, text: str, note: str = "") -> None:
        self.text = text
        shown = visible_part(text)
        notes = [note] if note else []
        if len(shown) < len(text):
            notes.append(f"Showing the first {len(shown):,} of {len(text):,} characters")
        coloured = len(shown) <= HIGHLIGHT_LIMIT
        if not coloured:
            notes.append(f"Colouring is off for texts over {HIGHLIGHT_LIMIT:,} characters")
        elif len(shown) > MAX_BLOCK_LENGTH and max(map(len, shown.split("\n"))) > MAX_BLOCK_LENGTH:
            notes.append(f"Lines over {MAX_BLOCK_LENGTH:,} characters are not coloured")
        # Detach before replacing the text: colouring a big text would hold the GUI thread.
        self.highlighter.setDocument(None)
        self.editor.setPlainText(shown)
        if coloured:
            self.highlighter.setDocument(self.editor.document())
        self.show_all_button.setVisible(len(shown) < len(text))
        self._set_note("\n".join(notes))
        self._search(self.find_edit.text())

    def show_all(self) -> None:
        self.highlighter.setDocument(None)
        self.editor.setPlainText(self.text)
        self.show_all_button.hide()
        self._set_note(f"Colouring is off for texts over {HIGHLIGHT_LIMIT:,} characters")
        self._search(self.find_edit.text())

    def _set_note(self, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))

    # -- find --------------------------------------------------------------------------------

    def _search(self, needle: str) -> None:
        """Find the case-insensitive matches in the shown text, mark them all and select the first."""
        self._matches = []
        self._more_matches = False
        self._current_match = -1
        if not needle:
            self.match_label.clear()
            self.editor.setExtraSelections([])
            return
        text = self.editor.toPlainText()
        pattern = re.compile(re.escape(needle), re.IGNORECASE)
        ascii_text = text.isascii()
        scanned = offset = 0  # Qt counts UTF-16 code units: characters beyond U+FFFF count twice
        for match in pattern.finditer(text):
            if len(self._matches) == MAX_MATCHES:
                self._more_matches = True
                break
            start, end = match.span()
            if not ascii_text:
                offset += sum(1 for c in text[scanned:start] if c > "\uffff")
                scanned = start
                wide = sum(1 for c in text[start:end] if c > "\uffff")
                self._matches.append((start + offset, end - start + wide))
            else:
                self._matches.append((start, end - start))
        if not self._matches:
            self.match_label.setText("No matches")
            self.editor.setExtraSelections([])
            return
        self._mark_matches()
        self._select(0)

    def _mark_matches(self) -> None:
        document = self.editor.document()
        selections = []
        for start, length in self._matches[:MARKED_MATCHES]:
            selection = QTextEdit.ExtraSelection()
            selection.format.setBackground(colour("find.match"))  # translucent: the text reads through
            cursor = QTextCursor(document)
            cursor.setPosition(start)
            cursor.setPosition(start + length, QTextCursor.MoveMode.KeepAnchor)
            selection.cursor = cursor
            selections.append(selection)
        self.editor.setExtraSelections(selections)

    def find_next(self) -> None:
        if self._matches:
            self._select((self._current_match + 1) % len(self._matches))

    def find_previous(self) -> None:
        if self._matches:
            self._select((self._current_match - 1) % len(self._matches))

    def match_count(self) -> int:
        return len(self._matches)

    def _select(self, index: int) -> None:
        self._current_match = index
        total = f"{MAX_MATCHES:,}+" if self._more_matches else f"{len(self._matches):,}"
        self.match_label.setText(f"{index + 1:,} of {total}")
        start, length = self._matches[index]
        cursor = QTextCursor(self.editor.document())
        cursor.setPosition(start)
        cursor.setPosition(start + length, QTextCursor.MoveMode.KeepAnchor)
        self.editor.setTextCursor(cursor)
        self.editor.centerCursor()

"""JSON colouring for a text document: keys, strings, numbers, literals, punctuation.

Each block (line) is tokenised on its own with one regular expression; no state
crosses lines (a JSON string cannot contain a raw line break), so an edit
re-colours one line. Colouring costs about a microsecond per token in Python,
which is why the limits below exist: a longer line is left plain, and a view
showing a bigger text detaches the highlighter and says so (`HIGHLIGHT_LIMIT`,
measured in docs/benchmarks.md).
"""

from __future__ import annotations

import re

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

from app.ui.common.style import follow_theme, palette_is_dark
from app.ui.common.theme import colours_for

# Lines longer than this are not coloured (a compact message is one line; 20,000 characters
# took 119 ms to colour, 100,000 took 500 ms on a loaded 2-core machine).
MAX_BLOCK_LENGTH = 16_000
# Texts longer than this (characters) are shown without colouring by the raw and diff views:
# 75,000 characters of pretty JSON (5,000 lines) took 183 ms to colour, 100,000 lines 4.2 s.
HIGHLIGHT_LIMIT = 40_000

_TOKEN = re.compile(
    r'(?P<string>"(?:[^"\\]|\\.)*"?)(?P<colon>\s*:)?'
    r"|(?P<number>(?<![\w.])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"|(?P<literal>\b(?:true|false|null|NaN)\b|-?\bInfinity\b)"
    r"|(?P<punctuation>[{}\[\],:])"
)

TOKEN_KINDS = ("key", "string", "number", "literal", "punctuation")  # coloured as "json.<kind>" of the theme


def text_formats(dark: bool | None = None) -> dict[str, QTextCharFormat]:
    """A format per token kind, for a dark or light palette (None: the application's)."""
    dark = palette_is_dark() if dark is None else dark
    colours = colours_for(dark)
    formats = {}
    for kind in TOKEN_KINDS:
        text_format = QTextCharFormat()
        text_format.setForeground(QColor(colours[f"json.{kind}"]))
        if kind == "key":
            text_format.setFontWeight(QFont.Weight.DemiBold)
        formats[kind] = text_format
    return formats


class JsonHighlighter(QSyntaxHighlighter):
    """Colours JSON text for a dark or light palette, or (`dark` None) for the application's, following it."""

    def __init__(self, parent: QObject | QTextDocument | None = None, dark: bool | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]  # PySide6 takes either, or None; its stubs split them
        self.formats = text_formats(dark)
        if dark is None:
            follow_theme(self.read_colours)

    @Slot()
    def read_colours(self) -> None:
        """Colour the text again with the theme's colours for the application's palette now."""
        self.formats = text_formats()
        self.rehighlight()  # bounded: a text over HIGHLIGHT_LIMIT is not coloured at all

    def highlightBlock(self, text: str) -> None:
        document = self.document()
        if document is not None and document.characterCount() > HIGHLIGHT_LIMIT:
            return  # an editor that does not detach us (the composer) stays responsive on a huge paste
        formats = self.formats
        for start, length, kind in token_spans(text):
            self.setFormat(start, length, formats[kind])


def token_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, length, kind) of every token of one line; nothing for a line over MAX_BLOCK_LENGTH."""
    if len(text) > MAX_BLOCK_LENGTH:
        return []
    spans = []
    for match in _TOKEN.finditer(text):
        string = match.group("string")
        if string is not None:
            colon = match.group("colon")
            spans.append((match.start(), len(string), "key" if colon else "string"))
            if colon:
                spans.append((match.end() - 1, 1, "punctuation"))
            continue
        kind = match.lastgroup
        assert kind is not None
        spans.append((match.start(), match.end() - match.start(), kind))
    return spans

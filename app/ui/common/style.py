"""Colours and fonts that follow the application's palette, shared by every feature.

The colours themselves are in app/ui/common/theme.py; this module picks the table
for the palette shown now.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QPalette
from PySide6.QtWidgets import QWidget

from app.ui.common.theme import colours_for

TINT = "themeColour"  # a widget's dynamic property: the colour name its text is drawn in ("" for none)
_TINT_BOLD = "themeColourBold"


def palette_is_dark(palette: QPalette | None = None) -> bool:
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


def colours() -> dict[str, str]:
    """The colour table for the application's palette now."""
    return colours_for(palette_is_dark())


def colour(name: str) -> QColor:
    return QColor(colours()[name])


def css(name: str) -> str:
    """A colour for a style sheet, translucency included (style sheets read #rrggbb or rgba())."""
    value = colour(name)
    if value.alpha() < 255:
        return f"rgba({value.red()}, {value.green()}, {value.blue()}, {value.alpha()})"
    return value.name()


def status_colour(kind: str) -> str:
    """The colour for "valid", "error" or "warning" text on the application's palette."""
    return colours()[f"status.{kind}"]


def tint(widget: QWidget, name: str | None, *, bold: bool = False) -> None:
    """Draw a label's text in the named colour of the table (None: the palette's own text colour)."""
    widget.setProperty(TINT, name or "")
    widget.setProperty(_TINT_BOLD, bold)
    _apply_tint(widget)


def _apply_tint(widget: QWidget) -> None:
    name = widget.property(TINT)
    weight = " font-weight: bold;" if widget.property(_TINT_BOLD) else ""
    widget.setStyleSheet(f"color: {css(name)};{weight}" if name else "")


def monospace() -> QFont:
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)

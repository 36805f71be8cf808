"""Colours and fonts that follow the application's palette, shared by every feature."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication, QPalette

# (light palette, dark palette): the light ones are too dim to read on a dark background.
_STATUS_COLOURS = {"valid": ("#1a7f37", "#3fb950"), "error": ("#cf222e", "#f85149"), "warning": ("#9a6700", "#d29922")}


def palette_is_dark(palette: QPalette | None = None) -> bool:
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


def status_colour(kind: str) -> str:
    """The colour for "valid", "error" or "warning" text on the application's palette."""
    return _STATUS_COLOURS[kind][palette_is_dark()]


def monospace() -> QFont:
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)

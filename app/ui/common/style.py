"""Colours and fonts that follow the application's palette, shared by every feature.

The colours themselves are in app/ui/common/theme.py; this module picks the table
for the palette shown now, and keeps what was coloured in step when the palette
changes (the user chose another theme, or the desktop turned dark): a label
coloured with `tint` is coloured again, and a model or highlighter that keeps
colours asks to be told with `follow_theme`.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractItemModel, QObject, Qt, Signal, Slot
from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget
from shiboken6 import isValid

from app.ui.common.theme import colours_for

# Fusion outlines a focused field or button in the palette's highlight, but draws the frame of a list,
# table, tree or text view the same with or without the focus (and the selection is no help: it looks
# alike either way), so a keyboard user could not see where the focus is. The window's style sheet (its
# dialogs inherit it) outlines them too, in palette colours, so it follows the theme; same width either
# way, nothing shifts. Set on the window, not the application, whose style stays Fusion itself.
_FRAMED_VIEWS = ("QTableView", "QTreeView", "QListView", "QPlainTextEdit", "QTextEdit")
FOCUS_STYLE = (", ".join(_FRAMED_VIEWS) + " { border: 1px solid palette(mid); }\n"
               + ", ".join(f"{view}:focus" for view in _FRAMED_VIEWS) + " { border: 1px solid palette(highlight); }")

TINT = "themeColour"  # a widget's dynamic property: the colour name its text is drawn in ("" for none)
_TINT_BOLD = "themeColourBold"
_SHOWS_FOCUS = "showsFocus"  # a widget's dynamic property: it has FOCUS_STYLE


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
    _palette_watch()  # from now on the label follows the theme


def show_focus(widget: QWidget) -> None:
    """Outline the focused view among `widget`'s children (see FOCUS_STYLE), in the theme's colours."""
    widget.setProperty(_SHOWS_FOCUS, True)
    widget.setStyleSheet(FOCUS_STYLE)
    _palette_watch()  # a style sheet's palette colours are read when it is set: set again on a change


def _apply_tint(widget: QWidget) -> None:
    name = widget.property(TINT)
    weight = " font-weight: bold;" if widget.property(_TINT_BOLD) else ""
    widget.setStyleSheet(f"color: {css(name)};{weight}" if name else "")


class _PaletteWatch(QObject):
    """Re-tints the tinted labels when the application's palette changes, then says so."""

    changed = Signal()

    @Slot()
    def palette_changed(self) -> None:
        for widget in QApplication.allWidgets():  # a few hundred, once per change of theme
            if widget.property(TINT):
                _apply_tint(widget)
            if widget.property(_SHOWS_FOCUS):
                widget.setStyleSheet("")
                widget.setStyleSheet(FOCUS_STYLE)
        self.changed.emit()


_watch: _PaletteWatch | None = None


def _palette_watch() -> _PaletteWatch | None:
    """The application's watch, made on first use (None before there is an application)."""
    global _watch
    app = QGuiApplication.instance()
    if not isinstance(app, QGuiApplication):
        return None
    if _watch is None or not isValid(_watch):
        _watch = _PaletteWatch(app)
        app.paletteChanged.connect(_watch.palette_changed)
    return _watch


def follow_theme(slot: Callable[[], None]) -> None:
    """Call `slot` after each change of the application's palette.

    Make it a `Slot` of a QObject, so that the connection goes when the object does.
    """
    watch = _palette_watch()
    if watch is not None:
        watch.changed.connect(slot)


def colours_changed(model: QAbstractItemModel) -> None:
    """Tell a model's views that its top-level rows have new colours (they repaint what they show)."""
    rows, columns = model.rowCount(), model.columnCount()
    if rows and columns:
        model.dataChanged.emit(model.index(0, 0), model.index(rows - 1, columns - 1),
                               [Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole])


def monospace() -> QFont:
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)

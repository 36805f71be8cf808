"""Every control of the main window is reachable with Tab, has an accessible name, and shows its focus."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPalette
from PySide6.QtWidgets import QAbstractScrollArea, QAbstractSpinBox, QApplication, QComboBox, QWidget

from app.core.frames import Direction, Frame, Opcode, Side
from app.ui.shell.main_window import MainWindow
from app.ui.shell.theme_switch import application_switch, install
from tests.helpers import shown_window

MOST_TAB_STOPS = 300  # bounds the walk: well above the window's stops


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:
    with shown_window(qtbot, "--no-server", active=True) as window:
        payload = json.dumps({"user": {"name": "Ada"}, "n": 1})
        window.ingest([Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, payload, len(payload),
                             time.time())])
        window.show_new_rows()
        window.log_view.selectRow(0)
        qtbot.waitUntil(lambda: window.message_view.tree_model.rowCount() == 2, timeout=3000)
        yield window


def focus_owner(widget: QWidget) -> QWidget:
    """The control a focus stop belongs to: a spin box's or combo box's own line edit counts as the box."""
    parent = widget.parentWidget()
    if isinstance(parent, (QAbstractSpinBox, QComboBox)):
        return parent
    return widget


def tab_stops(window: MainWindow) -> list[QWidget]:
    """The window's controls a keyboard user must be able to reach: shown, enabled, taking focus by Tab."""
    stops = []
    for widget in window.findChildren(QWidget):
        if (widget.window() is window and widget.isVisible() and widget.isEnabled()
                and widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.focusProxy() is None
                and not widget.visibleRegion().isEmpty()):
            stops.append(focus_owner(widget))
    return list(dict.fromkeys(stops))


def describe(widgets: list[QWidget]) -> str:
    return ", ".join(f"{type(w).__name__}({w.objectName()!r})" for w in widgets)


def walk(window: MainWindow, qtbot) -> list[QWidget]:
    """Tab from the URL field until the focus comes back to it; the controls it stopped at, in order."""
    window.url_edit.setFocus()
    qtbot.waitUntil(window.url_edit.hasFocus, timeout=2000)
    visited: list[QWidget] = []
    for _ in range(MOST_TAB_STOPS):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        focused = QApplication.focusWidget()
        if focused is window.url_edit:
            return visited
        visited.append(focus_owner(focused))
    raise AssertionError(f"Tab never came back to the URL field: {describe(visited[-20:])}")


@pytest.mark.parametrize("layout", ["first start", "everything open"])
def test_tab_from_the_url_field_reaches_every_control_and_each_has_a_name(window: MainWindow, qtbot,
                                                                        layout: str) -> None:
    if layout == "everything open":
        window.composer.set_folded(False)
        window.dock_layout.fold_band(False)
        qtbot.waitUntil(lambda: window.connections_panel.height() > 100 and window.composer.editor.isVisible(),
                        timeout=2000)
    stops = tab_stops(window)
    visited = walk(window, qtbot)
    missed = [widget for widget in stops if widget not in visited and widget is not window.url_edit]
    assert not missed, f"Tab never reaches {describe(missed)}"
    unnamed = [widget for widget in stops if not widget.accessibleName()]
    assert not unnamed, f"no accessible name: {describe(unnamed)}"


def ring_changes(widget: QWidget, before: QImage, after: QImage) -> float:
    """The share of the pixels within 2 of the widget's edge that differ between two pictures of it."""
    width, height = before.width(), before.height()
    ring = [(x, y) for x in range(width) for y in range(height)
            if min(x, y, width - 1 - x, height - 1 - y) < 2 * widget.devicePixelRatio()]
    return sum(before.pixel(x, y) != after.pixel(x, y) for x, y in ring) / len(ring)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_focus_shows_on_views_fields_and_buttons_in_both_themes(window: MainWindow, qtbot, theme: str) -> None:
    previous = application_switch().theme
    install(theme)
    try:
        window.composer.set_folded(False)
        tree = window.message_view.tree
        tree.setCurrentIndex(window.message_view.tree_model.index(0, 0))  # a current, selected row in each view
        widgets = [window.log_view, tree, window.composer.editor, window.url_edit, window.filter_bar.edit,
                   window.connect_button, window.composer.send_button]
        for widget in widgets:
            window.url_edit.setFocus() if widget is not window.url_edit else window.log_view.setFocus()
            qtbot.waitUntil(lambda w=widget: not w.hasFocus(), timeout=2000)
            unfocused = widget.grab().toImage()
            widget.setFocus(Qt.FocusReason.ShortcutFocusReason)  # Fusion outlines a button only when a key moved it
            qtbot.waitUntil(widget.hasFocus, timeout=2000)
            focused = widget.grab().toImage()
            changed = ring_changes(widget, unfocused, focused)
            assert changed >= 0.3, f"{widget.objectName()} looks the same with the focus ({changed:.0%} of its edge)"
            if isinstance(widget, QAbstractScrollArea):  # outlined in the theme's highlight, now
                highlight = widget.palette().color(QPalette.ColorRole.Highlight)
                assert focused.pixelColor(focused.width() // 2, 0) == highlight, widget.objectName()
    finally:
        install(previous)

"""Keyboard shortcuts with the context they were asked for.

PySide6 (6.12) ignores the context passed to `QShortcut(keys, parent, slot, context)`:
every such shortcut becomes window-wide, so a key meant for one pane (Shift+Enter in
the raw view's find box) steals it from another (Shift+Enter re-sends from History).
Setting the context after construction works.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget


def add_shortcut(keys: str, parent: QWidget, slot: Callable[[], object],
                 context: Qt.ShortcutContext = Qt.ShortcutContext.WindowShortcut) -> QShortcut:
    shortcut = QShortcut(QKeySequence(keys), parent)
    shortcut.setContext(context)
    shortcut.activated.connect(slot)
    return shortcut

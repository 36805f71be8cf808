"""One name for a widget, for the two that look it up.

Tests find widgets by object name (`findChild(QLineEdit, "connectionUrl")`) and screen readers by
accessible name; giving both the same stable name keeps the two in step.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


def named[W: QWidget](widget: W, name: str) -> W:
    """`widget`, with `name` as its object name and its accessible name."""
    widget.setObjectName(name)
    widget.setAccessibleName(name)
    return widget

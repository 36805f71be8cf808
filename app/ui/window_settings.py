"""Window layout and small preferences kept in QSettings between runs.

Geometry, dock and toolbar state, splitter sizes and the last URL. Tests point
QSettings' user scope at a temporary directory (QSettings.setPath), so the
format is fixed to INI on every platform.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QLineEdit, QMainWindow, QSplitter


def open_settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "SocketScope", "SocketScope")


def save(window: QMainWindow, splitters: list[QSplitter], url_edit: QLineEdit) -> None:
    settings = open_settings()
    settings.setValue("window/geometry", window.saveGeometry())
    settings.setValue("window/state", window.saveState())
    for splitter in splitters:
        settings.setValue(f"splitters/{splitter.objectName()}", splitter.saveState())
    settings.setValue("connection/lastUrl", url_edit.text().strip())
    settings.sync()


def restore(window: QMainWindow, splitters: list[QSplitter], url_edit: QLineEdit | None) -> None:
    """Restore what was saved; a missing or unreadable value keeps the default layout."""
    settings = open_settings()
    geometry = settings.value("window/geometry")
    if geometry is not None:
        window.restoreGeometry(geometry)
    state = settings.value("window/state")
    if state is not None:
        window.restoreState(state)
    for splitter in splitters:
        sizes = settings.value(f"splitters/{splitter.objectName()}")
        if sizes is not None:
            splitter.restoreState(sizes)
    if url_edit is not None:
        last_url = settings.value("connection/lastUrl", "", str)
        if last_url:
            url_edit.setText(last_url)

"""Column headers shared by the Qt models: one place for the `headerData` convention."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt


def horizontal_header(columns: tuple[str, ...], section: int, orientation: Qt.Orientation, role: int) -> Any:
    """The label of column `section` for horizontal headers' display role, else None."""
    if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
        return columns[section]
    return None

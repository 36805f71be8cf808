"""The test suite's own guards see what they guard against."""

from __future__ import annotations

from tests.conftest import top_level_widgets


def test_a_top_level_widget_is_seen_until_it_is_deleted(qapp) -> None:
    from PySide6.QtWidgets import QLabel
    from shiboken6 import getCppPointer

    before = top_level_widgets()
    widget = QLabel("left behind")
    address = getCppPointer(widget)[0]
    assert address in top_level_widgets() - before
    widget.deleteLater()
    assert address not in top_level_widgets()

"""A check box reads as a control on both themes: its box's outline stands out from the window (WCAG 1.4.11)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QStyle, QStyleOptionButton

from app.ui.shell import theme_switch
from tests.helpers import shown_window
from tests.test_themes import contrast

NON_TEXT_CONTRAST = 3.0  # WCAG 2.1 1.4.11: the visual boundary of a control


@pytest.mark.parametrize("name", ["dark", "light"])
def test_the_refuse_invalid_box_stands_out_from_the_window(qtbot, name: str) -> None:
    with shown_window(qtbot, "--no-server", "--theme", name) as window:
        window.composer.set_folded(False)
        box = window.composer.refuse_invalid
        qtbot.waitUntil(box.isVisible, timeout=2000)
        option = QStyleOptionButton()
        box.initStyleOption(option)
        indicator = box.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, box)
        image = box.grab().toImage()
        scale = image.devicePixelRatio()
        background = box.palette().color(QPalette.ColorRole.Window)
        edge = [QColor(image.pixel(QPoint(round(x * scale), round(indicator.center().y() * scale))))
                for x in range(indicator.left(), indicator.left() + 3)]
        assert max(contrast(pixel, background) for pixel in edge) >= NON_TEXT_CONTRAST
    theme_switch.install("system")

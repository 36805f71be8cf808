"""Which of the window's actions show an icon, and which: one table, read by the menus, rows' context menus and toolbar.

An action is found by its object name, so the module that makes it need not know about icons;
tests/test_icons.py checks that every name here is an action of the window.
"""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from app.ui.common.icons import icon

ACTION_ICONS = {  # the action's object name → what its icon means (a key of app/ui/common/icons.py's ICONS)
    # File
    "importCapture": "action.import", "exportCapture": "action.export", "exportFilteredView": "action.export_filtered",
    "quitAction": "action.quit",
    # Capture
    "recordAction": "action.record", "replayAction": "action.replay", "cancelReplayAction": "action.stop",
    # Log, and the log's rows
    "copyPayload": "action.copy", "copyJsonl": "action.copy_jsonl", "loadIntoComposer": "action.load",
    "resendMessage": "action.resend", "compareMessages": "action.compare", "clearLog": "action.clear",
    "followAction": "action.follow", "pauseAction": "action.pause", "inferSchema": "action.infer",
    "saveAsTest": "action.save_test", "addJsonColumnFromMenu": "action.add_column",
    # View and Help
    "resetLayout": "action.layout", "commandPaletteAction": "action.palette", "keyboardShortcuts": "action.shortcuts",
}


def decorate(window: QWidget) -> list[QAction]:
    """Give the window's actions named in ACTION_ICONS their icons; return those it found."""
    found = [action for action in window.findChildren(QAction) if action.objectName() in ACTION_ICONS]
    for action in found:
        action.setIcon(icon(ACTION_ICONS[action.objectName()]))
    return found

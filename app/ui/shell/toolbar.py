"""The main toolbar: connect or disconnect, follow, pause, record, clear and compare, a click away.

Every button is the window's own `QAction` (the Log menu's Clear and Compare, the Capture menu's
Record, the log pane's Follow and Pause), so the menus, the command palette, the Keyboard shortcuts
dialog and the toolbar do the same thing under one name and one key. Connect had only a button; its
action is made here and follows the current connection as the button does. View → Toolbar hides it,
also at the next start (app/ui/shell/window_settings.py), until View → Reset layout.

It sits at the right of the menu bar's row, so the log, the message view and the composer keep the
window's height; where the menus are the platform's own (macOS), it takes a row of its own.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QObject, QSize, Qt, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar

from app.ui.capture.recording import CaptureControls
from app.ui.common.commands import plain
from app.ui.common.icons import icon
from app.ui.common.naming import named
from app.ui.log.actions import LogActions
from app.ui.log.pane import LogPane

CONNECT_KEYS = "Ctrl+Shift+O"
ICON_SIZE = 16  # logical pixels, as high as the menus' titles; drawn for the screen's pixel ratio
SHORT_LABELS = {"toolbarRecord": "Record", "toolbarClear": "Clear", "toolbarCompare": "Compare"}  # beside the icon


class ToolbarHost(Protocol):
    """What the toolbar needs of the window."""

    log_pane: LogPane
    log_actions: LogActions
    capture_controls: CaptureControls

    def toggle_connection(self) -> None: ...


def label_of(action: QAction, short: str | None) -> str:
    """The button's words: its short label, or Stop while the action stops what it started (Stop recording)."""
    text = plain(action.text())
    return "Stop" if text.startswith("Stop ") else short or text


def tooltip_of(action: QAction) -> str:
    """What the action does now and its keys: "Clear log (Ctrl+Shift+L)", its status tip below."""
    keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    first = plain(action.text()) + (f" ({keys})" if keys else "")
    return f"{first}\n{action.statusTip()}" if action.statusTip() else first


class MainToolbar(QObject):
    def __init__(self, window: QMainWindow, host: ToolbarHost) -> None:
        super().__init__(window)
        self.window = window
        self.menu_bar = window.menuBar()
        self._labels: dict[QAction, str] = {}  # each button's words now
        self.connect_action = QAction("&Connect", window)
        self.connect_action.setObjectName("connectAction")
        self.connect_action.setShortcut(QKeySequence(CONNECT_KEYS))
        self.show_live(False)
        self.connect_action.triggered.connect(lambda _checked=False: host.toggle_connection())
        pane, log, capture = host.log_pane, host.log_actions, host.capture_controls
        self.actions = {  # the button's name → the window's action (its icon: app/ui/shell/action_icons.py)
            "toolbarConnect": self.connect_action,
            "toolbarFollow": pane.follow_action,
            "toolbarPause": pane.pause_action,
            "toolbarRecord": capture.record_action,
            "toolbarClear": log.clear,
            "toolbarCompare": log.compare,
        }
        self.bar = named(QToolBar("Toolbar", window), "mainToolbar")
        self.bar.setIconSize(QSize(ICON_SIZE, ICON_SIZE))
        self.bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.bar.setMovable(False)
        layout = self.bar.layout()
        assert layout is not None  # a QToolBar's own
        layout.setContentsMargins(0, 0, 0, 0)  # as high as the menus' titles
        for name, action in self.actions.items():
            self._keep_words(action, SHORT_LABELS.get(name))
            self.bar.addAction(action)
            button = self.bar.widgetForAction(action)
            assert button is not None
            named(button, name)
            if name == "toolbarRecord":
                self.bar.addSeparator()
        window.addActions(list(self.actions.values()))  # their keys work with the bar hidden
        if self.menu_bar.isNativeMenuBar():  # the screen's menu bar shows no corner widget
            window.addToolBar(self.bar)
        else:
            self.menu_bar.setCornerWidget(self.bar, Qt.Corner.TopRightCorner)

    def install(self, view_menu: QMenu) -> None:
        """View → Toolbar shows or hides the bar."""
        toggle = self.bar.toggleViewAction()
        toggle.setText("&Toolbar")
        toggle.setObjectName("mainToolbarToggle")
        toggle.setStatusTip("Show or hide the toolbar")
        view_menu.addAction(toggle)

    def _keep_words(self, action: QAction, short: str | None) -> None:
        """The button's label and tooltip, now and whenever the action's text changes (Record becomes Stop)."""
        def update() -> None:
            action.setToolTip(tooltip_of(action))
            label = label_of(action, short)
            if self._labels.get(action) != label:  # the bar was fitted to the old one
                self._labels[action] = label
                action.setIconText(label)
                self._fit()
        update()
        action.changed.connect(update)

    def _fit(self) -> None:
        """Give the bar its new width in the menu bar's row (the menu bar sizes it only when it is set)."""
        if self.bar.parentWidget() is self.menu_bar:
            self.menu_bar.setCornerWidget(self.bar, Qt.Corner.TopRightCorner)

    @Slot(bool)
    def show_live(self, live: bool) -> None:
        """The current connection is live (Disconnect) or not (Connect), as the URL bar's button says."""
        action = self.connect_action
        action.setText("&Disconnect" if live else "&Connect")
        action.setIcon(icon("action.disconnect" if live else "action.connect"))
        action.setStatusTip("Close the current connection" if live else "Connect to the URL in the URL bar")

"""Where the docks go by default, and the View menu that shows, hides and resets them.

The log, the message view and the composer need the window's width (the log's summary
column is what a user reads first), so the docks share one band along the bottom: the
inspector's connections, the embedded server and the Tests tabbed on the left, the composer's
History, Library and Variables tabbed on the right, under the composer they serve.
A dock closed with its × comes back from the View menu; *Reset layout* puts every dock
back where it started (the saved layout may come from an older version, or be a mess).
The window arranges the docks only when it has no saved layout to restore.

Qt keeps the panel of a dock tab that is not raised visible, only moved out of the
window, so Tab would walk through its fields unseen: the window's Tab passes over them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow, QMenu, QMenuBar, QTabWidget, QWidget

from app.ui.common.naming import named

CONNECTION_DOCKS = ("connectionsDock", "serverDock", "testsDock")  # tabbed together, bottom left
PAYLOAD_DOCKS = ("historyDock", "libraryDock", "variablesDock")  # tabbed together, bottom right
DOCK_HEIGHT = 230
MOST_TAB_STOPS = 200  # bounds the walk past unshown panels
CONNECTIONS_SHARE = 0.55  # of the window's width; the payload docks take the rest


def _dock(window: QMainWindow, name: str) -> QDockWidget:
    dock = window.findChild(QDockWidget, name)
    if dock is None:
        raise LookupError(f"the window has no dock named {name!r}")
    return dock


class DockLayout(QObject):
    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.docks = {name: _dock(window, name) for name in (*CONNECTION_DOCKS, *PAYLOAD_DOCKS)}
        window.setTabPosition(Qt.DockWidgetArea.AllDockWidgetAreas, QTabWidget.TabPosition.North)
        # In the window but not yet tabbed: restoring a saved layout over tabbed docks leaves the old
        # tab bar painted over the menu bar. `arrange()` follows when there is no layout to restore.
        for dock in self.docks.values():
            window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        self.reset_action = QAction("&Reset layout", self)
        self.reset_action.setObjectName("resetLayout")
        self.reset_action.setStatusTip("Put every dock back where it was at first start")
        self.reset_action.triggered.connect(self.arrange)

    def skip_unshown(self, move_focus: Callable[[], bool]) -> bool:
        """Move the focus (`move_focus`: Qt's own Tab step) again while it lands in an unshown dock tab."""
        moved = move_focus()
        for _ in range(MOST_TAB_STOPS):
            widget = QApplication.focusWidget()
            if not moved or widget is None or not self._in_unshown_tab(widget):
                break
            moved = move_focus()
        return moved

    def _in_unshown_tab(self, widget: QWidget) -> bool:
        parent: QWidget | None = widget
        while parent is not None and not isinstance(parent, QDockWidget):
            parent = parent.parentWidget()
        return isinstance(parent, QDockWidget) and parent in self.docks.values() and parent.visibleRegion().isEmpty()

    def install(self, menu_bar: QMenuBar, before: QAction | None = None) -> QMenu:
        """The View menu: one check item per dock, then Reset layout."""
        menu = QMenu("&View", menu_bar)
        named(menu, "viewMenu")
        for dock in self.docks.values():
            toggle = dock.toggleViewAction()
            toggle.setObjectName(f"{dock.objectName()}Toggle")
            toggle.setStatusTip(f"Show or hide the {dock.windowTitle()} panel")
            menu.addAction(toggle)
        menu.addSeparator()
        menu.addAction(self.reset_action)
        if before is None:
            menu_bar.addMenu(menu)
        else:
            menu_bar.insertMenu(before, menu)
        return menu

    def arrange(self) -> None:
        """The default arrangement (see the module docstring); every dock shown, docked and first tabs raised."""
        window, docks = self.window, self.docks
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        for dock in docks.values():
            dock.setFloating(False)
            window.removeDockWidget(dock)
        first_connection, first_payload = docks[CONNECTION_DOCKS[0]], docks[PAYLOAD_DOCKS[0]]
        window.addDockWidget(bottom, first_connection)
        window.addDockWidget(bottom, first_payload)
        window.splitDockWidget(first_connection, first_payload, Qt.Orientation.Horizontal)
        for group in (CONNECTION_DOCKS, PAYLOAD_DOCKS):
            for previous, name in itertools.pairwise(group):
                window.tabifyDockWidget(docks[previous], docks[name])
        for dock in docks.values():
            dock.show()
        first_connection.raise_()
        first_payload.raise_()
        window.resizeDocks([first_connection], [DOCK_HEIGHT], Qt.Orientation.Vertical)
        width = window.width()
        window.resizeDocks([first_connection, first_payload],
                           [int(width * CONNECTIONS_SHARE), width - int(width * CONNECTIONS_SHARE)],
                           Qt.Orientation.Horizontal)

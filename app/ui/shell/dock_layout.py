"""Where the docks go by default, and the View menu that shows, hides and resets them.

The log, the message view and the composer need the window's width (the log's summary
column is what a user reads first), so the docks share one band along the bottom: the
inspector's connections, the embedded server, the statistics and the Tests tabbed on the left, the composer's
History, Library and Variables tabbed on the right, under the composer they serve.
A dock closed with its × comes back from the View menu; *Reset layout* puts every dock
back where it started (the saved layout may come from an older version, or be a mess).
The window arranges the docks only when it has no saved layout to restore.

The band folds to its tab strip (View → Bottom panels, Ctrl+Shift+B, a click on the tab
already raised, or Space or Enter on the focused tab bar) and opens again at the height it
had (the same, a click on any of its tabs, or on the dock's own title when it is not
tabbed). Folded, a dock keeps its tab and loses its title bar and contents; a dock that
leaves the band opens.

Qt keeps the panel of a dock tab that is not raised visible, only moved out of the
window, so Tab would walk through its fields unseen: the window's Tab passes over them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QMouseEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QMainWindow,
    QMenu,
    QMenuBar,
    QStyle,
    QTabBar,
    QTabWidget,
    QWidget,
)

from app.ui.common.naming import named

CONNECTION_DOCKS = ("connectionsDock", "serverDock", "statsDock", "testsDock")  # tabbed together, bottom left
PAYLOAD_DOCKS = ("historyDock", "libraryDock", "variablesDock")  # tabbed together, bottom right
DOCK_HEIGHT = 230  # when the band is open
MOST_TAB_STOPS = 200  # bounds the walk past unshown panels
CONNECTIONS_SHARE = 0.55  # of the window's width; the payload docks take the rest
BAND_SHORTCUT = "Ctrl+Shift+B"
UNBOUNDED = 16_777_215  # Qt's QWIDGETSIZE_MAX: no maximum size
BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea
_TOGGLE_KEYS = (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter)  # on a band's focused tab bar
DOCK_TABS = "dockTabs"  # the accessible name of the window's tab bars of docks
_NO_TITLE = "foldedDockTitle"
_WATCHED = "bandWatched"  # a dock's property: DockLayout follows where it goes


def _dock(window: QMainWindow, name: str) -> QDockWidget:
    dock = window.findChild(QDockWidget, name)
    if dock is None:
        raise LookupError(f"the window has no dock named {name!r}")
    return dock


def _no_title() -> QWidget:
    """A folded tabbed dock's title bar: nothing, one pixel high (with none, Qt's dock has no valid size)."""
    bar = QWidget()
    bar.setObjectName(_NO_TITLE)
    bar.setFixedHeight(1)
    return bar


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
        self.band_action = QAction("&Bottom panels", self)
        self.band_action.setObjectName("bottomPanelsToggle")
        self.band_action.setCheckable(True)
        self.band_action.setChecked(True)
        self.band_action.setShortcut(QKeySequence(BAND_SHORTCUT))
        self.band_action.setStatusTip("Fold the bottom panels to their tabs, or open them (or click the raised tab)")
        self.band_action.toggled.connect(lambda shown: self.fold_band(not shown))
        self.band_folded = False
        self.open_height = DOCK_HEIGHT  # the band's height when it opens again
        self._pressed: tuple[QTabBar, int, bool] | None = None  # a press on a band's tab: bar, tab, raised
        window.installEventFilter(self)  # the window's dock tab bars are made as needed: watch each one
        for dock in window.findChildren(QDockWidget):
            self.watch_dock(dock)

    def watch_dock(self, dock: QDockWidget) -> None:
        """Fold `dock` with the band while it is in it; a click on its title (folded, untabbed) opens the band."""
        if dock.parent() is not self.window or dock.property(_WATCHED):
            return
        dock.setProperty(_WATCHED, True)
        dock.installEventFilter(self)
        dock.dockLocationChanged.connect(lambda area: self._fold_dock(dock, self.band_folded and area == BOTTOM))
        dock.topLevelChanged.connect(lambda floating: self._fold_dock(dock, self.band_folded and not floating
                                                                      and self.window.dockWidgetArea(dock) == BOTTOM))

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
        return (isinstance(parent, QDockWidget) and parent.parent() is self.window
                and (parent.visibleRegion().isEmpty() or self.is_folded(parent)))

    # -- folding the band ----------------------------------------------------------------------

    def band_docks(self) -> list[QDockWidget]:
        """Every dock of the window docked in the bottom band (shown or not): other features' docks too."""
        window = self.window
        return [dock for dock in window.findChildren(QDockWidget)
                if dock.parent() is window and not dock.isFloating() and window.dockWidgetArea(dock) == BOTTOM]

    def fold_band(self, folded: bool) -> None:
        """Fold the bottom band to its tab strip, or open it at the height it had."""
        if folded == self.band_folded:
            return
        if folded and self.window.isVisible():
            self._remember_open_band()
        self._set_folded(folded)

    def _set_folded(self, folded: bool) -> None:
        self.band_folded = folded
        self.band_action.setChecked(not folded)
        if self.window.isVisible():
            self._apply_fold()
        # Otherwise when the window is first shown: the docks have their sizes then.

    def restore_band(self, folded: bool, open_height: int) -> None:
        """The band as a saved layout had it (its docks already restored at their folded height)."""
        self.open_height = open_height
        self.fold_band(folded)

    def _remember_open_band(self) -> None:
        """The band's height while open, to open it at again."""
        raised = [dock for dock in self.band_docks() if not self.is_folded(dock) and not dock.visibleRegion().isEmpty()]
        central = self.window.centralWidget()
        if not raised or central is None:
            return
        # As `resizeDocks` counts it: from the separator under the central widget down, tab strip included.
        separator = self.window.style().pixelMetric(QStyle.PixelMetric.PM_DockWidgetSeparatorExtent, None, self.window)
        self.open_height = max(dock.geometry().bottom() for dock in raised) - central.geometry().bottom() - separator

    def _apply_fold(self) -> None:
        folded, docks = self.band_folded, self.band_docks()
        for dock in docks:
            self._fold_dock(dock, folded)
        if not folded:
            shown = [dock for dock in docks if dock.isVisible()]
            self.window.resizeDocks(shown, [self.open_height] * len(shown), Qt.Orientation.Vertical)

    def _fold_dock(self, dock: QDockWidget, folded: bool) -> None:
        content = dock.widget()
        if content is None or self.is_folded(dock) == folded:
            return
        # Squeezed to no height rather than hidden: a dock with its content hidden has no valid size in Qt,
        # and the band's tab groups would lose their widths. Tab passes over it (`skip_unshown`).
        content.setMaximumHeight(0 if folded else UNBOUNDED)
        # Tabbed, its tab says what it is: the title bar goes too. Alone, the title is what is left to click.
        title = dock.titleBarWidget()
        if folded and title is None and self.window.tabifiedDockWidgets(dock):
            dock.setTitleBarWidget(_no_title())
        elif not folded and title is not None and title.objectName() == _NO_TITLE:
            dock.setTitleBarWidget(None)  # type: ignore[arg-type]  # None: Qt's own title bar again
            title.deleteLater()  # Qt keeps a title bar it no longer shows

    @staticmethod
    def is_folded(dock: QDockWidget) -> bool:
        content = dock.widget()
        return content is not None and content.maximumHeight() == 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self.window:
            if kind == QEvent.Type.Show and self.band_folded:  # folded before the window had sizes
                self._apply_fold()
            elif kind == QEvent.Type.ChildPolished:  # a new child, built: at ChildAdded it is a bare QObject
                child = event.child()  # type: ignore[attr-defined]
                if isinstance(child, QTabBar):  # the tabs of docks tabbed together
                    child.setAccessibleName(DOCK_TABS)
                    child.installEventFilter(self)
                elif isinstance(child, QDockWidget):
                    self.watch_dock(child)
        elif isinstance(watched, QTabBar) and isinstance(event, QMouseEvent) and self._in_band(watched):
            self._tab_clicked(watched, event)
        elif (isinstance(watched, QTabBar) and isinstance(event, QKeyEvent) and kind == QEvent.Type.KeyPress
              and event.key() in _TOGGLE_KEYS and not event.modifiers() and self._in_band(watched)):
            self.fold_band(not self.band_folded)  # the keyboard's click on the focused tab
            return True
        elif isinstance(watched, QDockWidget) and kind == QEvent.Type.MouseButtonPress and self.band_folded:
            if watched in self.band_docks():
                self.fold_band(False)
        return False

    def _in_band(self, bar: QTabBar) -> bool:
        central = self.window.centralWidget()
        return bar.parent() is self.window and central is not None and bar.y() >= central.geometry().bottom()

    def _tab_clicked(self, bar: QTabBar, event: QMouseEvent) -> None:
        """A click on the raised tab folds or opens the band; on another tab, it opens a folded band."""
        if event.button() != Qt.MouseButton.LeftButton:
            return
        index = bar.tabAt(event.position().toPoint())
        if event.type() == QEvent.Type.MouseButtonPress:
            self._pressed = (bar, index, index == bar.currentIndex()) if index >= 0 else None
        elif event.type() == QEvent.Type.MouseButtonRelease and self._pressed is not None:
            pressed_bar, pressed, was_raised = self._pressed
            self._pressed = None
            if (pressed_bar, pressed) == (bar, index) and (was_raised or self.band_folded):
                self.fold_band(not self.band_folded)

    def reveal(self, dock: QDockWidget) -> None:
        """Show and raise `dock`, opening the band if it is folded there (a key that goes to a panel)."""
        dock.show()
        dock.raise_()
        if self.band_folded and dock in self.band_docks():
            self.fold_band(False)

    def install(self, menu_bar: QMenuBar, before: QAction | None = None) -> QMenu:
        """The View menu: one check item per dock, then Reset layout."""
        menu = QMenu("&View", menu_bar)
        named(menu, "viewMenu")
        for dock in self.docks.values():
            menu.addAction(self._view_action(dock))
        menu.addSeparator()
        menu.addAction(self.band_action)
        menu.addAction(self.reset_action)
        if before is None:
            menu_bar.addMenu(menu)
        else:
            menu_bar.insertMenu(before, menu)
        return menu

    def _view_action(self, dock: QDockWidget) -> QAction:
        """View › the dock: checked while it is open, like Qt's own toggle, but a dock that is open out of
        sight (behind another tab, or in the folded band) is brought into view rather than closed: what
        someone choosing it from the menu or the command palette wants to see."""
        action = QAction(dock.windowTitle(), self.window)
        action.setObjectName(f"{dock.objectName()}Toggle")
        action.setCheckable(True)
        action.setStatusTip(f"Show the {dock.windowTitle()} panel, or hide it when it is in view")
        qt_toggle = dock.toggleViewAction()  # kept up to date by Qt as the dock is shown, hidden or closed
        action.setChecked(qt_toggle.isChecked())
        qt_toggle.toggled.connect(action.setChecked)
        action.triggered.connect(lambda _checked: self._view_or_hide(dock, action))
        return action

    def _view_or_hide(self, dock: QDockWidget, action: QAction) -> None:
        """Hide `dock` if it is in view; else show it, raise its tab and open the band it is in."""
        if not dock.isHidden() and not dock.visibleRegion().isEmpty():
            dock.close()
        else:
            self.reveal(dock)
        action.setChecked(not dock.isHidden())  # the click toggled it before the dock was looked at

    def arrange(self) -> None:
        """The default arrangement (see the module docstring): every dock shown, docked and first tabs raised,
        and the band folded to its tabs, which leaves the window's height to the log and the message."""
        self.fold_band(False)
        window, docks = self.window, self.docks
        for dock in docks.values():
            dock.setFloating(False)
            window.removeDockWidget(dock)
        first_connection, first_payload = docks[CONNECTION_DOCKS[0]], docks[PAYLOAD_DOCKS[0]]
        window.addDockWidget(BOTTOM, first_connection)
        window.addDockWidget(BOTTOM, first_payload)
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
        widths = [int(width * CONNECTIONS_SHARE), width - int(width * CONNECTIONS_SHARE)]
        window.resizeDocks([first_connection, first_payload], widths, Qt.Orientation.Horizontal)
        self.open_height = DOCK_HEIGHT
        self._set_folded(True)

    def place_new(self, saved: Callable[[str], bool]) -> None:
        """After a saved layout was restored: tab each dock it does not know (`saved(name)` false, as for a
        layout saved by an older version) with the first of its group, which stays raised."""
        for group in (CONNECTION_DOCKS, PAYLOAD_DOCKS):
            first = self.docks[group[0]]
            new = [self.docks[name] for name in group[1:] if not saved(name)]
            for dock in new:
                self.window.tabifyDockWidget(first, dock)
            if new:
                first.raise_()

"""The composer's companions: sent-payload history, the saved-payload library and the
template variables, as docks under the composer (app/ui/shell/dock_layout.py places them),
all kept in the persistence file.

If the data file cannot be opened (corrupt, or from a newer SocketScope) the tools
still work for this run, in memory, and the status bar says so.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget

from app.services.persistence import Persistence, PersistenceError
from app.ui.common import notify
from app.ui.common.naming import named
from app.ui.compose.composer import Composer
from app.ui.library.history_panel import HistoryPanel
from app.ui.library.library_panel import LibraryPanel
from app.ui.library.variables_panel import VariablesPanel
from app.ui.shell import window_settings


class PayloadTools(QObject):
    def __init__(self, window: QMainWindow, composer: Composer, target: Callable[[], str]) -> None:
        super().__init__(window)
        self.composer = composer
        self._target = target  # describes where a send went (the connection's URL)
        self._closed = False
        try:
            self.store = Persistence.open_default()
        except PersistenceError as error:
            notify.error(f"History and library are not saved this run: {error}")
            self.store = Persistence(":memory:")
        self.history = HistoryPanel(self.store)
        self.library = LibraryPanel(self.store, composer.payload_to_keep)
        self.variables = VariablesPanel(self.store)
        composer.variables = self.variables.variables()
        composer.validate()
        window_settings.restore_composer(composer)

        self.history_dock = self._dock(window, "History", "historyDock", self.history)
        self.library_dock = self._dock(window, "Library", "libraryDock", self.library)
        self.variables_dock = self._dock(window, "Variables", "variablesDock", self.variables)

        composer.payload_sent.connect(self._record_sent)
        self.history.load_requested.connect(composer.set_payload)
        self.history.resend_requested.connect(composer.send_as_is)
        self.library.load_requested.connect(composer.set_payload)
        self.variables.changed.connect(self._variables_changed)
        QShortcut(QKeySequence("Ctrl+B"), window, self.focus_library).setWhatsThis("Search the library")
        self.reveal: Callable[[QDockWidget], None] = _show_and_raise  # the window's: opens a folded band too

    def _dock(self, window: QMainWindow, title: str, name: str, widget: QWidget) -> QDockWidget:
        dock = QDockWidget(title, window)
        named(dock, name)
        dock.setWidget(widget)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)  # placed by DockLayout
        return dock

    def _record_sent(self, payload: str | bytes) -> None:
        if not self._closed:
            self.history.record(payload, self._target())

    def _variables_changed(self, variables: dict[str, str]) -> None:
        self.composer.variables = variables
        self.composer.validate()

    def focus_library(self) -> None:
        self.reveal(self.library_dock)
        self.library.focus_search()

    def close(self) -> None:
        """Stop repeating, stop querying, close the file (everything saved is already committed)."""
        self._closed = True
        self.composer.repeater.stop()
        window_settings.save_composer(self.composer)
        self.history.shut_down()
        self.library.shut_down()
        self.variables.setEnabled(False)
        self.store.close()


def _show_and_raise(dock: QDockWidget) -> None:
    dock.show()
    dock.raise_()

"""Where the window's contracts come from, and what an AsyncAPI document brings with it.

A connection is checked against its options' contract, else the first URL pattern of
Edit → Preferences… that its URL matches; a client of the embedded server, against the server
panel's. Every contract loaded (app/ui/common/contracts.py) that is an AsyncAPI document puts its
examples in the Library and its `ws`/`wss` servers in the URL bar's completion list.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QStringListModel, Qt, Slot
from PySide6.QtWidgets import QCompleter, QLineEdit, QMainWindow, QMenu, QMenuBar

from app.core.contracts.live import Pending
from app.services.persistence import PersistenceError
from app.services.session import Session
from app.ui.common import contracts, notify
from app.ui.server.panel import ServerPanel
from app.ui.shell.payload_tools import PayloadTools
from app.ui.shell.preferences import PreferencesDialog, contract_for_url, contract_patterns

if TYPE_CHECKING:
    from PySide6.QtGui import QAction

    from app.core.contracts.loading import Contract

_SERVER_CLIENT = re.compile(r"server#\d+")  # a client of the embedded server (not a relay's upstream leg)


class ContractSources(QObject):
    def __init__(self, window: QMainWindow, session: Session, server_panel: ServerPanel, payload_tools: PayloadTools,
                 url_edit: QLineEdit) -> None:
        super().__init__(window)
        self.window, self.session, self.server_panel, self.payload_tools = window, session, server_panel, payload_tools
        self.url_servers = QStringListModel(window)  # the servers of the AsyncAPI documents attached
        completer = QCompleter(self.url_servers, window)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        url_edit.setCompleter(completer)
        contracts.bridge().attached.connect(self._attached)  # until `shut_down`, or Qt drops it with the window

    def shut_down(self) -> None:
        """The window is closing (its Library's file with it): contracts loaded later are not its business."""
        contracts.bridge().attached.disconnect(self._attached)

    def install(self, menu_bar: QMenuBar, before: QAction) -> None:
        """Edit → Preferences…, before the menu `before` opens."""
        menu = QMenu("&Edit", self.window)
        menu.setObjectName("editMenu")
        menu.addAction("&Preferences…", self.show_preferences).setObjectName("preferencesAction")
        menu_bar.insertMenu(before, menu)

    def contract_for(self, connection: str) -> Contract | Pending | None:
        """The contract `connection`'s messages are checked against (PENDING while it is being read)."""
        path = self.contract_path(connection)
        return contracts.ensure(path) if path else None

    def contract_path(self, connection: str) -> str:
        """The file of `connection`'s contract; empty: none."""
        found = self.session.inspector.connections.get(connection)
        if found is not None:
            return found.options.contract or contract_for_url(found.url, contract_patterns())
        return self.server_panel.contract if _SERVER_CLIENT.fullmatch(connection) else ""

    def show_preferences(self) -> PreferencesDialog:
        """Edit → Preferences…: contracts by URL pattern."""
        dialog = PreferencesDialog(self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    @Slot(object)
    def _attached(self, contract: Contract) -> None:
        examples = getattr(contract, "examples", {})
        for name, payload in examples.items():
            try:
                self.payload_tools.store.save_payload(name, json.dumps(payload, ensure_ascii=False), ("asyncapi",))
            except PersistenceError as error:
                notify.warning(f"{contract.name}'s examples were not added to the Library: {error}")
                break
        if examples:
            self.payload_tools.library.refresh()
        left_out = getattr(contract, "examples_left_out", 0)
        if left_out:
            notify.info(f"{contract.name}: its first {len(examples):,} examples are in the Library, "
                        f"{left_out:,} more are not")
        known = self.url_servers.stringList()
        self.url_servers.setStringList(known + [url for url in getattr(contract, "servers", ()) if url not in known])

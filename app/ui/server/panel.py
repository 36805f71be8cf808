"""The server panel: who is connected to the embedded server, and acting on them.

The clients list is fed from the same frames the log gets (the traffic tap's open,
data and close records), so the GUI never asks the server thread anything to
draw it. Pushes and closes run on the server thread and are awaited here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from app.core.errors import SocketScopeError
from app.core.frames import Direction, Frame, Opcode
from app.net.inspector import describe_close
from app.ui.common import contracts, notify
from app.ui.common.list_panel import RowsModel
from app.ui.common.naming import named
from app.ui.common.style import colour
from app.ui.common.throttle import REPAINT_INTERVAL_MS, Throttle

COLUMNS = ("Client", "Peer", "Path", "Origin", "Connected for", "↓ in", "↑ out", "State")
CONNECTED_FOR = COLUMNS.index("Connected for")


@dataclass(slots=True)
class ServerClient:
    id: str
    peer: str
    path: str
    origin: str
    opened: float
    received: int = 0
    sent: int = 0
    state: str = "open"
    closed: float | None = None

    @property
    def live(self) -> bool:
        return self.state == "open"


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds // 60 % 60:02d} min"


def _client_cells(client: ServerClient) -> tuple[str, ...]:
    end = client.closed if client.closed is not None else time.time()
    return (client.id, client.peer, client.path, client.origin, _duration(end - client.opened),
            f"{client.received:,}", f"{client.sent:,}", client.state)


def _ending(close: dict[str, Any]) -> str:
    """How a client's connection ended, in the words the state label and the commands use."""
    code, reason, by = close.get("code"), close.get("reason") or "", close.get("by")
    if by in ("client", "server") and isinstance(code, int):
        return describe_close(code, reason, by)
    return f"closed {code}"  # a record that does not say who closed: say no more than it does


class ServerClientsModel(RowsModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(COLUMNS, _client_cells, parent)
        self.rows: list[ServerClient] = []
        self._rows: dict[str, int] = {}
        self._changed: set[int] = set()  # rows whose counts or state changed since they were last shown
        # Under a flood, counts are shown at the log's repaint cadence: every dataChanged re-fits the columns.
        self._show_changes = Throttle(REPAINT_INTERVAL_MS, self._rows_changed, self)

    @property
    def clients(self) -> list[ServerClient]:
        return self.rows

    def tooltip(self, row: int, column: int) -> None:
        return None

    def styled(self, row: int, column: int, role: int) -> Any:
        return colour("text.muted") if role == Qt.ItemDataRole.ForegroundRole and not self.clients[row].live else None

    def observe(self, frames: Sequence[Frame]) -> None:
        """Update from a drained batch: only the server side's own connections count (shown at most every repaint interval)."""
        changed = self._changed
        for frame in frames:
            name = frame.connection
            if not name.startswith("server#") or ">" in name:
                continue
            opcode = frame.opcode
            if opcode in (Opcode.OPEN, Opcode.REFUSED):
                self._add(frame)
                continue
            row = self._rows.get(name)
            if row is None:
                continue
            client = self.clients[row]
            if opcode == Opcode.CLOSE:
                if client.live:
                    client.state = _ending(json.loads(frame.payload))
                    client.closed = frame.wall_time
            elif frame.direction == Direction.RECEIVED:
                client.received += 1
            elif frame.direction == Direction.SENT:
                client.sent += 1
            changed.add(row)
        if changed:
            self._show_changes.request()

    def _rows_changed(self) -> None:
        changed, self._changed = self._changed, set()
        if changed:
            self.dataChanged.emit(self.index(min(changed), 0), self.index(max(changed), len(COLUMNS) - 1))

    def _add(self, frame: Frame) -> None:
        details = json.loads(frame.payload)
        refused = frame.opcode == Opcode.REFUSED
        client = ServerClient(
            id=frame.connection, peer=details.get("peer") or "", path=details.get("path", ""),
            origin=details.get("origin") or "—", opened=frame.wall_time,
            state=f"refused {details.get('status', 403)}" if refused else "open",
            closed=frame.wall_time if refused else None,
        )
        row = len(self.clients)
        self.beginInsertRows(QModelIndex(), row, row)
        self.clients.append(client)
        self._rows[client.id] = row
        self.endInsertRows()

    def tick(self) -> None:
        """Refresh the "connected for" column of live clients."""
        if self.clients:
            self.dataChanged.emit(self.index(0, CONNECTED_FOR), self.index(len(self.clients) - 1, CONNECTED_FOR))

    def live_ids(self) -> list[str]:
        return [c.id for c in self.clients if c.live]


class ServerPanel(QWidget):
    push_requested = Signal(object)  # list of client ids, or None for all
    close_requested = Signal(str, int, str)
    start_requested = Signal(int)
    stop_requested = Signal()
    restart_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ServerClientsModel(self)
        self.table = QTableView()
        named(self.table, "serverClients")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)

        self.address = QLabel("Server: starting…")
        named(self.address, "serverPanelAddress")
        self.address.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.port = named(QSpinBox(), "serverPort")
        self.port.setRange(0, 65535)
        self.port.setToolTip("Port for start/restart (0: any free port)")
        self.start_button = named(QPushButton("Start"), "serverStart")
        self.stop_button = named(QPushButton("Stop"), "serverStop")
        self.restart_button = named(QPushButton("Restart"), "serverRestart")
        self.push_selected = named(QPushButton("Push to selected"), "pushSelected")
        self.push_all = named(QPushButton("Push to all"), "pushAll")
        for button in (self.push_selected, self.push_all):
            button.setToolTip("Send the composer's payload from the server")
        self.close_code = named(QSpinBox(), "closeCode")
        self.close_code.setRange(1000, 4999)
        self.close_code.setValue(1000)
        self.close_reason = named(QLineEdit(), "closeReason")
        self.close_reason.setPlaceholderText("reason")
        self.close_button = named(QPushButton("Close client"), "closeClient")
        self.contract = ""  # the file the server's connections are checked against; empty: none
        self.contract_label = named(QLabel("Contract: none"), "serverContract")
        self.contract_label.setTextFormat(Qt.TextFormat.PlainText)
        self.contract_button = named(QPushButton("Contract…"), "serverContractPick")
        self.contract_button.setToolTip("Check the server's connections against a JSON Schema or an AsyncAPI document")
        self.contract_clear = named(QPushButton("Clear"), "serverContractClear")
        self.contract_clear.setEnabled(False)

        server_row = QHBoxLayout()
        server_row.addWidget(self.address, 1)
        server_row.addWidget(QLabel("Port"))
        for widget in (self.port, self.start_button, self.stop_button, self.restart_button):
            server_row.addWidget(widget)
        contract_row = QHBoxLayout()
        contract_row.addWidget(self.contract_label, 1)
        contract_row.addWidget(self.contract_button)
        contract_row.addWidget(self.contract_clear)
        action_row = QHBoxLayout()
        for widget in (self.push_selected, self.push_all):
            action_row.addWidget(widget)
        action_row.addStretch(1)
        action_row.addWidget(QLabel("Code"))
        for control in (self.close_code, self.close_reason, self.close_button):
            action_row.addWidget(control)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(server_row)
        layout.addLayout(contract_row)
        layout.addWidget(self.table, 1)
        layout.addLayout(action_row)

        self.push_selected.clicked.connect(lambda: self.push_requested.emit(self.selected_ids()))
        self.push_all.clicked.connect(lambda: self.push_requested.emit(None))
        self.close_button.clicked.connect(self._close_selected)
        self.start_button.clicked.connect(lambda: self.start_requested.emit(self.port.value()))
        self.stop_button.clicked.connect(self.stop_requested.emit)
        self.restart_button.clicked.connect(lambda: self.restart_requested.emit(self.port.value()))
        self.contract_button.clicked.connect(self._pick_contract)
        self.contract_clear.clicked.connect(lambda: self._show_contract("", "none"))
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self.model.tick)
        self._ticker.start()

    def _pick_contract(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Contract", self.contract, "Contracts (*.json *.yaml *.yml);;All files (*)")
        if path:
            self.attach_contract(path)

    @asyncSlot(str)
    async def attach_contract(self, path: str) -> None:
        """Check the server's connections from now on against `path` (loaded off the GUI thread); a bad file is
        refused with its error, and what was attached stays."""
        try:
            contract = await contracts.attach(path)
        except SocketScopeError as error:  # a ContractError naming the file and the place
            notify.error(f"Contract not attached: {error}")
            return
        self._show_contract(path, contracts.describe(contract))
        notify.info(f"The server's new connections are checked against {contract.name}")

    def _show_contract(self, path: str, description: str) -> None:
        self.contract = path
        self.contract_label.setText(f"Contract: {description}")
        self.contract_label.setToolTip(path)
        self.contract_clear.setEnabled(bool(path))

    def selected_ids(self) -> list[str]:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        return [self.model.clients[row].id for row in sorted(rows) if self.model.clients[row].live]

    def _close_selected(self) -> None:
        for client in self.selected_ids():
            self.close_requested.emit(client, self.close_code.value(), self.close_reason.text())

    def server_changed(self, url: str, port: int | None) -> None:
        running = bool(url)
        self.address.setText(f"Server: {url}" if running else "Server: stopped")
        if port is not None:
            self.port.setValue(port)
        self.start_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        self.restart_button.setEnabled(running)

"""The connections panel: every inspector connection with its live state, and acting on them.

Rows come from the `StateChange` records the window drains (and message counts
from its frames), so drawing never asks the client thread anything. Opening,
pinging and closing run on the client thread; the panel awaits their futures.
Selecting a row makes that connection the composer's send target.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSpinBox,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from app.core.frames import ConnectionState, Direction, Frame, Opcode, StateChange
from app.core.protocols.tracker import LATENCY_SAMPLE, ProtocolTracker
from app.core.traffic_stats import MAX_CONNECTIONS, TrafficStats
from app.net.inspector import LIVE_STATES, NOT_ANSWERING_PINGS, NotConnectedError, describe_state, format_rtt
from app.net.options import ConnectionOptions
from app.services.persistence import PersistenceError
from app.services.session import Session
from app.ui.common import notify
from app.ui.common.icons import row_icon
from app.ui.common.list_panel import RowsModel
from app.ui.common.naming import named
from app.ui.common.style import colour, colours_changed, follow_theme
from app.ui.common.throttle import REPAINT_INTERVAL_MS, Throttle
from app.ui.connections.dialog import ConnectionDialog
from app.ui.connections.profiles import ProfileStore, missing_secret, read_profiles
from app.ui.connections.sparkline import SERIES_ROLE, SparklineDelegate

COLUMNS = ("Connection", "URL", "State", "RTT", "↓ in", "↑ out", "Protocol", "Latency", "Last 60 s")
_DATA = frozenset((Opcode.TEXT, Opcode.BINARY))  # the frames counted: messages, not events or control frames
STATE = COLUMNS.index("State")
PROTOCOL, LATENCY, RATE = COLUMNS.index("Protocol"), COLUMNS.index("Latency"), COLUMNS.index("Last 60 s")
SPARK_SECONDS = 60  # the rate's sparkline: messages per second, both directions, over the last minute
_COLOURED_STATES = ("closed", "failed", "reconnecting")  # a row's colour by its state: "connection.<state>"
NEW_SHORTCUT, PING_SHORTCUT, CLOSE_SHORTCUT = "Ctrl+Shift+N", "Ctrl+Shift+I", "Ctrl+Shift+W"


@dataclass(slots=True)
class ConnectionRow:
    id: str
    change: StateChange  # the latest one
    retry_at: float | None = None  # monotonic time of the next reconnection attempt
    rtt: float | None = None
    received: int = 0
    sent: int = 0
    protocol: str = "—"  # what its frames are read as, once decided
    latency: str = "—"  # its pairs: count, p50, p95, max
    rate: str = "—"  # messages in the last complete second, beside its sparkline
    per_second: list[int] | None = None  # messages per second over the last SPARK_SECONDS (None: not counted)

    @property
    def live(self) -> bool:
        return self.change.state in LIVE_STATES

    def state_text(self) -> str:
        change = self.change
        state = change.state
        if state == ConnectionState.RECONNECTING and self.retry_at is not None:
            seconds = max(0, math.ceil(self.retry_at - time.monotonic()))
            return f"reconnecting in {seconds} s" if seconds else "reconnecting now"
        ended_with_detail = state in (ConnectionState.CLOSED, ConnectionState.FAILED) and change.detail
        if ended_with_detail or change.detail == NOT_ANSWERING_PINGS:
            text = describe_state(change)  # the state label's words, as a table cell
            return text[0].lower() + text[1:]
        return state.value


def _connection_cells(row: ConnectionRow) -> tuple[str, ...]:
    rtt = format_rtt(row.rtt) if row.rtt is not None else "—"
    return (row.id, row.change.url, row.state_text(), rtt, f"{row.received:,}", f"{row.sent:,}", row.protocol,
            row.latency, row.rate)


def _colour_name(row: ConnectionRow) -> str | None:
    """Which of _COLOURED_STATES a row is drawn in; None for the palette's text colour (live connections)."""
    state = row.change.state
    if state == ConnectionState.FAILED:
        return "failed"
    if state == ConnectionState.RECONNECTING:
        return "reconnecting"
    return None if row.live else "closed"


class ConnectionsModel(RowsModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(COLUMNS, _connection_cells, parent)
        self.rows: list[ConnectionRow] = []
        self._index: dict[str, int] = {}
        self._colours: dict[str, QColor] = {}
        self.read_colours()
        follow_theme(self.read_colours)
        self._counted: set[int] = set()  # positions whose counts changed since they were last shown
        # Each dataChanged re-fits the columns to their contents (~180 calls into Python):
        # under a flood the counts are shown at the log's repaint cadence, not per drain.
        self._show_counts = Throttle(REPAINT_INTERVAL_MS, self._counts_changed, self)
        self.protocols: ProtocolTracker | None = None  # the window's, for the Protocol and Latency columns
        self.traffic: TrafficStats | None = None  # the window's, for the rate's sparkline
        self._rates_until: int | None = None  # the second the sparklines end at

    @Slot()
    def read_colours(self) -> None:
        """Take the theme's colours for the application's palette now."""
        self._colours = {state: colour(f"connection.{state}") for state in _COLOURED_STATES}
        colours_changed(self)

    def tooltip(self, row: int, column: int) -> str | None:
        if column == RATE:
            counts = self.rows[row].per_second
            if counts is None:
                shown = self.traffic is None or self.rows[row].id in self.traffic.connections
                return None if shown else f"Not drawn: the statistics follow the first {MAX_CONNECTIONS} connections"
            return (f"Messages per second, both directions, over the last {SPARK_SECONDS} s (by capture time): "
                    f"{counts[-1]:,} in the last second, at most {max(counts):,}")
        if column == LATENCY and self.rows[row].latency != "—":
            return (f"{self.rows[row].latency}: pairs counted, then p50 and p95 of the latest "
                    f"{LATENCY_SAMPLE:,} and the slowest, between the frames' capture times")
        if column not in (1, STATE):
            return None
        change = self.rows[row].change
        return change.url if column == 1 else change.detail

    def styled(self, position: int, column: int, role: int) -> Any:
        row = self.rows[position]
        if column == RATE and role == SERIES_ROLE:
            return row.per_second
        if role == Qt.ItemDataRole.ForegroundRole:
            name = _colour_name(row)
            return None if name is None else self._colours[name]
        if role == Qt.ItemDataRole.DecorationRole and column == STATE:  # in the row's colour, like its text
            name = _colour_name(row)
            return row_icon(f"state.{row.change.state.value}", None if name is None else f"connection.{name}")
        return None

    def position(self, connection: str) -> int | None:
        return self._index.get(connection)

    def row_of(self, connection: str) -> ConnectionRow | None:
        position = self._index.get(connection)
        return None if position is None else self.rows[position]

    def state_changed(self, change: StateChange) -> None:
        position = self._index.get(change.connection)
        if position is None:
            position = len(self.rows)
            self.beginInsertRows(QModelIndex(), position, position)
            self.rows.append(ConnectionRow(change.connection, change))
            self._index[change.connection] = position
            self.endInsertRows()
        row = self.rows[position]
        row.change = change
        row.retry_at = time.monotonic() + change.retry_in if change.retry_in is not None else None
        self.dataChanged.emit(self.index(position, 0), self.index(position, len(COLUMNS) - 1))

    def rtt_measured(self, connection: str, seconds: float) -> None:
        position = self._index.get(connection)
        if position is not None:
            self.rows[position].rtt = seconds
            self.dataChanged.emit(self.index(position, 3), self.index(position, 3))

    def observe(self, frames: Sequence[Frame]) -> None:
        """Count the inspector connections' messages in a drained batch; they show at most every repaint interval."""
        changed = self._counted
        index = self._index
        for frame in frames:
            position = index.get(frame.connection)
            if position is None or frame.opcode not in _DATA:
                continue
            if frame.direction == Direction.RECEIVED:
                self.rows[position].received += 1
            else:
                self.rows[position].sent += 1
            changed.add(position)
        if changed:
            self._show_counts.request()

    def _counts_changed(self) -> None:
        changed, self._counted = self._counted, set()
        if changed:
            self.dataChanged.emit(self.index(min(changed), 4), self.index(max(changed), 5))

    def tick(self) -> None:
        """Refresh the countdown of connections waiting to reconnect, what their protocols found, their rates."""
        self._update_rates()
        protocols = self.protocols
        for position, row in enumerate(self.rows):
            if row.retry_at is not None and row.change.state == ConnectionState.RECONNECTING:
                self.dataChanged.emit(self.index(position, STATE), self.index(position, STATE))
            if protocols is None:
                continue
            protocol = protocols.protocol_of(row.id)
            stats = protocols.latency_stats(row.id)
            shown = (protocol.title if protocol is not None else "—", stats.describe() if stats is not None else "—")
            if shown != (row.protocol, row.latency):
                row.protocol, row.latency = shown
                self.dataChanged.emit(self.index(position, PROTOCOL), self.index(position, LATENCY))

    def _update_rates(self) -> None:
        """Each connection's last minute of messages per second, once a second (whole seconds only)."""
        traffic, until = self.traffic, int(time.time()) - 1
        if traffic is None or not self.rows or until == self._rates_until:
            return
        self._rates_until = until
        for row in self.rows:
            if row.id not in traffic.connections:
                row.per_second, row.rate = None, "—"
                continue
            received = traffic.rates(row.id, Direction.RECEIVED, until, SPARK_SECONDS)[0]
            sent = traffic.rates(row.id, Direction.SENT, until, SPARK_SECONDS)[0]
            row.per_second = [inbound + outbound for inbound, outbound in zip(received, sent, strict=True)]
            row.rate = f"{row.per_second[-1]:,}/s"
        self.dataChanged.emit(self.index(0, RATE), self.index(len(self.rows) - 1, RATE))


class ConnectionsPanel(QWidget):
    current_changed = Signal(str)  # the selected connection: the composer's send target

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.model = ConnectionsModel(self)
        self.table = named(QTableView(), "connectionsTable")
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(RATE, SparklineDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        vertical = self.table.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        # A refusal's state can hold a KiB of body: it shares the width with the URL (all of it in the
        # tooltip), so RTT and the counts stay in view.
        header.setSectionResizeMode(STATE, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(self._current_row_changed)
        self.table.doubleClicked.connect(lambda _: self.connect_selected())

        self.profile_store: ProfileStore | None = None  # set by the window once the data file is open
        self.new_button = self._button("New…", "newConnection", f"Open a connection with options ({NEW_SHORTCUT})")
        self.profiles_button = named(QToolButton(), "openProfile")
        self.profiles_button.setText("Profiles")
        self.profiles_button.setToolTip("Open a connection from a saved profile")
        self.profiles_menu = named(QMenu(self.profiles_button), "profilesMenu")
        self.profiles_menu.aboutToShow.connect(self._fill_profiles_menu)
        self.profiles_button.setMenu(self.profiles_menu)
        self.profiles_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.connect_button = self._button("Connect", "reconnectConnection", "Open the selected connection again")
        self.disconnect_button = self._button("Disconnect", "disconnectConnection",
                                               "Close the selected connection (1000) and stop reconnecting")
        self.ping_button = self._button("Ping", "pingConnection", f"Ping now and show the round-trip time ({PING_SHORTCUT})")
        self.close_code = named(QSpinBox(), "connectionCloseCode")
        self.close_code.setRange(1000, 4999)
        self.close_code.setValue(1000)
        self.close_code.setToolTip("1000-1014 (not 1005, 1006), or an application code 3000-4999")
        self.close_reason = named(QLineEdit(), "connectionCloseReason")
        self.close_reason.setPlaceholderText("reason")
        self.close_reason.setMaxLength(123)
        self.close_button = self._button("Close", "closeConnection", f"Close with this code and reason ({CLOSE_SHORTCUT})")
        self.close_reason.returnPressed.connect(self.close_selected)

        actions = QHBoxLayout()
        for button in (self.new_button, self.profiles_button, self.connect_button, self.disconnect_button,
                       self.ping_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(QLabel("Code"))
        for widget in (self.close_code, self.close_reason, self.close_button):
            actions.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(actions)
        layout.addWidget(self.table, 1)

        self.new_button.clicked.connect(self.new_connection)
        self.connect_button.clicked.connect(self.connect_selected)
        self.disconnect_button.clicked.connect(lambda: self.close_selected(1000, "closed by the user"))
        self.ping_button.clicked.connect(self.ping_selected)
        self.close_button.clicked.connect(lambda: self.close_selected())
        QShortcut(QKeySequence(NEW_SHORTCUT), self, self.new_connection,
                  context=Qt.ShortcutContext.WindowShortcut).setWhatsThis("New connection")
        QShortcut(QKeySequence(PING_SHORTCUT), self, self.ping_selected,
                  context=Qt.ShortcutContext.WindowShortcut).setWhatsThis("Ping the selected connection")
        QShortcut(QKeySequence(CLOSE_SHORTCUT), self, self.close_selected,
                  context=Qt.ShortcutContext.WindowShortcut).setWhatsThis("Close the selected connection")
        self.model.dataChanged.connect(lambda *_: self._update_buttons())
        self.model.rowsInserted.connect(lambda *_: self._update_buttons())
        self.dialog: ConnectionDialog | None = None
        self._ticker = QTimer(self)
        self._ticker.setInterval(500)
        self._ticker.timeout.connect(self.model.tick)
        self._ticker.start()
        self._update_buttons()

    def _button(self, text: str, name: str, tip: str) -> QPushButton:
        button = named(QPushButton(text), name)
        button.setToolTip(tip)
        return button

    # -- selection -------------------------------------------------------------------------------

    def selected(self) -> ConnectionRow | None:
        current = self.table.selectionModel().currentIndex()
        return self.model.rows[current.row()] if current.isValid() else None

    def select(self, connection: str) -> None:
        position = self.model.position(connection)
        if position is not None and self.table.selectionModel().currentIndex().row() != position:
            self.table.selectRow(position)

    def _current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.current_changed.emit(self.model.rows[current.row()].id)
        self._update_buttons()

    def _update_buttons(self) -> None:
        row = self.selected()
        live = row is not None and row.live
        is_open = row is not None and row.change.state == ConnectionState.OPEN
        self.connect_button.setEnabled(row is not None and not live)
        self.disconnect_button.setEnabled(live)
        self.ping_button.setEnabled(is_open)
        self.close_button.setEnabled(live)

    # -- actions -----------------------------------------------------------------------------------

    def why_not_sendable(self, connection: str | None) -> str:
        """Why nothing can be sent to `connection` now, as the composer shows it."""
        row = self.model.row_of(connection) if connection else None
        if row is None:
            return ("Not sent: no connection. Type a ws:// URL and press Enter, "
                    f"or open one with New… ({NEW_SHORTCUT})")
        state = row.change.state
        if state == ConnectionState.RECONNECTING:
            return (f"Not sent: {row.id} is {row.state_text()} and keeps nothing for later; "
                    "send again once it is open, or Disconnect to stop retrying")
        if state == ConnectionState.CONNECTING:
            return f"Not sent: {row.id} is still connecting; send again once it is open"
        if state == ConnectionState.CLOSING:
            return f"Not sent: {row.id} is closing"
        verb = "" if state == ConnectionState.FAILED else "is "
        return f"Not sent: {row.id} {verb}{row.state_text()}. Connect opens it again"

    def options_of(self, connection: str) -> ConnectionOptions | None:
        found = self.session.inspector.connections.get(connection)
        return found.options if found is not None else None

    def new_connection(self) -> None:
        """Ask for options (starting from the selected connection's), then open a new connection."""
        row = self.selected()
        options = self.options_of(row.id) if row is not None else None
        if options is None:
            address = self.session.server_address
            options = ConnectionOptions(address.ws_url("/ws") if address else "ws://127.0.0.1:8765/ws")
        self._open_dialog(options)

    def _open_dialog(self, options: ConnectionOptions, profile: str = "") -> None:
        self.dialog = ConnectionDialog(options, self, self.profile_store)
        if profile and self.dialog.profile_bar is not None:
            self.dialog.profile_bar.choose(profile)
        self.dialog.accepted.connect(lambda: self.session.connect(self.dialog.options()) if self.dialog else None)
        self.dialog.finished.connect(self._dialog_finished)
        self.dialog.open()

    # -- saved profiles --------------------------------------------------------------------------

    def _fill_profiles_menu(self) -> None:
        """List the saved profiles afresh each time the menu opens (the dialog may have changed them)."""
        menu = self.profiles_menu
        menu.clear()
        usable: dict[str, ConnectionOptions] = {}
        broken: dict[str, str] = {}
        if self.profile_store is not None:
            try:
                usable, broken = read_profiles(self.profile_store)
            except PersistenceError as error:
                menu.addAction(f"Profiles cannot be read: {error}").setEnabled(False)
        for name in sorted({*usable, *broken}, key=str.casefold):
            if name in usable:
                action = menu.addAction(f"{name}  —  {usable[name].url}")
                action.triggered.connect(lambda _=False, name=name: self.open_profile(name))
            else:
                action = menu.addAction(f"{name} (unreadable)")
                action.setEnabled(False)
                action.setToolTip(broken[name])
        if not usable and not broken:
            menu.addAction("No saved profiles: save one with “Save as profile…” in New…").setEnabled(False)
        menu.addSeparator()
        menu.addAction("New connection…", self.new_connection)

    def open_profile(self, name: str) -> str | None:
        """Open a connection from a saved profile; one that needs a secret opens in the dialog instead."""
        if self.profile_store is None:
            return None
        try:
            options = read_profiles(self.profile_store)[0].get(name)
        except PersistenceError as error:
            notify.error(f"Profile {name!r} cannot be read: {error}")
            return None
        if options is None:
            notify.error(f"Profile {name!r} cannot be loaded")
            return None
        secret = missing_secret(options)
        if secret:
            self._open_dialog(options, name)
            notify.info(f"Profile {name!r}: type the {secret} to connect (profiles do not keep secrets)")
            return None
        connection = self.session.connect(options)
        notify.info(f"{connection}: opening profile {name!r}")
        return connection

    def _dialog_finished(self) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
            self.dialog = None

    def connect_selected(self) -> None:
        row = self.selected()
        if row is not None and not row.live:
            self.session.reopen(row.id)

    @asyncSlot()
    async def ping_selected(self) -> None:
        row = self.selected()
        if row is None or row.change.state != ConnectionState.OPEN:
            notify.warning("Not pinged: select an open connection")
            return
        try:
            seconds = await asyncio.wrap_future(self.session.inspector.submit_ping(row.id))
        except (NotConnectedError, TimeoutError, RuntimeError) as error:
            notify.error(f"{row.id}: ping failed: {error}")
            return
        self.model.rtt_measured(row.id, seconds)
        notify.info(f"{row.id}: RTT {format_rtt(seconds)}")

    @asyncSlot()
    async def close_selected(self, code: int | None = None, reason: str | None = None) -> None:
        row = self.selected()
        if row is None or not row.live:
            notify.warning("Nothing to close: select a live connection")
            return
        code = self.close_code.value() if code is None else code
        reason = self.close_reason.text() if reason is None else reason
        try:
            await asyncio.wrap_future(self.session.inspector.submit_close(row.id, code, reason))
        except (ValueError, RuntimeError) as error:
            notify.error(f"Not closed: {error}")

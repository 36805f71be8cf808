"""The connection options dialog: everything `ConnectionOptions` holds, in five tabs.

It only edits options; opening the connection is the caller's business. OK checks
the options first and keeps the dialog open with the problems listed if they
cannot be used, so nothing typed is lost.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from app.core.contracts.live import Pending
from app.core.errors import SocketScopeError
from app.core.protocols import PROTOCOLS
from app.net.options import AUTH_BASIC, AUTH_BEARER, AUTH_NONE, AUTO_PROTOCOL, RAW_PROTOCOL, ConnectionOptions, MiB
from app.ui.common import contracts
from app.ui.common.naming import named
from app.ui.common.style import tint
from app.ui.connections.profiles import ProfileBar, ProfileStore

_AUTH_LABELS = {AUTH_NONE: "None", AUTH_BEARER: "Bearer token", AUTH_BASIC: "Basic (user and password)"}


class PairsTable(QWidget):
    """Name/value rows (headers, query parameters) with Add and Remove; empty rows are ignored."""

    def __init__(self, name: str, headings: tuple[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = named(QTableWidget(0, 2), name)
        self.table.setHorizontalHeaderLabels(list(headings))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)  # Tab goes on to Add; the arrow keys move between cells
        add = named(QPushButton("Add"), f"{name}Add")
        remove = named(QPushButton("Remove"), f"{name}Remove")
        add.clicked.connect(lambda: self.add_row("", ""))
        remove.clicked.connect(self._remove_selected)
        buttons = QVBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

    def add_row(self, name: str, value: str) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        name_item = QTableWidgetItem(name)
        self.table.setItem(row, 0, name_item)
        self.table.setItem(row, 1, QTableWidgetItem(value))
        if not name:
            self.table.setCurrentCell(row, 0)
            self.table.editItem(name_item)

    def _remove_selected(self) -> None:
        for row in sorted({index.row() for index in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(row)

    def pairs(self) -> tuple[tuple[str, str], ...]:
        found = []
        for row in range(self.table.rowCount()):
            name, value = ((item.text() if (item := self.table.item(row, c)) else "") for c in (0, 1))
            if name.strip() or value.strip():
                found.append((name.strip(), value))
        return tuple(found)

    def set_pairs(self, pairs: tuple[tuple[str, str], ...]) -> None:
        self.table.setRowCount(0)
        for name, value in pairs:
            self.add_row(name, value)


class FileField(QWidget):
    """A path with a Browse… button."""

    def __init__(self, name: str, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = named(QLineEdit(), name)
        self.edit.setPlaceholderText("PEM file")
        self.edit.setClearButtonEnabled(True)
        browse = named(QPushButton("Browse…"), f"{name}Browse")
        browse.clicked.connect(lambda: self._browse(caption))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(browse)

    def _browse(self, caption: str) -> None:
        path, _ = QFileDialog.getOpenFileName(self, caption, self.edit.text(), "PEM files (*.pem *.crt *.key);;All files (*)")
        if path:
            self.edit.setText(path)


class ConnectionDialog(QDialog):
    """`profiles`: where saved profiles live; without it the dialog has no profile bar."""

    def __init__(self, options: ConnectionOptions, parent: QWidget | None = None,
                 profiles: ProfileStore | None = None) -> None:
        super().__init__(parent)
        named(self, "connectionDialog")
        self.setWindowTitle("Connection options")
        self.resize(620, 500)
        self.profile_bar: ProfileBar | None = None
        if profiles is not None:
            self.profile_bar = named(ProfileBar(profiles, self.options), "profileBar")
            self.profile_bar.chosen.connect(self._profile_chosen)
        tabs = named(QTabWidget(), "connectionTabs")
        tabs.addTab(self._general_tab(), "Connection")
        tabs.addTab(self._auth_tab(), "Headers && auth")
        tabs.addTab(self._tls_tab(), "TLS")
        tabs.addTab(self._behaviour_tab(), "Limits && reconnect")
        tabs.addTab(self._on_connect_tab(), "On connect")
        self.tabs = tabs
        self.problems = named(QLabel(), "connectionProblems")
        self.problems.setWordWrap(True)
        tint(self.problems, "status.error")
        self.problems.setTextFormat(Qt.TextFormat.PlainText)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = named(buttons.button(QDialogButtonBox.StandardButton.Ok), "connectionOk")
        self.ok_button.setText("Connect")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if self.profile_bar is not None:
            layout.addWidget(self.profile_bar)
            for secret in (self.token, self.password):
                secret.setPlaceholderText("not saved in profiles")
        layout.addWidget(tabs, 1)
        layout.addWidget(self.problems)
        layout.addWidget(buttons)
        self.set_options(options)
        self.url.setFocus()  # the URL is what is changed most; the profile bar comes first only in tab order
        self.url.selectAll()

    # -- tabs --------------------------------------------------------------------------------------

    def _general_tab(self) -> QWidget:
        self.url = named(QLineEdit(), "optionsUrl")
        self.url.setPlaceholderText("ws://host:port/path or wss://…")
        self.subprotocols = named(QLineEdit(), "optionsSubprotocols")
        self.subprotocols.setPlaceholderText("comma-separated, most preferred first (e.g. graphql-ws, json)")
        self.query = PairsTable("optionsQuery", ("Parameter", "Value"))
        self.protocol = named(QComboBox(), "optionsProtocol")
        self.protocol.addItem("Auto (detected from the URL, subprotocol or first frames)", AUTO_PROTOCOL)
        self.protocol.addItem("Raw (frames as they are)", RAW_PROTOCOL)
        for name, protocol in PROTOCOLS.items():
            self.protocol.addItem(protocol.title, name)
        self.protocol.setToolTip("How the log, the tree and the filters read this connection's frames")
        self.socketio_namespace = named(QLineEdit(), "optionsSocketioNamespace")
        self.socketio_namespace.setPlaceholderText("/")
        self.socketio_namespace.setToolTip("The namespace a Socket.IO connection joins (the inspector sends 40/ns,)")
        self.socketio_auth = named(QLineEdit(), "optionsSocketioAuth")
        self.socketio_auth.setPlaceholderText('a JSON object sent with the namespace connect, e.g. {"token": "…"}')
        self.pair_request = named(QLineEdit(), "optionsPairRequest")
        self.pair_request.setPlaceholderText("$.request_id")
        self.pair_request.setToolTip("For a home-grown protocol: where a request carries its id (a JSONPath)")
        self.pair_reply = named(QLineEdit(), "optionsPairReply")
        self.pair_reply.setPlaceholderText("$.in_reply_to")
        self.pair_reply.setToolTip("…and where a reply names the request it answers; the two are paired and "
                                   "timed like a known protocol's")
        page = QWidget()
        form = QFormLayout(page)
        form.addRow("URL", self.url)
        form.addRow("Subprotocols", self.subprotocols)
        form.addRow("Protocol", self.protocol)
        form.addRow("Socket.IO namespace", self.socketio_namespace)
        form.addRow("Socket.IO auth", self.socketio_auth)
        form.addRow("Pair requests at", self.pair_request)
        form.addRow("with replies at", self.pair_reply)
        form.addRow("Extra query\nparameters", self.query)
        form.addRow("Contract", self._contract_row())
        return page

    def _contract_row(self) -> QWidget:
        """What the messages are checked against: the file attached, Contract… to pick one, Clear."""
        self.contract_label = named(QLabel(), "optionsContract")
        self.contract_label.setTextFormat(Qt.TextFormat.PlainText)
        self.contract_label.setWordWrap(True)
        pick = named(QPushButton("Contract…"), "optionsContractPick")
        pick.setToolTip("Check this connection's messages against a JSON Schema or an AsyncAPI 2.6 or 3.0 document")
        pick.clicked.connect(self._pick_contract)
        self.contract_clear = named(QPushButton("Clear"), "optionsContractClear")
        self.contract_clear.clicked.connect(lambda: self._show_contract(""))
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.contract_label, 1)
        layout.addWidget(pick)
        layout.addWidget(self.contract_clear)
        return row

    def _pick_contract(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Contract", self._contract,
                                              "Contracts (*.json *.yaml *.yml);;All files (*)")
        if path:
            self.attach_contract(path)

    @asyncSlot(str)
    async def attach_contract(self, path: str) -> None:
        """Load `path` off the GUI thread; attach it if it can be used, else show why and keep what was attached."""
        self.contract_label.setText(f"Loading {path}…")
        try:
            contract = await contracts.attach(path)
        except SocketScopeError as error:  # a ContractError naming the file and the place
            self._show_contract(self._contract)
            self.problems.setText(f"Contract not attached: {error}")
            return
        self.problems.clear()
        self._show_contract(path, contracts.describe(contract))

    def _show_contract(self, path: str, description: str = "") -> None:
        self._contract = path
        known = contracts.loaded(path) if path and not description else None
        if known is not None and not isinstance(known, Pending):
            description = contracts.describe(known)
        self.contract_label.setText(description or path or "none: messages are not checked")
        self.contract_label.setToolTip(path)
        self.contract_clear.setEnabled(bool(path))

    def _auth_tab(self) -> QWidget:
        self.headers = PairsTable("optionsHeaders", ("Header", "Value"))
        self.auth = named(QComboBox(), "optionsAuth")
        for kind, label in _AUTH_LABELS.items():
            self.auth.addItem(label, kind)
        self.token = named(QLineEdit(), "optionsToken")
        self.token.setEchoMode(QLineEdit.EchoMode.PasswordEchoOnEdit)
        self.username = named(QLineEdit(), "optionsUsername")
        self.password = named(QLineEdit(), "optionsPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.auth.currentIndexChanged.connect(self._auth_changed)
        page = QWidget()
        form = QFormLayout(page)
        form.addRow("Headers", self.headers)
        form.addRow("Authentication", self.auth)
        form.addRow("Token", self.token)
        form.addRow("User", self.username)
        form.addRow("Password", self.password)
        return page

    def _tls_tab(self) -> QWidget:
        self.ca_file = FileField("optionsCaFile", "CA certificate")
        self.client_cert = FileField("optionsClientCert", "Client certificate")
        self.client_key = FileField("optionsClientKey", "Client private key")
        self.client_key.edit.setPlaceholderText("PEM file (empty: the key is in the certificate file)")
        self.insecure = named(QCheckBox("Accept an invalid server certificate (insecure: test servers only)"),
                               "optionsInsecure")
        self.insecure_warning = QLabel("Anyone between you and the server can read and change this traffic.")
        tint(self.insecure_warning, "status.warning")
        self.insecure.toggled.connect(self.insecure_warning.setVisible)
        note = QLabel("For wss:// URLs. The CA file is trusted in addition to the system's authorities.")
        note.setWordWrap(True)
        page = QWidget()
        form = QFormLayout(page)
        form.addRow(note)
        form.addRow("CA file", self.ca_file)
        form.addRow("Client certificate", self.client_cert)
        form.addRow("Client key", self.client_key)
        form.addRow(self.insecure)
        form.addRow(self.insecure_warning)
        return page

    def _behaviour_tab(self) -> QWidget:
        self.max_size = named(QSpinBox(), "optionsMaxSize")
        self.max_size.setRange(0, 1 << 20)
        self.max_size.setSuffix(" MiB")
        self.max_size.setSpecialValueText("no limit")
        self.compression = named(QCheckBox("Negotiate permessage-deflate (much slower on large messages)"),
                                  "optionsCompression")
        self.ping_interval = self._seconds("optionsPingInterval", "off")
        self.ping_timeout = self._seconds("optionsPingTimeout", "wait forever")
        self.reconnect = named(QCheckBox("Reconnect automatically"), "optionsReconnect")
        self.reconnect.setToolTip("After any closure you did not ask for, except a normal closure (1000) "
                                  "by the server; the on-connect messages are sent again each time")
        self.reconnect_initial = self._seconds("optionsReconnectInitial", "", minimum=0.01)
        self.reconnect_max = self._seconds("optionsReconnectMax", "", minimum=0.01)
        self.reconnect.toggled.connect(self.reconnect_initial.setEnabled)
        self.reconnect.toggled.connect(self.reconnect_max.setEnabled)
        page = QWidget()
        form = QFormLayout(page)
        form.addRow("Maximum message size", self.max_size)
        form.addRow("Compression", self.compression)
        form.addRow("Keepalive ping every", self.ping_interval)
        form.addRow("Drop after no pong for", self.ping_timeout)
        form.addRow(self.reconnect)
        form.addRow("First retry after", self.reconnect_initial)
        form.addRow("Longest wait", self.reconnect_max)
        return page

    def _seconds(self, name: str, zero_text: str, minimum: float = 0.0) -> QDoubleSpinBox:
        box = named(QDoubleSpinBox(), name)
        box.setRange(minimum, 3600)
        box.setDecimals(2)
        box.setSuffix(" s")
        if zero_text:
            box.setSpecialValueText(zero_text)
        return box

    def _on_connect_tab(self) -> QWidget:
        self.on_connect = named(QPlainTextEdit(), "optionsOnConnect")
        self.on_connect.setPlaceholderText('{"action": "auth", "token": "…"}\n{"action": "subscribe", "topic": "prices"}')
        self.on_connect.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.on_connect_note = named(QLabel(), "optionsOnConnectNote")
        self.on_connect_note.setWordWrap(True)
        self.on_connect.textChanged.connect(self._check_on_connect)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(QLabel("Sent in order after every successful connect, reconnects included: "
                                "one text message per line."))
        layout.addWidget(self.on_connect, 1)
        layout.addWidget(self.on_connect_note)
        return page

    # -- reading and writing the options ----------------------------------------------------------

    def set_options(self, options: ConnectionOptions) -> None:
        self._shown = options  # what `options()` starts from: a field this dialog does not show is kept
        self._extra = options.extra
        self.socketio_namespace.setText("" if options.socketio_namespace == "/" else options.socketio_namespace)
        self.socketio_auth.setText(options.socketio_auth)
        self.pair_request.setText(options.pair_request)
        self.pair_reply.setText(options.pair_reply)
        self._show_contract(options.contract)
        self.url.setText(options.url)
        self.subprotocols.setText(", ".join(options.subprotocols))
        if self.protocol.findData(options.protocol) < 0:  # a protocol this version does not know: kept, shown
            self.protocol.addItem(options.protocol, options.protocol)
        self.protocol.setCurrentIndex(self.protocol.findData(options.protocol))
        self.query.set_pairs(options.query)
        self.headers.set_pairs(options.headers)
        self.auth.setCurrentIndex(max(0, self.auth.findData(options.auth)))
        self.token.setText(options.bearer_token)
        self.username.setText(options.username)
        self.password.setText(options.password)
        self.ca_file.edit.setText(options.ca_file)
        self.client_cert.edit.setText(options.client_cert)
        self.client_key.edit.setText(options.client_key)
        self.insecure.setChecked(options.insecure)
        self.insecure_warning.setVisible(options.insecure)
        self.max_size.setValue(math.ceil(options.max_size / MiB))
        self.compression.setChecked(options.compression)
        self.ping_interval.setValue(options.ping_interval)
        self.ping_timeout.setValue(options.ping_timeout)
        self.reconnect.setChecked(options.reconnect)
        self.reconnect_initial.setValue(options.reconnect_initial)
        self.reconnect_max.setValue(options.reconnect_max)
        self.reconnect_initial.setEnabled(options.reconnect)
        self.reconnect_max.setEnabled(options.reconnect)
        self.on_connect.setPlainText("\n".join(options.on_connect))
        self._auth_changed()

    def options(self) -> ConnectionOptions:
        return replace(
            self._shown,
            url=self.url.text().strip(),
            query=self.query.pairs(),
            headers=self.headers.pairs(),
            subprotocols=tuple(p.strip() for p in self.subprotocols.text().split(",") if p.strip()),
            auth=self.auth.currentData(),
            bearer_token=self.token.text(),
            username=self.username.text(),
            password=self.password.text(),
            ca_file=self.ca_file.edit.text().strip(),
            client_cert=self.client_cert.edit.text().strip(),
            client_key=self.client_key.edit.text().strip(),
            insecure=self.insecure.isChecked(),
            max_size=self.max_size.value() * MiB,
            compression=self.compression.isChecked(),
            ping_interval=self.ping_interval.value(),
            ping_timeout=self.ping_timeout.value(),
            reconnect=self.reconnect.isChecked(),
            reconnect_initial=self.reconnect_initial.value(),
            reconnect_max=self.reconnect_max.value(),
            on_connect=tuple(line for line in self.on_connect.toPlainText().splitlines() if line.strip()),
            protocol=self.protocol.currentData(),
            socketio_namespace=self.socketio_namespace.text().strip() or "/",
            socketio_auth=self.socketio_auth.text().strip(),
            pair_request=self.pair_request.text().strip(),
            pair_reply=self.pair_reply.text().strip(),
            contract=self._contract,
            extra=self._extra,
        )

    def accept(self) -> None:
        problems = self.options().problems()
        if problems:
            self.problems.setText("\n".join(problems))
            return
        self.problems.clear()
        super().accept()

    def _profile_chosen(self, name: str, options: ConnectionOptions) -> None:
        self.set_options(options)
        self.problems.clear()
        self.setWindowTitle(f"Connection options · {name}")
        field = {AUTH_BEARER: self.token, AUTH_BASIC: self.password}.get(options.auth)
        if field is not None and not field.text():
            self.tabs.setCurrentIndex(1)  # where the secret goes
            field.setFocus()

    def _auth_changed(self) -> None:
        kind = self.auth.currentData()
        self.token.setEnabled(kind == AUTH_BEARER)
        self.username.setEnabled(kind == AUTH_BASIC)
        self.password.setEnabled(kind == AUTH_BASIC)

    def _check_on_connect(self) -> None:
        """Lines that are not JSON are allowed (some servers speak plain text) but pointed out."""
        not_json = []
        for number, line in enumerate(self.on_connect.toPlainText().splitlines(), 1):
            if line.strip():
                try:
                    json.loads(line)
                except ValueError:
                    not_json.append(str(number))
        if not_json:
            tint(self.on_connect_note, "status.warning")
            lines = f"Line {not_json[0]} is" if len(not_json) == 1 else f"Lines {', '.join(not_json)} are"
            self.on_connect_note.setText(f"{lines} not JSON: sent as plain text.")
        else:
            tint(self.on_connect_note, None)
            self.on_connect_note.clear()

"""The main window: URL bar, message log, message view, composer, status bar.

It owns no sockets and parses nothing big: it drains the session's event queue
on a timer, appends whole batches to the store and the log model, and hands
slow work to other threads, awaiting the results on the qasync loop.
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPushButton,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from app.core.capture import CaptureStore
from app.core.docworker import DocumentWorker
from app.core.frames import ConnectionState, Frame, Notice, ServerStatus, StateChange
from app.core.inspection import LARGE_DOCUMENT, inspect_large, inspect_payload
from app.core.summary import human_size, message_heading
from app.core.view import View
from app.net.inspector import LIVE_STATES, NotConnectedError, describe_state
from app.net.options import ConnectionOptions
from app.services.session import Session
from app.ui.capture.files import CaptureFiles
from app.ui.capture.recording import CaptureControls
from app.ui.common import async_loop, notify, unexpected
from app.ui.common.shortcuts import ShortcutsDialog, add_shortcut
from app.ui.common.tooltips import plain_tooltip
from app.ui.compose.composer import Composer
from app.ui.connections.panel import ConnectionsPanel
from app.ui.log import selection
from app.ui.log.actions import LogActions
from app.ui.log.columns import LogColumns
from app.ui.log.filter_bar import FilterBar
from app.ui.log.model import LogModel
from app.ui.message.diff_view import DiffView, message_of
from app.ui.message.view import MessageView
from app.ui.server.panel import ServerPanel
from app.ui.shell import window_settings
from app.ui.shell.dock_layout import DockLayout
from app.ui.shell.notices import NoticeArea
from app.ui.shell.payload_tools import PayloadTools

DRAIN_INTERVAL_MS = 30
# At most this many records per tick, so one flood cannot stall the window; the rest waits a tick.
DRAIN_BATCH_LIMIT = 10_000
REPAINT_INTERVAL_MS = 250
INLINE_PARSE_LIMIT = 256 * 1024  # bigger payloads are inspected on a worker thread


class MainWindow(QMainWindow):
    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.store = CaptureStore(budget=session.options.memory_budget)
        self.current_connection: str | None = None
        self.quick_connection: str | None = None  # the newest connection with default options: the URL bar's own
        self.connection_states: dict[str, ConnectionState] = {}
        self._selection_generation = 0
        self.shown_row: int | None = None  # the store row the detail pane shows (or is parsing)
        self._shut_down = False
        self.documents = DocumentWorker()  # parses and holds big documents in another process
        self.setWindowTitle("SocketScope")
        self.resize(1280, 800)

        self._build_url_bar()
        self._build_log()
        self.message_view = MessageView(documents=self.documents)
        self.diff_view: DiffView | None = None  # opened by "Compare selected messages"
        self.composer = Composer()
        self._build_layout()
        self._build_status_bar()
        self._build_server_panel()
        self._build_connections_panel()
        self._connect_signals()
        self.capture_files = CaptureFiles(self)
        self._add_quit(self.capture_files.install(self.menuBar()))
        self.capture_controls = CaptureControls(self)  # the Capture menu: recording and replay
        self.payload_tools = PayloadTools(self, self.composer, self._current_url)
        self.connections_panel.profile_store = self.payload_tools.store  # saved connection profiles
        self.dock_layout = DockLayout(self)
        self.dock_layout.install(self.menuBar(), before=self.capture_controls.menu.menuAction())
        self.log_actions = LogActions(self)  # copy, load, resend, compare, clear: the Log menu and context menu
        log_menu = self.menuBar().addMenu("&Log")
        log_menu.setObjectName("logMenu")
        self.log_actions.install(log_menu)
        self._build_help_menu()
        for table in self.findChildren(QAbstractItemView):  # Tab leaves a table; the arrow keys move in it
            table.setTabKeyNavigation(False)
        auto_connects = self.session.options.server or self.session.options.connect
        if not window_settings.restore(self, self.splitters, None if auto_connects else self.url_edit):
            self.dock_layout.arrange()

        self._since_repaint = QElapsedTimer()
        self._since_repaint.start()
        self._drain_timer = QTimer(self)
        self._drain_timer.setInterval(DRAIN_INTERVAL_MS)
        self._drain_timer.timeout.connect(self.drain_events)
        self._drain_timer.start()

    # -- construction ------------------------------------------------------------------------

    def _build_url_bar(self) -> None:
        self.url_edit = QLineEdit()
        self.url_edit.setObjectName("connectionUrl")
        self.url_edit.setAccessibleName("connectionUrl")
        self.url_edit.setPlaceholderText("ws://host:port/path or wss://…  (Ctrl+L)")
        self.url_edit.setClearButtonEnabled(True)
        self.connect_button = QPushButton("Connect")
        self.connect_button.setObjectName("connectButton")
        self.connect_button.setAccessibleName("connectButton")
        self.state_label = QLabel("Not connected")
        self.state_label.setObjectName("connectionState")
        self.state_label.setAccessibleName("connectionState")
        self.state_label.setTextFormat(Qt.TextFormat.PlainText)  # a refusal's body may be an HTML error page
        self.state_label.setMinimumWidth(200)
        # A refusal's body can be a KiB: the label shows what fits, its tooltip all of it.
        self.state_label.setMaximumWidth(self.fontMetrics().averageCharWidth() * 140)

    def _build_log(self) -> None:
        self.view = View(self.store)
        self.log_model = LogModel(self.store, self.view, self)
        self.filter_bar = FilterBar(self.view)
        self.log_view = QTableView()
        self.log_view.setObjectName("messageLog")
        self.log_view.setAccessibleName("messageLog")
        self.log_view.setModel(self.log_model)
        self.log_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.log_view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.log_view.setWordWrap(False)
        self.log_view.setShowGrid(False)
        self.log_view.setAlternatingRowColors(True)
        vertical = self.log_view.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.log_view.horizontalHeader()
        for column, width in enumerate((100, 80, 95, 65, 75)):
            header.resizeSection(column, width)
        self.log_columns = LogColumns(self.log_view, self.log_model, self)
        self.follow_tail = True
        self.follow_button = self._tool_button("Follow", "followTail",
                                               "Keep the newest message in view (scrolling up turns this off)")
        self.follow_button.setChecked(True)
        self.pause_button = self._tool_button("Pause", "pauseView",
                                              "Freeze the log while capture goes on (Ctrl+P)")
        self.new_badge = QLabel()
        self.new_badge.setObjectName("pausedBadge")
        self.new_badge.setAccessibleName("pausedBadge")
        self.new_badge.setStyleSheet("color: #9a6700; font-weight: bold;")

    def _tool_button(self, text: str, name: str, tip: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setCheckable(True)
        button.setObjectName(name)
        button.setAccessibleName(name)
        button.setToolTip(tip)
        return button

    def _build_layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(QLabel("URL"))
        top.addWidget(self.url_edit, 1)
        top.addWidget(self.connect_button)
        top.addWidget(self.state_label)

        right = QSplitter(Qt.Orientation.Vertical)
        right.setObjectName("rightSplitter")
        right.addWidget(self.message_view)
        right.addWidget(self.composer)
        right.setSizes([400, 340])  # at 1280×800: six lines to compose in, a screenful of tree above
        log_pane = QWidget()
        log_layout = QVBoxLayout(log_pane)
        log_layout.setContentsMargins(0, 0, 0, 0)
        log_bar = QHBoxLayout()
        log_bar.addWidget(self.filter_bar, 1)  # nothing beside it changes width: the filter box keeps its own
        log_bar.addWidget(self.follow_button)
        log_bar.addWidget(self.pause_button)
        log_layout.addLayout(log_bar)
        log_layout.addWidget(self.log_view, 1)
        main = QSplitter(Qt.Orientation.Horizontal)
        main.setObjectName("mainSplitter")
        main.addWidget(log_pane)
        main.addWidget(right)
        main.setSizes([720, 560])
        self.splitters = [main, right]

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addLayout(top)
        layout.addWidget(main, 1)
        self.setCentralWidget(central)

    def _build_status_bar(self) -> None:
        self.server_label = QLabel("Server: starting…")
        self.server_label.setTextFormat(Qt.TextFormat.PlainText)
        self.server_label.setObjectName("serverAddress")
        self.server_label.setAccessibleName("serverAddress")
        self.dropped_label = QLabel()
        self.dropped_label.setObjectName("droppedCount")
        self.dropped_label.setAccessibleName("droppedCount")
        self.dropped_label.setStyleSheet("color: #9a6700;")
        self.counts_label = QLabel()
        self.counts_label.setObjectName("messageCounts")
        self.counts_label.setAccessibleName("messageCounts")
        self.counts_label.setToolTip("Messages in the log now (connection events not counted); sent and received "
                                     "count every message since the start or the last Clear log, dropped ones too")
        self.notices = NoticeArea()  # expires after a while; an error stays until dismissed
        notify.bridge().posted.connect(self.notices.show_notice)  # the one route; Qt drops it with the area
        self.notice_label = self.notices.label
        bar = self.statusBar()
        bar.addWidget(self.server_label)
        bar.addWidget(self.notices, 1)
        bar.addPermanentWidget(self.log_columns.status)  # sorting progress and order
        bar.addPermanentWidget(self.new_badge)  # what arrived while paused
        bar.addPermanentWidget(self.dropped_label)
        bar.addPermanentWidget(self.counts_label)
        if not self.session.options.server:
            self.server_label.setText("Server: off")
        self._update_counts()

    def _build_server_panel(self) -> None:
        self.server_panel = ServerPanel()
        dock = QDockWidget("Embedded server", self)
        dock.setObjectName("serverDock")
        dock.setAccessibleName("serverDock")
        dock.setWidget(self.server_panel)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        self.server_panel.push_requested.connect(self.push_from_server)
        self.server_panel.close_requested.connect(self.close_server_client)
        self.server_panel.start_requested.connect(self.start_server)
        self.server_panel.stop_requested.connect(self.stop_server)
        self.server_panel.restart_requested.connect(self.restart_server)
        self.server_panel.port.setValue(self.session.options.port)
        self.server_panel.server_changed("", None)

    def _build_connections_panel(self) -> None:
        self.connections_panel = ConnectionsPanel(self.session)
        dock = QDockWidget("Connections", self)
        dock.setObjectName("connectionsDock")
        dock.setAccessibleName("connectionsDock")
        dock.setWidget(self.connections_panel)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        self.connections_panel.current_changed.connect(self.select_connection)

    def _connect_signals(self) -> None:
        self.connect_button.clicked.connect(self.toggle_connection)
        self.url_edit.returnPressed.connect(self.open_typed_url)
        self.composer.send_to_connection = self.send_payload
        self.log_view.selectionModel().currentRowChanged.connect(self._current_row_changed)
        self.log_view.verticalScrollBar().valueChanged.connect(self._scrolled)
        add_shortcut("Ctrl+L", self, self._focus_url, what="Type a URL to connect to")
        add_shortcut("Ctrl+F", self, self._focus_filter, what="Filter the log")
        add_shortcut("Ctrl+P", self, self.pause_button.toggle, what="Pause or resume the log's view")
        self.follow_button.toggled.connect(self._follow_toggled)
        self.pause_button.toggled.connect(self._pause_toggled)
        self.filter_bar.applied.connect(self._filter_applied)

    def _add_quit(self, file_menu: QMenu) -> None:
        quit_action = QAction("&Quit", self)
        quit_action.setObjectName("quitAction")
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.setStatusTip("Close connections, stop the server and quit")
        quit_action.triggered.connect(self.close)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)

    def _build_help_menu(self) -> None:
        menu = self.menuBar().addMenu("&Help")
        menu.setObjectName("helpMenu")
        self.shortcuts_action = QAction("&Keyboard shortcuts", self)
        self.shortcuts_action.setObjectName("keyboardShortcuts")
        self.shortcuts_action.setShortcut(QKeySequence("F1"))
        self.shortcuts_action.setStatusTip("List every key the window answers to")
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        menu.addAction(self.shortcuts_action)
        self.shortcuts_dialog: ShortcutsDialog | None = None

    def show_shortcuts(self) -> ShortcutsDialog:
        """Help → Keyboard shortcuts, read from the window's actions as they are now."""
        if self.shortcuts_dialog is not None:
            self.shortcuts_dialog.close()
        self.shortcuts_dialog = ShortcutsDialog(self)
        self.shortcuts_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.shortcuts_dialog.destroyed.connect(self._shortcuts_dialog_gone)
        self.shortcuts_dialog.show()
        return self.shortcuts_dialog

    def _shortcuts_dialog_gone(self) -> None:
        self.shortcuts_dialog = None

    # -- the event feed ----------------------------------------------------------------------

    def drain_events(self) -> None:
        """Move everything the network threads queued into the store and the views."""
        batch = self.session.queue.drain(DRAIN_BATCH_LIMIT)
        if not batch:
            self._show_new_rows()
            return
        frames = []
        for item in batch:
            if type(item) is Frame:
                frames.append(item)
                continue
            if frames:  # keep order: frames before a state change are shown before it
                self._append(frames)
                frames = []
            self._handle_record(item)
        if frames:
            self._append(frames)
        flooding = len(batch) == DRAIN_BATCH_LIMIT or len(self.session.queue) > 0
        if not flooding or self._since_repaint.elapsed() >= REPAINT_INTERVAL_MS:
            self._show_new_rows()

    def _append(self, frames: list[Frame]) -> None:
        self.store.extend(frames)
        self.server_panel.model.observe(frames)
        self.capture_controls.observe(frames)
        self.connections_panel.model.observe(frames)
        if self.store.enforce_budget():
            self._rows_dropped()

    def _rows_dropped(self) -> None:
        """The store dropped its oldest rows to stay within its budget: say so, and keep the log consistent."""
        self.log_columns.keeping_selection(self.log_model.forget_dropped)  # sorted, the model resets
        store = self.store
        events = store.dropped_events
        also = f" (and {events:,} connection event{'s' if events != 1 else ''})" if events else ""
        self.dropped_label.setText(f"{store.dropped_messages:,} oldest messages dropped{also}")
        self.dropped_label.setToolTip(
            f"The log keeps at most {human_size(store.budget)} of messages (--memory-budget); "
            f"the oldest {store.dropped_messages:,} messages{also} were dropped to stay within it")

    def _show_new_rows(self) -> None:
        """Announce stored rows to the view: at most every REPAINT_INTERVAL_MS under a flood.

        A repaint calls back into Python for every visible cell; while the client
        thread competes for the GIL each call can wait for it, so repainting on every
        drain would starve the GUI thread.
        """
        self._since_repaint.restart()
        self.view.catch_up()
        pending = len(self.view) - self.log_model.rowCount()
        self.filter_bar.show_counts()
        self._update_counts()  # they count the whole log: new rows the filter hides too
        if self.pause_button.isChecked():  # capture goes on; the view waits and says how much
            self.new_badge.setText(f"+{pending:,} new" if pending > 0 else "")
            return
        if pending <= 0:
            return
        self.log_model.rows_appended(pending)
        if self.follow_tail:
            self.log_view.scrollToBottom()

    def _handle_record(self, item: object) -> None:
        if isinstance(item, StateChange):
            first_seen = item.connection not in self.connection_states
            self.connection_states[item.connection] = item.state
            self.connections_panel.model.state_changed(item)
            # A new connection is the one shown; reconnect attempts and replays do not steal the composer's target.
            if first_seen and not self.capture_controls.is_replay(item.connection):
                self.current_connection = item.connection
                self.connections_panel.select(item.connection)
                if self._has_default_options(item.connection):
                    self.quick_connection = item.connection
            if item.connection == self.current_connection or self.current_connection is None:
                self.current_connection = item.connection
                self._show_connection(item)
        elif isinstance(item, ServerStatus):
            self.server_label.setText(f"Server: {item.url}" if item.url else f"Server: {item.detail}")
            address = self.session.server_address
            self.server_panel.server_changed(item.url, address.port if item.url and address else None)
        elif isinstance(item, Notice):
            notify.post(item)

    def _show_connection(self, change: StateChange) -> None:
        """The URL bar and its state label follow the current connection."""
        if not self.url_edit.isModified():
            self.url_edit.setText(change.url)
        text = describe_state(change)
        metrics = self.state_label.fontMetrics()
        self.state_label.setText(metrics.elidedText(text, Qt.TextElideMode.ElideRight, self.state_label.maximumWidth()))
        self.state_label.setToolTip(plain_tooltip(text) or "")
        self.connect_button.setText("Disconnect" if change.state in LIVE_STATES else "Connect")
        self.composer.show_target(change)

    def select_connection(self, connection: str) -> None:
        """Make `connection` the composer's send target (chosen in the connections panel)."""
        self.current_connection = connection
        row = self.connections_panel.model.row_of(connection)
        if row is not None:
            self.url_edit.setModified(False)
            self._show_connection(row.change)

    def _update_counts(self) -> None:
        store = self.store
        messages = len(store) - store.event_count
        self.counts_label.setText(f"{messages:,} message{'' if messages == 1 else 's'} · ↑ {store.sent_count:,} sent · "
                                  f"↓ {store.received_count:,} received")

    def _scrolled(self, value: int) -> None:
        self.follow_tail = value >= self.log_view.verticalScrollBar().maximum()
        self.follow_button.setChecked(self.follow_tail)

    def _follow_toggled(self, on: bool) -> None:
        self.follow_tail = on
        if on:
            self.log_view.scrollToBottom()

    def _pause_toggled(self, paused: bool) -> None:
        if not paused:
            self.new_badge.clear()
            self._show_new_rows()

    # -- selection ---------------------------------------------------------------------------

    def _current_row_changed(self, current, _previous=None) -> None:
        """Resolve the stored row now: by the time a task runs, drops or a new filter may have moved rows."""
        if current.isValid():
            row = self.view.store_row(current.row())
            if row != self.shown_row:  # the same message made current again after a new filter or order
                self._show_message(row)

    def _clear_message(self) -> None:
        """The shown message has left the log's rows: the detail pane shows nothing rather than it."""
        self._selection_generation += 1  # a parse under way is not shown
        self.shown_row = None
        self.message_view.clear()

    @asyncSlot(int)
    async def _show_message(self, row: int) -> None:
        if row < self.store.first:
            return  # dropped meanwhile
        self.shown_row = row
        self._selection_generation += 1
        generation = self._selection_generation
        store = self.store
        opcode, size = store.opcodes[row], store.payloads.length(row)
        heading = message_heading(store, row)
        if size <= INLINE_PARSE_LIMIT:
            inspection = inspect_payload(opcode, store.payloads[row])
        else:
            self.message_view.show_pending(store.sizes[row])
            if size >= LARGE_DOCUMENT and store.payloads.is_text(row):
                # The stored bytes go to the document process as they are: never decoded whole here.
                views = store.payloads.views(row)
                inspection = await async_loop.in_worker(inspect_large, opcode, views, self.documents)
            else:
                inspection = await async_loop.in_worker(inspect_payload, opcode, store.payloads[row])
            if generation != self._selection_generation or self._shut_down:
                return  # the user has moved on
        self.message_view.display(inspection, heading)

    # -- actions -----------------------------------------------------------------------------

    def _focus_filter(self) -> None:
        self.filter_bar.edit.setFocus()
        self.filter_bar.edit.selectAll()

    def _filter_applied(self) -> None:
        """The new filter's rows are in place: keep the selected messages it still shows, else clear the pane."""
        kept = selection.remember(self.log_view, self.view.previous_store_row)
        self.view.catch_up()
        self.log_model.view_replaced()
        if kept.current is not None and not selection.restore(self.log_view, self.view, kept):
            self._clear_message()
        self.log_columns.resort()
        if self.follow_tail:
            self.log_view.scrollToBottom()
        elif self.log_view.currentIndex().isValid():
            self.log_view.scrollTo(self.log_view.currentIndex())

    def clear_log(self) -> None:
        """Remove every row from the log; a recording to file, the connections and their counts go on."""
        self.store.clear()
        self.log_model.forget_dropped()
        self.log_model.view_replaced()
        self.log_columns.resort()
        self._clear_message()
        self.new_badge.clear()
        self.dropped_label.clear()
        self.dropped_label.setToolTip("")
        self.filter_bar.show_counts()
        self._update_counts()

    def _current_url(self) -> str:
        connection = self.session.inspector.connections.get(self.current_connection or "")
        return connection.url if connection else ""
    def compare_selected(self) -> None:
        rows = sorted(index.row() for index in self.log_view.selectionModel().selectedRows())
        if len(rows) != 2:
            notify.warning(f"Select exactly two messages to compare ({len(rows)} selected)")
            return
        if self.diff_view is None:
            self.diff_view = DiffView(self)
        self.diff_view.compare(*(message_of(self.store, self.view.store_row(row)) for row in rows))

    def _focus_url(self) -> None:
        self.url_edit.setFocus()
        self.url_edit.selectAll()

    def toggle_connection(self) -> None:
        current = self.current_connection
        if current and self.connection_states.get(current) in LIVE_STATES:
            self.session.inspector.submit_close(current, 1000, "closed by the user")
            return
        url = self._typed_url()
        if url:
            self._open_quick(url)

    def open_typed_url(self) -> None:
        """Enter in the URL bar: open the typed URL in place of the previous quick connection.

        Connections opened with options of their own (the Connections panel) stay open.
        """
        url = self._typed_url()
        if not url:
            return
        previous = self.quick_connection
        if previous and self.connection_states.get(previous) in LIVE_STATES:
            self.session.inspector.submit_close(previous, 1000, "closed by the user")
        self._open_quick(url)

    def _typed_url(self) -> str | None:
        """The URL bar's text if it can be connected to; otherwise say why (the text stays to be corrected)."""
        url = self.url_edit.text().strip()
        if not url:
            notify.warning("Type a ws:// or wss:// URL to connect to")
            return None
        problems = ConnectionOptions(url).problems()
        if problems:
            notify.warning(problems[0])
            return None
        return url

    def _open_quick(self, url: str) -> None:
        self.quick_connection = self.current_connection = self.session.connect(url)
        self.url_edit.setModified(False)  # the bar follows the new connection from now on
        self.composer.show_target(StateChange(self.current_connection, url, ConnectionState.CONNECTING))

    def _has_default_options(self, connection_id: str) -> bool:
        connection = self.session.inspector.connections.get(connection_id)
        return connection is not None and connection.options == ConnectionOptions(connection.url)

    async def send_payload(self, payload: str | bytes) -> bool:
        """Send to the current connection (bytes as a binary frame); True once it is on the wire."""
        connection = self.current_connection
        if connection is None or self.connection_states.get(connection) != ConnectionState.OPEN:
            self.composer.show_send_error(self.connections_panel.why_not_sendable(connection))
            return False
        try:
            await asyncio.wrap_future(self.session.inspector.submit_send(connection, payload))
        except NotConnectedError:
            self.composer.show_send_error("Not sent: the connection has closed")
            return False
        except (OSError, RuntimeError) as error:  # the wire failed, or the client thread stopped: keep the payload
            self.composer.show_send_error(f"Not sent: {error}")
            return False
        return True

    # -- the embedded server ---------------------------------------------------------------

    @asyncSlot(object)
    async def push_from_server(self, targets: list[str] | None) -> None:
        server = self.session.server
        if server is None or not server.running:
            notify.warning("Not pushed: the embedded server is not running")
            return
        if targets == []:
            notify.warning("Not pushed: select a connected client, or push to all")
            return
        payload = self.composer.prepare_payload()
        if payload is None:
            notify.warning(f"Not pushed: the composer's payload is not valid {self.composer.format_name}: "
                           f"{self.composer.error.text()}")
            return
        try:
            count = await asyncio.wrap_future(server.submit_send(payload, targets))
        except RuntimeError as error:
            notify.error(f"Not pushed: {error}")
            return
        if count == 0:
            notify.warning("Not pushed: the client has disconnected" if targets
                           else "Not pushed: no client is connected")
            return
        notify.info(f"Pushed to {count} client{'s' if count != 1 else ''}")

    @asyncSlot(str, int, str)
    async def close_server_client(self, client: str, code: int, reason: str) -> None:
        server = self.session.server
        if server is None or not server.running:
            return
        await asyncio.wrap_future(server.submit_close(client, code, reason))

    @asyncSlot(int)
    async def start_server(self, port: int) -> None:
        await async_loop.in_worker(self.session.start_server, port)

    @asyncSlot()
    async def stop_server(self) -> None:
        await async_loop.in_worker(self.session.stop_server)

    @asyncSlot(int)
    async def restart_server(self, port: int) -> None:
        await async_loop.in_worker(self.session.stop_server)
        await async_loop.in_worker(self.session.start_server, port)

    # -- shutdown ----------------------------------------------------------------------------

    def shutdown(self) -> bool:
        """Close connections, stop the server and the client thread; idempotent."""
        if self._shut_down:
            return True
        self._shut_down = True
        self._drain_timer.stop()
        window_settings.save(self, self.splitters, self.url_edit)
        self.payload_tools.close()
        clean = self.session.shutdown()
        self.message_view.shutdown()
        self.documents.close()
        self.drain_events()
        self.capture_controls.shutdown()
        self.capture_files.shutdown()
        unexpected.restore()  # the error hooks app.main.build() installed
        return clean

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if not self.capture_files.drag_entered(event):
            super().dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        if not self.capture_files.dropped(event):
            super().dropEvent(event)

    def focusNextPrevChild(self, next: bool) -> bool:
        """Tab and Shift+Tab pass over the panels of dock tabs not shown (see `DockLayout.skip_unshown`)."""
        return self.dock_layout.skip_unshown(lambda: super(MainWindow, self).focusNextPrevChild(next))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)


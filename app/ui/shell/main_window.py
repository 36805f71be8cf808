"""The main window: URL bar, message log, message view, composer, status bar.

It owns no sockets and parses nothing big: it drains the session's event queue
on a timer, appends whole batches to the store and the log model, and hands
slow work to other threads, awaiting the results on the qasync loop.
"""

from __future__ import annotations

import asyncio
import time

from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from app.core.docworker import DocumentWorker
from app.core.frames import ConnectionState, Frame, Notice, ServerStatus, StateChange
from app.core.ingest import Capture
from app.core.inspection import LARGE_DOCUMENT, inspect_decoded, inspect_frame, inspect_large
from app.core.summary import message_heading
from app.core.traffic_stats import TrafficStats
from app.net.inspector import LIVE_STATES, NotConnectedError, describe_state
from app.net.options import ConnectionOptions
from app.services.session import Session
from app.ui.capture.files import CaptureFiles
from app.ui.capture.recording import CaptureControls
from app.ui.common import async_loop, contracts, notify, unexpected
from app.ui.common.naming import named
from app.ui.common.shortcuts import ShortcutsDialog, add_shortcut
from app.ui.common.style import show_focus
from app.ui.common.throttle import REPAINT_INTERVAL_MS
from app.ui.common.tooltips import plain_tooltip
from app.ui.compose.composer import Composer
from app.ui.connections.panel import ConnectionsPanel
from app.ui.log.actions import LogActions
from app.ui.log.pane import LogPane
from app.ui.message.diff_view import DiffView, message_of
from app.ui.message.view import MessageView
from app.ui.scenarios.infer_dialog import InferDialog
from app.ui.scenarios.save_test import ScenarioSaver
from app.ui.scenarios.tests_dock import add_tests_dock
from app.ui.server.panel import ServerPanel
from app.ui.shell import action_icons, window_settings
from app.ui.shell.composer_fold import ComposerFold
from app.ui.shell.contract_sources import ContractSources
from app.ui.shell.dock_layout import DockLayout
from app.ui.shell.notices import NoticeArea
from app.ui.shell.palette import CommandPalette
from app.ui.shell.payload_tools import PayloadTools
from app.ui.shell.theme_switch import ThemeMenu
from app.ui.shell.toolbar import MainToolbar
from app.ui.stats.field_plot import FieldPlots
from app.ui.stats.panel import add_stats_dock

DRAIN_INTERVAL_MS = 30  # between drains while the queue is empty
# A drain moves records for about this long, then lets the window paint and answer input; while
# more wait it is re-armed at once, so a flood is taken in slices that no click waits long behind.
DRAIN_SLICE_MS = 5
# New rows are painted at most this often while messages come, and every REPAINT_INTERVAL_MS in a flood.
# The log paints holding the GIL (app/ui/log/table.py): at every 30 ms drain, a stream of big messages
# read 20 % slower, its client thread waiting out a paint a drain. A row still shows within ~0.1 s.
QUIET_REPAINT_MS = 100
DRAIN_CHUNK = 500  # records per step of a drain: the clock is read between steps
INLINE_PARSE_LIMIT = 256 * 1024  # bigger payloads are inspected on a worker thread


class MainWindow(QMainWindow):
    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.capture = Capture(budget=session.options.memory_budget)  # the one way frames enter the log
        self.store, self.view = self.capture.store, self.capture.view
        self.current_connection: str | None = None
        self.quick_connection: str | None = None  # the newest connection with default options: the URL bar's own
        self.connection_states: dict[str, ConnectionState] = {}
        self._selection_generation = 0
        self.shown_row: int | None = None  # the store row the detail pane shows (or is parsing)
        self._shut_down = False
        self.documents = DocumentWorker()  # parses and holds big documents in another process
        self.setWindowTitle("SocketScope")
        show_focus(self)  # views show the focus too, as fields and buttons do, in both themes
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
        self.capture_files = CaptureFiles(self, self)
        self._add_quit(self.capture_files.install(self.menuBar()))
        self.capture_controls = CaptureControls(self, self)  # the Capture menu: recording and replay
        # Every live batch is counted by the panels and written to a recording file, if one is open.
        for observer in (self.server_panel.model, self.capture_controls, self.connections_panel.model):
            self.capture.add_observer(observer)
        self.connections_panel.model.protocols = self.capture.protocols
        self.traffic = TrafficStats(store=self.store)  # rates, sizes and latencies for the Statistics dock
        self.capture.add_observer(self.traffic)
        self.capture.protocols.pair_observers.append(self.traffic.add_latency)
        self.connections_panel.model.traffic = self.traffic  # each connection's sparkline
        self.stats_dock = add_stats_dock(self, self.traffic)
        self.field_plots = FieldPlots(self.capture, self)  # Plot field… from a log column or a number in the tree
        self.log_pane.columns.plot_requested.connect(self.field_plots.open)
        self.message_view.tree_panel.plot_requested.connect(self.field_plots.open)
        self.log_pane.checking.checked.connect(self._verdicts_arrived)
        self.payload_tools = PayloadTools(self, self.composer, self._current_url)
        # Which contract each connection has; Edit → Preferences…; what an AsyncAPI document brings.
        self.contract_sources = ContractSources(self, self.session, self.server_panel, self.payload_tools, self.url_edit)
        self.capture.checks.contract_for = self.contract_sources.contract_for
        self.connections_panel.profile_store = self.payload_tools.store  # saved connection profiles
        self.tests_panel = add_tests_dock(self, self)  # runs scenario files on a connection of this window
        self.capture.add_observer(self.tests_panel)
        self.dock_layout = DockLayout(self)
        self.payload_tools.reveal = self.dock_layout.reveal  # Ctrl+B opens a folded band
        view_menu = self.dock_layout.install(self.menuBar(), before=self.capture_controls.menu.menuAction())
        view_menu.insertAction(self.dock_layout.band_action, self.composer_fold.action)
        self.dock_layout.reset_action.triggered.connect(self.reset_layout)
        self.theme_menu = ThemeMenu(self)  # View → Theme
        view_menu.addSeparator()
        view_menu.addMenu(self.theme_menu.menu)
        self.log_actions = LogActions(self, self)  # the Log menu and the rows' context menu
        log_menu = self.menuBar().addMenu("&Log")
        log_menu.setObjectName("logMenu")
        self.log_actions.install(log_menu)
        # The header's context menu needs the mouse; here it is in reach of Alt+L and the command palette too.
        log_menu.addSeparator()
        log_menu.addAction("Add &column from JSON path…", lambda: self.log_columns.ask_json_path()) \
            .setObjectName("addJsonColumnFromMenu")
        self.main_toolbar = MainToolbar(self, self)  # connect, follow, pause, record, clear, compare
        self.main_toolbar.install(view_menu)
        self.dock_layout.reset_action.triggered.connect(self.main_toolbar.bar.show)
        self.contract_sources.install(self.menuBar(), before=view_menu.menuAction())
        self.test_saver = ScenarioSaver(self, self.session)  # Log → Save as test…
        self.test_saver.saved.connect(self.tests_panel.offer)
        self.command_palette = CommandPalette(self)  # Ctrl+K: any menu command by name
        self._build_help_menu()
        action_icons.decorate(self)  # the menus' and the toolbar's icons
        for table in self.findChildren(QAbstractItemView):  # Tab leaves a table; the arrow keys move in it
            table.setTabKeyNavigation(False)
        auto_connects = self.session.options.server or self.session.options.connect
        if not window_settings.restore(self, self.splitters, None if auto_connects else self.url_edit):
            self.dock_layout.arrange()
        else:
            self.dock_layout.place_new(window_settings.layout_has_dock)  # docks newer than the saved layout
        window_settings.restore_folds(self.composer_fold, self.dock_layout)
        window_settings.restore_toolbar(self.main_toolbar.bar)

        self._since_repaint = QElapsedTimer()
        self._since_repaint.start()
        self._drain_timer = QTimer(self)
        self._drain_timer.setInterval(DRAIN_INTERVAL_MS)
        self._drain_timer.timeout.connect(self._drain_slice)
        self._drain_timer.start()

    # -- construction ------------------------------------------------------------------------

    def _build_url_bar(self) -> None:
        self.url_edit = QLineEdit()
        named(self.url_edit, "connectionUrl")
        self.url_edit.setPlaceholderText("ws://host:port/path or wss://…  (Ctrl+L)")
        self.url_edit.setClearButtonEnabled(True)
        self.connect_button = QPushButton("Connect")
        named(self.connect_button, "connectButton")
        self.state_label = QLabel("Not connected")
        named(self.state_label, "connectionState")
        self.state_label.setTextFormat(Qt.TextFormat.PlainText)  # a refusal's body may be an HTML error page
        self.state_label.setMinimumWidth(200)
        # A refusal's body can be a KiB: the label shows what fits, its tooltip all of it.
        self.state_label.setMaximumWidth(self.fontMetrics().averageCharWidth() * 140)

    def _build_log(self) -> None:
        self.log_pane = LogPane(self.capture)
        pane = self.log_pane
        self.log_model, self.log_view, self.log_columns, self.filter_bar = pane.model, pane.table, pane.columns, pane.filter_bar
        self.follow_button, self.pause_button, self.new_badge = pane.follow_button, pane.pause_button, pane.new_badge
        self.dropped_label, self.counts_label = pane.dropped_label, pane.counts_label

    @property
    def follow_tail(self) -> bool:
        return self.log_pane.follow_tail

    @property
    def closing(self) -> bool:
        """True once the window has shut down: work finishing later must touch no widget."""
        return self._shut_down

    @property
    def recording(self) -> bool:
        return self.capture_controls.recording

    def url_bar_text(self) -> str:
        return self.url_edit.text()

    def load_into_composer(self, payload: str | bytes) -> None:
        self.composer.set_payload(payload)
        self.composer.editor.setFocus()

    def why_not_sendable(self, connection: str | None) -> str | None:
        """Why nothing can be sent on `connection` now, in the composer's words; None when it is open."""
        if connection is not None and self.connection_states.get(connection) == ConnectionState.OPEN:
            return None
        return self.connections_panel.why_not_sendable(connection)

    def _build_layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(QLabel("URL"))
        top.addWidget(self.url_edit, 1)
        top.addWidget(self.connect_button)
        top.addWidget(self.state_label)

        right = QSplitter(Qt.Orientation.Vertical)
        right.setObjectName("rightSplitter")
        right.setChildrenCollapsible(False)  # the composer folds to its heading (Ctrl+E), never to nothing
        right.addWidget(self.message_view)
        right.addWidget(self.composer)
        main = QSplitter(Qt.Orientation.Horizontal)
        main.setObjectName("mainSplitter")
        main.addWidget(self.log_pane)
        main.addWidget(right)
        self.splitters = [main, right]
        self.composer_fold = ComposerFold(self.composer, right)
        self.reset_layout()

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addLayout(top)
        layout.addWidget(main, 1)
        self.setCentralWidget(central)

    def reset_layout(self) -> None:
        """The first run's layout (also View → Reset layout, which arranges the docks).

        The composer starts folded (Ctrl+E opens it), and so does the dock band: at 1280×800
        the selected message's tree shows over 30 rows, and the log about as many.
        """
        main, right = self.splitters
        main.setSizes([720, 560])
        right.setSizes([400, 340])
        self.composer_fold.reset()

    def _build_status_bar(self) -> None:
        self.server_label = QLabel("Server: starting…")
        self.server_label.setTextFormat(Qt.TextFormat.PlainText)
        named(self.server_label, "serverAddress")
        self.notices = NoticeArea()  # expires after a while; an error stays until dismissed
        notify.bridge().posted.connect(self.notices.show_notice)  # the one route; Qt drops it with the area
        self.notice_label = self.notices.label
        bar = self.statusBar()
        bar.addWidget(self.server_label)
        bar.addWidget(self.notices, 1)
        for widget in self.log_pane.status_widgets():  # sorting, new while paused, dropped, counts
            bar.addPermanentWidget(widget)
        if not self.session.options.server:
            self.server_label.setText("Server: off")

    def _build_server_panel(self) -> None:
        self.server_panel = ServerPanel()
        dock = QDockWidget("Embedded server", self)
        named(dock, "serverDock")
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
        named(dock, "connectionsDock")
        dock.setWidget(self.connections_panel)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        self.connections_panel.current_changed.connect(self.select_connection)

    def _connect_signals(self) -> None:
        self.connect_button.clicked.connect(self.toggle_connection)
        self.url_edit.returnPressed.connect(self.open_typed_url)
        self.composer.send_to_connection = self.send_payload
        selection = self.log_view.selectionModel()
        selection.currentRowChanged.connect(self._current_row_changed)
        # `selectRow` makes the row current before it selects it: the message shows once it is both.
        selection.selectionChanged.connect(lambda *_: self._current_row_changed(self.log_view.currentIndex()))
        add_shortcut("Ctrl+L", self, self._focus_url, what="Type a URL to connect to")
        add_shortcut("Ctrl+F", self, self.log_pane.focus_filter, what="Filter the log")
        add_shortcut("Ctrl+J", self, self.go_to_partner, what="Select the paired request or reply")
        self.message_view.info.link_activated.connect(self.select_store_row)
        self.log_pane.shown_message_gone.connect(self._clear_message)

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
        menu.addAction(self.command_palette.action)
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

    def _drain_slice(self) -> None:
        """The drain timer: a slice of the queue, at once again while more waits, else in DRAIN_INTERVAL_MS."""
        self.drain_events(DRAIN_SLICE_MS)

    def drain_events(self, slice_ms: float | None = None) -> None:
        """Move what the network threads queued into the store and the views: all of it, or for about `slice_ms`.

        Shutdown and tests take all of it (what is queued when called: nothing can keep it going).
        """
        queue = self.session.queue
        left = len(queue)
        if slice_ms is not None and left > 0 and self._drain_timer.interval() == 0 \
                and self._since_repaint.elapsed() >= REPAINT_INTERVAL_MS:
            # A flood's repaint is due: it goes alone, the next slice at the next turn of the loop. The log's
            # paint and a slice back to back were one wait of both for a click (most of the worst loop gaps).
            self.show_new_rows()
            return
        started = time.perf_counter()
        while left > 0:
            batch = queue.drain(min(DRAIN_CHUNK, left))
            left -= len(batch)
            self._take(batch)
            if slice_ms is not None and (time.perf_counter() - started) * 1000 >= slice_ms:
                break
        flooding = len(queue) > 0
        interval = 0 if flooding else DRAIN_INTERVAL_MS
        if self._drain_timer.interval() != interval:  # setting it restarts the timer
            self._drain_timer.setInterval(interval)
        due = REPAINT_INTERVAL_MS if flooding else QUIET_REPAINT_MS
        if slice_ms is None or self._since_repaint.elapsed() >= due:  # a drain of all of it shows all of it
            self.show_new_rows()

    def _take(self, batch: list[object]) -> None:
        """Records in queue order: runs of frames into the log, each other record handled between them."""
        frames = []
        for item in batch:
            if type(item) is Frame:
                frames.append(item)
                continue
            if frames:  # keep order: frames before a state change are shown before it
                self.ingest(frames)
                frames = []
            self._handle_record(item)
        if frames:
            self.ingest(frames)

    def ingest(self, frames: list[Frame], *, imported: bool = False) -> None:
        """The one path into the log, for the drain and for an import (`imported`: panels and recorder skip it)."""
        self.log_pane.ingest(frames, imported=imported)

    def show_new_rows(self) -> None:
        self._since_repaint.restart()
        self.log_pane.show_new_rows()

    def _handle_record(self, item: object) -> None:
        if isinstance(item, StateChange):
            first_seen = item.connection not in self.connection_states
            self.connection_states[item.connection] = item.state
            self.connections_panel.model.state_changed(item)
            self.tests_panel.state_changed(item)
            # A new connection is the one shown; reconnect attempts, replays and test runs do not steal the
            # composer's target (nor the URL bar's quick connection).
            if first_seen and not self.capture_controls.is_replay(item.connection) \
                    and not self.tests_panel.owns(item.connection):
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
            self.log_pane.empty_hint.set_server_url(address.ws_url("/ws") if item.url and address else "")
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
        self.main_toolbar.show_live(change.state in LIVE_STATES)
        self.composer.show_target(change)

    def select_connection(self, connection: str) -> None:
        """Make `connection` the composer's send target (chosen in the connections panel)."""
        self.current_connection = connection
        row = self.connections_panel.model.row_of(connection)
        if row is not None:
            self.url_edit.setModified(False)
            self._show_connection(row.change)


    def _verdicts_arrived(self, first: int, end: int) -> None:
        """The message shown got its verdict: messageInfo says it, the tree marks what violates."""
        row = self.shown_row
        if row is not None and first <= row < end:
            self.message_view.set_heading(self._heading(row))
            self.message_view.tree_model.mark_paths(self._violating_paths(row))

    def _heading(self, row: int) -> str:
        """messageInfo's text above the message: its heading, its pairing, its contract's verdict."""
        pairing, _partner = self._pairing(row)
        lines = [message_heading(self.store, row), *([pairing] if pairing else []), *self.capture.checks.describe(row)]
        return "\n".join(lines)

    def _violating_paths(self, row: int) -> set[str]:
        violations = self.capture.checks.violations(row)
        return {violation.path for violation in violations} if violations else set()

    # -- selection ---------------------------------------------------------------------------

    def _current_row_changed(self, current, _previous=None) -> None:
        """Resolve the stored row now: by the time a task runs, drops or a new filter may have moved rows.

        Only a selected row is shown: focus coming to the log makes its first row current without
        selecting it, and the pane would show a message the log does not mark.
        """
        if current.isValid() and self.log_view.selectionModel().isRowSelected(current.row()):
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
        _, partner = self._pairing(row)
        self.message_view.info.set_link(partner)
        protocol = self.capture.protocols.protocol_of_row(row)
        if size <= INLINE_PARSE_LIMIT:
            # The tracker's reading: cached, and with what spans frames joined (Socket.IO attachments).
            decoded = self.capture.protocols.decoded(row) if protocol is not None else None
            inspection = (inspect_decoded(opcode, store.payloads[row], decoded, protocol.title)
                          if decoded is not None and protocol is not None
                          else inspect_frame(opcode, store.payloads[row], None))
        else:
            self.message_view.show_pending(store.sizes[row])
            if size >= LARGE_DOCUMENT and store.payloads.is_text(row):
                # The stored bytes go to the document process as they are: never decoded whole here.
                views = store.payloads.views(row)
                inspection = await async_loop.in_worker(inspect_large, opcode, views, self.documents)
            else:
                inspection = await async_loop.in_worker(inspect_frame, opcode, store.payloads[row], protocol)
            if generation != self._selection_generation or self._shut_down:
                return  # the user has moved on
        self.message_view.display(inspection, self._heading(row))
        self.message_view.tree_model.mark_paths(self._violating_paths(row))

    def _pairing(self, row: int) -> tuple[str | None, int | None]:
        """`reply to #N · 12.3 ms` (or `replied by #M …`, or why there is none yet) and the partner's store row.

        #N is the partner's number exactly as its own heading shows it; latency is between capture times.
        """
        protocols = self.capture.protocols
        partner, latency = protocols.partner(row), protocols.latency(row)
        if protocols.is_reply(row):
            if partner is None or latency is None:
                return None, None
            return f"reply to #{partner + 1} · {latency:.1f} ms", partner
        if protocols.is_request(row):
            if partner is not None and latency is not None:
                return f"replied by #{partner + 1} · {latency:.1f} ms", partner
            if protocols.is_unanswered(row):
                return "no reply within the timeout (unanswered)", None
            return "waiting for a reply (pending)", None
        return None, None

    def go_to_partner(self) -> None:
        """Ctrl+J: from a request to its reply and back."""
        partner = self.message_view.info.link_row
        if partner is None:
            notify.info("The selected message has no paired request or reply")
            return
        self.select_store_row(partner)

    def select_store_row(self, row: int) -> bool:
        """Select the message in store row `row` in the log, if the view shows it (a filter may hide it)."""
        position = self.view.positions([row]).get(row)
        if position is None or position >= self.log_model.rowCount():
            notify.warning(f"#{row + 1} is not in the log's rows (dropped, or hidden by the filter)")
            return False
        self.log_view.selectRow(position)
        self.log_view.scrollTo(self.log_model.index(position, 0))
        return True

    # -- actions -----------------------------------------------------------------------------

    def clear_log(self) -> None:
        """Remove every row from the log; a recording to file, the connections and their counts go on."""
        self.log_pane.clear()

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

    def infer_schema(self, payloads: list[str | bytes | None]) -> None:
        """Log → Infer schema…: the dialog infers on a worker and deletes itself when closed."""
        dialog = InferDialog(self, payloads)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def save_as_test(self, frames: list[Frame]) -> None:
        self.test_saver.choose_file(frames)

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
        why = self.why_not_sendable(connection)
        if connection is None or why is not None:
            self.composer.show_send_error(why or "Not sent: no connection")
            return False
        found = self.session.inspector.connections.get(connection)
        path = self.contract_sources.contract_path(connection)
        violations = await contracts.violations_of(payload, path, found.url) if found else []
        if violations and self.composer.refuse_invalid.isChecked():
            self.composer.show_violations(violations, sent=False)
            return False
        try:
            await asyncio.wrap_future(self.session.inspector.submit_send(connection, payload))
        except NotConnectedError:
            self.composer.show_send_error("Not sent: the connection has closed")
            return False
        except (OSError, RuntimeError) as error:  # the wire failed, or the client thread stopped: keep the payload
            self.composer.show_send_error(f"Not sent: {error}")
            return False
        if violations:
            self.composer.show_violations(violations, sent=True)
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
        self.contract_sources.shut_down()
        window_settings.save_folds(self.composer_fold, self.dock_layout)
        window_settings.save_toolbar(self.main_toolbar.bar)
        self.payload_tools.close()
        self.tests_panel.shutdown()  # a run closes its connection while the inspector still runs
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


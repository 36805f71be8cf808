"""What the user can do with the log's rows: copy, load into the composer, resend, compare, infer, clear.

Each is a `QAction`, so the same entry is in the Log menu, in the rows' context
menu and behind its key, and the Keyboard shortcuts dialog lists it. The copy and
resend actions work on the selected rows in the order the log shows them; keys that
would clash with typing elsewhere (Ctrl+C) act only while the log has the focus.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMenu, QTableView, QWidget

from app.core.frames import Frame, Opcode, Side
from app.core.ingest import Capture
from app.core.jsonl import frame_to_line
from app.core.summary import human_size
from app.net.inspector import NotConnectedError
from app.services.session import Session
from app.ui.common import notify
from app.ui.log import selection

COPY_LIMIT = 64 * 1024 * 1024  # payload bytes copied at once: more would hold the window for seconds
COPY_ROW_LIMIT = 100_000  # rows copied at once
RESEND_LIMIT = 100  # messages resent at once
_MESSAGES = (Opcode.TEXT, Opcode.BINARY)


def payload_line(payload: str | bytes) -> str:
    """A payload as one copied line: text as it is, binary as spaced hex."""
    return payload if isinstance(payload, str) else payload.hex(" ")


class LogActionsHost(Protocol):
    """What the log's actions need of the window."""

    capture: Capture
    session: Session

    @property
    def log_view(self) -> QTableView: ...

    @property
    def recording(self) -> bool: ...

    def why_not_sendable(self, connection: str | None) -> str | None: ...

    def load_into_composer(self, payload: str | bytes) -> None: ...

    def compare_selected(self) -> None: ...

    def infer_schema(self, payloads: list[str | bytes | None]) -> None: ...

    def save_as_test(self, frames: list[Frame]) -> None: ...

    def clear_log(self) -> None: ...


class LogActions(QObject):
    def __init__(self, window: QWidget, host: LogActionsHost) -> None:
        """`window` owns the actions (window-wide keys); `host` gives the rows and does the work."""
        super().__init__(window)
        self.window = window
        self.host = host
        table = host.log_view
        widget_only = Qt.ShortcutContext.WidgetWithChildrenShortcut
        self.copy_payload = self._action("&Copy payload", "copyPayload", "Ctrl+C", self.copy_payloads,
                                         "Copy the selected rows' payloads, one per line", widget_only)
        self.copy_jsonl = self._action("Copy as &JSONL", "copyJsonl", "Ctrl+Shift+J", self.copy_as_jsonl,
                                       "Copy the selected rows as SocketScope JSONL capture lines", widget_only)
        self.load = self._action("&Load into composer", "loadIntoComposer", "", self.load_into_composer,
                                 "Put the current row's payload into the composer")
        self.resend = self._action("&Resend", "resendMessage", "", self.resend_selected,
                                   "Send the selected messages again on their own connection")
        self.compare = self._action("Compare selected messages", "compareMessages", "Ctrl+D",
                                    host.compare_selected, "Show two selected messages side by side")
        self.infer = self._action("&Infer schema…", "inferSchema", "", self.infer_from_selected,
                                  "A JSON Schema and Pydantic v2 models of the selected JSON messages")
        self.save_test = self._action("Save as &test…", "saveAsTest", "", self.save_selected_as_test,
                                      "Write the selected rows of one connection as a scenario test")
        self.clear = self._action("Clear &log", "clearLog", "Ctrl+Shift+L", self.clear_log,
                                  "Remove every row from the log (a recording to file goes on)")
        rows = [self.copy_payload, self.copy_jsonl, self.load, self.resend, self.compare, self.infer, self.save_test]
        table.addActions(rows)
        table.addAction(self._separator())
        table.addAction(self.clear)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        window.addActions([self.compare, self.clear])  # window-wide

    def _action(self, text: str, name: str, keys: str, slot: Callable[[], object], tip: str,
                context: Qt.ShortcutContext = Qt.ShortcutContext.WindowShortcut) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(name)
        if keys:
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(context)
        action.setStatusTip(tip)
        action.setToolTip(f"{tip} ({keys})" if keys else tip)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _separator(self) -> QAction:
        separator = QAction(self.window)
        separator.setSeparator(True)
        return separator

    def install(self, menu: QMenu) -> None:
        """The Log menu: the same actions as the rows' context menu."""
        menu.addActions([self.copy_payload, self.copy_jsonl, self.load, self.resend, self.compare, self.infer, self.save_test])
        menu.addSeparator()
        menu.addAction(self.clear)

    # -- the rows ----------------------------------------------------------------------------

    def _selected(self, verb: str, limit: int) -> list[int] | None:
        """The selected store rows in log order; None (and a notice) if there are none or too many."""
        host = self.host
        rows = selection.selected_view_rows(host.log_view, limit)
        if rows is None:
            notify.warning(f"Not {verb}: more than {limit:,} rows are selected")
            return None
        if not rows:
            notify.warning(f"Not {verb}: select one or more rows in the log")
            return None
        return [host.capture.view.store_row(row) for row in rows]

    def _within_copy_limit(self, rows: list[int]) -> bool:
        payloads = self.host.capture.store.payloads
        total = sum(payloads.length(row) for row in rows)
        if total > COPY_LIMIT:
            notify.warning(f"Not copied: the selected payloads hold {human_size(total)}, "
                  f"more than the {human_size(COPY_LIMIT)} copied at once")
            return False
        return True

    def copy_payloads(self) -> None:
        rows = self._selected("copied", COPY_ROW_LIMIT)
        if rows is None or not self._within_copy_limit(rows):
            return
        payloads = self.host.capture.store.payloads
        QGuiApplication.clipboard().setText("\n".join(payload_line(payloads[row]) for row in rows))
        notify.info(f"Copied {_count(len(rows), 'payload')}")

    def copy_as_jsonl(self) -> None:
        rows = self._selected("copied", COPY_ROW_LIMIT)
        if rows is None or not self._within_copy_limit(rows):
            return
        store = self.host.capture.store
        QGuiApplication.clipboard().setText("".join(frame_to_line(store.frame(row)) + "\n" for row in rows))
        notify.info(f"Copied {_count(len(rows), 'frame')} as JSONL")

    def infer_from_selected(self) -> None:
        """The selected rows' payloads (events as None) to the host's Infer schema dialog."""
        rows = self._selected("inferred", COPY_ROW_LIMIT)
        if rows is None or not self._within_copy_limit(rows):
            return
        store = self.host.capture.store
        self.host.infer_schema([store.payloads[row] if store.opcodes[row] in _MESSAGES else None for row in rows])

    def save_selected_as_test(self) -> None:
        """The selected rows' frames, in the order they happened, to the host's Save as test."""
        rows = self._selected("saved as a test", COPY_ROW_LIMIT)
        if rows is None or not self._within_copy_limit(rows):
            return
        store = self.host.capture.store
        self.host.save_as_test([store.frame(row) for row in sorted(rows)])

    def load_into_composer(self) -> None:
        host = self.host
        current = host.log_view.currentIndex()
        if not current.isValid():
            notify.warning("Not loaded: select a message in the log")
            return
        store = host.capture.store
        row = host.capture.view.store_row(current.row())
        if store.opcodes[row] not in _MESSAGES:
            notify.warning("Not loaded: only text and binary messages go into the composer")
            return
        host.load_into_composer(store.payloads[row])

    # -- resending ---------------------------------------------------------------------------

    def why_not_resendable(self, row: int) -> str | None:
        """Why the message in store row `row` cannot be resent now (None: it can)."""
        host, store = self.host, self.host.capture.store
        connection = store.connection(row)
        if store.opcodes[row] not in _MESSAGES:
            return "Not resent: only text and binary messages can be sent again"
        if store.sides[row] == Side.SERVER:
            return (f"Not resent: {connection} is the embedded server's side of a connection; "
                    "push from the Embedded server panel instead")
        if connection not in host.session.inspector.connections:
            return (f"Not resent: {connection} came from an imported capture, not a connection of this window"
                    if "~" in connection else f"Not resent: {connection} is not a connection of this window")
        why = host.why_not_sendable(connection)
        return why.replace("Not sent", "Not resent", 1) if why else None

    def resend_selected(self) -> None:
        rows = self._selected("resent", RESEND_LIMIT)
        if rows is None:
            return
        for row in rows:
            why = self.why_not_resendable(row)
            if why is not None:
                notify.warning(why)
                return
        store = self.host.capture.store
        messages = [(store.connection(row), store.payloads[row]) for row in rows]
        asyncio.ensure_future(self._resend(messages))

    async def _resend(self, messages: list[tuple[str, str | bytes]]) -> None:
        host = self.host
        for done, (connection, payload) in enumerate(messages):
            try:
                await asyncio.wrap_future(host.session.inspector.submit_send(connection, payload))
            except NotConnectedError:
                notify.error(f"Not resent: {connection} has closed "
                      f"({_count(done, 'message')} resent before)")
                return
            except (OSError, RuntimeError) as error:  # the wire failed, or the client thread has stopped
                notify.error(f"Not resent: {error} ({_count(done, 'message')} resent before)")
                return
        notify.info(f"Resent {_count(len(messages), 'message')}")

    # -- clearing ----------------------------------------------------------------------------

    def clear_log(self) -> None:
        host = self.host
        count = len(host.capture.store)
        host.clear_log()
        notify.info(f"Cleared {_count(count, 'row')} from the log"
              + (" (the recording to file goes on)" if host.recording else ""))


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


__all__ = ["COPY_LIMIT", "LogActions", "RESEND_LIMIT", "payload_line"]

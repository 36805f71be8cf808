"""The File menu: import a capture into the log, export the log or the filtered view.

Reading, parsing and writing run on a worker thread with their progress in the status
bar; the GUI thread only snapshots the rows to export and appends imported frames to
the store in slices, so a big file never freezes the window. Each import's connections
are renamed `name~N` (the N-th import), so imported traffic never merges with live
connections or with an earlier import under the same name.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import time
from array import array
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu, QMenuBar, QMessageBox
from qasync import asyncSlot

from app.core.capture_files import EXTENSIONS, export_capture, read_capture, tag_connections
from app.core.frames import Frame, Level, Notice
from app.core.ingest import Capture
from app.core.jsonl import ImportReport
from app.ui.common import async_loop, notify
from app.ui.common.naming import named

log = logging.getLogger("socketscope.ui")

OPEN_FILTERS = "Captures (*.jsonl *.har);;SocketScope JSONL (*.jsonl);;HAR (*.har);;All files (*)"
SAVE_FILTERS = {"SocketScope JSONL (*.jsonl)": ".jsonl", "HAR, as Chrome DevTools writes it (*.har)": ".har"}
APPEND_SLICE = 50_000  # imported frames appended per event-loop turn
REPORT_REASONS = 50  # skipped lines listed in the report's details


class CaptureHost(Protocol):
    """What the File menu needs of the window: the capture and its one ingest path."""

    capture: Capture

    @property
    def closing(self) -> bool: ...

    def ingest(self, frames: list[Frame], *, imported: bool = False) -> None: ...

    def show_new_rows(self) -> None: ...


class CaptureFiles(QObject):
    """The File menu's actions and the work behind them; the `*_path` methods take a path, for tests."""

    def __init__(self, window: QMainWindow, host: CaptureHost) -> None:
        """`window` parents the dialogs and takes the drops; `host` takes the frames."""
        super().__init__(window)
        self.window = window
        self.host = host
        self.imports = 0  # imports so far: the next one's connections are tagged ~(imports + 1)
        self.busy = False
        self.last_directory = ""
        self.report_box: QMessageBox | None = None
        self._export: concurrent.futures.Future[int] | None = None  # the export being written
        self.import_action = self._action("&Import capture…", "importCapture", "Ctrl+O",
                                           "Add the frames of a JSONL or HAR file to the log", self.choose_import)
        self.export_action = self._action("&Export capture…", "exportCapture", "Ctrl+S",
                                          "Write every captured frame to a JSONL or HAR file",
                                          lambda: self.choose_export(filtered=False))
        self.export_view_action = self._action("Export &filtered view…", "exportFilteredView", "Ctrl+Shift+S",
                                               "Write the frames the filter shows to a JSONL or HAR file",
                                               lambda: self.choose_export(filtered=True))
        window.setAcceptDrops(True)  # a capture file dropped on the window is imported (see `drag_entered`)

    def _action(self, text: str, name: str, shortcut: str, tip: str, slot: Callable[[], object]) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(name)
        action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip)
        action.setToolTip(f"{tip} ({shortcut})")
        action.triggered.connect(slot)
        return action

    def install(self, menu_bar: QMenuBar) -> QMenu:
        menu = menu_bar.addMenu("&File")
        named(menu, "fileMenu")
        menu.addActions([self.import_action, self.export_action, self.export_view_action])
        return menu

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for action in (self.import_action, self.export_action, self.export_view_action):
            action.setEnabled(not busy)

    def _progress_reporter(self, verb: str, name: str) -> Callable[[float], None]:
        """A callback for the worker thread: hands each new whole percent to the GUI thread."""
        loop = asyncio.get_running_loop()
        shown = -1

        def report(fraction: float) -> None:
            nonlocal shown
            percent = int(fraction * 100)
            if percent != shown:
                shown = percent
                loop.call_soon_threadsafe(self._show_progress, verb, name, percent)

        return report

    def _show_progress(self, verb: str, name: str, percent: int) -> None:
        if self.busy and not self.host.closing:
            notify.info(f"{verb} {name}… {percent}%")

    # -- dialogs and drops -----------------------------------------------------------------------

    # The window calls these from its own drag and drop handlers (an event filter on the window would
    # run Python for every event it receives, including those sent while it is being destroyed).

    def drag_entered(self, event: QDragEnterEvent) -> bool:
        """Accept a drag that carries one local file; whether it was accepted."""
        if self._dropped_path(event) is None:
            return False
        event.acceptProposedAction()
        return True

    def dropped(self, event: QDropEvent) -> bool:
        """Import the one local file dropped; whether the drop was taken."""
        path = self._dropped_path(event)
        if path is None:
            return False
        event.acceptProposedAction()
        self.import_path(path)
        return True

    @staticmethod
    def _dropped_path(event: QDropEvent) -> str | None:
        """The one local file being dragged, if there is exactly one."""
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if len(urls) != 1 or not urls[0].isLocalFile():
            return None
        return urls[0].toLocalFile()

    def choose_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Import capture", self.last_directory, OPEN_FILTERS)
        if path:
            self.import_path(path)

    def choose_export(self, filtered: bool) -> None:
        title = "Export filtered view" if filtered else "Export capture"
        # No extension: the chosen filter's is added, unless the user types .jsonl or .har.
        suggested = str(Path(self.last_directory) / time.strftime("socketscope-%Y%m%d-%H%M%S"))
        path, chosen = QFileDialog.getSaveFileName(self.window, title, suggested, ";;".join(SAVE_FILTERS))
        if not path:
            return
        if Path(path).suffix.lower() not in EXTENSIONS:
            path += SAVE_FILTERS.get(chosen, ".jsonl")
        self.export_path(path, filtered)

    # -- the work ------------------------------------------------------------------------------

    def _rows(self, filtered: bool) -> Sequence[int]:
        """A snapshot of the rows to export, taken on the GUI thread (the view changes under a worker)."""
        view = self.host.capture.view
        view.catch_up()
        if filtered and view.rows is not None:
            return array("Q", view.rows)
        return self.host.capture.store.rows()

    @asyncSlot(str, bool)
    async def export_path(self, path: str, filtered: bool = False) -> int | None:
        """Write the capture (or the filtered view) to `path`; return the frame count, None if not written."""
        host, name = self.host, Path(path).name
        if self.busy:
            notify.warning("Not exported: another import or export is running")
            return None
        rows = self._rows(filtered)
        if not rows:
            notify.warning("Nothing to export: the filter matches no frames" if filtered
                else "Nothing to export: the capture is empty")
            return None
        self._set_busy(True)
        try:
            notify.info(f"Exporting {len(rows):,} frames to {name}…")
            self._export = async_loop.submit(export_capture, path, host.capture.store, rows,
                                             self._progress_reporter("Exporting to", name), len(rows))
            count = await asyncio.wrap_future(self._export)
        except OSError as error:
            if not host.closing:
                notify.error(f"Not exported: {error.strerror or error} ({path})")
            return None
        finally:
            self._export = None
            if not host.closing:  # the window may be gone: touch no widget
                self._set_busy(False)
        if host.closing:
            return count
        self.last_directory = str(Path(path).parent)
        what = "filtered view" if filtered and host.capture.view.predicate is not None else "capture"
        notify.info(f"Exported {count:,} frames ({what}) to {path}")
        return count

    @asyncSlot(str)
    async def import_path(self, path: str) -> ImportReport | None:
        """Append a capture file's frames to the log; return the report, None if the file could not be read."""
        host, name = self.host, Path(path).name
        if self.busy:
            notify.warning("Not imported: another import or export is running")
            return None
        self._set_busy(True)
        try:
            notify.info(f"Importing {name}…")
            tag = str(self.imports + 1)
            frames, report = await async_loop.in_worker(self._read_tagged, path, tag,
                                                        self._progress_reporter("Importing", name))
            if host.closing:
                return report
            if frames:
                self.imports += 1
            await self._append(frames)
        except OSError as error:
            if not host.closing:
                notify.error(f"Not imported: {error.strerror or error} ({path})")
            return None
        finally:
            if not host.closing:  # the window may be gone: touch no widget
                self._set_busy(False)
        if host.closing:
            return report
        self.last_directory = str(Path(path).parent)
        self._show_report(name, report)
        return report

    @staticmethod
    def _read_tagged(path: str, tag: str, progress: Callable[[float], None]) -> tuple[list[Frame], ImportReport]:
        frames, report = read_capture(path, progress)
        tag_connections(frames, tag)
        return frames, report

    async def _append(self, frames: list[Frame]) -> None:
        """Append in slices, letting the window paint and drain live traffic in between."""
        for start in range(0, len(frames), APPEND_SLICE):
            if start:
                await asyncio.sleep(0)
            self.host.ingest(frames[start:start + APPEND_SLICE], imported=True)  # within the budget, as live traffic
        self.host.show_new_rows()

    def _show_report(self, name: str, report: ImportReport) -> None:
        """The summary in the status bar; when anything was lost, the reasons in a report dialog."""
        level = Level.INFO if report.clean else Level.WARNING if report.imported else Level.ERROR
        notify.post(Notice(level, f"Imported {name}: {report.summary()}"))
        if report.clean:
            return
        box = self.report_box
        if box is None:
            box = self.report_box = QMessageBox(self.window)
            named(box, "importReport")
            box.setWindowTitle("Import report")
            box.setIcon(QMessageBox.Icon.Warning)
            box.setStandardButtons(QMessageBox.StandardButton.Close)
        box.setText(f"{name}: {report.imported:,} frames imported, {report.skipped_count:,} skipped.")
        notes = list(report.notes)
        if report.skipped:
            notes.append("The skipped parts and the reasons are listed under Show Details.")
        box.setInformativeText("\n".join(notes))
        more = report.skipped_count - min(REPORT_REASONS, len(report.skipped))
        box.setDetailedText("\n".join(report.reasons(REPORT_REASONS)) + (f"\n… and {more:,} more" if more > 0 else ""))
        box.open()  # window-modal, never blocks the event loop

    def shutdown(self, timeout: float = 60.0) -> None:
        """At close: let an export in progress finish its file (an import in progress is dropped)."""
        export = self._export
        if export is not None:
            try:
                export.result(timeout)
            except Exception:  # a failed export leaves no file behind (see export_capture)
                log.debug("The export under way failed as the window closed", exc_info=True)

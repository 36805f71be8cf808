"""The Capture menu: continuous recording to a JSONL file, and replaying a capture.

The capture hands every live frame batch to `observe` (see app/core/ingest.py), which costs a deque
extend while recording and nothing otherwise; the recorder's own thread writes.
A status-bar indicator shows the file and how many frames reached it. Replays run
on a thread of their own through the session's inspector, so the replayed
connection appears in the log (and in the recording) like any other.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel, QMainWindow
from qasync import asyncSlot

from app.core.frames import Frame, Level, Notice
from app.services.recorder import Recorder, RecordingError
from app.services.replay import CaptureError, Replay, ReplayResult, ReplayScript, Timing, load_capture
from app.services.session import Session
from app.ui.capture.replay_dialog import CAPTURE_FILTER, ReplayDialog
from app.ui.common import async_loop, notify
from app.ui.common.naming import named
from app.ui.common.style import tint

log = logging.getLogger("socketscope.ui")

REFRESH_INTERVAL_MS = 250
STOP_TIMEOUT = 10.0
BACKLOG_SHOWN = 10_000  # frames handed over but not yet written: shown when a flood outruns the disk
NAME_SHOWN = 32  # characters of the recording's file name in the status bar (the tooltip has the path)


def _shortened(name: str) -> str:
    """A long file name with its middle left out, so the indicator never crowds the status bar."""
    if len(name) <= NAME_SHOWN:
        return name
    keep = (NAME_SHOWN - 1) // 2
    return f"{name[:keep]}…{name[-keep:]}"


class RecordingHost(Protocol):
    """What the Capture menu needs of the window."""

    session: Session

    @property
    def closing(self) -> bool: ...

    def url_bar_text(self) -> str: ...


class CaptureControls(QObject):
    """The &Capture menu, the recording indicator and the replay in progress."""

    def __init__(self, window: QMainWindow, host: RecordingHost) -> None:
        """`window` holds the menu and the indicator and parents the dialogs; `host` gives the session."""
        super().__init__(window)
        self.window = window
        self.host = host
        self.recorder: Recorder | None = None
        self._finishing: set[Recorder] = set()  # stopped, still writing their backlog
        self.replay: Replay | None = None
        self._replay_future: concurrent.futures.Future[ReplayResult] | None = None
        self.file_dialog: QFileDialog | None = None
        self.replay_dialog: ReplayDialog | None = None
        self._last_replay_path = ""

        self.menu = window.menuBar().addMenu("&Capture")
        self.menu.setObjectName("captureMenu")
        self.record_action = QAction("&Record to file…", self)
        self.record_action.setObjectName("recordAction")
        self.record_action.setShortcut(QKeySequence("Ctrl+R"))
        self.record_action.setStatusTip("Append every frame to a JSONL capture as it arrives (Ctrl+R toggles)")
        self.record_action.triggered.connect(self.toggle_recording)
        self.replay_action = QAction("Re&play capture…", self)
        self.replay_action.setObjectName("replayAction")
        self.replay_action.setStatusTip("Send what one connection of a capture sent to a server")
        self.replay_action.triggered.connect(self.open_replay_dialog)
        self.cancel_replay_action = QAction("&Cancel replay", self)
        self.cancel_replay_action.setObjectName("cancelReplayAction")
        self.cancel_replay_action.setEnabled(False)
        self.cancel_replay_action.triggered.connect(self.cancel_replay)
        self.menu.addAction(self.record_action)
        self.menu.addSeparator()
        self.menu.addAction(self.replay_action)
        self.menu.addAction(self.cancel_replay_action)

        self.indicator = self._status_label("recordingIndicator")
        tint(self.indicator, "recording", bold=True)
        self.replay_label = self._status_label("replayProgress")
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(REFRESH_INTERVAL_MS)
        self._refresh_timer.timeout.connect(self.refresh)

        if host.session.options.record:
            self.start_recording(host.session.options.record)

    def _status_label(self, name: str) -> QLabel:
        label = QLabel()
        named(label, name)
        label.hide()
        self.window.statusBar().addPermanentWidget(label)
        return label

    # -- recording ---------------------------------------------------------------------------

    @property
    def recording(self) -> bool:
        return self.recorder is not None

    def observe(self, frames: Sequence[Frame]) -> None:
        """Called by the capture with every live batch: hand it to the writer thread."""
        if self.recorder is not None:
            self.recorder.extend(frames)

    def toggle_recording(self) -> None:
        if self.recording:
            self.stop_recording()
        else:
            self.choose_recording_file()

    def choose_recording_file(self) -> None:
        dialog = QFileDialog(self.window, "Record to file", "", CAPTURE_FILTER)
        dialog.setObjectName("recordFileDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("jsonl")
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        dialog.setOption(QFileDialog.Option.DontConfirmOverwrite)  # an existing capture is appended to
        dialog.setLabelText(QFileDialog.DialogLabel.Accept, "Record")
        dialog.fileSelected.connect(self.start_recording)
        self.file_dialog = dialog
        dialog.open()

    def start_recording(self, path: str) -> bool:
        """Start appending every frame from now on to `path`; False (and a notice) if it cannot be opened."""
        if self.recorder is not None:
            return False
        queue = self.host.session.queue
        appending = Path(path).is_file() and Path(path).stat().st_size > 0
        recorder = Recorder(path, on_error=lambda text: queue.put(Notice(Level.ERROR, text)))
        try:
            recorder.start()
        except RecordingError as error:
            notify.error(str(error))
            return False
        self.recorder = recorder
        self.record_action.setText("Stop &recording")
        notify.info(f"Recording to {path}" + (" (appending)" if appending else ""))
        self._refresh_timer.start()
        self.refresh()
        return True

    def stop_recording(self) -> None:
        """Stop at once: no later frame is recorded; the file is finished off the GUI thread."""
        recorder = self._detach_recorder()
        if recorder is not None:
            self._finish_recording(recorder)

    @asyncSlot(object)
    async def _finish_recording(self, recorder: Recorder) -> None:
        """The writer flushes and closes on a worker thread, so a backlog never blocks the window."""
        self._finishing.add(recorder)
        try:
            await async_loop.in_worker(recorder.stop, STOP_TIMEOUT)
        finally:
            self._finishing.discard(recorder)
        if recorder.error is None:
            notify.info(f"Recorded {recorder.frames_written:,} frames to {recorder.path}")

    def _detach_recorder(self) -> Recorder | None:
        recorder, self.recorder = self.recorder, None
        self.record_action.setText("&Record to file…")
        self.indicator.hide()
        self._update_timer()
        return recorder

    def refresh(self) -> None:
        """Update the indicator and the replay progress; notice a recorder that failed."""
        recorder = self.recorder
        if recorder is not None:
            if recorder.error is not None:  # the recorder's notice says why
                self._detach_recorder()
            else:
                backlog = recorder.backlog
                waiting = f" ({backlog:,} waiting)" if backlog >= BACKLOG_SHOWN else ""
                name = _shortened(recorder.path.name)
                self.indicator.setText(f"● REC {name} · {recorder.frames_written:,} frames{waiting}")
                self.indicator.setToolTip(f"Recording to {recorder.path}; Ctrl+R stops")
                self.indicator.show()
        replay = self.replay
        if replay is not None:
            result = replay.result
            self.replay_label.setText(f"Replay {result.connection or '…'}: {result.sent:,}/{len(replay.script):,} sent")
            self.replay_label.show()
        self._update_timer()

    def _update_timer(self) -> None:
        if self.recorder is None and self.replay is None:
            self._refresh_timer.stop()

    # -- replay ------------------------------------------------------------------------------

    def open_replay_dialog(self) -> ReplayDialog:
        url = self.host.url_bar_text().strip()
        dialog = ReplayDialog(self.window, url=url, path=self._last_replay_path)
        dialog.accepted.connect(lambda: self.start_replay(dialog.path(), dialog.url(), dialog.connection(),
                                                          dialog.timing()))
        self.replay_dialog = dialog
        dialog.open()
        return dialog

    @asyncSlot(str, str, object, object)
    async def start_replay(self, path: str, url: str, connection: str | None, timing: Timing) -> None:
        if self.replay is not None:
            notify.warning("A replay is already running; cancel it first")
            return
        self._last_replay_path = path
        try:
            script: ReplayScript = await async_loop.in_worker(lambda: load_capture(path).script(connection))
        except CaptureError as error:
            notify.error(f"Not replayed: {error}")
            return
        replay = Replay(self.host.session.inspector, url, script, timing)
        self.replay = replay
        self.cancel_replay_action.setEnabled(True)
        notify.info(f"Replaying {len(script):,} messages of {script.connection} to {url}, "
                    f"{timing.describe()}")
        self._refresh_timer.start()
        self._replay_future = replay.start()
        try:
            result = await asyncio.wrap_future(self._replay_future)
        except Exception as error:  # the client thread stopped under it (the window is closing)
            result = ReplayResult(replay.result.connection, replay.result.sent, len(script), error=str(error))
        finally:
            self.replay = None
            self._replay_future = None
            if not self.host.closing:  # the window may be gone: touch no widget
                self.cancel_replay_action.setEnabled(False)
                self.replay_label.hide()
                self._update_timer()
        if self.host.closing:
            return
        outcome = f"{result.sent:,} of {result.total:,} messages of {script.connection} sent as {result.connection}"
        if result.error:
            notify.error(f"Replay failed: {result.error} ({outcome})")
        else:
            notify.info(f"Replay {'cancelled' if result.cancelled else 'done'}: {outcome}")

    def is_replay(self, connection: str) -> bool:
        """Whether `connection` is the running replay's (its id is set before the connection opens)."""
        replay = self.replay
        return replay is not None and replay.result.connection == connection

    def cancel_replay(self) -> None:
        if self.replay is not None:
            self.replay.cancel()

    # -- shutdown ----------------------------------------------------------------------------

    def shutdown(self) -> None:
        """After the window's last drain: finish the file and end a replay."""
        self._refresh_timer.stop()
        replay, future = self.replay, self._replay_future
        if replay is not None and future is not None:
            replay.cancel()
            try:
                future.result(STOP_TIMEOUT)
            except Exception:  # its connection went with the client thread; nothing to report
                log.debug("The replay ended with an error as the window closed", exc_info=True)
        recorder = self._detach_recorder()
        for finishing in [recorder, *self._finishing]:
            if finishing is not None:
                finishing.stop(STOP_TIMEOUT)

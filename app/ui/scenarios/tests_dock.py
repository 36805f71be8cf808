"""The Tests dock: open a scenario file, run it on a new connection of the window's inspector, watch each step.

The run's frames go through the window's own drain, so they show in the log like any connection's;
the window hands this panel every live batch (`observe`) and every state change, and the panel passes
the run's connection's records to the runner (`SharedSession.take`), which plays the steps on a thread
of its own ("socketscope-scenario"). Each step's result comes back as a queued signal; an expect's row
shows the message that satisfied it, and clicking the row selects that message in the log.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from app.core.frames import Frame, StateChange
from app.core.ingest import Capture
from app.core.scenarios import Scenario, ScenarioError, load_scenario
from app.services.scenario_runner import (
    CLOSE_TIMEOUT,
    FAILED,
    NOT_RUN,
    PASSED,
    ScenarioResult,
    ScenarioRunner,
    SharedSession,
    StepResult,
    message_line,
)
from app.services.session import Session
from app.ui.common import async_loop
from app.ui.common.naming import named
from app.ui.common.style import colour, tint
from app.ui.scenarios.save_test import SCENARIO_FILTER

RUNNING = "running…"
_ROW = Qt.ItemDataRole.UserRole  # a step item's log store row of its matched message
_MARKS = {PASSED: "✓ passed", FAILED: "✗ failed"}
_NUMBER, _STEP, _RESULT, _MATCHED = range(4)
_JOIN_TIMEOUT = CLOSE_TIMEOUT + 2.0  # the runner stops at its next poll, then closes its connection


class ScenarioTestsHost(Protocol):
    """What the Tests dock needs of the window."""

    session: Session
    capture: Capture

    def select_store_row(self, row: int) -> bool: ...


class ScenarioTestsPanel(QWidget):
    loaded = Signal()  # a scenario file was read (or refused: the summary says why)
    finished = Signal(object)  # a run ended: its ScenarioResult, or None when it could not start
    _began = Signal(int)  # from the runner's thread
    _ended = Signal(int, object)

    def __init__(self, host: ScenarioTestsHost) -> None:
        super().__init__()
        self.host = host
        self.scenario: Scenario | None = None
        self.path = ""
        self.link: SharedSession | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._rows: dict[tuple[float, int, int, int], int] = {}  # the run's frames → their log store rows
        self.file_dialog: QFileDialog | None = None
        self._build()
        self._began.connect(self._step_began)
        self._ended.connect(self._step_ended)

    def _build(self) -> None:
        self.open_button = named(QPushButton("Open…"), "testsOpen")
        self.open_button.setToolTip("Open a scenario test (*.wstest.yaml)")
        self.open_button.clicked.connect(self.choose_file)
        self.file_label = named(QLabel("No scenario open"), "testsFile")
        self.file_label.setTextFormat(Qt.TextFormat.PlainText)
        self.run_button = named(QPushButton("Run"), "testsRun")
        self.run_button.setToolTip("Run the scenario (read again from its file) on a new connection")
        self.run_button.clicked.connect(self.run)
        self.run_button.setEnabled(False)
        self.stop_button = named(QPushButton("Stop"), "testsStop")
        self.stop_button.clicked.connect(self.stop)
        self.stop_button.setEnabled(False)
        self.steps = named(QTreeWidget(), "testsSteps")
        self.steps.setHeaderLabels(["#", "Step", "Result", "Matched message"])
        self.steps.setRootIsDecorated(False)
        self.steps.setUniformRowHeights(True)
        header = self.steps.header()
        header.setSectionResizeMode(_NUMBER, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(_RESULT, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.steps.setColumnWidth(_STEP, 320)
        self.steps.itemClicked.connect(self._select_matched)
        self.summary = named(QLabel(""), "testsSummary")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        bar = QHBoxLayout()
        bar.addWidget(self.open_button)
        bar.addWidget(self.file_label, 1)
        bar.addWidget(self.run_button)
        bar.addWidget(self.stop_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.steps, 1)
        layout.addWidget(self.summary)

    # -- the file ------------------------------------------------------------------------------

    def choose_file(self) -> None:
        dialog = QFileDialog(self, "Open scenario test", str(Path(self.path).parent) if self.path else "",
                             SCENARIO_FILTER)
        dialog.setObjectName("openTestDialog")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        dialog.fileSelected.connect(self.load)
        self.file_dialog = dialog
        dialog.open()

    def offer(self, path: str) -> None:
        """A test just saved (Log → Save as test…) is opened here, ready to run, unless a run is under way."""
        if not self.running:
            self.load(path)

    @asyncSlot(str)
    async def load(self, path: str) -> None:
        await self._read(path)
        self.loaded.emit()

    async def _read(self, path: str) -> bool:
        """Read and check the file on a worker; its steps listed, or why it cannot run in the summary."""
        self.path = path
        self.file_label.setText(Path(path).name)
        self.file_label.setToolTip(path)
        try:
            scenario = await async_loop.in_worker(load_scenario, path)
        except ScenarioError as error:
            self.scenario = None
            self.steps.clear()
            self._say(str(error), "status.error")
            self.run_button.setEnabled(False)
            return False
        self.scenario = scenario
        self.steps.clear()
        for number, step in enumerate(scenario.steps, 1):
            item = QTreeWidgetItem([str(number), step.describe(), "", ""])
            item.setToolTip(_STEP, f"line {step.line}: {step.describe()}")
            self.steps.addTopLevelItem(item)
        self._say(f"{scenario.name}: {len(scenario.steps)} steps against {scenario.url}", None)
        self.run_button.setEnabled(self._thread is None)
        return True

    # -- running -------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None

    @asyncSlot()
    async def run(self) -> None:
        if self.running or not self.path:
            return
        self.run_button.setEnabled(False)
        if not await self._read(self.path) or self.scenario is None:
            self.finished.emit(None)
            return
        scenario, link = self.scenario, SharedSession(self.host.session)
        self.link, self._rows = link, {}
        self._stop = threading.Event()
        done: concurrent.futures.Future[ScenarioResult] = concurrent.futures.Future()

        def play() -> None:
            try:
                runner = ScenarioRunner(scenario, None, self._stop, self._ended.emit, link, self._began.emit)
                done.set_result(runner.run())
            except ScenarioError as error:  # its options cannot be used: the file's fault, at its line
                done.set_exception(error)

        self._thread = threading.Thread(target=play, name="socketscope-scenario", daemon=True)
        self.run_button.setEnabled(False)
        self.open_button.setEnabled(False)  # the rows are this run's until it ends
        self.stop_button.setEnabled(True)
        self._say(f"Running {scenario.name}…", None)
        self._thread.start()
        try:
            result: ScenarioResult | None = await asyncio.wrap_future(done)
        except ScenarioError as error:
            result = None
            self._say(str(error), "status.error")
        self._thread.join(_JOIN_TIMEOUT)  # it has returned its result: only its last lines remain
        self._thread, self.link = None, None
        self.stop_button.setEnabled(False)
        self.open_button.setEnabled(True)
        self.run_button.setEnabled(self.scenario is not None)
        if result is not None:
            self._show_result(result)
        self.finished.emit(result)

    def owns(self, connection: str) -> bool:
        """Whether `connection` is the running test's (its id is set before the connection opens)."""
        link = self.link
        return link is not None and link.connection == connection

    def stop(self) -> None:
        """End the run at the runner's next poll; its connection is closed (1000)."""
        self._stop.set()

    def _step_began(self, number: int) -> None:
        item = self.steps.topLevelItem(number - 1)
        if item is not None:
            item.setText(_RESULT, RUNNING)
            self.steps.scrollToItem(item)

    def _step_ended(self, number: int, result: StepResult) -> None:
        item = self.steps.topLevelItem(number - 1)
        if item is None:
            return
        item.setText(_RESULT, _MARKS.get(result.outcome, result.outcome))
        item.setToolTip(_RESULT, result.report() if result.outcome == FAILED else result.detail)
        item.setForeground(_RESULT, colour("status.valid" if result.outcome == PASSED else "status.error"))
        if result.matched is not None:
            item.setText(_MATCHED, message_line(result.matched))
            row = self._rows.get(_key(result.matched))
            if row is not None:
                item.setData(_MATCHED, _ROW, row)
                item.setToolTip(_MATCHED, f"#{row + 1}: click to select it in the log")
        elif result.outcome == FAILED:
            item.setText(_MATCHED, result.detail)

    def _show_result(self, result: ScenarioResult) -> None:
        for number, step in enumerate(result.steps, 1):  # whatever order the queued step signals came in
            if step.outcome != NOT_RUN:
                self._step_ended(number, step)
        total = len(result.steps)
        passed = sum(step.outcome == PASSED for step in result.steps)
        if result.passed:
            self._say(f"Passed: {total} of {total} steps in {result.seconds:.1f} s", "status.valid")
            return
        failed = result.failed
        where = f" at step {result.steps.index(failed[0]) + 1}: {failed[0].detail}" if failed else ""
        self._say(f"Failed{where} ({passed} of {total} steps passed)", "status.error")

    def _say(self, text: str, colour: str | None) -> None:
        self.summary.setText(text)
        tint(self.summary, colour)

    def _select_matched(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        row = item.data(_MATCHED, _ROW)
        if isinstance(row, int):
            self.host.select_store_row(row)

    # -- what the window hands over ------------------------------------------------------------------

    def observe(self, frames: Sequence[Frame]) -> None:
        """A live batch just appended to the window's capture: the run's connection's frames go to the runner."""
        link = self.link
        if link is None or not link.connection:
            return
        base = self.host.capture.store.end - len(frames)
        for offset, frame in enumerate(frames):
            if frame.connection == link.connection:
                link.take(frame)
                self._rows.setdefault(_key(frame), base + offset)

    def state_changed(self, change: StateChange) -> None:
        if self.link is not None:
            self.link.take(change)

    def shutdown(self) -> None:
        """Stop a run and wait for its thread (bounded), before the window's session stops."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(_JOIN_TIMEOUT)


def _key(frame: Frame) -> tuple[float, int, int, int]:
    """What tells the run's frames apart in the log: when, which way, what kind, how big."""
    return frame.wall_time, frame.direction, frame.opcode, frame.size


def add_tests_dock(window: QMainWindow, host: ScenarioTestsHost) -> ScenarioTestsPanel:
    """The Tests dock (placed by the window's DockLayout) with its panel."""
    panel = ScenarioTestsPanel(host)
    dock = QDockWidget("Tests", window)
    named(dock, "testsDock")
    dock.setWidget(panel)
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    return panel


__all__ = ["ScenarioTestsHost", "ScenarioTestsPanel", "add_tests_dock"]

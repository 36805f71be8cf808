"""The Tests dock in the real window: a scenario run on a new connection of its inspector, live per step."""

from __future__ import annotations

import textwrap
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

from app.core.frames import ConnectionState, Direction
from app.ui.scenarios.tests_dock import RUNNING, ScenarioTestsPanel
from app.ui.shell.main_window import MainWindow
from tests.helpers import shown_window
from tests.test_scenario_writer import save_rows_as_test

GREETING = """\
    name: greeting and echo
    url: {url}
    steps:
      - expect: "$.username == 'Alice'"
      - send: {{"action": "hello"}}
      - expect: "$.echo.action == 'hello'"
      - close: {{code: 1000}}
"""


def scenario(window: MainWindow, tmp_path: Path, text: str) -> Path:
    path = tmp_path / "case.wstest.yaml"
    path.write_text(textwrap.dedent(text).format(url=window.session.server_address.ws_url("/ws")), encoding="utf-8")
    return path


def load(qtbot, panel: ScenarioTestsPanel, path: Path) -> None:
    """Open the Tests dock, as a user would (the bottom band starts folded), and load a scenario in it."""
    window = panel.window()
    assert isinstance(window, MainWindow)
    window.dock_layout.reveal(window.findChild(QDockWidget, "testsDock"))
    qtbot.waitUntil(lambda: panel.run_button.isVisible() and panel.run_button.height() > 0, timeout=3000)
    with qtbot.waitSignal(panel.loaded, timeout=5000):
        panel.load(str(path))


def results(panel: ScenarioTestsPanel) -> list[str]:
    return [panel.steps.topLevelItem(i).text(2) for i in range(panel.steps.topLevelItemCount())]


def test_a_passing_scenario_runs_on_a_new_connection_whose_frames_show_in_the_log(qtbot, tmp_path: Path) -> None:
    with shown_window(qtbot, wait_open=True) as window:
        dock = window.findChild(QDockWidget, "testsDock")
        assert dock is not None and dock.widget() is window.tests_panel
        panel = window.tests_panel
        load(qtbot, panel, scenario(window, tmp_path, GREETING))
        assert results(panel) == ["", "", "", ""]
        with qtbot.waitSignal(panel.finished, timeout=15000) as finished:
            qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
        assert finished.args[0].passed
        assert results(panel) == ["✓ passed"] * 4
        assert panel.summary.text().startswith("Passed: 4 of 4 steps in ")
        echo = panel.steps.topLevelItem(2)
        assert echo.text(3) == '{"status":"received","echo":{"action": "hello"}}'
        row = echo.data(3, Qt.ItemDataRole.UserRole)
        store = window.store
        assert store.connection(row) == "client#2" and store.directions[row] == Direction.RECEIVED
        assert "hello" in store.payloads[row]

        qtbot.waitUntil(lambda: window.log_model.rowCount() == len(window.view), timeout=3000)
        steps = panel.steps
        qtbot.mouseClick(steps.viewport(), Qt.MouseButton.LeftButton, pos=steps.visualItemRect(echo).center())
        assert window.view.store_row(window.log_view.currentIndex().row()) == row  # selected in the log
        qtbot.waitUntil(lambda: "hello" in window.message_view.info.text() or window.shown_row == row, timeout=3000)


def test_a_failing_step_says_why_and_the_later_steps_are_not_run(qtbot, tmp_path: Path) -> None:
    with shown_window(qtbot, wait_open=True) as window:
        panel = window.tests_panel
        text = GREETING.replace("'Alice'\"", "'Bob'\"\n        within: 300ms")
        load(qtbot, panel, scenario(window, tmp_path, text))
        with qtbot.waitSignal(panel.finished, timeout=15000) as finished:
            qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
        assert not finished.args[0].passed
        assert results(panel) == ["✗ failed", "", "", ""]
        assert panel.summary.text().startswith(
            "Failed at step 1: expect $.username == 'Bob' failed: no message received within 300 ms matched")
        assert "Alice" in panel.steps.topLevelItem(0).toolTip(2)  # the last messages received
        assert panel.run_button.isEnabled() and not panel.stop_button.isEnabled()


def test_stop_ends_a_run_mid_step_and_a_bad_file_is_refused_at_its_line(qtbot, tmp_path: Path) -> None:
    with shown_window(qtbot, wait_open=True) as window:
        panel = window.tests_panel
        text = GREETING.replace("'Alice'\"", "'Alice'\"\n      - expect: never\n        within: 30s")
        load(qtbot, panel, scenario(window, tmp_path, text))
        with qtbot.waitSignal(panel.finished, timeout=15000) as finished:
            qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda: results(panel)[:2] == ["✓ passed", RUNNING], timeout=5000)
            assert panel.stop_button.isEnabled() and not panel.run_button.isEnabled()
            qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
        assert results(panel)[:3] == ["✓ passed", "✗ failed", ""]
        assert "stopped" in panel.summary.text()
        assert not finished.args[0].passed

        bad = tmp_path / "bad.wstest.yaml"
        bad.write_text("url: ws://127.0.0.1:1/\nsteps:\n  - sned: {}\n", encoding="utf-8")
        load(qtbot, panel, bad)
        assert panel.summary.text().startswith(f"{bad}:3: unknown step 'sned'")
        assert panel.steps.topLevelItemCount() == 0 and not panel.run_button.isEnabled()


def test_a_run_leaves_the_url_bar_and_the_composer_on_the_users_connection(qtbot, tmp_path: Path) -> None:
    """The run's connection is the Tests dock's: the URL bar, its button and the send target stay where they were."""
    with shown_window(qtbot, wait_open=True) as window:
        panel = window.tests_panel
        load(qtbot, panel, scenario(window, tmp_path, GREETING))
        assert window.current_connection == "client#1" and window.quick_connection == "client#1"
        with qtbot.waitSignal(panel.finished, timeout=15000) as finished:
            qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
        assert finished.args[0].passed
        qtbot.waitUntil(lambda: window.connection_states.get("client#2") == ConnectionState.CLOSED, timeout=5000)
        assert window.current_connection == "client#1" and window.quick_connection == "client#1"
        assert window.connect_button.text() == "Disconnect"
        assert window.composer.target.toolTip().startswith("Send goes to client#1, ")


def test_a_test_just_saved_is_open_in_the_tests_dock_ready_to_run(qtbot, tmp_path: Path) -> None:
    with shown_window(qtbot, wait_open=True) as window:
        qtbot.waitUntil(lambda: window.log_model.rowCount() >= 4, timeout=5000)  # both sides' open and greeting
        dialog = save_rows_as_test(window, qtbot, "client#1")
        assert dialog is not None
        panel = window.tests_panel
        with qtbot.waitSignal(panel.loaded, timeout=5000):
            dialog.selectFile(str(tmp_path / "greeting.wstest.yaml"))
            dialog.accept()
        assert panel.file_label.text() == "greeting.wstest.yaml"
        assert panel.steps.topLevelItemCount() >= 1 and panel.run_button.isEnabled()  # the greeting (and status)

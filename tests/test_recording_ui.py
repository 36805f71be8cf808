"""The Capture menu in the real window: --record, Ctrl+R, the indicator, replaying into the log."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.core import jsonl
from app.core.frames import Direction, Frame, Opcode, Side
from app.main import build
from app.ui.shell.main_window import MainWindow
from tests.test_capture_commands import read_capture


@pytest.fixture
def launch(qtbot) -> Iterator:
    windows: list[MainWindow] = []

    def open_window(*extra: str) -> MainWindow:
        window = build(["--port", "0", "--status-delay", "0.3", *extra])
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        return window

    yield open_window
    for window in windows:
        window.shutdown()


def store_frames(window: MainWindow) -> list[tuple[str, int, int, str | bytes]]:
    store = window.store
    return [(store.connection(r), store.directions[r], store.opcodes[r], store.payloads[r])
            for r in range(len(store))]


def file_frames(path: Path) -> list[tuple[str, int, int, str | bytes]]:
    return [(f.connection, f.direction, f.opcode, f.payload) for f in read_capture(path)[0]]


def test_record_option_records_from_launch_and_ctrl_r_stops(launch, qtbot, tmp_path: Path) -> None:
    path = tmp_path / "launch.jsonl"
    window = launch("--record", str(path))
    controls = window.capture_controls
    assert controls.recording and controls.menu.title() == "&Capture"
    qtbot.waitUntil(lambda: "Alice" in path.read_text(), timeout=5000)  # the greeting, flushed as it came
    qtbot.waitUntil(lambda: controls.indicator.isVisible() and "launch.jsonl" in controls.indicator.text(),
                    timeout=3000)
    assert "frames" in controls.indicator.text()
    assert controls.record_action.text() == "Stop &recording"
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert not controls.recording and not controls.indicator.isVisible()
    qtbot.waitUntil(lambda: window.notice_label.text().startswith("Recorded "), timeout=5000)
    recorded = file_frames(path)
    assert recorded == store_frames(window)[:len(recorded)]  # every frame, in order, from the first
    assert recorded[0][2] == Opcode.OPEN and len(recorded) >= 4


def test_ctrl_r_asks_for_a_file_and_an_existing_capture_is_appended_to(launch, qtbot, tmp_path: Path) -> None:
    path = tmp_path / "chosen.jsonl"
    old = Frame("client#9", Side.CLIENT, Direction.SENT, Opcode.TEXT, '"from before"')
    with open(path, "w") as out:
        jsonl.write_frames(out, [old])
    window = launch()
    controls = window.capture_controls
    qtbot.waitUntil(lambda: window.state_label.text() == "Open", timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    dialog = controls.file_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.selectFile(str(path))
    dialog.accept()
    assert controls.recording and "appending" in window.notice_label.text()
    window.composer.editor.setPlainText('{"recorded": true}')
    qtbot.keyClick(window.composer.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: path.read_text().count("recorded") >= 2, timeout=5000)  # sent, and echoed
    controls.stop_recording()
    qtbot.waitUntil(lambda: window.notice_label.text().startswith("Recorded "), timeout=5000)
    frames, report = read_capture(path)
    assert frames[0].payload == '"from before"' and not report.skipped
    assert path.read_text().count('"format"') == 1


def test_a_file_that_cannot_be_recorded_to_says_why(launch, tmp_path: Path) -> None:
    window = launch()
    assert not window.capture_controls.start_recording(str(tmp_path))
    assert "Cannot record to" in window.notice_label.text() and "Is a directory" in window.notice_label.text()
    assert not window.capture_controls.recording and not window.capture_controls.indicator.isVisible()


def test_replay_dialog_replays_a_capture_into_the_log_and_the_recording(launch, qtbot, tmp_path: Path) -> None:
    capture = tmp_path / "to-replay.jsonl"
    sent = ['{"replayed": 1}', '{"replayed": 2}']
    with open(capture, "w") as out:
        jsonl.write_frames(out, [Frame("client#1", Side.CLIENT, Direction.EVENT, Opcode.OPEN, "{}", 0, 10.0)]
                           + [Frame("client#1", Side.CLIENT, Direction.SENT, Opcode.TEXT, text, -1, 10.1 + n * 0.05)
                              for n, text in enumerate(sent)])
    recording = tmp_path / "session.jsonl"
    window = launch("--record", str(recording))
    qtbot.waitUntil(lambda: window.state_label.text() == "Open", timeout=5000)
    controls = window.capture_controls
    controls.replay_action.trigger()
    dialog = controls.replay_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.accept()  # nothing chosen yet: refused with a reason, still open
    assert dialog.isVisible() and dialog.error_label.text() == "Choose a capture file"
    dialog.file_edit.setText(str(capture))
    with qtbot.waitSignal(dialog.connections_listed, timeout=5000):
        dialog.file_edit.editingFinished.emit()
    assert dialog.connection_box.itemText(0) == "client#1 (2 messages)"
    assert dialog.connection() is None  # the default until one is picked
    dialog.connection_box.setCurrentIndex(0)
    assert dialog.connection() == "client#1"
    address = window.session.server_address
    assert address is not None
    dialog.url_edit.setText(address.ws_url("/ws/echo"))
    dialog.timing_box.setCurrentIndex(1)
    dialog.factor_box.setValue(0.5)
    dialog.accept()
    qtbot.waitUntil(lambda: window.notice_label.text().startswith("Replay done"), timeout=10000)
    assert "2 of 2 messages of client#1 sent as client#2" in window.notice_label.text()

    def texts(direction: Direction) -> list[str | bytes]:
        return [p for c, d, o, p in store_frames(window) if c == "client#2" and d == direction and o == Opcode.TEXT]

    qtbot.waitUntil(lambda: texts(Direction.RECEIVED) == sent, timeout=5000)
    assert texts(Direction.SENT) == sent
    window.capture_controls.stop_recording()
    qtbot.waitUntil(lambda: window.notice_label.text().startswith("Recorded "), timeout=5000)
    in_file = [p for c, d, o, p in file_frames(recording) if c == "client#2" and o == Opcode.TEXT]
    assert in_file == [sent[0], sent[0], sent[1], sent[1]] or sorted(in_file) == sorted(sent * 2)


def test_a_bad_capture_is_reported_not_replayed(launch, qtbot, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not a capture\n")
    window = launch()
    window.capture_controls.start_replay(str(bad), "ws://127.0.0.1:1/", None, None)
    qtbot.waitUntil(lambda: window.notice_label.text().startswith("Not replayed"), timeout=5000)
    assert "not a SocketScope capture" in window.notice_label.text()
    assert not window.capture_controls.cancel_replay_action.isEnabled()


def test_the_replay_dialog_says_at_once_when_a_file_is_no_capture(launch, qtbot, tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("shopping list\n")
    window = launch("--no-server")
    dialog = window.capture_controls.open_replay_dialog()
    dialog.file_edit.setText(str(bad))
    dialog.file_edit.editingFinished.emit()
    qtbot.waitUntil(lambda: "not a SocketScope capture" in dialog.error_label.text(), timeout=5000)
    dialog.reject()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_stops_recording_with_a_message_and_keeps_the_file(launch, qtbot, tmp_path: Path) -> None:
    path = tmp_path / "filling.jsonl"
    window = launch("--record", str(path))
    controls = window.capture_controls
    qtbot.waitUntil(lambda: path.read_text().count("online") == 2, timeout=5000)  # the status update, both sides
    kept = path.read_text()
    recorder = controls.recorder
    assert recorder is not None and recorder._file is not None  # noqa: SLF001 - the fault is injected under the file
    full = os.open("/dev/full", os.O_WRONLY)  # from now on every write to the capture finds the disk full
    os.dup2(full, recorder._file.fileno())  # noqa: SLF001
    os.close(full)
    window.composer.editor.setPlainText('{"more": "frames"}')
    qtbot.keyClick(window.composer.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "No space left on device" in window.notice_label.text(), timeout=5000)
    assert "Recording to filling.jsonl stopped" in window.notice_label.text()
    qtbot.waitUntil(lambda: not controls.recording and not controls.indicator.isVisible(), timeout=3000)
    assert controls.record_action.text() == "&Record to file…"  # Ctrl+R starts a new recording
    assert path.read_text() == kept  # what was written before is intact

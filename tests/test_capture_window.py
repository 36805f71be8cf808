"""The File menu in the real window: export the log or the filtered view, import files beside live traffic."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox

from app.core import jsonl
from app.core.frames import Direction, Frame, Opcode, Side
from app.ui.capture.files import APPEND_SLICE
from app.ui.log.model import CONNECTION, SUMMARY
from app.ui.shell.main_window import MainWindow
from tests.helpers import shown_window
from tests.test_capture_files import chrome_har


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:
    with shown_window(qtbot, "--status-delay", "0.3") as window:
        yield window


def finish(qtbot, task: asyncio.Task) -> Any:
    qtbot.waitUntil(task.done, timeout=10_000)
    return task.result()


def shown_connections(window: MainWindow) -> list[str]:
    model = window.log_model
    return [model.index(row, CONNECTION).data() for row in range(model.rowCount())]


def test_file_menu_offers_import_and_both_exports_with_their_shortcuts(window: MainWindow) -> None:
    menu = window.menuBar().findChild(QMenu, "fileMenu")
    assert menu is not None and menu.title() == "&File" and menu.accessibleName() == "fileMenu"
    shortcuts = {action.objectName(): action.shortcut().toString() for action in menu.actions()
                 if not action.isSeparator()}
    assert shortcuts == {"importCapture": "Ctrl+O", "exportCapture": "Ctrl+S", "exportFilteredView": "Ctrl+Shift+S",
                         "quitAction": "Ctrl+Q"}


def test_exporting_the_filtered_view_writes_only_the_matching_frames(window: MainWindow, qtbot, tmp_path: Path) -> None:
    qtbot.waitUntil(lambda: window.store.received_count >= 2, timeout=5000)
    window.filter_bar.edit.setText("Alice")
    qtbot.waitUntil(lambda: window.filter_bar.status.text().endswith("shown"), timeout=3000)
    matching = window.log_model.rowCount()
    assert 0 < matching < len(window.store)

    path = tmp_path / "alice.jsonl"
    assert finish(qtbot, window.capture_files.export_path(str(path), True)) == matching
    report = jsonl.ImportReport()
    frames = list(jsonl.read_frames(path.read_text(encoding="utf-8").splitlines(), report))
    assert len(frames) == matching and report.clean
    assert all("Alice" in frame.payload for frame in frames)
    assert window.notice_label.text() == f"Exported {matching} frames (filtered view) to {path}"

    everything = tmp_path / "all.har"
    total = len(window.store)
    assert finish(qtbot, window.capture_files.export_path(str(everything), False)) >= total
    entries = json.loads(everything.read_text(encoding="utf-8"))["log"]["entries"]
    assert {entry["_socketscope"]["connection"] for entry in entries} >= {"client#1", "server#1"}
    assert any('"Alice"' in m["data"] for e in entries for m in e["_webSocketMessages"])

    window.filter_bar.edit.setText("no-such-text-anywhere")
    qtbot.waitUntil(lambda: window.log_model.rowCount() == 0, timeout=3000)
    assert finish(qtbot, window.capture_files.export_path(str(tmp_path / "none.jsonl"), True)) is None
    assert window.notice_label.text() == "Nothing to export: the filter matches no frames"
    assert not (tmp_path / "none.jsonl").exists()


def test_an_imported_file_appears_in_the_log_beside_live_traffic(window: MainWindow, qtbot, tmp_path: Path) -> None:
    qtbot.waitUntil(lambda: window.state_label.text() == "Open", timeout=5000)
    frames = [
        Frame("client#1", Side.CLIENT, Direction.EVENT, Opcode.OPEN, '{"url": "ws://example.test/ws"}', 0, 10.0),
        Frame("client#1", Side.CLIENT, Direction.SENT, Opcode.TEXT, '{"imported": "hello"}', -1, 11.0),
        Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.BINARY, b"\x00\xff", -1, 12.0),
    ]
    path = tmp_path / "old session.jsonl"
    path.write_text(jsonl.header() + "\n" + "\n".join(jsonl.frame_to_line(f) for f in frames)
                    + '\n{"time": "yesterday"}\n', encoding="utf-8")
    live_rows = len(window.store)

    report = finish(qtbot, window.capture_files.import_path(str(path)))
    assert report.imported == 3 and report.skipped_count == 1
    qtbot.waitUntil(lambda: shown_connections(window).count("client#1~1") == 3, timeout=3000)
    imported = [row for row, name in enumerate(shown_connections(window)) if name == "client#1~1"]
    assert min(imported) >= live_rows  # appended after what was already captured
    assert window.store.payloads[imported[1]] == '{"imported": "hello"}'
    assert "hello" in window.log_model.index(imported[1], SUMMARY).data()
    assert window.notice_label.text().startswith(
        "Imported old session.jsonl: 3 frames imported, 1 skipped (line 5: time must be seconds")
    box = window.findChild(QMessageBox, "importReport")
    assert box is not None and box.isVisible() and "1 skipped" in box.text()
    assert "line 5: time must be seconds since the epoch" in box.detailedText()
    box.close()

    window.filter_bar.edit.setText("conn:client#1~1 dir:sent")  # imported rows filter like live ones
    qtbot.waitUntil(lambda: window.filter_bar.status.text().startswith("1 of"), timeout=3000)
    window.log_view.selectRow(0)
    qtbot.waitUntil(lambda: window.message_view.tree_model.rowCount() == 1, timeout=2000)


def test_a_chrome_har_imports_into_the_log_with_its_report(window: MainWindow, qtbot, tmp_path: Path) -> None:
    path = tmp_path / "example.test.har"
    path.write_text(json.dumps(chrome_har(), indent=2), encoding="utf-8")
    before = len(window.store)
    report = finish(qtbot, window.capture_files.import_path(str(path)))
    assert report.clean and report.imported == 7
    assert window.notice_label.text() == (
        "Imported example.test.har: 7 frames imported, 2 entries without WebSocket messages ignored")
    assert window.findChild(QMessageBox, "importReport") is None  # nothing went wrong: no dialog
    # The imported connections, in order; the window's own may register before, between or after them.
    assert [name for name in window.store.connection_names if name.startswith("har#")] == ["har#1~1", "har#2~1"]
    assert len(window.store) >= before + 7
    qtbot.waitUntil(lambda: shown_connections(window).count("har#1~1") == 5, timeout=3000)

    again = finish(qtbot, window.capture_files.import_path(str(path)))  # a second import never merges
    assert again.imported == 7 and "har#1~2" in window.store.connection_names


def test_files_that_cannot_be_read_or_are_not_captures_are_reported(window: MainWindow, qtbot, tmp_path: Path) -> None:
    missing = tmp_path / "missing.har"
    assert finish(qtbot, window.capture_files.import_path(str(missing))) is None
    assert window.notice_label.text() == f"Not imported: No such file or directory ({missing})"
    assert window.capture_files.import_action.isEnabled()

    binary = tmp_path / "photo.jsonl"
    binary.write_bytes(bytes(range(256)) * 8)
    report = finish(qtbot, window.capture_files.import_path(str(binary)))
    assert report.imported == 0
    assert window.notice_label.text() == (
        "Imported photo.jsonl: 0 frames imported. The file is binary, not a JSONL or HAR capture.")
    box = window.findChild(QMessageBox, "importReport")
    assert box is not None and "binary" in box.informativeText()
    box.close()

    assert finish(qtbot, window.capture_files.export_path(str(tmp_path / "no-dir" / "x.jsonl"))) is None
    assert window.notice_label.text().startswith("Not exported: No such file or directory")


def test_a_big_import_is_appended_in_slices_and_every_row_arrives(window: MainWindow, qtbot, tmp_path: Path) -> None:
    count = APPEND_SLICE + 1234
    path = tmp_path / "big.jsonl"
    with open(path, "w", encoding="utf-8") as out:
        jsonl.write_frames(out, (Frame("client#9", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, f'{{"seq": {i}}}',
                                       -1, 1000.0 + i) for i in range(count)))
    report = finish(qtbot, window.capture_files.import_path(str(path)))
    assert report.clean and report.imported == count
    rows = [row for row in range(len(window.store)) if window.store.connection(row) == "client#9~1"]
    assert len(rows) == count and window.store.payloads[rows[-1]] == f'{{"seq": {count - 1}}}'
    qtbot.waitUntil(lambda: window.log_model.rowCount() == len(window.view), timeout=3000)


def test_a_capture_file_dropped_on_the_window_is_imported(window: MainWindow, qtbot, tmp_path: Path) -> None:
    path = tmp_path / "dropped.har"
    path.write_text(json.dumps(chrome_har()), encoding="utf-8")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    position = QPointF(window.log_view.mapTo(window, window.log_view.rect().center()))
    enter = QDragEnterEvent(position, Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(position, Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, drop)
    assert drop.isAccepted()
    qtbot.waitUntil(lambda: window.notice_label.text().startswith("Imported dropped.har: 7 frames imported"),
                    timeout=5000)
    assert "har#1~1" in window.store.connection_names

    text = QMimeData()
    text.setText("just some text")
    refused = QDragEnterEvent(position, Qt.DropAction.CopyAction, text, Qt.MouseButton.NoButton,
                              Qt.KeyboardModifier.NoModifier)
    refused.ignore()
    QApplication.sendEvent(window, refused)
    assert not refused.isAccepted()

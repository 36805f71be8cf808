"""A big message selected in the real window opens through the document process, and the window keeps painting."""

from __future__ import annotations

import json

from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtGui import QGuiApplication

from app.core.frames import Direction, Frame, Opcode, Side
from app.core.inspection import LARGE_DOCUMENT
from app.main import build
from app.ui.message.tree_model import KEY, VALUE
from tests.test_docworker import process_exists


class Lateness:
    """The worst lateness of a 5 ms timer: how long the GUI thread was kept from its events."""

    def __init__(self) -> None:
        self.worst_ms = 0.0
        self._clock = QElapsedTimer()
        self._clock.start()
        self._last = self._clock.nsecsElapsed()
        self._timer = QTimer()
        self._timer.setInterval(5)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    def _tick(self) -> None:
        now = self._clock.nsecsElapsed()
        self.worst_ms = max(self.worst_ms, (now - self._last) / 1e6 - 5.0)
        self._last = now

    def stop(self) -> float:
        self._timer.stop()
        return self.worst_ms


def big_payload(items: int) -> str:
    records = ",".join(
        json.dumps({"id": i, "name": f"user {i}", "email": f"user{i}@example.com", "tags": ["a", "b"]})
        for i in range(items)
    )
    return '{"data": {"items": [' + records + ']}, "meta": {"deep": {"needle key": 9007199254740993}}}'


def test_large_message_opens_out_of_process(qtbot, capsys) -> None:
    window = build(["--no-server"])
    qtbot.addWidget(window)
    window.show()
    payload = big_payload(120_000)  # ~9 MiB
    assert len(payload) > 8 * 1024 * 1024 > LARGE_DOCUMENT
    window.session.queue.put(Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, payload))
    qtbot.waitUntil(lambda: window.log_model.rowCount() == 1, timeout=5000)
    view = window.message_view
    model = view.tree_model

    probe = Lateness()
    window.log_view.selectRow(0)
    qtbot.waitUntil(lambda: model.document.remote and model.rowCount() == 2, timeout=30_000)
    worst = probe.stop()
    with capsys.disabled():
        print(f"\n9 MiB message: worst 5 ms timer lateness from selection to tree {worst:.0f} ms")
    assert worst < 5000  # generous: speed is measured by bench/bench_open_large.py
    pid = window.documents.pid
    assert pid is not None and process_exists(pid)
    assert [model.index(r, KEY).data() for r in range(2)] == ["data", "meta"]
    qtbot.waitUntil(lambda: "2^53" in view.info.text(), timeout=30_000)  # the scan after the first paint

    panel = view.tree_panel
    qtbot.keyClick(window, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert panel.find_edit.hasFocus()
    qtbot.keyClicks(panel.find_edit, "NEEDLE")
    qtbot.keyClick(panel.find_edit, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: view.tree.currentIndex().data() == "needle key", timeout=30_000)
    assert panel.status.text() == "1 of 1"
    found = view.tree.currentIndex()
    assert found.siblingAtColumn(VALUE).data() == "9007199254740993"
    assert found.siblingAtColumn(VALUE).data(Qt.ItemDataRole.ToolTipRole).startswith("Beyond 2^53")
    view.tree.setFocus()
    qtbot.keyClick(view.tree, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert QGuiApplication.clipboard().text() == "$.meta.deep['needle key']"
    view.tree.setCurrentIndex(model.index(0, KEY))
    qtbot.keyClick(view.tree, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text().startswith('{\n  "items": [\n    {\n'), timeout=30_000)
    assert "Copied the first" in panel.status.text()  # 9 MiB pretty-printed is beyond the copy limit

    window.close()
    assert not process_exists(pid)
    assert window.documents.pid is None

"""A hostile message nested 100,000 levels deep: Find, Expand all and Collapse all keep the window answering."""

from __future__ import annotations

import os
import time

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication

from app.core.docnodes import LocalDocument
from app.core.docworker import DocumentWorker
from app.core.frames import Opcode
from app.core.inspection import inspect_large, inspect_payload
from app.core.jsondoc import parse
from app.ui.common import async_loop
from app.ui.message.tree_model import KEY
from app.ui.message.tree_panel import OPEN_DEPTH
from app.ui.message.view import MessageView

DEPTH = 100_000
DEEP_TEXT = "[" * DEPTH + '"needle"' + "]" * DEPTH  # 200 KB: parsed in the window's own process
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_SIZE


class Heartbeat:
    """A 50 ms timer on the GUI thread: the longest wait between two ticks, and how far memory grew."""

    def __init__(self) -> None:
        self.start_rss = self.peak_rss = resident_bytes()
        self.longest = 0.0
        self._last = time.monotonic()
        self.timer = QTimer()
        self.timer.setInterval(50)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self) -> None:
        now = time.monotonic()
        self.longest = max(self.longest, now - self._last)
        self._last = now
        self.peak_rss = max(self.peak_rss, resident_bytes())

    def stop(self) -> None:
        self._tick()
        self.timer.stop()

    @property
    def growth(self) -> int:
        return self.peak_rss - self.start_rss


@pytest.fixture
def view(qtbot) -> MessageView:
    async_loop.install(QGuiApplication.instance())  # type: ignore[arg-type]
    view = MessageView()
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    return view


def test_find_on_100000_nested_arrays_keeps_the_window_answering(view: MessageView, qtbot) -> None:
    view.display(inspect_payload(Opcode.TEXT, DEEP_TEXT), "deep")
    assert not view.tree_model.document.remote  # the in-process document: Find must leave the GUI thread anyway
    panel = view.tree_panel
    beat = Heartbeat()
    try:
        panel.find_edit.setText("needle")
        qtbot.keyClick(panel.find_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: panel.status.text().startswith("1 of 1:"), timeout=40_000)
        assert f"{DEPTH:,} levels deep" in panel.status.text()
        # The tree opens OPEN_DEPTH levels towards the match and selects the deepest it shows.
        assert view.tree_model.path(view.tree.currentIndex()) == (0,) * (OPEN_DEPTH + 1)
        panel.find_edit.setText("absent")
        panel.find_step(1)
        qtbot.waitUntil(lambda: panel.status.text() == "No match", timeout=40_000)
    finally:
        beat.stop()
    assert beat.longest < 1.0, f"the window stopped answering for {beat.longest:.2f} s"
    assert beat.growth < 200 * 1024 * 1024, f"memory grew by {beat.growth / 2**20:.0f} MiB"


def test_expand_and_collapse_all_on_100000_nested_arrays_keep_the_window_answering(
    view: MessageView, qtbot
) -> None:
    view.display(inspect_payload(Opcode.TEXT, DEEP_TEXT), "deep")
    panel = view.tree_panel
    beat = Heartbeat()
    try:
        panel.expand_all()
        qtbot.waitUntil(lambda: "limit reached" in panel.status.text(), timeout=40_000)
        deepest = view.tree_model.index(0, KEY)
        for _ in range(OPEN_DEPTH - 1):
            assert view.tree.isExpanded(deepest)
            deepest = view.tree_model.index(0, KEY, deepest)
        panel.collapse_all()
        qtbot.waitUntil(lambda: not view.tree.isExpanded(view.tree_model.index(0, KEY)), timeout=5_000)
    finally:
        beat.stop()
    assert beat.longest < 1.0, f"the window stopped answering for {beat.longest:.2f} s"


def test_a_changed_query_stops_the_search_under_way(view: MessageView, qtbot) -> None:
    view.display(inspect_payload(Opcode.TEXT, DEEP_TEXT), "deep")
    panel = view.tree_panel
    panel.find_edit.setText("needle")
    panel.find_step(1)
    qtbot.waitUntil(lambda: panel.status.text() == "Searching…", timeout=5_000)
    panel.find_edit.setText("")  # the search stops; its answer must not be shown
    qtbot.wait(0)
    assert panel.status.text() == ""
    panel.find_edit.setText("needle")
    panel.find_step(1)
    qtbot.waitUntil(lambda: panel.status.text().startswith("1 of 1"), timeout=40_000)


# A search of this takes several slices (0.4 s here), so a search told to stop does stop before its end.
WIDE_TEXT = "[" + '"x",' * 1_000_000 + '"needle"]'


def test_a_search_stops_between_slices_when_asked() -> None:
    document = LocalDocument(parse(WIDE_TEXT).value, [])
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(1)
        return True

    assert document.find("needle", cancelled=cancelled) is None and asked
    found = document.find("needle")
    assert found is not None and len(found) == 1 and found.path(0) == (1_000_000,)
    deep = LocalDocument(parse(DEEP_TEXT).value, []).find("needle")
    assert deep is not None and deep.path(0) == (0,) * DEPTH


def test_a_remote_search_stops_between_slices_and_the_next_one_works() -> None:
    worker = DocumentWorker()
    try:
        document = inspect_large(Opcode.TEXT, WIDE_TEXT, worker).document
        assert document.remote
        assert document.find("needle", cancelled=lambda: True) is None
        found = document.find("needle")
        assert found is not None and found.path(0) == (1_000_000,)
        deep = inspect_large(Opcode.TEXT, DEEP_TEXT, worker).document
        found = deep.find("needle")
        assert found is not None and found.path(0) == (0,) * DEPTH
    finally:
        worker.close()


def test_the_star_key_opens_below_the_current_node_within_the_limits(view: MessageView, qtbot) -> None:
    view.display(inspect_payload(Opcode.TEXT, DEEP_TEXT), "deep")
    beat = Heartbeat()
    try:
        top = view.tree_model.index(0, KEY)
        view.tree.setFocus()
        view.tree.setCurrentIndex(top)
        qtbot.keyClick(view.tree, Qt.Key.Key_Asterisk)
        qtbot.waitUntil(lambda: "limit reached" in view.tree_panel.status.text(), timeout=40_000)
        assert view.tree.isExpanded(top) and view.tree.isExpanded(view.tree_model.index(0, KEY, top))
    finally:
        beat.stop()
    assert beat.longest < 1.0, f"the window stopped answering for {beat.longest:.2f} s"

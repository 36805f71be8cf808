"""One route for what the window tells the user: notices reach the live window's status bar, are logged once,
and may be posted from any thread."""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import SIGNAL, QEvent
from PySide6.QtWidgets import QApplication

from app.core.frames import Level, Notice
from app.main import build
from app.ui.common import notify


def _receivers() -> int:
    return notify.bridge().receivers(SIGNAL("posted(PyObject)"))


def test_a_notice_reaches_the_window_and_the_log_once(qtbot, caplog) -> None:
    window = build(["--no-server"])
    qtbot.addWidget(window)
    try:
        with caplog.at_level(logging.INFO, logger="socketscope.ui"):
            notify.warning("Not loaded: select a message in the log")
        assert window.notice_label.text() == "Not loaded: select a message in the log"
        assert [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "socketscope.ui"] == [
            ("WARNING", "Not loaded: select a message in the log")]
    finally:
        window.shutdown()


def test_a_notice_from_the_network_threads_queue_takes_the_same_route(qtbot, caplog) -> None:
    window = build(["--no-server"])
    qtbot.addWidget(window)
    seen: list[Notice] = []
    notify.bridge().posted.connect(seen.append)
    try:
        with caplog.at_level(logging.INFO, logger="socketscope.ui"):
            window.session.queue.put(Notice(Level.ERROR, "Embedded server not started: address in use"))
            qtbot.waitUntil(lambda: window.notice_label.text() == "Embedded server not started: address in use",
                            timeout=3000)
        assert seen == [Notice(Level.ERROR, "Embedded server not started: address in use")]
        assert window.notices.error == "Embedded server not started: address in use"  # it stays until dismissed
        assert ("ERROR", "Embedded server not started: address in use") in [
            (r.levelname, r.getMessage()) for r in caplog.records if r.name == "socketscope.ui"]
    finally:
        notify.bridge().posted.disconnect(seen.append)
        window.shutdown()


def test_a_worker_thread_may_post_a_notice(qtbot) -> None:
    window = build(["--no-server"])
    qtbot.addWidget(window)
    try:
        worker = threading.Thread(target=notify.info, args=("Exported 3 frames",), name="notice-poster")
        worker.start()
        worker.join(timeout=5)
        assert not worker.is_alive()
        qtbot.waitUntil(lambda: window.notice_label.text() == "Exported 3 frames", timeout=3000)
    finally:
        window.shutdown()


def test_a_notice_reaches_the_live_window_never_a_deleted_one(qtbot) -> None:
    before = _receivers()
    first = build(["--no-server"])
    first.shutdown()
    assert _receivers() == before + 1  # the window connected its notice area once
    first.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert _receivers() == before  # Qt dropped the connection with the deleted area

    second = build(["--no-server"])
    qtbot.addWidget(second)
    try:
        notify.error("Not exported: disk full")  # would crash reaching the deleted area
        assert second.notice_label.text() == "Not exported: disk full"
        assert _receivers() == before + 1
    finally:
        second.shutdown()

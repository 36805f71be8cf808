"""An error nobody caught is logged with its traceback and told in an error notice, never lost on stderr.

These go through the real hooks: the window's start-up (`app.main.build`) installs them over
whatever was there (pytest-qt's own capture, during a test) and its shutdown puts that back.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import sys
import threading

import pytest
from PySide6.QtCore import QObject, Signal
from qasync import asyncSlot

from app.main import build


class Failing(QObject):
    poked = Signal()

    @asyncSlot()
    async def fail(self) -> None:
        await asyncio.sleep(0)  # noqa: sleep-ok - yields once, so it fails as a coroutine on the loop
        raise ValueError("the slot broke")


def _logged(caplog, text: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "socketscope.ui" and r.getMessage() == text]


@pytest.mark.qt_no_exception_capture  # else pytest-qt's capture, chained to, fails the test as it should any other
def test_an_async_slot_that_raises_is_logged_with_its_traceback_and_shown(qtbot, caplog) -> None:
    window = build(["--no-server"])
    qtbot.addWidget(window)
    failing = Failing()
    failing.poked.connect(failing.fail)
    text = "Unexpected error: ValueError: the slot broke; details in the log"
    try:
        with caplog.at_level(logging.INFO, logger="socketscope.ui"):
            failing.poked.emit()
            qtbot.waitUntil(lambda: window.notice_label.text() == text, timeout=3000)
        [record] = _logged(caplog, text)
        assert record.levelno == logging.ERROR and record.exc_info is not None
        assert 'raise ValueError("the slot broke")' in caplog.text  # the traceback, down to the line
        assert window.notices.error == text  # an error: it stays until dismissed
    finally:
        window.shutdown()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # pytest's hook hears it too
def test_a_loop_callback_and_a_thread_that_raise_are_told_too(qtbot, caplog) -> None:
    window = build(["--no-server"])
    qtbot.addWidget(window)

    def broken_callback() -> None:
        raise KeyError("gone")

    def broken_thread() -> None:
        raise OSError("the disk went away")

    try:
        with caplog.at_level(logging.INFO, logger="socketscope.ui"):
            asyncio.get_event_loop().call_soon(broken_callback)
            qtbot.waitUntil(lambda: window.notice_label.text() == "Unexpected error: KeyError: 'gone'; details in the log",
                            timeout=3000)
            thread = threading.Thread(target=broken_thread, name="socketscope-test-thread")
            thread.start()
            thread.join(timeout=5)
            assert not thread.is_alive()
            told = ("Unexpected error in socketscope-test-thread: OSError: the disk went away; details in the log")
            qtbot.waitUntil(lambda: window.notice_label.text() == told, timeout=3000)
        assert "broken_callback" in caplog.text and "broken_thread" in caplog.text
    finally:
        window.shutdown()


def test_shutdown_puts_the_previous_hooks_back(qtbot, caplog) -> None:
    before = sys.excepthook, threading.excepthook
    window = build(["--no-server"])
    qtbot.addWidget(window)
    try:
        assert sys.excepthook is not before[0] and threading.excepthook is not before[1]
    finally:
        window.shutdown()
    assert (sys.excepthook, threading.excepthook) == before

    def broken_callback() -> None:
        raise KeyError("after the window")

    with caplog.at_level(logging.ERROR):  # the loop's own handler is back: qasync logs it, no notice
        asyncio.get_event_loop().call_soon(broken_callback)
        qtbot.waitUntil(lambda: "broken_callback" in caplog.text, timeout=3000)
    assert "socketscope.ui" not in {r.name for r in caplog.records}
    assert window.notice_label.text() == ""


def test_an_export_that_fails_as_the_window_closes_is_logged_at_debug(qtbot, caplog) -> None:
    window = build(["--no-server"])
    qtbot.addWidget(window)
    failed: concurrent.futures.Future[int] = concurrent.futures.Future()
    failed.set_exception(OSError(28, "No space left on device"))
    window.capture_files._export = failed  # noqa: SLF001 - a failed export is injected
    with caplog.at_level(logging.DEBUG, logger="socketscope.ui"):
        window.shutdown()
    [record] = _logged(caplog, "The export under way failed as the window closed")
    assert record.levelno == logging.DEBUG and record.exc_info is not None

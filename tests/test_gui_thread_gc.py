"""Garbage cycles are collected on the GUI thread, never in a worker that happens to allocate."""

from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtWidgets import QApplication

from app.ui.shell import gui_thread_gc


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_cycles_made_in_a_worker_are_collected_on_the_gui_thread(qtbot) -> None:
    app = QApplication.instance()
    assert app is not None
    gui_thread_gc.install(app)
    assert not gc.isenabled()
    collecting_threads: list[int] = []

    def note(phase: str, _info: dict) -> None:
        if phase == "start":
            collecting_threads.append(threading.get_ident())

    gc.callbacks.append(note)
    try:
        made: list[weakref.ref[Cycle]] = []

        def allocate() -> None:  # far past every threshold: automatic collection would run here
            for _ in range(20 * gc.get_threshold()[0]):
                made.append(weakref.ref(Cycle()))

        worker = threading.Thread(target=allocate)
        worker.start()
        worker.join(30)
        assert not worker.is_alive()
        assert collecting_threads == []  # nothing was collected in the worker
        qtbot.waitUntil(lambda: all(ref() is None for ref in made), timeout=5000)
        assert collecting_threads and set(collecting_threads) == {threading.get_ident()}
    finally:
        gc.callbacks.remove(note)

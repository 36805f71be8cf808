"""The client thread's loop: work handed to it as it stops never leaves its caller waiting."""

from __future__ import annotations

import concurrent.futures
import threading

import pytest

from app.net.loop_thread import LoopThread


async def nothing() -> None:
    """A coroutine with nothing to wait for."""


@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")  # the thread ends cleanly too
def test_a_coroutine_handed_over_as_the_loop_stops_is_cancelled_not_left_pending() -> None:
    thread = LoopThread("socketscope-test-loop")
    thread.start()
    holding, release = threading.Event(), threading.Event()

    async def hold_the_loop() -> None:
        holding.set()
        release.wait(10)  # blocks the loop thread on purpose: what comes next queues behind it

    thread.submit(hold_the_loop())
    assert holding.wait(10)
    late = thread.submit(nothing())  # queued: the loop would start it on its next turn...
    thread.loop.call_soon_threadsafe(thread.loop.stop)  # ...but it stops after this one, as at shutdown
    release.set()
    assert thread.stop(timeout=10)
    with pytest.raises(concurrent.futures.CancelledError):
        late.result(timeout=10)
    with pytest.raises(RuntimeError, match="not running"):
        thread.submit(nothing())

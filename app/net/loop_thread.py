"""An asyncio event loop running in its own thread.

Other threads hand it coroutines with `submit`, which returns a
`concurrent.futures.Future`; the GUI wraps that with `asyncio.wrap_future` and
awaits it on its own (qasync) loop, so it never blocks. A coroutine handed over
just as the loop stops would never run, and its future never end: every future
still pending when the loop has stopped is cancelled, so no caller waits forever.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

log = logging.getLogger("socketscope.client")
T = TypeVar("T")


class LoopThread:
    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._lock = threading.Lock()  # guards _pending and _stopped between submitting threads and this one
        self._pending: set[concurrent.futures.Future[Any]] = set()
        self._stopped = False

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
        finally:
            with self._lock:
                self._stopped = True
                never_run, self._pending = self._pending, set()
            for future in never_run:
                future.cancel()
            try:
                self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            except asyncio.CancelledError:  # a task queued as the loop stopped (stop's own cancel_all) ran last
                log.debug("async generators not shut down: a task the loop started last cancelled it")
            finally:
                self.loop.close()

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Run `coro` on this loop from any thread; `RuntimeError` once the loop has stopped."""
        with self._lock:
            if self._stopped or self.loop.is_closed() or not self._thread.is_alive():
                coro.close()
                raise RuntimeError(f"{self._thread.name} is not running")
            future = asyncio.run_coroutine_threadsafe(coro, self.loop)
            self._pending.add(future)
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: concurrent.futures.Future[Any]) -> None:
        with self._lock:
            self._pending.discard(future)

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Start a named background task on this loop (call from the loop's thread).

        The task is kept referenced until it ends, and its failure is logged.
        """
        task = self.loop.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("task %s failed", task.get_name(), exc_info=task.exception())

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 5.0) -> bool:
        """Cancel remaining tasks, stop the loop and join the thread."""
        if not self._thread.is_alive():
            return True

        async def cancel_all() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        try:
            self.submit(cancel_all()).result(timeout)
        except (concurrent.futures.TimeoutError, RuntimeError) as error:
            log.warning("client tasks did not finish cancelling: %r", error)
        except concurrent.futures.CancelledError:
            log.debug("the loop stopped before it could cancel its tasks")
        try:
            self.loop.call_soon_threadsafe(self.loop.stop)
        except RuntimeError:  # the loop had already stopped and closed by itself
            log.debug("the client loop was already closed")
        self._thread.join(timeout)
        return not self._thread.is_alive()

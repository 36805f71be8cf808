"""Send a payload N times, or every T ms until stopped, on the GUI's asyncio loop.

Each send is awaited before the next one starts, so a slow connection slows the
series instead of piling sends up. Sends are scheduled against the start time
(send k at start + k·T), so the interval does not drift by the time each send
takes. Stopping never interrupts a send in flight: it wakes the wait between two.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from PySide6.QtCore import QObject, Signal

Payload = str | bytes


class RepeatSender(QObject):
    progress = Signal(int)  # sends completed so far
    finished = Signal(int, str)  # sends completed, why the series ended

    def __init__(self, prepare: Callable[[], Payload | None], send: Callable[[Payload], Awaitable[bool]],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._prepare = prepare  # the next payload (variables expanded), or None if it is invalid
        self._send = send  # True once the payload is on the wire
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.count = 0
        self.total = 0

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self, total: int, interval_ms: int) -> None:
        """Send `total` times (0: until stopped), `interval_ms` apart (0: back to back)."""
        if self.running:
            return
        self._stop = asyncio.Event()
        self.count, self.total = 0, total
        self._task = asyncio.ensure_future(self._run(total, interval_ms / 1000))

    def stop(self) -> None:
        self._stop.set()

    async def _run(self, total: int, interval: float) -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        reason = "done"
        try:
            while total == 0 or self.count < total:
                if self.count and await self._wait_until(start + self.count * interval, loop):
                    reason = "stopped"
                    break
                payload = self._prepare()
                if payload is None:
                    reason = "invalid payload"
                    break
                if not await self._send(payload):
                    reason = "send failed"
                    break
                self.count += 1
                self.progress.emit(self.count)
        finally:
            self.finished.emit(self.count, reason)

    async def _wait_until(self, deadline: float, loop: asyncio.AbstractEventLoop) -> bool:
        """Wait for `deadline` (at least one loop turn, so the window stays live); True if stopped."""
        if self._stop.is_set():
            return True
        try:
            await asyncio.wait_for(self._stop.wait(), max(0.0, deadline - loop.time()))
        except TimeoutError:
            return False
        return True

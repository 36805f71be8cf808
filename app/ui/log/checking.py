"""The Qt end of contract checking: batches gathered here, checked on a worker, verdicts shown.

`LiveChecks` (app/core/contracts/live.py) does the work; this drives it. The log pane calls
`step` at its repaint cadence; while rows wait, a zero-delay timer goes on. One batch is on a
worker at a time and is awaited on the qasync loop; when its verdicts are in, `checked` tells
the log (the Contract column), and the window (messageInfo of the message shown). Under a flood
the batches are paced (`BACKOFF`) so the ingest keeps the GIL it needs.
"""

from __future__ import annotations

import asyncio
import time

from PySide6.QtCore import QObject, QTimer, Signal

from app.core.contracts.live import Batch, Item, LiveChecks, check_batch
from app.core.contracts.verdicts import Verdict
from app.ui.common import async_loop, notify

# While frames keep arriving, the next batch waits this many times as long as the last one's check took: the
# worker checks a quarter of the time (it shares the GIL with the reading and the drain), and the
# verdicts trail a flood a little ("—" until then) rather than slow it. Once quiet, batches follow at once.
BACKOFF = 3


class ContractChecking(QObject):
    checked = Signal(int, int)  # store rows [first, end) got their verdicts
    first_contract = Signal()  # a connection has a contract, for the first time in this window

    def __init__(self, checks: LiveChecks, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.checks = checks
        self._running: asyncio.Future[None] | None = None  # held: the loop keeps only a weak reference
        self._announced = False
        self._stepper = QTimer(self)
        self._stepper.setInterval(0)
        self._stepper.timeout.connect(self.step)

    @property
    def busy(self) -> bool:
        """A batch is on the worker, or rows wait to be gathered."""
        return self._running is not None or not self.checks.caught_up

    def step(self) -> None:
        """Pass the rows that need no check and send the next batch to a worker, if none is out."""
        if self._running is not None:
            return
        before = self.checks.checked_until
        batch = self.checks.gather()
        if self.checks.contracted and not self._announced:
            self._announced = True
            self.first_contract.emit()
        if batch is not None:
            self._stepper.stop()
            self._running = asyncio.ensure_future(self._check(batch, before))
            return
        if self.checks.checked_until > before:
            self.checked.emit(before, self.checks.checked_until)
        if self.checks.caught_up or self.checks.checked_until == before:
            self._stepper.stop()  # done, or waiting for decoding or a contract being read: the pane calls again
        elif not self._stepper.isActive():
            self._stepper.start(0)

    async def _check(self, batch: Batch, before: int) -> None:
        applied = False
        stored = self.checks.store.end
        try:
            results, spent = await async_loop.in_worker(_timed_check, batch.items)
            self.checks.apply(batch, results)
            applied = True
        except RuntimeError as error:  # the worker pool has shut down with the window
            notify.warning(f"Contract checks stopped: {error}")
            return
        finally:
            self._running = None
            if not applied:  # its rows stay "—"; the next ones are still checked
                self.checks.cancel(batch)
        self.checked.emit(before, self.checks.checked_until)
        if not self.checks.caught_up:
            flooding = self.checks.store.end != stored
            self._stepper.start(int(spent * 1000 * BACKOFF) if flooding else 0)


def _timed_check(items: list[Item]) -> tuple[list[tuple[int, int, Verdict | None]], float]:
    """`check_batch` on the worker, and how long it held the worker (what the pacing is measured by)."""
    started = time.perf_counter()
    results = check_batch(items)
    return results, time.perf_counter() - started

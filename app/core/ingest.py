"""The one way frames enter a capture: stored, shown to observers, kept within the memory budget.

The window's drain, a capture import and the tests all call `Capture.append`. It
extends the store, hands the batch to each observer (the recorder, the panels, and
in time the protocol decoder and the contract checker), enforces the budget, and
returns an `Appended` that tells a table model what changed, so nobody wires the
steps by hand. `View` rows are caught up by the caller when it repaints (a filter
runs over new rows then, at most every repaint interval under a flood).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from app.core.capture import DEFAULT_BUDGET, CaptureStore
from app.core.contracts.live import LiveChecks
from app.core.frames import Frame
from app.core.protocols.tracker import ProtocolTracker
from app.core.view import View


class FrameObserver(Protocol):
    def observe(self, frames: Sequence[Frame]) -> None:
        """A batch just stored, in arrival order; called on the thread that appends (the GUI's)."""


@dataclass(frozen=True, slots=True)
class Appended:
    """What one `append` (or `clear`) changed.

    `rows` are the store rows the frames got. `dropped` rows left the top of the
    store to keep it within its budget; the view lost `removed_top` rows from its
    top, or (None) rows anywhere in it, when sorted: a model then resets, and the
    view's `previous_store_row` still maps the rows it showed before.
    """

    rows: range
    dropped: int = 0
    removed_top: int | None = 0

    @property
    def reset(self) -> bool:
        return self.removed_top is None


class Capture:
    """A store and the view on it, fed by one path; the window, an import and tests share it."""

    def __init__(self, budget: int = DEFAULT_BUDGET) -> None:
        self.store = CaptureStore(budget=budget)
        self.view = View(self.store)
        self.protocols = ProtocolTracker(self.store)  # decodes and pairs in slices, as the view filters
        self.view.decoded_until = lambda: self.protocols.scanned
        self.checks = LiveChecks(self.store, self.protocols)  # contracts: verdicts kept per row, checked off-thread
        self.view.checked_until = lambda: self.checks.checked_until
        self._observers: list[FrameObserver] = []
        self._all_observers: list[FrameObserver] = []

    def add_observer(self, observer: FrameObserver, *, imported: bool = False) -> None:
        """Show `observer` every live batch from now on, and imported ones too if `imported`.

        The panels and the recorder follow live connections only: an imported capture's
        frames are shown in the log but neither counted there nor written to a recording.
        """
        self._observers.append(observer)
        if imported:
            self._all_observers.append(observer)

    def remove_observer(self, observer: FrameObserver) -> None:
        for observers in (self._observers, self._all_observers):
            if observer in observers:
                observers.remove(observer)

    def append(self, frames: Sequence[Frame], *, imported: bool = False) -> Appended:
        rows = self.store.extend(frames)
        for observer in self._all_observers if imported else self._observers:
            observer.observe(frames)
        dropped = self.store.enforce_budget()
        if not dropped:
            return Appended(rows)
        return Appended(rows, dropped, self.view.forget_dropped())

    def clear(self) -> Appended:
        """Forget every row (the user cleared the log); the view shows nothing, unsorted and unfiltered rows alike."""
        store = self.store
        dropped = len(store)
        store.clear()
        self.view.forget_dropped()
        return Appended(range(store.end, store.end), dropped, None)

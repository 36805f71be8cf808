"""At most one run per interval, and always one after the last request."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QElapsedTimer, QObject, QTimer

# How often what a flood changes is repainted: the log's new rows, the panels' counts.
REPAINT_INTERVAL_MS = 250


class Throttle(QObject):
    """Runs `action` at once when it has not run for `interval_ms`, else once when the interval ends.

    For views fed by the window's drain: under a flood they update at most every
    interval instead of on every drain, a quiet change shows at once, and the
    requests of a burst always end in one last run, so what is shown is the final state.
    """

    def __init__(self, interval_ms: int, action: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval_ms = interval_ms
        self._action = action
        self._since_run = QElapsedTimer()  # invalid until the first run
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.timeout.connect(self._run)

    def request(self) -> None:
        if self._pending.isActive():
            return  # the run at the interval's end will show this request too
        elapsed = self._since_run.elapsed() if self._since_run.isValid() else self.interval_ms
        if elapsed >= self.interval_ms:
            self._run()
        else:
            self._pending.start(self.interval_ms - elapsed)

    def _run(self) -> None:
        self._since_run.start()
        self._action()

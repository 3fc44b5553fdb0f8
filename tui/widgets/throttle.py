"""Rate limiting for widgets fed snapshots faster than they should redraw."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.timer import Timer
from textual.widget import Widget


class Throttle:
    """Runs `callback` at most `rate` times a second; requests in between collapse
    into one deferred call, so the newest state is always drawn eventually.

    `rate` 0 (or less) means no limit: every request runs at once (tests use this).
    """

    def __init__(self, owner: Widget, rate: float, callback: Callable[[], None]) -> None:
        self.owner = owner
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.callback = callback
        self._last = -float("inf")
        self._timer: Timer | None = None

    def request(self) -> None:
        """Run now if the interval has passed since the last run, otherwise once later."""
        wait = self._last + self.interval - time.monotonic()
        if wait <= 0.0:
            self.run()
        elif self._timer is None and self.owner.is_attached:
            self._timer = self.owner.set_timer(wait, self._fire)

    def run(self) -> None:
        """Run the callback now and cancel a pending deferred call."""
        self.cancel()
        self._last = time.monotonic()
        self.callback()

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    @property
    def pending(self) -> bool:
        return self._timer is not None

    def _fire(self) -> None:
        self._timer = None
        self.run()

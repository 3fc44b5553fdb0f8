"""Rate limiting for widgets fed snapshots faster than they should redraw."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.timer import Timer
from textual.widget import Widget


class Throttle:
    """Runs `callback` at most `rate` times a second; requests in between collapse
    into one deferred call, so the newest state is always drawn eventually.

    Runs are due one interval apart, counted from when the previous run was due rather
    than from when it happened: a run that came late because the event loop was busy
    (a redraw of another panel, say) does not push every later one back, so a steady
    stream of requests keeps the full rate.

    `live_rate`, when given, is the cap while training runs (`set_live(True)`), for panels
    that may redraw less often then to leave the machine to the trainer; paused, a step
    or an edit shows at once at `rate`.

    `rate` 0 (or less) means no limit: every request runs at once (tests use this).
    """

    def __init__(
        self,
        owner: Widget,
        rate: float,
        callback: Callable[[], None],
        live_rate: float | None = None,
    ) -> None:
        self.owner = owner
        self.rate = rate
        self.live_rate = rate if live_rate is None else live_rate
        self.interval = _interval(rate)
        self.callback = callback
        self._due = -float("inf")  # the earliest time the next run may happen
        self._timer: Timer | None = None

    def set_live(self, live: bool) -> None:
        """Use the live rate (training is running) or the normal one; the next run is
        then due one new interval after the last one."""
        interval = _interval(self.live_rate if live else self.rate)
        if interval == self.interval:
            return
        self._due += interval - self.interval
        self.interval = interval
        if self._timer is not None:  # a deferred run: at the new due time
            self.cancel()
            self.request()

    def hold(self, seconds: float) -> None:
        """No run for `seconds` from now (a pending one waits too): a key press holds the
        panels for a moment so that its effect on the status line paints first. A throttle
        without a limit (rate 0) is never held."""
        if self.interval <= 0.0:
            return
        self._due = max(self._due, time.monotonic() + seconds)
        if self._timer is not None:
            self.cancel()
            self.request()

    def request(self) -> None:
        """Run now if the next run is due, otherwise once when it is."""
        wait = self._due - time.monotonic()
        if wait <= 0.0:
            self.run()
        elif self._timer is None and self.owner.is_attached:
            self._timer = self.owner.set_timer(wait, self._fire)

    def run(self) -> None:
        """Run the callback now and cancel a pending deferred call."""
        self.cancel()
        now = time.monotonic()
        # Late by less than an interval: the next run is due one interval after this one
        # was; later than that (an idle spell), one interval from now.
        start = self._due if now - self._due < self.interval else now
        self._due = start + self.interval
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


def _interval(rate: float) -> float:
    return 1.0 / rate if rate > 0 else 0.0

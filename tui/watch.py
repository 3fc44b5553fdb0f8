"""Watching the training worker: a worker that does not answer is said so.

A stopped (SIGSTOP, a debugger) or stuck training process sends nothing, so without a
watch the status line would say "running" forever and every key would queue up unseen.
Twice a second the app asks its controller how long the worker has owed an answer (a
command's, or the snapshots of a run, `TrainingController.silence`); from `SILENT_AFTER`
seconds on, the status line's alert says so and counts the keys, which are no longer
sent (they would all act at once when it wakes, and a full pipe would block the UI).
Once it answers again, the alert goes and keys are sent as before.
"""

from __future__ import annotations

from collections.abc import Callable

from backprop_tui.tui.widgets.status_bar import StatusBar
from backprop_tui.tui.worker.controller import TrainingController

ALERT_MARK = "⚠ "

SILENT_AFTER = 3.0
"""Seconds without an answer after which the worker is reported as not answering."""

WATCH_INTERVAL = 0.5
"""Seconds between two looks at the worker."""


def silence_text(silence: float, waiting: int, ignored: int) -> str:
    """The alert for a worker silent for `silence` seconds, with `waiting` commands sent
    and not answered and `ignored` keys not sent."""
    parts = [f"the training process has not answered for {silence:.0f} s"]
    if waiting:
        parts.append(f"{waiting} command{'' if waiting == 1 else 's'} waiting")
    keys = f"{ignored} key{'' if ignored == 1 else 's'} ignored" if ignored else "keys ignored"
    parts.append(f"{keys} until it answers; q quits")
    return " · ".join(parts)


class WorkerWatch:
    """Mixed into the app, which provides `controller`, `status_bar`, `notify` and
    `set_interval`."""

    controller: TrainingController | None
    status_bar: StatusBar
    _loading: str | None
    _ignored: int
    _silent: bool
    notify: Callable[..., None]

    def _worker_silence(self) -> float | None:
        """Seconds the worker has not answered, from `SILENT_AFTER` on; else None."""
        controller = self.controller
        silence = controller.silence() if controller is not None else None
        return silence if silence is not None and silence >= SILENT_AFTER else None

    def _watch_worker(self) -> None:
        """The timer's look: the alert updated, a notice when the worker goes quiet and
        when it answers again."""
        silent = self._worker_silence() is not None
        if silent and not self._silent:
            self.notify(
                "the training process has not answered for a few seconds "
                "(stopped or stuck?); keys are not sent until it does",
                title="no answer",
                severity="warning",
                timeout=8,
            )
        elif self._silent and not silent:
            self._ignored = 0
            self.notify("the training process answers again", timeout=3)
        self._silent = silent
        self._refresh_alert()

    def _refresh_alert(self) -> None:
        """The status line's alert: the silence, then the preset being loaded."""
        parts = []
        silence = self._worker_silence()
        if silence is not None:
            assert self.controller is not None
            text = silence_text(silence, self.controller.unanswered, self._ignored)
            parts.append(ALERT_MARK + text)
        if self._loading is not None:
            parts.append(f"loading {self._loading}…")
        self.status_bar.alert(" · ".join(parts) or None)

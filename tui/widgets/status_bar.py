"""The status line under the header: state, counters, losses, accuracy, η, steps/s."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from core.trainer import Snapshot
from tui.control import Status

STATE_MARKS = {"running": "▶", "paused": "⏸", "finished": "■", "diverged": "✖"}


def number(value: float | None, digits: int = 4) -> str:
    """`value` to `digits` significant digits, or an em dash when there is none."""
    return "—" if value is None else f"{value:.{digits}g}"


def rate(steps_per_second: float | None) -> str:
    """Steps per second, short (12.3k/s); an em dash while not running."""
    if steps_per_second is None:
        return "— steps/s"
    for unit, scale in (("M", 1e6), ("k", 1e3)):
        if steps_per_second >= scale:
            return f"{steps_per_second / scale:.1f}{unit} steps/s"
    return f"{steps_per_second:.0f} steps/s"


class StatusBar(Static):
    """One line of figures and, when there is one, the worker's message on a second
    line; the state is also a class (-running, -paused, -finished, -diverged) for CSS."""

    def show(self, snapshot: Snapshot, status: Status) -> None:
        """Render the newest snapshot and status."""
        self.set_classes(f"-{status.state}")
        self.update(self.describe(snapshot, status))

    @staticmethod
    def describe(snapshot: Snapshot, status: Status) -> Text:
        settings = status.settings
        last = snapshot.history[-1] if snapshot.history else None
        train = last.train_loss if last is not None else snapshot.batch_loss
        text = Text()
        text.append(f"{STATE_MARKS[status.state]} {status.state}", style="bold")
        parts = [
            f"epoch {snapshot.epoch}/{settings.epochs}",
            f"step {snapshot.step}/{snapshot.steps_per_epoch}",
            f"loss {number(train)}",
        ]
        if last is not None and last.test_loss is not None:
            parts.append(f"test {number(last.test_loss)}")
        if last is not None and last.accuracy is not None:
            parts.append(f"acc {last.accuracy:.1%}")
        parts += [f"η {number(snapshot.lr)}", rate(status.steps_per_second)]
        text.append("  " + "  ".join(parts))
        if status.message:
            text.append("\n" + status.message, style="italic")
        return text

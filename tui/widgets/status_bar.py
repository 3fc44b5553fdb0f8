"""The status line under the header: state, counters, losses, accuracy, the optimizer
and η, the seed, steps/s and the pace; under it the worker's message and the app's own
alert (a preset loading, a worker that does not answer), each on a line of its own."""

from __future__ import annotations

from backprop_tui.core.training.trainer import Snapshot
from backprop_tui.tui.worker.commands import Status
from rich.text import Text
from textual.widgets import Static

STATE_MARKS = {"running": "▶", "paused": "⏸", "finished": "■", "diverged": "✖"}
GAP = "  "


def number(value: float | None, digits: int = 4) -> str:
    """`value` to `digits` significant digits, or an em dash when there is none."""
    return "—" if value is None else f"{value:.{digits}g}"


def rate(steps_per_second: float | None) -> str:
    """Steps per second, short (12.3k steps/s); an em dash while not running."""
    if steps_per_second is None:
        return "— steps/s"
    for unit, scale in (("M", 1e6), ("k", 1e3)):
        if steps_per_second >= scale:
            return f"{steps_per_second / scale:.1f}{unit} steps/s"
    return f"{steps_per_second:.0f} steps/s"


def pace(steps_per_second: float | None) -> str:
    """The cap on the training speed: "pace 50/s", or "full speed"."""
    return "full speed" if steps_per_second is None else f"pace {steps_per_second:g}/s"


def figures(snapshot: Snapshot, status: Status) -> list[tuple[int, str]]:
    """(priority, text) of every figure in display order; 0 is kept longest."""
    settings = status.settings
    last = snapshot.latest  # the weights shown: after an edit, measured at once
    train = last.train_loss if last is not None else snapshot.batch_loss
    parts = [(0, f"epoch {snapshot.epoch}/{settings.epochs}")]
    # Not at the end of the run, where "step 0/19" would be an epoch that never starts.
    if snapshot.steps_per_epoch > 1 and (snapshot.step or snapshot.epoch < settings.epochs):
        parts.append((5, f"step {snapshot.step}/{snapshot.steps_per_epoch}"))
    parts.append((0, f"loss {number(train)}"))
    if last is not None and last.test_loss is not None:
        parts.append((4, f"test {number(last.test_loss)}"))
    if last is not None and last.accuracy is not None:
        held_out = last.test_accuracy is not None  # which accuracy: say so
        parts.append((1, f"{'test acc' if held_out else 'acc'} {last.accuracy:.1%}"))
    parts += [
        (2, f"{settings.optimizer} η {number(snapshot.lr)}"),
        (5, f"seed {status.seed}"),  # R draws the next one: say which
        (3, rate(status.steps_per_second)),
        (3, pace(status.pace)),
    ]
    return parts


def status_line(snapshot: Snapshot, status: Status, width: int = 1000) -> Text:
    """The state and as many figures as fit in `width` cells (the least important go
    first), then the worker's message on a line of its own."""
    head = f"{STATE_MARKS[status.state]} {status.state}"
    parts = figures(snapshot, status)
    while len(head) + sum(len(GAP) + len(text) for _, text in parts) > width and len(parts) > 2:
        parts.remove(max(parts, key=lambda part: part[0]))
    text = Text(head, style="bold")
    text.append("".join(GAP + part for _, part in parts))
    if status.message:
        text.append("\n" + status.message, style="italic")
    return text


WAITING = "loading…"
"""What the line says before the first snapshot."""


class StatusBar(Static):
    """One line of figures (fitted to the width) and, when there is one, the worker's
    message on a second line and the app's alert (`alert`) below it; the state is also a
    class (-running, -paused, -finished, -diverged) for CSS."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple[Snapshot, Status] | None = None
        self._text: Text | None = None
        self._alert: str | None = None

    def show(self, snapshot: Snapshot, status: Status) -> None:
        """Render the newest snapshot and status."""
        self.set_classes(f"-{status.state}")
        self._shown = (snapshot, status)
        self._render_line(self._line())

    def alert(self, text: str | None) -> None:
        """Show `text` (one line, shown as written) under the figures until the next
        `alert`; None takes it away."""
        if text != self._alert:
            self._alert = text
            self._render_line(self._line())

    @property
    def alert_text(self) -> str | None:
        """The alert shown, if any."""
        return self._alert

    def _line(self) -> Text:
        if self._shown is None:  # before the first snapshot the alert says it all
            return Text(self._alert or WAITING)
        text = status_line(*self._shown, self._width())
        if self._alert:
            text.append("\n" + self._alert, style="bold")
        return text

    def _render_line(self, text: Text) -> None:
        """Show `text`; nothing when it is what is shown, and no re-layout of the screen
        unless the line count changed (a layout per snapshot costs the panels' frames)."""
        previous = self._text
        if previous is not None and previous.plain == text.plain and previous.spans == text.spans:
            return
        same_height = previous is not None and previous.plain.count("\n") == text.plain.count("\n")
        self._text = text
        self.update(text, layout=not same_height)

    def _width(self) -> int:
        width = self.content_region.width
        return width if width > 0 else 1000

    def on_resize(self) -> None:
        if self._shown is not None:
            self._text = None
            self._render_line(self._line())

"""The health panel: per layer, how much gradient reaches it and how big its updates are,
its saturated and dead units, and what those figures warn of, live while training.

It draws what the snapshots carry (`Snapshot.health`, the newest measured epoch's
`EpochHealth`, and `Snapshot.health_warnings`) and keeps the records it was shown in a
bounded `HealthLog`, so each layer's ‖∂W‖ is drawn over the run as a sparkline (log
scale). The figures are the trainer's own (`core.training.health`).
"""

from __future__ import annotations

import math

import numpy as np
from backprop_tui.core.training.health import EVERY, EpochHealth, HealthLog, HealthWarning
from backprop_tui.core.training.health_warnings import (
    DEAD_SHARE,
    SATURATED_SHARE,
    UPDATE_HIGH,
    UPDATE_LOW,
    thresholds,
)
from backprop_tui.core.training.trainer import Snapshot
from backprop_tui.tui.widgets.format import NEUTRAL, rgb_style
from backprop_tui.tui.widgets.panel import Panel
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

KEPT = 256
"""Records the panel keeps for its sparklines (thinned evenly past that)."""

SPARK_WIDTH = 24
"""Characters of a sparkline at most."""

SPARKS = "▁▂▃▄▅▆▇█"

GOOD = (80, 200, 120)
SPARK = (86, 156, 255)
BAD = (255, 96, 96)

COLUMNS = ("l", "σ", "‖∂W‖", "‖ΔW‖/‖W‖", "saturated", "dead", "‖∂W‖ trend")
"""The table's columns; the trend is ‖∂W‖ over the records kept, on a log scale."""


def short(value: float | None) -> str:
    """A figure in three significant digits: 0.0123, 4.56e-07; — for none."""
    if value is None or not math.isfinite(value):
        return "—"
    if value == 0 or 1e-3 <= abs(value) < 1e4:
        return f"{value:.3g}"
    mantissa, exponent = f"{value:.2e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def share(value: float | None, limit: float) -> Text:
    """A share in percent, red from `limit` on; — where it does not apply."""
    if value is None:
        return Text("—", rgb_style(NEUTRAL, None))
    text = f"{100 * value:.0f} %"
    return Text(text, rgb_style(BAD, None) if value >= limit else "")


def update_ratio(value: float | None) -> Text:
    """‖ΔW‖/‖W‖, green within the thresholds around the 1e-3 rule of thumb, red outside."""
    if value is None:
        return Text("—", rgb_style(NEUTRAL, None))
    good = UPDATE_LOW <= value <= UPDATE_HIGH
    return Text(short(value), rgb_style(GOOD if good else BAD, None))


def sparkline(values: np.ndarray, width: int = SPARK_WIDTH) -> str:
    """The newest `width` values (NaN and ≤ 0 left blank) as ▁…█ on a log scale spanning
    their own range."""
    values = np.asarray(values, dtype=float)[-width:]
    usable = np.isfinite(values) & (values > 0)
    if not usable.any():
        return ""
    logs = np.log10(np.where(usable, values, 1.0))
    low, high = float(logs[usable].min()), float(logs[usable].max())
    span = high - low
    out = []
    for ok, value in zip(usable.tolist(), logs.tolist(), strict=True):
        if not ok:
            out.append(" ")
            continue
        level = 0 if span < 1e-12 else round((value - low) / span * (len(SPARKS) - 1))
        out.append(SPARKS[level])
    return "".join(out)


class HealthPanel(Panel):
    """Per layer ‖∂W‖, ‖ΔW‖/‖W‖, the saturated and dead shares and ‖∂W‖ over the run; the
    current warnings under them. `record` is the newest record shown (None before the
    first measured epoch), `warnings` what it warns of, `records` the records kept."""

    DEFAULT_CSS = """
    HealthPanel {
        height: 1fr;
        padding: 0 1;
        overflow-y: auto;
    }
    """

    MAX_RATE = 10.0
    LIVE_RATE = 4.0

    def __init__(self, **options) -> None:
        super().__init__(**options)
        self.record: EpochHealth | None = None
        self.warnings: tuple[HealthWarning, ...] = ()
        self.records = HealthLog(KEPT)
        self._step = 0

    def reset(self) -> None:
        self.record, self.warnings = None, ()
        self.records = HealthLog(KEPT)
        self._step = 0

    def take(self, snapshot: Snapshot) -> bool:
        record = snapshot.health
        restarted = snapshot.global_step < self._step
        self._step = snapshot.global_step
        # Equal, not the same object: a worker process's snapshots arrive unpickled.
        if not restarted and record == self.record and snapshot.health_warnings == self.warnings:
            return False
        if restarted or record is None:
            # A reset or a re-init (the panel may not have been shown the snapshots between).
            self.records = HealthLog(KEPT)
        if record is not None and (
            self.records.latest is None or record.epoch > self.records.latest.epoch
        ):
            self.records.append(record)
        self.record, self.warnings = record, snapshot.health_warnings
        return True

    def redraw(self) -> None:
        self.refresh(layout=True)

    def render(self) -> RenderableType:
        return Group(*self.build())

    def build(self) -> list[RenderableType]:
        """The panel's pieces: a heading, the table (once there is a record), the warnings."""
        record = self.record
        if self.context is None:
            return [Text("no network loaded", style="dim")]
        if record is None:
            return [
                Text(
                    "gradient health arrives with the first measured epoch "
                    f"(epochs of {EVERY} steps or more, else one epoch in every {EVERY} steps)",
                    style="dim",
                )
            ]
        heading = Text()
        heading.append(f"measured at epoch {record.epoch}", "bold")
        steps = "1 step" if record.steps == 1 else f"{record.steps} steps"
        samples = "1 sample" if record.samples == 1 else f"{record.samples} samples"
        heading.append(f" ({steps}, {samples}): ∂W and ΔW of its last step", "dim")
        return [heading, self._table(record), self._warnings()]

    def rows(self, record: EpochHealth) -> list[tuple[Text, ...]]:
        """One row of cells a layer, in `COLUMNS` order."""
        rows = []
        for layer in record.layers:
            spark = sparkline(self.records.column("grad_norm", layer.layer))
            rows.append(
                (
                    Text(str(layer.layer)),
                    Text(layer.activation),
                    Text(short(layer.grad_norm)),
                    update_ratio(layer.update_ratio),
                    share(layer.saturated, SATURATED_SHARE),
                    share(layer.dead, DEAD_SHARE),
                    Text(spark, rgb_style(SPARK, None)),
                )
            )
        return rows

    def _table(self, record: EpochHealth) -> Table:
        table = Table(box=None, padding=(0, 1), pad_edge=False, header_style="bold")
        for n, title in enumerate(COLUMNS):
            table.add_column(title, justify="right" if 1 < n < 6 else "left", no_wrap=True)
        for row in self.rows(record):
            table.add_row(*row)
        return table

    def _warnings(self) -> Text:
        text = Text()
        if not self.warnings:
            text.append("no warnings", rgb_style(GOOD, None))
            text.append(" (? lists the thresholds)", "dim")
            return text
        for n, warning in enumerate(self.warnings):
            if n:
                text.append("\n")
            text.append("⚠ ", rgb_style(BAD, None))
            text.append(str(warning))
        return text

    def plain(self) -> str:
        """The panel's text without styles, a table row a line (what the tests read)."""
        pieces = self.build()
        if self.record is None or len(pieces) < 3:
            return "\n".join(piece.plain for piece in pieces if isinstance(piece, Text))
        lines = [pieces[0].plain, "  ".join(COLUMNS)]
        lines += ["  ".join(cell.plain for cell in row) for row in self.rows(self.record)]
        lines.append(self._warnings().plain)
        return "\n".join(lines)


def thresholds_table() -> Table:
    """The health panel's warnings and when each is given (the help screen's list)."""
    table = Table(
        box=None,
        expand=True,
        show_header=True,
        header_style="bold",
        title=(
            f"Gradient health (h): measured on epochs of {EVERY} steps or more, else one "
            f"epoch in every {EVERY} steps; a warning is given when"
        ),
        title_justify="left",
        title_style="bold",
    )
    table.add_column("warning", style="bold", no_wrap=True)
    table.add_column("threshold", ratio=1)
    for kind, when in thresholds():
        table.add_row(kind, when)
    return table

"""The loss chart: train and test loss per epoch (and accuracy for classification).

A plotext redraw costs 10–40 ms and grows with the number of points, so the chart draws
the rows of the whole run a history gives for at most `max_points` points (the first and
last epochs and each block's extremes; `HistoryView.drawn`, whose cost does not grow with
the run) and redraws at most `max_rate` times a second, only when the history grew.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import numpy as np
from backprop_tui.core.training.history import EMPTY, HistoryView
from backprop_tui.core.training.trainer import Snapshot
from backprop_tui.tui import compat
from backprop_tui.tui.widgets.format import NEGATIVE, POSITIVE
from backprop_tui.tui.widgets.panel import Panel
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.strip import Strip
from textual_plotext import PlotextPlot

ACCURACY_COLOR = (80, 200, 120)
LOG_FLOOR = 1e-12
LINEAR_MAX = 1e6
"""Past this loss the chart draws a log axis, whatever `l` chose, and its title says why:
plotext labels a linear axis in full digits (a 50-digit label at 1e50 left the plot a
few columns; past ~1e100 nothing at all), and a diverging run is when the chart matters."""
MAX_LOG_TICKS = 13
"""More decades than this (only a diverging run spans them) get a label every few."""


ACCURACY_TICKS = (0.0, 0.25, 0.5, 0.75, 1.0)
"""Where the right-hand (accuracy) axis is labelled."""


def log_ticks(values: np.ndarray) -> tuple[list[float], list[str]]:
    """Tick positions (log10 of 1, 2, 5 × 10^k, or only 10^k over many decades) and their
    labels, for values that are already log10 of the losses."""
    finite = values[np.isfinite(values)] if len(values) else values
    if not len(finite):
        return [], []
    low, high = float(finite.min()), float(finite.max())
    decades = range(int(np.floor(low)), int(np.ceil(high)) + 1)
    if len(decades) > MAX_LOG_TICKS:
        decades = decades[:: -(-len(decades) // (MAX_LOG_TICKS // 2))]
    mantissas = (1, 2, 5) if high - low < 3 else (1,)
    ticks = [
        k + float(np.log10(m))
        for k in decades
        for m in mantissas
        if low - 1e-9 <= k + np.log10(m) <= high + 1e-9
    ]
    if len(ticks) < 2:
        ticks = sorted({low, high})
    return ticks, [f"{10.0**t:.3g}" for t in ticks]


_SGR_RUN = re.compile(r"((?:\x1b\[[0-9;]*m)*)([^\x1b]*)")
_RESET = "\x1b[0m"


@lru_cache(maxsize=256)
def _sgr_style(codes: str) -> Style:
    """The style a run of SGR escape codes sets (as `Text.from_ansi` reads them)."""
    spans = Text.from_ansi(codes + "x").spans
    return spans[0].style if spans else Style.null()  # type: ignore[return-value]


@lru_cache(maxsize=1024)
def _layered(base: Style, style: Style) -> Style:
    return base + style


def epoch_ticks(first: int, last: int, most: int = 6) -> list[int]:
    """Whole, round epochs for the x axis: multiples of 1, 2 or 5 × 10ᵏ between `first`
    and `last` (0, 2500, 5000, … rather than plotext's 75.8, 150.5 or linspace's 2501),
    at most `most` of them, and `first` itself when it is the only one."""
    span = max(last - first, 1)
    steps = (m * 10**k for k in range(19) for m in (1, 2, 5))
    step = next(s for s in steps if span // s + 1 <= most)
    start = -(-first // step) * step  # the first multiple of step ≥ first
    ticks = list(range(start, last + 1, step))
    return ticks if len(ticks) >= 2 else sorted({first, last})


def _last(history: HistoryView) -> tuple[int, float]:
    """What tells two histories' last rows apart: the epoch and its train loss."""
    last = history[-1]
    return (last.epoch, last.train_loss)


def ansi_strip(line: str, base: Style) -> Strip:
    """One line of plotext's output (runs of SGR codes and text, each run reset by
    ESC[0m) as a strip, each run's style over `base`."""
    segments = []
    codes = ""
    for prefix, text in _SGR_RUN.findall(line):
        if prefix:
            reset = prefix.rfind(_RESET)
            codes = prefix[reset + len(_RESET) :] if reset >= 0 else codes + prefix
        if text:
            segments.append(Segment(text, _layered(base, _sgr_style(codes))))
    return Strip(segments)


class LossChart(Panel, PlotextPlot):
    """Loss per epoch: train (blue) and test (orange); accuracy (green, right axis, 0–1)
    for classification. `l` in the app toggles a logarithmic loss axis."""

    DEFAULT_CSS = """
    LossChart {
        min-height: 6;
        min-width: 20;
    }
    """

    MAX_RATE = 15.0

    log_scale: reactive[bool] = reactive(False)
    """Whether the loss axis is logarithmic."""

    def __init__(self, *, max_points: int = 160, **options: Any) -> None:
        """At most `max_points` epochs drawn; `options` as for `Panel` (max_rate, …)."""
        super().__init__(**options)
        self.max_points = max_points
        self._history: HistoryView = EMPTY
        self._clear_history()
        self.drawn_epochs: np.ndarray = np.zeros(0, dtype=int)
        self.replots = 0
        self._rendered: tuple[tuple, list[Strip]] | None = None

    # -- the panel contract ----------------------------------------------------------

    def reset(self) -> None:
        """A preset was loaded: forget the old run."""
        self._clear_history()

    def take(self, snapshot: Snapshot) -> bool:
        """Hold the snapshot's history; True when it changed.

        `snapshot.history` is read as the whole run so far: a shorter or different
        history than the one shown (a reset) starts the chart again.
        """
        return self._ingest(snapshot.history)

    def redraw(self) -> None:
        self.replot()

    def toggle_log_scale(self) -> None:
        """Switch the loss axis between linear and logarithmic."""
        self.log_scale = not self.log_scale

    def watch_log_scale(self) -> None:
        self._throttle.run()

    # -- history ---------------------------------------------------------------------

    @property
    def n_epochs(self) -> int:
        """How many epochs the chart holds (all of them, not only those drawn)."""
        return self._history.epochs

    def _clear_history(self) -> None:
        self._history = EMPTY

    def _ingest(self, history: HistoryView) -> bool:
        """Hold the newest history (a view: no copy); True when it differs from the one
        held (another length or another last epoch)."""
        held = self._history
        if history.epochs == held.epochs and (not held.epochs or _last(history) == _last(held)):
            return False
        self._history = history
        return True

    # -- drawing ---------------------------------------------------------------------

    def replot(self) -> None:
        """Rebuild the figure from the downsampled history and schedule a repaint."""
        self.replots += 1
        plt = self.plt
        plt.clear_figure()
        log = self.log_scale
        plt.title("loss per epoch" + (" (log scale)" if log else ""))
        plt.xlabel("epoch")
        history = self._history
        if not history.epochs:
            plt.title("loss per epoch: a point as each epoch ends")
            self.drawn_epochs = np.zeros(0, dtype=int)
            plt.xlim(0, 1)
            plt.ylim(0, 1)
            self.refresh()
            return
        shown = history.drawn(self.max_points)
        epochs = shown.column("epoch").astype(int)
        self.drawn_epochs = epochs
        x = epochs.tolist()
        series = [("train", shown.column("train_loss"), POSITIVE)]
        test = shown.column("test_loss")
        if np.isfinite(test).any():
            series.append(("test", test, NEGATIVE))
        accuracy = shown.accuracy
        classification = self.context is None or self.context.is_classification
        show_accuracy = classification and bool(np.isfinite(accuracy).any())
        losses = np.concatenate([y[np.isfinite(y)] for _, y, _ in series])
        if not log and len(losses) and float(np.abs(losses).max()) > LINEAR_MAX:
            log = True
            plt.title(f"loss per epoch (log scale: the loss passed {LINEAR_MAX:.0e})")
        drawn = []
        for label, y, color in series:
            y = np.where(np.isfinite(y), y, np.nan)
            if log:
                # plotext's own log axis re-applies log10 on every build (each repaint),
                # so the chart plots log10(loss) on a linear axis with decade labels.
                y = np.log10(np.maximum(y, LOG_FLOOR))
            drawn.append(y)
            ok = np.isfinite(y)
            plt.plot(
                [v for v, good in zip(x, ok, strict=True) if good],
                y[ok].tolist(),
                label=label,
                color=color,
                marker="braille",
            )
        values = np.concatenate(drawn)
        values = values[np.isfinite(values)]
        legend_rows = len(series) + show_accuracy
        if len(values):
            low, high = float(values.min()), float(values.max())
            if high <= low:  # one point (or a flat run): centre it, ±half its size
                spread = 0.5 * abs(low) or 0.5
                low, high = low - spread, high + spread
            plt.ylim(low, self._headroom(low, high, legend_rows))
            if log:
                ticks, labels = log_ticks(values)
                if ticks:
                    plt.yticks(ticks, labels)
        if show_accuracy:
            ok = np.isfinite(accuracy)
            plt.plot(
                [v for v, good in zip(x, ok, strict=True) if good],
                accuracy[ok].tolist(),
                label="test accuracy"
                if np.isfinite(shown.column("test_accuracy")).any()
                else "accuracy",
                color=ACCURACY_COLOR,
                marker="braille",
                yside="right",
            )
            # The same headroom on the right: 100% stays below the legend.
            plt.ylim(0, self._headroom(0.0, 1.0, legend_rows), yside="right")
            plt.yticks(ACCURACY_TICKS, [f"{t:.0%}" for t in ACCURACY_TICKS], yside="right")
        if len(x) == 1:
            plt.xlim(x[0] - 1, x[0] + 1)
            plt.xticks([x[0]], [str(x[0])])  # one whole epoch, not 0.00 … 2.00
        else:
            ticks = epoch_ticks(x[0], x[-1])
            plt.xticks(ticks, [str(t) for t in ticks])
        self.refresh()

    def render_line(self, y: int) -> Strip:
        """One line of the figure. The figure is built again only when it was replotted
        or the size or theme changed (a plotext build takes 10–40 ms, and the chart is
        also repainted when only its neighbours changed), and plotext's ANSI text becomes
        strips directly: through `Text.from_ansi` and Textual's text layout, the same
        lines took as long again as the build."""
        key = (self.replots, self.size, self.app.theme, self.theme)
        if self._rendered is None or self._rendered[0] != key:
            self._rendered = (key, self._strips())
        lines = self._rendered[1]
        if 0 <= y < len(lines):
            return lines[y]
        return Strip.blank(self.size.width, self.visual_style.rich_style)

    def _strips(self) -> list[Strip]:
        width, height = self.size
        compat.prepare_plot(self, width, height)
        base = self.visual_style.rich_style
        return [
            ansi_strip(line, base).adjust_cell_length(width, base)
            for line in self.plt.build().split("\n")[:height]
        ]

    def _headroom(self, low: float, high: float, legend_rows: int) -> float:
        """The top of the loss axis: above the highest loss by as many rows as the legend
        (drawn in the top-left corner, where the first epochs' losses are) needs."""
        if high <= low:
            return high + 1.0
        plot_rows = max((self.size.height or 20) - 5, 4)
        share = min((legend_rows + 0.5) / plot_rows, 0.5)
        return high + (high - low) * share / (1.0 - share)

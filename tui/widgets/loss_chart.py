"""The loss chart: train and test loss per epoch (and accuracy for classification).

A plotext redraw costs 10–40 ms and grows with the number of points, so the chart keeps
the whole history but draws a downsampled copy (≤ `max_points`, keeping the first and
last epochs and each bucket's extremes) and redraws at most `max_rate` times a second,
only when the history grew.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from rich.text import Text
from textual.reactive import reactive
from textual_plotext import PlotextPlot

from core.trainer import EpochRecord, Snapshot
from tui.widgets.context import ViewContext
from tui.widgets.format import NEGATIVE, POSITIVE
from tui.widgets.throttle import Throttle

ACCURACY_COLOR = (80, 200, 120)
LOG_FLOOR = 1e-12


def downsample(values: np.ndarray, max_points: int) -> np.ndarray:
    """Sorted indices of at most `max_points` entries of `values` that keep its shape:
    the first and last entries and, in each of (max_points − 2) // 2 equal buckets of the
    rest, the smallest and the largest (non-finite values count as neither)."""
    n = len(values)
    if n <= max(max_points, 2):
        return np.arange(n)
    buckets = max((max_points - 2) // 2, 1)
    finite = np.isfinite(values)
    low = np.where(finite, values, np.inf)
    high = np.where(finite, values, -np.inf)
    edges = np.linspace(1, n - 1, buckets + 1).astype(int)
    keep = [0, n - 1]
    for start, stop in itertools.pairwise(edges.tolist()):
        if stop > start:
            keep.append(start + int(np.argmin(low[start:stop])))
            keep.append(start + int(np.argmax(high[start:stop])))
    return np.unique(np.asarray(keep))


def log_ticks(values: np.ndarray) -> tuple[list[float], list[str]]:
    """Tick positions (log10 of 1, 2, 5 × 10^k, or only 10^k over many decades) and their
    labels, for values that are already log10 of the losses."""
    finite = values[np.isfinite(values)] if len(values) else values
    if not len(finite):
        return [], []
    low, high = float(finite.min()), float(finite.max())
    decades = range(int(np.floor(low)), int(np.ceil(high)) + 1)
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


class LossChart(PlotextPlot):
    """Loss per epoch: train (blue) and test (orange); accuracy (green, right axis, 0–1)
    for classification. `l` in the app toggles a logarithmic loss axis."""

    DEFAULT_CSS = """
    LossChart {
        min-height: 6;
        min-width: 20;
    }
    """

    log_scale: reactive[bool] = reactive(False)
    """Whether the loss axis is logarithmic."""

    def __init__(
        self,
        *,
        max_points: int = 160,
        max_rate: float = 12.0,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.max_points = max_points
        self.context: ViewContext | None = None
        self._throttle = Throttle(self, max_rate, self.replot)
        self._clear_history()
        self.drawn_epochs: np.ndarray = np.zeros(0, dtype=int)
        self.replots = 0
        self._rendered: tuple[tuple, Text] | None = None

    # -- the widget contract ---------------------------------------------------------

    def set_context(self, context: ViewContext) -> None:
        """A preset was loaded: forget the old run."""
        self.context = context
        self._clear_history()
        self._throttle.run()

    def show(self, snapshot: Snapshot) -> None:
        """Take the newest snapshot; redraws (throttled) only when the history changed.

        `snapshot.history` is read as the whole run so far: a shorter or different
        history than the one shown (a reset) starts the chart again.
        """
        if self._ingest(snapshot.history):
            self._throttle.request()

    def toggle_log_scale(self) -> None:
        """Switch the loss axis between linear and logarithmic."""
        self.log_scale = not self.log_scale

    def watch_log_scale(self) -> None:
        self._throttle.run()

    # -- history ---------------------------------------------------------------------

    @property
    def n_epochs(self) -> int:
        """How many epochs the chart holds (all of them, not only those drawn)."""
        return len(self._epochs)

    def _clear_history(self) -> None:
        self._epochs: list[int] = []
        self._train: list[float] = []
        self._test: list[float] = []
        self._accuracy: list[float] = []

    def _ingest(self, history: Sequence[EpochRecord]) -> bool:
        """Append the records not seen yet; True when anything changed."""
        seen = len(self._epochs)
        if len(history) == seen and (
            not seen
            or (history[-1].epoch == self._epochs[-1] and history[-1].train_loss == self._train[-1])
        ):
            return False
        if len(history) < seen or (
            seen
            and (
                history[seen - 1].epoch != self._epochs[-1]
                or history[seen - 1].train_loss != self._train[-1]
            )
        ):
            self._clear_history()
            seen = 0
        nan = float("nan")
        for record in history[seen:]:
            self._epochs.append(record.epoch)
            self._train.append(record.train_loss)
            self._test.append(nan if record.test_loss is None else record.test_loss)
            acc = record.accuracy
            self._accuracy.append(nan if acc is None else acc)
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
        train = np.asarray(self._train, dtype=float)
        if not len(train):
            self.drawn_epochs = np.zeros(0, dtype=int)
            plt.xlim(0, 1)
            plt.ylim(0, 1)
            self.refresh()
            return
        keep = downsample(train, self.max_points)
        epochs = np.asarray(self._epochs)[keep]
        self.drawn_epochs = epochs
        x = epochs.tolist()
        series = [("train", train[keep], POSITIVE)]
        test = np.asarray(self._test, dtype=float)[keep]
        if np.isfinite(test).any():
            series.append(("test", test, NEGATIVE))
        accuracy = np.asarray(self._accuracy, dtype=float)[keep]
        classification = self.context is None or self.context.is_classification
        show_accuracy = classification and bool(np.isfinite(accuracy).any())
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
        if len(values):
            low, high = float(values.min()), float(values.max())
            legend_rows = len(series) + show_accuracy
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
                label="accuracy",
                color=ACCURACY_COLOR,
                marker="braille",
                yside="right",
            )
            plt.ylim(0, 1, yside="right")
        if len(x) == 1:
            plt.xlim(x[0] - 1, x[0] + 1)
        else:
            # Whole epochs on the axis: plotext would label 75.8, 150.5, …
            ticks = np.unique(np.rint(np.linspace(x[0], x[-1], 5)).astype(int)).tolist()
            plt.xticks(ticks, [str(t) for t in ticks])
        self.refresh()

    def render(self) -> Text:
        """The figure as text, built again only when it was replotted or the size or
        theme changed: a plotext build takes 10–40 ms, and the chart is also repainted
        when only its neighbours changed."""
        key = (self.replots, self.size, self.app.theme, self.theme)
        if self._rendered is None or self._rendered[0] != key:
            self._rendered = (key, super().render())
        return self._rendered[1]

    def _headroom(self, low: float, high: float, legend_rows: int) -> float:
        """The top of the loss axis: above the highest loss by as many rows as the legend
        (drawn in the top-left corner, where the first epochs' losses are) needs."""
        if high <= low:
            return high + 1.0
        plot_rows = max((self.size.height or 20) - 5, 4)
        share = min((legend_rows + 0.5) / plot_rows, 0.5)
        return high + (high - low) * share / (1.0 - share)

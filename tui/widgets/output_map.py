"""The output map: the network's output over the input plane, with the data on top.

For two inputs, every terminal cell is two pixels (an upper half block ▀ with a
foreground and a background colour); each pixel is the network's output at that point
of the plane, from a forward pass over a grid of at most MAX_GRID_COLS × MAX_GRID_ROWS
points, recomputed at most `max_rate` times a second and only when W or b moved. A big
network gets a coarser grid (at most `MAP_COST` multiply-adds, said under the border),
computed in a background thread when it would hold the UI (`SYNC_COST`); the map then
shows the last one finished.
Training points are ● and test points ○, coloured by their target. For one input and a
regression task the map plots the prediction ŷ(x) as a line over the data instead;
anything else gets a one-line explanation.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from backprop_tui.core.data.dataset import Dataset
from backprop_tui.core.nn.activations import get_activation
from backprop_tui.core.training.trainer import Snapshot
from backprop_tui.tui.widgets.format import (
    CLASS_COLORS,
    NEGATIVE,
    NEUTRAL,
    POSITIVE,
    RGB,
    blend,
    rgb_style,
)
from backprop_tui.tui.widgets.offload import Offload
from backprop_tui.tui.widgets.output_raster import (
    DATA_GREY,
    MAP_COST,
    MAX_GRID_COLS,
    MAX_GRID_ROWS,
    PALETTE,
    SHADES,
    SYNC_COST,
    TEST_MARK,
    TRAIN_MARK,
    Marks,
    OutputGrid,
    braille_curve,
    classes_of,
    curve_strips,
    data_bounds,
    equal_aspect,
    forward_cost,
    pixel_colors,
    plane_points,
    plane_strips,
    predict,
    value_range,
    within_cost,
)
from backprop_tui.tui.widgets.panel import WeightsPanel
from rich.text import Text
from textual.strip import Strip


class OutputMap(WeightsPanel):
    """The decision surface (two inputs) or prediction curve (one input, regression)."""

    DEFAULT_CSS = """
    OutputMap {
        height: 1fr;
        min-height: 4;
    }
    """

    MAX_RATE = 5.0
    LIVE_RATE = 3.0

    def __init__(self, **options: Any) -> None:
        """`options` as for `Panel`: max_rate, live_rate, name, id, classes, disabled."""
        super().__init__(**options)
        self.grid: OutputGrid | None = None
        self.value_range: tuple[float, float] = (0.0, 1.0)
        """The vertical range of the prediction plot (one input, regression)."""
        self._bounds: np.ndarray | None = None
        """The plane drawn: the data's bounds, widened to equal scales for the size."""
        self._data_bounds: np.ndarray | None = None
        self._curve_range: tuple[float, float] | None = None
        self._last_step = 0
        self._lines: list[Strip] | None = None
        self._colors: dict[int, list[RGB]] = {}
        self._offload = Offload(self._computed)
        self._result: tuple[Any, tuple[np.ndarray, ...], np.ndarray] | None = None
        """(points' key, the W it was computed with, ŷ) of the last background pass."""
        self._moved = False  # W changed since the last background pass started
        self._loaded = 0  # counts presets loaded: a pass started before is dropped
        self.coarse: tuple[int, int] | None = None
        """The points of the map drawn when fewer than the panel's size (a big network)."""

    # -- the panel contract ----------------------------------------------------------

    def reset(self) -> None:
        """A preset was loaded: new data, new bounds, no weights yet."""
        super().reset()
        self.grid = None
        self._bounds = self._data_bounds = None
        self._curve_range = None
        self._last_step = 0
        self._colors = {}
        self._result, self._moved = None, False
        self._loaded += 1
        if self.mode != "explain":
            assert self.context is not None
            test = self.context.test.X if self.context.test is not None else None
            self._data_bounds = self._bounds = data_bounds([self.context.train.X, test])

    def take(self, snapshot: Snapshot) -> bool:
        """Keep the newest weights; True (recompute the map) when they moved and the map
        draws them."""
        if snapshot.global_step < self._last_step or snapshot.global_step == 0:
            self._curve_range = None  # a reset or a new start: the axis fits afresh
        self._last_step = snapshot.global_step
        return super().take(snapshot) and self.mode != "explain"

    def redraw(self) -> None:
        self._lines = None
        self._moved = True
        self.refresh()

    @property
    def mode(self) -> str:
        """ "plane" (two inputs), "curve" (one input, regression) or "explain"."""
        ctx = self.context
        if ctx is None:
            return "explain"
        if ctx.n_inputs == 2:
            return "plane"
        if ctx.n_inputs == 1 and not ctx.is_classification:
            return "curve"
        return "explain"

    @property
    def explanation(self) -> str:
        """What the map says when it cannot draw."""
        if self.context is None:
            return "No preset loaded."
        n = self.context.n_inputs
        return (
            f"The output map needs exactly two inputs; this network has {n} "
            f"input{'s' if n != 1 else ''}. The layer tables show its outputs."
        )

    def on_resize(self) -> None:
        self._lines = None

    # -- computing -------------------------------------------------------------------

    def compute(self, cols: int, rows: int) -> OutputGrid | None:
        """The network's output on a cols × rows grid over the data's bounds (plane mode),
        computed here and now."""
        if self.context is None or self._bounds is None or not self.W or self.mode != "plane":
            return None
        xs, ys, X = plane_points(self._bounds, cols, rows)
        return self._grid(xs, ys, predict(self.W, self.b, self.context.activations, X))

    def _grid(self, xs: np.ndarray, ys: np.ndarray, y_hat: np.ndarray) -> OutputGrid:
        y_hat = y_hat.reshape(len(ys), len(xs), -1)
        self.grid = OutputGrid(xs, ys, y_hat, classes_of(y_hat))
        return self.grid

    def _outputs(self, key: Any, X: np.ndarray) -> np.ndarray | None:
        """ŷ at the points X (identified by `key`, which changes with them): computed now
        when that is cheap, else the last background pass's for these points (None before
        the first), starting a new one when the weights moved since."""
        assert self.context is not None
        activations = self.context.activations
        if len(X) * forward_cost(self.context.sizes) <= SYNC_COST:
            return predict(self.W, self.b, activations, X)
        result = self._result
        fresh = result is not None and result[0] == key
        if not fresh or (self._moved and result is not None and result[1] is not self.W):
            W, b = self.W, self.b
            tag = (self._loaded, key, W)
            if self._offload.start(tag, lambda: predict(W, b, activations, X)):
                self._moved = False
        return result[2] if fresh and result is not None else None

    def _computed(self, tag: tuple[int, Any, tuple[np.ndarray, ...]], y_hat: Any) -> None:
        """A background pass is done: keep it and draw it (with the newest weights when
        they moved meanwhile: the redraw starts the next pass)."""
        loaded, key, W = tag
        if loaded != self._loaded or y_hat is None or not self.is_attached:
            return
        self._result = (key, W, y_hat)
        self._lines = None
        self.refresh()

    # -- colours ---------------------------------------------------------------------

    def _target_range(self) -> tuple[float, float]:
        assert self.context is not None
        if get_activation(self.context.activations[-1]).probabilities:
            return 0.0, 1.0  # what the output can take (one target alone says little)
        Y = self.context.train.Y[:, 0]
        low, high = float(Y.min()), float(Y.max())
        return (low, high) if high > low else (low - 1.0, high + 1.0)

    def _point_color(self, y: np.ndarray) -> RGB:
        assert self.context is not None
        if self.mode == "curve":
            # The curve is the prediction; the data stay neutral so the two never mix up.
            return DATA_GREY
        if self.context.is_classification:
            return CLASS_COLORS[int(classes_of(y[None, :])[0]) % len(CLASS_COLORS)]
        low, high = self._target_range()
        signed = (float(y[0]) - (low + high) / 2.0) / ((high - low) / 2.0)
        return blend((220, 220, 220), POSITIVE if signed > 0 else NEGATIVE, min(abs(signed), 1))

    # -- rendering -------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        if self._lines is None:
            self._lines = self._build()
        if y < len(self._lines):
            return self._lines[y]
        return Strip.blank(self.size.width, self.rich_style)

    def _build(self) -> list[Strip]:
        width, height = self.size.width, self.size.height
        if width <= 0 or height <= 0:
            return []
        mode = self.mode
        if mode == "plane" and self.W and height >= 3:
            return self._build_plane(width, height)
        if mode == "curve" and self.W and height >= 3:
            return self._build_curve(width, height)
        if mode == "explain":
            return self._text_lines(Text(self.explanation, style="italic"), width)
        return self._waiting(width)

    def _set_coarse(self, coarse: tuple[int, int] | None) -> None:
        """Say under the border when the map is drawn from fewer points than it has."""
        if coarse != self.coarse:
            self.coarse = coarse
            cols, rows = coarse or (0, 0)
            points = f"{cols}" if self.mode == "curve" else f"{cols}×{rows}"
            self.border_subtitle = f"{points} points: a big network" if coarse else ""

    def _waiting(self, width: int) -> list[Strip]:
        if self.W:
            text = "computing the map of a network this size…"
        else:
            text = "waiting for the first snapshot…"
        return self._text_lines(Text(text, style="dim"), width)

    def _text_lines(self, text: Text, width: int) -> list[Strip]:
        console = self.app.console
        lines = text.wrap(console, width)
        # Unstyled cells would show the terminal's own background, not the app's.
        base = self.rich_style
        return [
            Strip(line.render(console), line.cell_len).extend_cell_length(width).apply_style(base)
            for line in lines
        ]

    def _legend(self, width: int, curve: bool = False) -> Strip:
        text = self._legend_text(curve, ranges=True)
        if text.cell_len > width:  # the axes' ranges go first, the keys stay
            text = self._legend_text(curve, ranges=False)
        text.truncate(width)
        strip = Strip(text.render(self.app.console), text.cell_len).extend_cell_length(width)
        return strip.apply_style(self.rich_style)

    def _legend_text(self, curve: bool, ranges: bool) -> Text:
        assert self.context is not None and self._bounds is not None
        names = self.context.train.feature_names or ("x1", "x2")
        text = Text()
        lo, hi = self._bounds

        def axis(name: str, k: int) -> str:
            return f"{name} {lo[k]:.2g}…{hi[k]:.2g}" if ranges else name

        text.append(f"{axis(names[0], 0)} → ", "dim")
        if not curve:
            text.append(f"{axis(names[1], 1)} ↑ ", "dim")
            if self.context.is_classification:
                # Which colour is which class (one sigmoid output: classes 0 and 1).
                text.append("class ", "dim")
                for k in range(max(self.context.sizes[-1], 2)):
                    text.append("■", rgb_style(CLASS_COLORS[k % len(CLASS_COLORS)], None))
                    text.append(f"{k} ", "dim")
                text.append(" ")
            else:
                # Regression: the colour is the first output, orange low to blue high.
                low, high = self._target_range()
                text.append("ŷ1 ", "dim")
                text.append("■", rgb_style(PALETTE[SHADES], None))
                text.append(f" {low:.2g}…{high:.2g} ", "dim")
                text.append("■", rgb_style(PALETTE[2 * SHADES + 1], None))
                text.append(" ")
        else:
            low, high = self.value_range
            text.append(f"y {low:.2g}…{high:.2g} ↑ ", "dim")
            text.append("━ ŷ ", rgb_style(POSITIVE, None))
        text.append(f"{TRAIN_MARK} train", "bold")
        if self.context.test is not None and len(self.context.test):
            text.append(f"  {TEST_MARK} test", "bold")
        return text

    def _marks(self, width: int, pixel_rows: int, to_pixel) -> Marks:
        """Cell → (glyph, colour) for every data point; test points drawn last."""
        assert self.context is not None
        marks: Marks = {}
        for data, glyph in ((self.context.train, TRAIN_MARK), (self.context.test, TEST_MARK)):
            if data is None:
                continue
            cols, prow = to_pixel(data)
            colors = self._point_colors(data)
            for c, pr, color in zip(cols.tolist(), prow.tolist(), colors, strict=True):
                if 0 <= c < width and 0 <= pr < pixel_rows:
                    marks[(pr // 2, c)] = (glyph, color)
        return marks

    def _point_colors(self, data: Dataset) -> list[RGB]:
        """Each row's colour (by its target), computed once per data set."""
        key = id(data)
        if key not in self._colors:
            self._colors[key] = [self._point_color(target) for target in data.Y]
        return self._colors[key]

    def _build_plane(self, width: int, height: int) -> list[Strip]:
        assert self._data_bounds is not None
        rows = height - 1
        self._bounds = equal_aspect(self._data_bounds, width, 2 * rows)
        assert self.context is not None
        full = min(width, MAX_GRID_COLS), min(2 * rows, MAX_GRID_ROWS)
        grid_cols, grid_rows = within_cost(*full, forward_cost(self.context.sizes))
        self._set_coarse((grid_cols, grid_rows) if (grid_cols, grid_rows) != full else None)
        xs, ys, X = plane_points(self._bounds, grid_cols, grid_rows)
        y_hat = self._outputs(("plane", self._bounds.tobytes(), grid_cols, grid_rows), X)
        if y_hat is None:
            return self._waiting(width)
        grid = self._grid(xs, ys, y_hat)
        col_of = np.arange(width) * grid_cols // width
        row_of = np.arange(2 * rows) * grid_rows // (2 * rows)
        assert self.context is not None
        pixels = pixel_colors(grid.y_hat, self.context.is_classification, self._target_range())
        colors = pixels[row_of][:, col_of].tolist()
        (x_lo, y_lo), (x_hi, y_hi) = self._bounds

        def to_pixel(data) -> tuple[np.ndarray, np.ndarray]:
            cols = np.floor((data.X[:, 0] - x_lo) / (x_hi - x_lo) * width).astype(int)
            prow = np.floor((y_hi - data.X[:, 1]) / (y_hi - y_lo) * 2 * rows).astype(int)
            return cols, prow

        strips = plane_strips(colors, self._marks(width, 2 * rows, to_pixel), width)
        strips.append(self._legend(width))
        return strips

    def _build_curve(self, width: int, height: int) -> list[Strip]:
        """ŷ(x) as a braille line (2 × 4 dots a cell) under the data points (a point on
        the line takes the line's colour)."""
        assert self.context is not None and self._bounds is not None
        rows = height - 1
        dot_cols = 2 * width
        x_lo, x_hi = float(self._bounds[0][0]), float(self._bounds[1][0])
        xs = x_lo + (np.arange(dot_cols) + 0.5) * (x_hi - x_lo) / dot_cols
        # A big network: ŷ at fewer points, joined by straight lines.
        points = min(dot_cols, max(2, MAP_COST // max(forward_cost(self.context.sizes), 1)))
        self._set_coarse((points, 1) if points < dot_cols else None)
        at = x_lo + (np.arange(points) + 0.5) * (x_hi - x_lo) / points
        outputs = self._outputs(("curve", points, x_lo, x_hi), at[:, None])
        if outputs is None:
            return self._waiting(width)
        y_hat = outputs[:, 0] if points == dot_cols else np.interp(xs, at, outputs[:, 0])
        targets = [self.context.train.Y[:, 0]]
        if self.context.test is not None:
            targets.append(self.context.test.Y[:, 0])
        low, high = value_range(np.concatenate(targets), y_hat, self.context.activations[-1])
        if self._curve_range is not None:
            # The axis only widens during a run: rescaled each frame, a line moving
            # toward the data looked still while the axis moved under it.
            low, high = min(low, self._curve_range[0]), max(high, self._curve_range[1])
        self.value_range = self._curve_range = (low, high)

        def row_of(v: np.ndarray, per_cell: int) -> np.ndarray:
            return np.floor((high - v) / (high - low) * rows * per_cell).astype(int)

        line = row_of(np.clip(np.nan_to_num(y_hat, nan=low), low, high), 4).tolist()
        cells = braille_curve(line, np.isfinite(y_hat).tolist(), rows, width)

        def to_pixel(data) -> tuple[np.ndarray, np.ndarray]:
            cols = np.floor((data.X[:, 0] - x_lo) / (x_hi - x_lo) * width).astype(int)
            return cols, row_of(data.Y[:, 0], 2)

        marks = self._marks(width, 2 * rows, to_pixel)
        curve, blank = rgb_style(POSITIVE, None, True), rgb_style(NEUTRAL, None)
        strips = curve_strips(cells, marks, curve, blank, self.rich_style)
        strips.append(self._legend(width, curve=True))
        return strips

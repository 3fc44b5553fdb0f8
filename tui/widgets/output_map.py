"""The output map: the network's output over the input plane, with the data on top.

For two inputs, every terminal cell is two pixels (an upper half block ▀ with a
foreground and a background colour); each pixel is the network's output at that point
of the plane, from a forward pass over a grid of at most MAX_GRID_COLS × MAX_GRID_ROWS
points, recomputed at most `max_rate` times a second and only when W or b moved.
Training points are ● and test points ○, coloured by their target. For one input and a
regression task the map plots the prediction ŷ(x) as a line over the data instead;
anything else gets a one-line explanation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from backprop_tui.core.data.dataset import Dataset
from backprop_tui.core.nn.activations import get_activation
from backprop_tui.core.nn.network import Network
from backprop_tui.core.training.trainer import Snapshot
from backprop_tui.tui.widgets.context import ViewContext
from backprop_tui.tui.widgets.format import (
    BACKGROUND,
    CLASS_COLORS,
    NEGATIVE,
    NEUTRAL,
    POSITIVE,
    RGB,
    blend,
    rgb_style,
)
from backprop_tui.tui.widgets.throttle import Throttle, Throttled
from rich.segment import Segment
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

MAX_GRID_COLS = 80
MAX_GRID_ROWS = 80
SHADES = 12
TRAIN_MARK = "●"
TEST_MARK = "○"
MIDDLE: RGB = (52, 52, 60)
# Braille dot bits by (column, row) inside one cell of 2 × 4 dots.
BRAILLE_BITS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))
DATA_GREY: RGB = (200, 200, 200)


# Background versions of the class colours (never as bright as the data points), each
# in SHADES + 1 steps from the undecided middle grey: index k · (SHADES + 1) + shade.
PALETTE: tuple[RGB, ...] = tuple(
    blend(MIDDLE, blend(BACKGROUND, color, 0.62), shade / SHADES)
    for color in CLASS_COLORS
    for shade in range(SHADES + 1)
)


@dataclass(frozen=True)
class OutputGrid:
    """The network's output on a grid: `xs` (cols,) left to right, `ys` (rows,) top to
    bottom (largest first), `y_hat` (rows × cols × outputs) and `classes` (rows × cols),
    the predicted class (ŷ > ½ for one output, argmax otherwise)."""

    xs: np.ndarray
    ys: np.ndarray
    y_hat: np.ndarray
    classes: np.ndarray


def data_bounds(points: Sequence[np.ndarray], pad: float = 0.08) -> np.ndarray:
    """(2 × features) lower and upper bounds of every point, widened by `pad` per side;
    a feature with a single value gets ±1 around it."""
    stacked = np.concatenate([p for p in points if p is not None and len(p)], axis=0)
    low, high = stacked.min(axis=0), stacked.max(axis=0)
    flat = high <= low
    low, high = np.where(flat, low - 1.0, low), np.where(flat, high + 1.0, high)
    span = high - low
    return np.stack([low - pad * span, high + pad * span])


MAX_ASPECT_STRETCH = 3.0
"""Equal scales on both axes only when the data's two spans differ by at most this
factor (features in different units keep a plane that fills the map)."""


def equal_aspect(bounds: np.ndarray, width: int, height: int) -> np.ndarray:
    """`bounds` (2 × 2) widened on one axis, about its centre, so that a pixel of a
    width × height map covers as much of x1 as of x2: circles stay round. (A half-block
    pixel is about square in a terminal, whose cells are about twice as tall as wide.)"""
    (x_lo, y_lo), (x_hi, y_hi) = bounds
    x_span, y_span = x_hi - x_lo, y_hi - y_lo
    if width <= 0 or height <= 0 or not (x_span > 0 and y_span > 0):
        return bounds
    if max(x_span / y_span, y_span / x_span) > MAX_ASPECT_STRETCH:
        return bounds
    per_pixel = max(x_span / width, y_span / height)
    x_mid, y_mid = (x_lo + x_hi) / 2, (y_lo + y_hi) / 2
    half_x, half_y = per_pixel * width / 2, per_pixel * height / 2
    return np.array([[x_mid - half_x, y_mid - half_y], [x_mid + half_x, y_mid + half_y]])


def value_range(targets: np.ndarray, y_hat: np.ndarray, activation: str) -> tuple[float, float]:
    """The vertical range of the prediction plot: the targets and the predictions, at
    least 0…1 for a sigmoid or softmax output and at least 1 wide, padded by 8 %."""
    values = np.concatenate([targets[np.isfinite(targets)], y_hat[np.isfinite(y_hat)]])
    low, high = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)
    if get_activation(activation).probabilities:
        low, high = min(low, 0.0), max(high, 1.0)
    if high - low < 1.0:
        middle = (high + low) / 2.0
        low, high = middle - 0.5, middle + 0.5
    pad = 0.08 * (high - low)
    return low - pad, high + pad


def predict(W: Sequence[np.ndarray], b: Sequence[np.ndarray], activations, X) -> np.ndarray:
    """ŷ for the rows of X (n × inputs) through the layers W(l), b(l), σ(l)."""
    network = Network(list(W), list(b), list(activations))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return network.predict(np.asarray(X, dtype=network.dtype))


def classes_of(y_hat: np.ndarray) -> np.ndarray:
    """The predicted class per row: ŷ > ½ for one output, the argmax otherwise."""
    if y_hat.shape[-1] == 1:
        return (y_hat[..., 0] > 0.5).astype(int)
    return np.argmax(y_hat, axis=-1)


class OutputMap(Throttled, Widget):
    """The decision surface (two inputs) or prediction curve (one input, regression)."""

    DEFAULT_CSS = """
    OutputMap {
        height: 1fr;
        min-height: 4;
    }
    """

    def __init__(
        self,
        *,
        max_rate: float = 5.0,
        live_rate: float | None = 3.0,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.context: ViewContext | None = None
        self.W: tuple[np.ndarray, ...] = ()
        self.b: tuple[np.ndarray, ...] = ()
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
        self._throttle = Throttle(self, max_rate, self._invalidate, live_rate)

    # -- the widget contract ---------------------------------------------------------

    def set_context(self, context: ViewContext) -> None:
        """A preset was loaded: new data, new bounds, no weights yet."""
        self.context = context
        self.W, self.b = (), ()
        self.grid = None
        self._bounds = self._data_bounds = None
        self._curve_range = None
        self._last_step = 0
        self._colors = {}
        if self.mode != "explain":
            test = context.test.X if context.test is not None else None
            self._data_bounds = self._bounds = data_bounds([context.train.X, test])
        self._throttle.run()

    def show(self, snapshot: Snapshot) -> None:
        """Take the newest weights; recomputes (at most `max_rate` a second) when they moved."""
        if snapshot.global_step < self._last_step or snapshot.global_step == 0:
            self._curve_range = None  # a reset or a new start: the axis fits afresh
        self._last_step = snapshot.global_step
        if self._same(self.W, snapshot.W) and self._same(self.b, snapshot.b):
            return
        self.W, self.b = snapshot.W, snapshot.b
        if self.mode != "explain":
            self._throttle.request()

    @staticmethod
    def _same(old: tuple[np.ndarray, ...], new: tuple[np.ndarray, ...]) -> bool:
        return len(old) == len(new) and all(
            o is n or np.array_equal(o, n) for o, n in zip(old, new, strict=True)
        )

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

    def _invalidate(self) -> None:
        self._lines = None
        self.refresh()

    def on_resize(self) -> None:
        self._lines = None

    # -- computing -------------------------------------------------------------------

    def compute(self, cols: int, rows: int) -> OutputGrid | None:
        """The network's output on a cols × rows grid over the data's bounds (plane mode)."""
        if self.context is None or self._bounds is None or not self.W or self.mode != "plane":
            return None
        (x_lo, y_lo), (x_hi, y_hi) = self._bounds
        # Pixel centres, so the grid is symmetric inside the bounds.
        xs = x_lo + (np.arange(cols) + 0.5) * (x_hi - x_lo) / cols
        ys = y_hi - (np.arange(rows) + 0.5) * (y_hi - y_lo) / rows
        gx, gy = np.meshgrid(xs, ys)
        X = np.column_stack([gx.ravel(), gy.ravel()])
        y_hat = predict(self.W, self.b, self.context.activations, X)
        y_hat = y_hat.reshape(rows, cols, -1)
        self.grid = OutputGrid(xs, ys, y_hat, classes_of(y_hat))
        return self.grid

    # -- colours ---------------------------------------------------------------------

    def _target_range(self) -> tuple[float, float]:
        assert self.context is not None
        if get_activation(self.context.activations[-1]).probabilities:
            return 0.0, 1.0  # what the output can take (one target alone says little)
        Y = self.context.train.Y[:, 0]
        low, high = float(Y.min()), float(Y.max())
        return (low, high) if high > low else (low - 1.0, high + 1.0)

    def _pixel_colors(self, y_hat: np.ndarray) -> np.ndarray:
        """A palette index per grid pixel (rows × cols): class k at shade s is
        k · (SHADES + 1) + s, shade 0 being the undecided middle grey."""
        assert self.context is not None
        outputs = y_hat.shape[-1]
        if self.context.is_classification and outputs > 1:
            finite = np.nan_to_num(y_hat, nan=-np.inf)
            top = finite.max(axis=-1)
            floor = 1.0 / outputs
            strength = (top - floor) / (1.0 - floor)
            kind = np.argmax(finite, axis=-1)
        else:
            value = y_hat[..., 0]
            if self.context.is_classification:
                signed = 2.0 * value - 1.0
            else:
                low, high = self._target_range()
                signed = (value - (low + high) / 2.0) / ((high - low) / 2.0)
            strength = np.abs(signed)
            kind = (signed > 0).astype(int)
        strength = np.clip(np.nan_to_num(strength, nan=0.0, neginf=0.0), 0.0, 1.0)
        shade = np.rint(strength * SHADES).astype(int)
        return (kind % len(CLASS_COLORS)) * (SHADES + 1) + shade

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
        return self._text_lines(Text("waiting for the first snapshot…", style="dim"), width)

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

    def _marks(
        self, width: int, pixel_rows: int, to_pixel
    ) -> dict[tuple[int, int], tuple[str, RGB]]:
        """Cell → (glyph, colour) for every data point; test points drawn last."""
        assert self.context is not None
        marks: dict[tuple[int, int], tuple[str, RGB]] = {}
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
        grid_cols, grid_rows = min(width, MAX_GRID_COLS), min(2 * rows, MAX_GRID_ROWS)
        grid = self.compute(grid_cols, grid_rows)
        assert grid is not None
        col_of = np.arange(width) * grid_cols // width
        row_of = np.arange(2 * rows) * grid_rows // (2 * rows)
        colors = self._pixel_colors(grid.y_hat)[row_of][:, col_of].tolist()
        (x_lo, y_lo), (x_hi, y_hi) = self._bounds

        def to_pixel(data) -> tuple[np.ndarray, np.ndarray]:
            cols = np.floor((data.X[:, 0] - x_lo) / (x_hi - x_lo) * width).astype(int)
            prow = np.floor((y_hi - data.X[:, 1]) / (y_hi - y_lo) * 2 * rows).astype(int)
            return cols, prow

        marks = self._marks(width, 2 * rows, to_pixel)
        strips = []
        for r in range(rows):
            top, bottom = colors[2 * r], colors[2 * r + 1]
            segments = []
            run_start = 0
            # Runs of cells with the same pair of colours become one segment.
            for c in range(width + 1):
                mark = marks.get((r, c)) if c < width else None
                if (
                    c == width
                    or mark is not None
                    or (top[c], bottom[c])
                    != (
                        top[run_start],
                        bottom[run_start],
                    )
                ):
                    if c > run_start:
                        style = rgb_style(PALETTE[top[run_start]], PALETTE[bottom[run_start]])
                        segments.append(Segment("▀" * (c - run_start), style))
                    run_start = c
                if mark is not None:
                    style = rgb_style(mark[1], PALETTE[top[c]], True)
                    segments.append(Segment(mark[0], style))
                    run_start = c + 1
            # Every cell sets both colours, so no base style is needed here.
            strips.append(Strip(segments, width))
        strips.append(self._legend(width))
        return strips

    def _build_curve(self, width: int, height: int) -> list[Strip]:
        """ŷ(x) as a braille line (2 × 4 dots a cell) under the data points (a point on
        the line takes the line's colour)."""
        assert self.context is not None and self._bounds is not None
        rows = height - 1
        dot_rows, dot_cols = 4 * rows, 2 * width
        x_lo, x_hi = float(self._bounds[0][0]), float(self._bounds[1][0])
        xs = x_lo + (np.arange(dot_cols) + 0.5) * (x_hi - x_lo) / dot_cols
        y_hat = predict(self.W, self.b, self.context.activations, xs[:, None])[:, 0]
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

        finite_at = np.isfinite(y_hat).tolist()
        line = row_of(np.clip(np.nan_to_num(y_hat, nan=low), low, high), 4).tolist()
        bits = np.zeros((rows, width), dtype=int)
        for c in range(dot_cols):
            if not finite_at[c]:
                continue
            top = bottom = line[c]
            # Reach halfway to each neighbour so a steep curve stays one connected line.
            for n in (c - 1, c + 1):
                if 0 <= n < dot_cols and finite_at[n]:
                    middle = (line[c] + line[n]) // 2
                    top, bottom = min(top, middle), max(bottom, middle)
            for y in range(max(top, 0), min(bottom, dot_rows - 1) + 1):
                bits[y // 4, c // 2] |= BRAILLE_BITS[c % 2][y % 4]

        def to_pixel(data) -> tuple[np.ndarray, np.ndarray]:
            cols = np.floor((data.X[:, 0] - x_lo) / (x_hi - x_lo) * width).astype(int)
            return cols, row_of(data.Y[:, 0], 2)

        marks = self._marks(width, 2 * rows, to_pixel)
        curve = rgb_style(POSITIVE, None, True)
        blank = rgb_style(NEUTRAL, None)
        cells = bits.tolist()
        strips = []
        for r in range(rows):
            segments = []
            for c in range(width):
                mark = marks.get((r, c))
                if mark is not None:
                    # A point stays visible on the line, in the line's colour: there the
                    # fit goes through the data.
                    color = curve if cells[r][c] else rgb_style(mark[1], None)
                    segments.append(Segment(mark[0], color))
                elif cells[r][c]:
                    segments.append(Segment(chr(0x2800 + cells[r][c]), curve))
                else:
                    segments.append(Segment(" ", blank))
            strips.append(Strip(segments, width).simplify().apply_style(self.rich_style))
        strips.append(self._legend(width, curve=True))
        return strips

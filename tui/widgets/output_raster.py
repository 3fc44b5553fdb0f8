"""The output map's rasterizer: pure functions from the network's outputs and the data's
positions to palette indices, braille dots and terminal strips (no widget state).

A plane map is two pixels a cell (an upper half block ▀ with a foreground and a
background colour); a prediction curve is a braille line, 2 × 4 dots a cell. Data points
are drawn over either as `Marks`: cell (row, column) → (glyph, colour).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from backprop_tui.core.nn.activations import get_activation
from backprop_tui.core.nn.network import Network
from backprop_tui.tui.widgets.format import BACKGROUND, CLASS_COLORS, RGB, blend, rgb_style
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

MAX_GRID_COLS = 80
MAX_GRID_ROWS = 80
MAP_COST = 500_000_000
"""The most multiply-adds one map's forward pass may take: a network too big for the
full grid gets a coarser one (2 → 1000 → 1000 → 1: about 22 × 22 points, 20–50 ms)."""
SYNC_COST = 16_000_000
"""The most multiply-adds a map computes on the UI's thread (a few milliseconds; every
shipped preset's full grid); a bigger one is computed in the background (`Offload`)."""
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


def plane_points(
    bounds: np.ndarray, cols: int, rows: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A cols × rows grid over `bounds` (2 × 2): `xs` left to right, `ys` top to bottom
    and every point as a row of X, row by row (rows · cols × 2)."""
    (x_lo, y_lo), (x_hi, y_hi) = bounds
    # Pixel centres, so the grid is symmetric inside the bounds.
    xs = x_lo + (np.arange(cols) + 0.5) * (x_hi - x_lo) / cols
    ys = y_hi - (np.arange(rows) + 0.5) * (y_hi - y_lo) / rows
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, np.column_stack([gx.ravel(), gy.ravel()])


def forward_cost(sizes: Sequence[int]) -> int:
    """Multiply-adds of one point's forward pass: Σₗ sizes[l−1] · sizes[l]."""
    return sum(int(a) * int(b) for a, b in pairwise(sizes))


def within_cost(cols: int, rows: int, per_point: int) -> tuple[int, int]:
    """The grid of at most cols × rows points, shrunk by one factor on both axes, whose
    forward pass costs at most `MAP_COST` multiply-adds (at least 2 × 2 points)."""
    points = cols * rows
    if points * per_point <= MAP_COST:
        return cols, rows
    factor = (MAP_COST / (points * per_point)) ** 0.5
    return max(2, int(cols * factor)), max(2, int(rows * factor))


def classes_of(y_hat: np.ndarray) -> np.ndarray:
    """The predicted class per row: ŷ > ½ for one output, the argmax otherwise."""
    if y_hat.shape[-1] == 1:
        return (y_hat[..., 0] > 0.5).astype(int)
    return np.argmax(y_hat, axis=-1)


Marks = dict[tuple[int, int], tuple[str, RGB]]
"""Cell (row, column) → (glyph, colour) of the data points drawn over a map."""


def pixel_colors(
    y_hat: np.ndarray, classification: bool, target_range: tuple[float, float]
) -> np.ndarray:
    """A palette index per grid pixel (rows × cols) of the outputs `y_hat` (rows × cols ×
    outputs): class k at shade s is k · (SHADES + 1) + s, shade 0 being the undecided
    middle grey. One regression output is coloured by where it lies in `target_range`."""
    outputs = y_hat.shape[-1]
    if classification and outputs > 1:
        finite = np.nan_to_num(y_hat, nan=-np.inf)
        top = finite.max(axis=-1)
        floor = 1.0 / outputs
        strength = (top - floor) / (1.0 - floor)
        kind = np.argmax(finite, axis=-1)
    else:
        value = y_hat[..., 0]
        if classification:
            signed = 2.0 * value - 1.0
        else:
            low, high = target_range
            signed = (value - (low + high) / 2.0) / ((high - low) / 2.0)
        strength = np.abs(signed)
        kind = (signed > 0).astype(int)
    strength = np.clip(np.nan_to_num(strength, nan=0.0, neginf=0.0), 0.0, 1.0)
    shade = np.rint(strength * SHADES).astype(int)
    return (kind % len(CLASS_COLORS)) * (SHADES + 1) + shade


def plane_strips(colors: list[list[int]], marks: Marks, width: int) -> list[Strip]:
    """One strip per two pixel rows of `colors` (palette indices, 2·rows × width): the
    upper pixel in the foreground of ▀, the lower in its background, marks on top."""
    strips = []
    for r in range(len(colors) // 2):
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
    return strips


def braille_curve(line: list[int], finite: list[bool], rows: int, width: int) -> list[list[int]]:
    """The braille dot bits per cell (rows × width) of a curve through dot row `line[c]`
    of each dot column c (2 · width of them, 4 · rows dot rows); columns not `finite`
    stay empty."""
    dot_rows, dot_cols = 4 * rows, 2 * width
    bits = np.zeros((rows, width), dtype=int)
    for c in range(dot_cols):
        if not finite[c]:
            continue
        top = bottom = line[c]
        # Reach halfway to each neighbour so a steep curve stays one connected line.
        for n in (c - 1, c + 1):
            if 0 <= n < dot_cols and finite[n]:
                middle = (line[c] + line[n]) // 2
                top, bottom = min(top, middle), max(bottom, middle)
        for y in range(max(top, 0), min(bottom, dot_rows - 1) + 1):
            bits[y // 4, c // 2] |= BRAILLE_BITS[c % 2][y % 4]
    return bits.tolist()


def curve_strips(
    cells: list[list[int]], marks: Marks, curve: Style, blank: Style, base: Style
) -> list[Strip]:
    """One strip per row of braille `cells` in the `curve` style, marks on top (a mark
    on the line takes the line's style: there the fit goes through the data)."""
    strips = []
    for r, row in enumerate(cells):
        segments = []
        for c, bits in enumerate(row):
            mark = marks.get((r, c))
            if mark is not None:
                color = curve if bits else rgb_style(mark[1], None)
                segments.append(Segment(mark[0], color))
            elif bits:
                segments.append(Segment(chr(0x2800 + bits), curve))
            else:
                segments.append(Segment(" ", blank))
        strips.append(Strip(segments, len(row)).simplify().apply_style(base))
    return strips

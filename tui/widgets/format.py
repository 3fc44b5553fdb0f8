"""Number formatting and colours shared by the dashboard widgets.

One place decides how a value is written (fixed decimals, scientific when tiny or huge)
and which colour it gets (blue for positive, orange for negative, brighter when larger),
so W in the network view, the tables and the output map read the same way.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from rich.color import Color
from rich.style import Style

PRECISIONS: tuple[int, ...] = (4, 8)
"""The precisions `LayerTables.toggle_precision()` cycles through (decimals shown)."""

RGB = tuple[int, int, int]

POSITIVE: RGB = (86, 156, 255)
NEGATIVE: RGB = (255, 128, 64)
NEUTRAL: RGB = (118, 118, 118)
BACKGROUND: RGB = (30, 30, 36)
READ_BG: RGB = (24, 70, 110)
WRITE_BG: RGB = (120, 40, 90)

CLASS_COLORS: tuple[RGB, ...] = (
    NEGATIVE,
    POSITIVE,
    (80, 200, 120),
    (190, 120, 255),
    (240, 210, 70),
    (60, 210, 220),
    (255, 110, 170),
    (170, 170, 170),
)
"""Class k is drawn in CLASS_COLORS[k % len]: class 0 orange, class 1 blue (as in
TensorFlow Playground), then green, purple, …"""

LEVELS = 6


def format_number(x: float, precision: int = 4) -> str:
    """`x` with `precision` decimals; scientific notation (precision significant digits)
    when |x| is below 10^−(precision−1) or at least 10^5, so small gradients stay legible."""
    x = float(x)
    if not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    mag = abs(x)
    if mag == 0.0 or 10.0 ** -(precision - 1) <= mag < 1e5:
        text = f"{x:.{precision}f}"
        # Rounding can produce "-0.0000"; a zero has no sign.
        return text[1:] if text.startswith("-") and float(text) == 0.0 else text
    return f"{x:.{precision - 1}e}"


def scale_of(values: np.ndarray) -> float:
    """The largest finite |value|, or 1 when there is none (the scale colours are relative to)."""
    arr = np.asarray(values, dtype=float)
    if arr.size == 0:
        return 1.0
    finite = np.abs(arr[np.isfinite(arr)])
    top = float(finite.max()) if finite.size else 0.0
    return top if top > 0.0 else 1.0


def blend(c0: RGB, c1: RGB, t: float) -> RGB:
    """The colour a fraction `t` (0…1) of the way from c0 to c1."""
    t = min(max(t, 0.0), 1.0)
    return (
        round(c0[0] + (c1[0] - c0[0]) * t),
        round(c0[1] + (c1[1] - c0[1]) * t),
        round(c0[2] + (c1[2] - c0[2]) * t),
    )


def level_of(value: float, scale: float, levels: int = LEVELS) -> int:
    """|value| / scale quantised to 0…levels (a few shades keep styles cacheable)."""
    if not math.isfinite(value) or scale <= 0.0:
        return levels
    return min(levels, round(abs(value) / scale * levels))


@lru_cache(maxsize=64)
def signed_rgb(sign: int, level: int, levels: int = LEVELS) -> RGB:
    """Grey for level 0, then blue (sign > 0) or orange (sign < 0), brighter with level."""
    target = POSITIVE if sign > 0 else NEGATIVE if sign < 0 else NEUTRAL
    return blend(NEUTRAL, target, 0.35 + 0.65 * level / levels if level else 0.0)


@lru_cache(maxsize=256)
def _signed_style(sign: int, level: int, bold: bool, bgcolor: RGB | None) -> Style:
    return Style(
        color=Color.from_rgb(*signed_rgb(sign, level)),
        bold=bold,
        bgcolor=Color.from_rgb(*bgcolor) if bgcolor is not None else None,
    )


def signed_style(
    value: float, scale: float, bold: bool = False, bgcolor: RGB | None = None
) -> Style:
    """The style of a number: colour by sign, brightness by |value| / scale."""
    sign = 0 if value == 0 or not math.isfinite(value) else (1 if value > 0 else -1)
    if math.isnan(value):
        sign = 0
    return _signed_style(sign, level_of(value, scale), bold, bgcolor)


@lru_cache(maxsize=4096)
def rgb_style(fg: RGB | None, bg: RGB | None, bold: bool = False) -> Style:
    """A cached Style from RGB triples (the heatmaps build thousands of cells a frame)."""
    return Style(
        color=Color.from_rgb(*fg) if fg is not None else None,
        bgcolor=Color.from_rgb(*bg) if bg is not None else None,
        bold=bold,
    )

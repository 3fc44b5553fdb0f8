"""The network view's colours: the key under the diagram and the maps, and a weight's
(or a gradient's) colour in the heatmaps."""

from __future__ import annotations

import numpy as np
from backprop_tui.tui.widgets.format import NEGATIVE, POSITIVE, level_of, rgb_style, signed_rgb
from rich.text import Text


def colour_key(swatch: str, width: int, *tails: str, symbol: str = "w") -> Text:
    """ "━━ w > 0  ━━ w < 0" (or ∂w, by `symbol`) and the first of `tails` that fits in
    `width` (none when none does); the tails after the signs are dim on the maps."""
    legend = Text()
    legend.append(swatch, rgb_style(POSITIVE, None))
    legend.append(f" {symbol} > 0  ")
    legend.append(swatch, rgb_style(NEGATIVE, None))
    legend.append(f" {symbol} < 0 ")
    dim = "dim" if swatch == "▀▀" else ""
    for tail in tails:
        if legend.cell_len + len(tail) <= width:
            legend.append(tail, dim)
            break
    legend.rstrip()
    return legend


def heat(value: float, scale: float) -> tuple[int, int, int]:
    """A weight's colour in the heatmaps: its sign's colour, brighter when larger."""
    sign = 0 if value == 0 or not np.isfinite(value) else (1 if value > 0 else -1)
    return signed_rgb(sign, level_of(value, scale))

"""The network view: layers, sizes and activations, and the weights as coloured lines.

For networks whose layers have at most `MAX_DRAWN_UNITS` units the view draws every
connection as a braille line, blue for a positive weight and orange for a negative one,
brighter for a larger |w| (where lines cross, the larger |w| wins the cell); nodes are
coloured by their bias. Bigger networks get one summary row per layer.
"""

from __future__ import annotations

from typing import Self

import numpy as np
from backprop_tui.core.nn.activations import ACTIVATIONS
from backprop_tui.tui.widgets.format import (
    NEGATIVE,
    NEUTRAL,
    POSITIVE,
    format_number,
    level_of,
    rgb_style,
    scale_of,
    signed_rgb,
    signed_style,
)
from backprop_tui.tui.widgets.network_layout import Geometry, layout
from backprop_tui.tui.widgets.panel import WeightsPanel
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.strip import Strip

MAX_DRAWN_UNITS = 8


def short_activation(name: str) -> str:
    """σ for sigmoid and so on: what fits above a column of nodes (the record's label)."""
    act = ACTIVATIONS.get(name)
    return act.label if act is not None else name


class NetworkView(WeightsPanel):
    """The layers of the loaded network and, for small ones, every weight as a line."""

    DEFAULT_CSS = """
    NetworkView {
        height: 1fr;
        min-height: 5;
        padding: 0 1;
    }
    """

    MAX_RATE = 10.0
    LIVE_RATE = 4.0

    _geometry: Geometry | None = None
    _lines: list[Strip] | None = None  # prebuilt for `_lines_size`
    _lines_size = Size(0, 0)

    # -- the panel contract ----------------------------------------------------------

    def reset(self) -> None:
        """A preset was loaded: new layer sizes, no weights yet."""
        super().reset()
        self._geometry = None

    def redraw(self) -> None:
        self.refresh()

    @property
    def is_drawn(self) -> bool:
        """Whether the network is small enough for the diagram (else the summary)."""
        return self.context is not None and max(self.context.sizes) <= MAX_DRAWN_UNITS

    # -- rendering -------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        # Prebuilt strips: converting the Text on every repaint costs more than building it.
        if self._lines is None or self._lines_size != self.size:
            self._lines = self._strips(self.size)
            self._lines_size = self.size
        if y < len(self._lines):
            return self._lines[y]
        return Strip.blank(self.size.width, self.rich_style)

    def _strips(self, size: Size) -> list[Strip]:
        console = self.app.console
        base = self.rich_style
        strips = []
        for line in self.build(size).split("\n", allow_blank=True)[: size.height]:
            line.truncate(size.width)
            strip = Strip(line.render(console), line.cell_len)
            strips.append(strip.extend_cell_length(size.width).apply_style(base))
        return strips

    def refresh(self, *args, **kwargs) -> Self:
        self._lines = None
        return super().refresh(*args, **kwargs)

    def build(self, size: Size) -> Text:
        """The view's text for a content area of `size` (what `render` shows)."""
        if self.context is None:
            return Text("no network loaded", style="dim")
        if self.is_drawn:
            diagram = self._diagram(size.width, size.height)
            if diagram is not None:
                return diagram
        # One line per layer when those lines fit the width (room for the maps), else two.
        summary = self._summary(compact=True)
        if max(len(line) for line in summary.plain.split("\n")) > size.width:
            summary = self._summary(compact=False)
        room = size.height - len(summary.plain.split("\n")) - 1
        maps = self._weight_maps(size.width, room)
        if maps is not None:
            summary.append("\n\n")
            summary.append_text(maps)
        return summary

    def _header(self, geometry: Geometry, width: int) -> Text:
        assert self.context is not None
        labels = [f"in {self.context.sizes[0]}"] + [
            f"{short_activation(act)} {n}"
            for act, n in zip(self.context.activations, self.context.sizes[1:], strict=True)
        ]
        line = [" "] * width
        for k, (x, label) in enumerate(zip(geometry.column_x, labels, strict=True)):
            start = x - len(label) // 2
            if k == 0:
                start = max(start, 0)
            if k == len(labels) - 1:
                start = min(start, width - len(label))
            for n, ch in enumerate(label):
                if 0 <= start + n < width:
                    line[start + n] = ch
        return Text("".join(line).rstrip(), style="bold")

    def _diagram(self, width: int, height: int) -> Text | None:
        assert self.context is not None
        canvas_height = height - 2
        geometry = self._geometry
        if geometry is None or geometry.size != (width, canvas_height):
            geometry = layout(self.context.sizes, width, canvas_height)
            self._geometry = geometry
        if geometry is None:
            return None
        grid_chars = [[" "] * width for _ in range(canvas_height)]
        grid_styles: list[list[Style | None]] = [[None] * width for _ in range(canvas_height)]
        if self.W:
            weights = np.concatenate([w.ravel() for w in self.W])
            scale = scale_of(weights)
            strength = np.where(geometry.owners >= 0, np.abs(weights[geometry.owners]), -1.0)
            winners = geometry.owners[np.arange(len(geometry.owners)), strength.argmax(axis=1)]
            values = weights[winners].tolist() if len(winners) else []
        else:
            scale, values = 1.0, [0.0] * len(geometry.chars)
        for (row, col), ch, value in zip(
            geometry.cells.tolist(), geometry.chars, values, strict=True
        ):
            grid_chars[row][col] = ch
            grid_styles[row][col] = signed_style(value, scale)
        bias_scale = scale_of(np.concatenate([v.ravel() for v in self.b])) if self.b else 1.0
        for k, column in enumerate(geometry.node_cells):
            for i, (row, col) in enumerate(column):
                grid_chars[row][col] = "●"
                if k == 0 or not self.b:
                    grid_styles[row][col] = rgb_style((220, 220, 220), None, True)
                else:
                    grid_styles[row][col] = signed_style(
                        float(self.b[k - 1][i]), bias_scale, bold=True
                    )
        text = Text()
        text.append_text(self._header(geometry, width))
        for chars, styles in zip(grid_chars, grid_styles, strict=True):
            text.append("\n")
            run_start = 0
            for col in range(1, width + 1):
                if col == width or styles[col] is not styles[run_start]:
                    text.append("".join(chars[run_start:col]), styles[run_start])
                    run_start = col
        text.append("\n")
        text.append_text(self._legend(width))
        return text

    def _legend(self, width: int = 1000) -> Text:
        legend = Text()
        legend.append("━━", rgb_style(POSITIVE, None))
        legend.append(" w > 0  ")
        legend.append("━━", rgb_style(NEGATIVE, None))
        long = " w < 0  brighter = larger |w|  ● unit, colour = its bias"
        legend.append(
            long if legend.cell_len + len(long) <= width else " w < 0  bright = big |w|  ● bias"
        )
        return legend

    def _summary(self, compact: bool = False) -> Text:
        """Per layer: shape, activation and sign mix, then the sizes of W and b, on one
        line (`compact`) or two."""
        assert self.context is not None
        ctx = self.context
        text = Text()
        for l in range(ctx.n_layers):
            if l:
                text.append("\n")
            shape = f"{ctx.sizes[l]} → {ctx.sizes[l + 1]}"
            text.append(f"layer {l + 1}  {shape}  {ctx.activations[l]}", "bold")
            if l >= len(self.W):
                continue
            W, b = self.W[l], self.b[l]
            positive = float((W > 0).mean()) if W.size else 0.0
            filled = round(10 * positive)
            text.append("  ")
            text.append("▮" * filled, rgb_style(POSITIVE, None))
            text.append("▮" * (10 - filled), rgb_style(NEGATIVE, None))
            text.append(f" {positive:.0%} > 0", "dim")
            top = float(np.abs(W).max()) if W.size else 0.0
            mean = float(W.mean()) if W.size else 0.0
            text.append("  max |W| " if compact else "\n  max |W| ")
            text.append(format_number(top, 3), signed_style(top, top or 1.0))
            text.append("  mean W ")
            text.append(format_number(mean, 3), signed_style(mean, top or 1.0))
            text.append(f"  ‖W‖ {format_number(float(np.linalg.norm(W)), 3)}")
            text.append(f"  ‖b‖ {format_number(float(np.linalg.norm(b)), 3)}")
        if not self.W:
            text.append("\n(weights arrive with the first snapshot)", rgb_style(NEUTRAL, None))
        return text

    def _weight_maps(self, width: int, height: int) -> Text | None:
        """Each W(l) as a small heatmap, side by side: one column per input unit and two
        output units per line (▀), or transposed (W(l)ᵀ) when that is what fits in
        width × height. A layer that fits neither way is named, with the room it needs,
        and the layers after it are still drawn."""
        if not self.W or height < 2:
            return None
        blocks: list[tuple[str, np.ndarray]] = []
        left_out: list[str] = []
        used = 0
        for l, W in enumerate(self.W):
            for title, mat in ((f"W({l + 1})", W), (f"W({l + 1})ᵀ", W.T)):
                block_width = max(mat.shape[1], len(title))
                if _map_lines(mat) + 1 <= height and used + block_width <= width:
                    blocks.append((title, mat))
                    used += block_width + 2
                    break
            else:
                shape = f"W({l + 1}) {W.shape[0]}×{W.shape[1]}"
                tall_enough = [m.shape[1] for m in (W, W.T) if _map_lines(m) + 1 <= height]
                if tall_enough:  # it is the width that lacks
                    left_out.append(f"{shape} needs {min(tall_enough)} columns")
                else:
                    lines = min(_map_lines(W), _map_lines(W.T)) + 1
                    left_out.append(f"{shape} needs {lines} lines")
        if not blocks:
            return None
        # Two columns a weight when everything still fits: square-ish cells read better.
        cell = 2 if sum(max(2 * m.shape[1], len(t)) + 2 for t, m in blocks) <= width + 2 else 1
        widths = [max(cell * mat.shape[1], len(title)) for title, mat in blocks]
        text = Text()
        for n, ((title, _), block_width) in enumerate(zip(blocks, widths, strict=True)):
            text.append(("  " if n else "") + title.ljust(block_width), "bold")
        depth = max(_map_lines(mat) for _, mat in blocks)
        for line in range(depth):
            text.append("\n")
            for n, ((_, mat), block_width) in enumerate(zip(blocks, widths, strict=True)):
                if n:
                    text.append("  ")
                scale = scale_of(mat)
                top, bottom = 2 * line, 2 * line + 1
                for j in range(mat.shape[1]):
                    if top >= mat.shape[0]:
                        text.append(" " * cell)
                        continue
                    upper = _heat(float(mat[top, j]), scale)
                    lower = _heat(float(mat[bottom, j]), scale) if bottom < mat.shape[0] else None
                    text.append("▀" * cell, rgb_style(upper, lower))
                text.append(" " * (block_width - cell * mat.shape[1]))
        room = height - depth - 1
        if left_out and room >= 1:
            text.append("\n" + "  ·  ".join(left_out) + " (a bigger panel shows it)", "dim")
            room -= 1
        if room >= 1:
            text.append("\n")
            text.append_text(self._map_legend())
        return text

    def _map_legend(self) -> Text:
        legend = Text()
        legend.append("▀▀", rgb_style(POSITIVE, None))
        legend.append(" w > 0  ")
        legend.append("▀▀", rgb_style(NEGATIVE, None))
        legend.append(" w < 0  brighter = larger |w| (each map on its own scale)", "dim")
        return legend


def _map_lines(mat: np.ndarray) -> int:
    """Lines a weight map takes under its title: two rows of `mat` a line (▀)."""
    return -(-mat.shape[0] // 2)


def _heat(value: float, scale: float) -> tuple[int, int, int]:
    """A weight's colour in the heatmaps: its sign's colour, brighter when larger."""
    sign = 0 if value == 0 or not np.isfinite(value) else (1 if value > 0 else -1)
    return signed_rgb(sign, level_of(value, scale))

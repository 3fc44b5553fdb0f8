"""The network view: layers, sizes and activations, and the weights as coloured lines.

For networks whose layers have at most `MAX_DRAWN_UNITS` units the view draws every
connection as a braille line, blue for a positive weight and orange for a negative one,
brighter for a larger |w| (where lines cross, the larger |w| wins the cell); nodes are
coloured by their bias. Bigger networks get one summary row per layer and each W(l) as
a heatmap; a layer no panel could show whole (more than `POOL_COLUMNS` columns or
`POOL_LINES` lines whichever way) is drawn pooled, each cell the mean of a block.
`toggle_gradient` colours the lines, nodes and maps by the last step's ∂W and ∂b
instead (the snapshot's `dW`, `db`), on the same pooled maps for big networks.
"""

from __future__ import annotations

from typing import Self

import numpy as np
from backprop_tui.core.nn.activations import ACTIVATIONS
from backprop_tui.core.training.trainer import Snapshot
from backprop_tui.tui.widgets.format import (
    NEGATIVE,
    NEUTRAL,
    POSITIVE,
    format_number,
    rgb_style,
    scale_of,
    signed_style,
)
from backprop_tui.tui.widgets.network_colours import colour_key, heat
from backprop_tui.tui.widgets.network_layout import Geometry, layout, pooled
from backprop_tui.tui.widgets.panel import WeightsPanel, same_arrays
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.strip import Strip

MAX_DRAWN_UNITS = 8

POOL_COLUMNS = 200
POOL_LINES = 60
"""A weight map wider than `POOL_COLUMNS` or taller than `POOL_LINES` lines whichever way
it is drawn fits no terminal: it is pooled to the room there is."""


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
    by_gradient = False
    """Whether the colours show ∂W and ∂b (the last step's) rather than W and b."""
    dW: tuple[np.ndarray, ...] = ()
    db: tuple[np.ndarray, ...] = ()
    _lines: list[Strip] | None = None  # prebuilt for `_lines_size`
    _lines_size = Size(0, 0)

    # -- the panel contract ----------------------------------------------------------

    def reset(self) -> None:
        """A preset was loaded: new layer sizes, no weights yet."""
        super().reset()
        self.dW, self.db = (), ()
        self._geometry = None

    def take(self, snapshot: Snapshot) -> bool:
        """Keep W and b, and ∂W and ∂b; True when what is coloured by changed."""
        moved = super().take(snapshot)
        if same_arrays(self.dW, snapshot.dW) and same_arrays(self.db, snapshot.db):
            return moved
        self.dW, self.db = snapshot.dW, snapshot.db
        return moved or self.by_gradient

    def redraw(self) -> None:
        self.refresh()

    def toggle_gradient(self) -> None:
        """Colour by ∂W instead of W, or back; redrawn at once."""
        self.by_gradient = not self.by_gradient
        self.refresh()

    @property
    def coloured(self) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...], str]:
        """What the colours show: (W, b, "W") or (∂W, ∂b, "∂W")."""
        if self.by_gradient:
            return self.dW, self.db, "∂W"
        return self.W, self.b, "W"

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
        W, b, _ = self.coloured
        if W:
            weights = np.concatenate([w.ravel() for w in W])
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
        bias_scale = scale_of(np.concatenate([v.ravel() for v in b])) if b else 1.0
        for k, column in enumerate(geometry.node_cells):
            for i, (row, col) in enumerate(column):
                grid_chars[row][col] = "●"
                if k == 0 or not b:
                    grid_styles[row][col] = rgb_style((220, 220, 220), None, True)
                else:
                    grid_styles[row][col] = signed_style(float(b[k - 1][i]), bias_scale, bold=True)
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
        """The diagram's colour key in `width` columns: the longer forms go first."""
        if self.by_gradient:
            if not self.dW:
                return Text("coloured by ∂W: it arrives with the first step", "dim")
            return colour_key(
                "━━",
                width,
                " brighter = larger |∂w|  ● unit, colour = its ∂b",
                " bright = big |∂w|  ● ∂b",
                " ● ∂b",
                symbol="∂w",
            )
        return colour_key(
            "━━",
            width,
            " brighter = larger |w|  ● unit, colour = its bias",
            " bright = big |w|  ● bias",
            " ● bias",
        )

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
        and the layers after it are still drawn; one that no panel would fit is pooled
        (`pooled`) into the columns left, and a line says how."""
        shown, _, name = self.coloured
        if not shown or height < 2:
            return None
        blocks: list[tuple[int, str, np.ndarray]] = []
        left_out: list[str] = []
        too_big: list[int] = []
        used = 0
        for l, W in enumerate(shown):
            for title, mat in ((f"{name}({l + 1})", W), (f"{name}({l + 1})ᵀ", W.T)):
                block_width = max(mat.shape[1], len(title))
                if _map_lines(mat) + 1 <= height and used + block_width <= width:
                    blocks.append((l, title, mat))
                    used += block_width + 2
                    break
            else:
                if not any(_fits_a_panel(m) for m in (W, W.T)):
                    too_big.append(l)
                    continue
                shape = f"{name}({l + 1}) {W.shape[0]} × {W.shape[1]}"
                tall_enough = [m.shape[1] for m in (W, W.T) if _map_lines(m) + 1 <= height]
                if tall_enough:  # it is the width that lacks
                    left_out.append(f"{shape} needs {min(tall_enough)} columns")
                else:
                    lines = min(_map_lines(W), _map_lines(W.T)) + 1
                    left_out.append(f"{shape} needs {lines} lines")
        notes = [note + " (a bigger panel shows it)" for note in left_out]
        if too_big:
            share = (width - used - 2 * (len(too_big) - 1)) // len(too_big)
            for l in too_big:
                # Two lines stay for the note and the colour key.
                title, mat = self._pooled(l, share, 2 * max(height - 3, 1))
                if share < len(title):
                    rows, cols = shown[l].shape
                    notes.append(f"{name}({l + 1}) {rows} × {cols}: no room")
                    continue
                blocks.append((l, title, mat))
                rows, cols = shown[l].shape if "ᵀ" not in title else shown[l].T.shape
                first = not any(note.startswith("≈") for note in notes)
                pooled_as = f"{title[:-1]} {rows} × {cols} → {mat.shape[0]} × {mat.shape[1]}"
                notes.append(("≈ block means: " if first else "") + pooled_as)
        if not blocks:
            return None
        blocks.sort(key=lambda block: block[0])
        # Two columns a weight when everything still fits: square-ish cells read better.
        cell = 2 if sum(max(2 * m.shape[1], len(t)) + 2 for _, t, m in blocks) <= width + 2 else 1
        widths = [max(cell * mat.shape[1], len(title)) for _, title, mat in blocks]
        text = Text()
        for n, ((_, title, _), block_width) in enumerate(zip(blocks, widths, strict=True)):
            text.append(("  " if n else "") + title.ljust(block_width), "bold")
        depth = max(_map_lines(mat) for _, _, mat in blocks)
        scales = [scale_of(mat) for _, _, mat in blocks]
        for line in range(depth):
            text.append("\n")
            for n, ((_, _, mat), block_width) in enumerate(zip(blocks, widths, strict=True)):
                if n:
                    text.append("  ")
                scale = scales[n]
                top, bottom = 2 * line, 2 * line + 1
                for j in range(mat.shape[1]):
                    if top >= mat.shape[0]:
                        text.append(" " * cell)
                        continue
                    upper = heat(float(mat[top, j]), scale)
                    lower = heat(float(mat[bottom, j]), scale) if bottom < mat.shape[0] else None
                    text.append("▀" * cell, rgb_style(upper, lower))
                text.append(" " * (block_width - cell * mat.shape[1]))
        room = height - depth - 1
        if notes and room >= 1:
            text.append("\n" + "  ·  ".join(notes), "dim")
            room -= 1
        if room >= 1:
            text.append("\n")
            text.append_text(self._map_legend(width))
        return text

    def _pooled(self, l: int, columns: int, rows: int) -> tuple[str, np.ndarray]:
        """W(l + 1) or its transpose, whichever keeps more of it, pooled into at most
        `columns` × `rows` cells; with its title (≈: block means)."""
        shown, _, name = self.coloured
        W = shown[l]
        candidates = []
        for title, mat in ((f"{name}({l + 1})≈", W), (f"{name}({l + 1})ᵀ≈", W.T)):
            shape = (min(mat.shape[0], max(rows, 1)), min(mat.shape[1], max(columns, 1)))
            per_cell = -(-mat.shape[0] // shape[0]) * -(-mat.shape[1] // shape[1])
            candidates.append((per_cell, title, mat, shape))
        _, title, mat, shape = min(candidates, key=lambda c: c[0])
        return title, pooled(np.asarray(mat, dtype=float), *shape)

    def _map_legend(self, width: int = 1000) -> Text:
        """The maps' colour key in `width` columns: the longer forms go first."""
        w = "∂w" if self.by_gradient else "w"
        return colour_key(
            "▀▀",
            width,
            f" brighter = larger |{w}| (each map on its own scale)",
            f" brighter = larger |{w}|",
            f" bright = big |{w}|",
            symbol=w,
        )


def _fits_a_panel(mat: np.ndarray) -> bool:
    """Whether a panel could show `mat`'s map whole (see `POOL_COLUMNS`)."""
    return mat.shape[1] <= POOL_COLUMNS and _map_lines(mat) <= POOL_LINES


def _map_lines(mat: np.ndarray) -> int:
    """Lines a weight map takes under its title: two rows of `mat` a line (▀)."""
    return -(-mat.shape[0] // 2)

"""Every cell a step-through phase reads and writes, side by side on one screen.

At δ(1) that is W(2) and δ(2) (which the layer tables keep on layer 2's tab) beside z(1),
a(1) and δ(1). Each quantity is a bracketed block with its name and shape m × n: for one
sample its vectors are columns, as in the notes, so z = W a + b lines up with W's rows;
for a batch they are rows, one per sample, and the block says so. Blocks are packed left
to right into rows of the panel's width; `lines` is how many lines that takes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from backprop_tui.tui.widgets.equation_panel import matrix_block
from backprop_tui.tui.widgets.format import READ_BG, WRITE_BG
from rich.style import Style
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

if TYPE_CHECKING:
    from backprop_tui.core.trace.record import Phase, StepTrace

ONE_SAMPLE_ROWS = 8
"""Entries of one sample's column, and columns of any block, shown before ⋮ and … (a
layer of 8 units fits whole)."""

BATCH_ROWS = 3
"""Samples of a batch shown before ⋮ (the equations above show the batch in full)."""

GAP = 3

_NAMES = {
    "x": "x",
    "y": "y",
    "y_hat": "ŷ",
    "loss": "L",
    "W": "W({l})",
    "b": "b({l})",
    "z": "z({l})",
    "a": "a({l})",
    "delta": "δ({l})",
    "dW": "∂L/∂W({l})",
    "db": "∂L/∂b({l})",
}

_MATRICES = ("W", "dW")


def cell_label(cell: Any) -> str:
    """A trace cell in the notes' notation: 'W(2)', 'δ(1)', 'ŷ'."""
    return _NAMES.get(cell.quantity, cell.quantity).format(l=cell.layer)


def cell_value(trace: StepTrace, phase: Phase, cell: Any, written: bool) -> Any:
    """The numbers of `cell` at `phase`: an update writes W or b after the step."""
    q = cell.quantity
    if q in ("x", "y", "y_hat"):
        return getattr(trace, q)
    if q == "loss":
        return np.float64(trace.loss)
    lt = trace.layers[cell.layer - 1]
    if q in ("W", "b") and written and phase.kind.startswith("update"):
        return lt.W_new if q == "W" else lt.b_new
    return getattr(lt, q)


def _rgb(color: tuple[int, int, int]) -> str:
    return "rgb({},{},{})".format(*color)


def cell_blocks(
    trace: StepTrace, phase: Phase, width: int | None, hide_written: bool = False
) -> list[Text]:
    """One block per cell the phase reads (weights first, as in W a + b), then per cell
    it writes (none with `hide_written`: predict mode asks for them); the name carries
    the legend's colour."""
    one = trace.batch_size == 1
    reads = sorted(phase.reads, key=lambda c: c.quantity not in _MATRICES)
    blocks: list[Text] = []
    seen: set[tuple[str, bool]] = set()
    writes = () if hide_written else phase.writes
    for cell, written in [(c, False) for c in reads] + [(c, True) for c in writes]:
        name = cell_label(cell)
        if (name, written) in seen:
            continue
        seen.add((name, written))
        value = np.asarray(cell_value(trace, phase, cell, written), dtype=float)
        matrix = cell.quantity in _MATRICES
        samples = not one and value.ndim == 2 and not matrix and cell.quantity not in ("b", "db")
        block = matrix_block(
            name,
            value,
            trace.precision,
            samples,
            width,
            column=one and not matrix,
            max_rows=ONE_SAMPLE_ROWS if one or matrix else BATCH_ROWS + 1,
            max_cols=ONE_SAMPLE_ROWS,
        )
        colour = WRITE_BG if written else READ_BG
        block.stylize(Style(bgcolor=_rgb(colour), bold=True), 0, len(name))
        blocks.append(block)
    return blocks


def pack(blocks: list[Text], width: int) -> Text:
    """The blocks side by side, top-aligned, as many to a row as `width` holds."""
    rows: list[list[list[Text]]] = []
    used = 0
    for block in blocks:
        lines = block.split("\n")
        w = max(line.cell_len for line in lines)
        if rows and used + GAP + w <= width:
            rows[-1].append(lines)
            used += GAP + w
        else:
            rows.append([lines])
            used = w
    out = Text(no_wrap=True, overflow="crop")
    for r, row in enumerate(rows):
        widths = [max(line.cell_len for line in lines) for lines in row]
        for k in range(max(len(lines) for lines in row)):
            if r or k:
                out.append("\n")
            for j, lines in enumerate(row):
                line = lines[k] if k < len(lines) else Text("")
                out.append_text(line)
                if j < len(row) - 1:
                    out.append(" " * (widths[j] - line.cell_len + GAP))
    return out


class PhaseCells(VerticalScroll):
    """The current phase's cells, read and written, all at once."""

    DEFAULT_CSS = """
    PhaseCells {
        height: auto;
        padding: 0 1;
        scrollbar-size-vertical: 1;
    }
    PhaseCells > Static {
        width: auto;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.cells = Static("")
        self.plain = ""
        """What the panel shows, as plain text."""
        self.lines = 0
        """How many lines the blocks take."""
        self._shown: tuple[StepTrace, int, bool] | None = None
        self._width = 0

    def compose(self) -> Any:
        yield self.cells

    def show_phase(
        self, trace: StepTrace, index: int, width: int | None = None, hide_result: bool = False
    ) -> None:
        """Draw phase `index` of `trace` in `width` cells (None: the panel's width); with
        `hide_result`, only the cells it reads (predict mode asks for the rest)."""
        self._shown = (trace, index, hide_result)
        if width is None:
            width = self.scrollable_content_region.width or 80
        self._width = width
        text = pack(cell_blocks(trace, trace.phases[index], width, hide_result), width)
        self.cells.update(text)
        self.plain = text.plain
        self.lines = len(text.plain.split("\n"))

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        if self._shown is not None and width and width != self._width:
            trace, index, hide = self._shown
            self.show_phase(trace, index, width, hide)

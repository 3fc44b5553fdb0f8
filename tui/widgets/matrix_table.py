"""One matrix as a grid of numbers that updates by diff, its title, and rows of them.

`MatrixTable.set_matrix(values, precision, highlights)` shows a 2-D array: each cell is
the number with `precision` decimals, coloured by sign and magnitude (relative to the
table's largest |value|), followed by ▲ or ▼ when it rose or fell since the previous
values and a blank otherwise; highlighted cells get a read or write background. Only the
rows whose cells changed are drawn again (see `GridView`). `MatrixPanel` puts a title
over a table; `TablesRow` lays panels side by side, wrapping into as many grid columns
as fit.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
from backprop_tui.tui.widgets.cell_grid import BLANK, Cell, CellGrid
from backprop_tui.tui.widgets.format import READ_BG, WRITE_BG, format_number, scale_of, signed_style
from backprop_tui.tui.widgets.layer_cells import PARAMETERS, HighlightSpec, title_of
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Container, Vertical
from textual.css.scalar import Scalar
from textual.widgets import Static

MARKS = {1: "▲", -1: "▼", 0: " "}

GAP = 2
"""Blank columns between two tables side by side."""


SAMPLE, UNIT, INPUT = "i", "j", "k"
"""The tables' index letters, one per role, counting from 1: i a sample of the batch (as
in the equations' ℓᵢ and xᵢ), j a unit of layer l (W(l)'s rows, z(l)'s columns), k a unit
of layer l − 1 or an input (W(l)'s columns, a(l−1)'s columns)."""


@lru_cache(maxsize=64)
def row_labels(letter: str, rows: int) -> tuple[str, ...]:
    """The row labels j=1, j=2, … for `letter` "j" (the same tuple each frame)."""
    return tuple(f"{letter}={r + 1}" for r in range(rows))


class MatrixTable(CellGrid):
    """One matrix (parameters, gradients or a batch quantity of one layer) as numbers."""

    DEFAULT_CSS = """
    MatrixTable {
        width: auto;
        height: auto;
        scrollbar-size: 1 1;
    }
    """

    BLURRED_CURSOR = False

    def __init__(self, layer: int, quantity: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.layer_number = layer
        """The weight layer, from 1."""
        self.quantity = quantity
        """W, b, dW, db, a_prev, z, a, delta or y."""
        self.values: np.ndarray | None = None
        """The matrix shown now (None before the first `set_matrix`)."""
        self._moved = np.zeros((0, 0), dtype=int)
        self._fresh = True

    @staticmethod
    def cell_width(text: str) -> int:
        return len(text)  # digits, signs, "e", "nan", "inf" and ▲ ▼: one cell each

    def set_matrix(
        self,
        values: np.ndarray,
        precision: int,
        highlights: dict[HighlightSpec, str],
        rows_kept: int = 0,
    ) -> None:
        """Show `values` (rows × columns). Cells that differ from the previous values get
        ▲ / ▼ (kept while the same values are shown again); `highlights` gives cells a
        background by kind ("read" or "write"). When `values` has fewer rows than the
        table, the table keeps up to `rows_kept` rows, blank past the values (a short
        last batch then does not lay the screen out twice an epoch); the others go."""
        previous = self.values
        rows, cols = values.shape
        reshaped = previous is None or previous.shape[1] != cols
        # Only a parameter's cell is the same quantity from frame to frame: a batch
        # table's row holds another sample each step, so its ▲ / ▼ would mean nothing.
        if reshaped or previous is None or self.quantity not in PARAMETERS:
            self._moved = np.zeros(values.shape, dtype=int)
        elif previous.shape != values.shape or not np.array_equal(values, previous, equal_nan=True):
            # A short last batch changes the row count: compare the rows both have.
            common = min(rows, previous.shape[0])
            with np.errstate(invalid="ignore", over="ignore"):
                step = values[:common] - previous[:common]
            self._moved = np.zeros(values.shape, dtype=int)
            self._moved[:common] = np.where(np.isfinite(step), np.sign(step), 0)
        self.values = values
        scale = scale_of(values)
        moved = self._moved.tolist()
        cells = [
            [
                self._cell(value, moved[r][c], r, c, scale, highlights, precision)
                for c, value in enumerate(row)
            ]
            for r, row in enumerate(values.tolist())
        ]
        prefix = UNIT if self.quantity in PARAMETERS else SAMPLE
        if reshaped or self._fresh or not self.rows:
            self._fresh = False
            self.reset(self._headers(cols), cells, row_labels(prefix, rows))
            return
        kept = max(rows, min(rows_kept, len(self.rows)))
        cells.extend([BLANK] * cols for _ in range(kept - rows))
        self.update(cells, row_labels(prefix, len(cells)))

    def relayout(self) -> None:
        """Measure the columns afresh with the next values (they only grow otherwise),
        keeping the ▲ / ▼ marks."""
        self._fresh = True

    def _headers(self, cols: int) -> list[str]:
        if not cols:
            return []  # nothing yet (∂b before the first step): no header either
        if self.quantity in ("b", "db"):
            return ["b" if self.quantity == "b" else "∂b"]
        letter = INPUT if self.quantity in ("W", "dW", "a_prev") else UNIT
        return [f"{letter}={c + 1}" for c in range(cols)]

    @staticmethod
    def _cell(
        value: float,
        moved: int,
        r: int,
        c: int,
        scale: float,
        highlights: dict[HighlightSpec, str],
        precision: int,
    ) -> Cell:
        kind = None
        if highlights:
            for spec in ((r, c), (None, c), (r, None), (None, None)):
                kind = highlights.get(spec)
                if kind is not None:
                    break
        bg = None if kind is None else WRITE_BG if kind == "write" else READ_BG
        style = signed_style(value, scale, bold=bool(moved) or kind is not None, bgcolor=bg)
        # The ▲/▼ column stays even when blank, so the decimal points of marked and
        # unmarked numbers line up.
        return (format_number(value, precision) + MARKS[moved], style)

    def cell_text(self, row: int, column: int) -> Text:
        """The Text shown at (row, column) (tests and the step-through read it)."""
        text, style = self.rows[row][column]
        return Text(text, style=style or Style(), justify="right")


class MatrixPanel(Vertical):
    """A title over one MatrixTable."""

    DEFAULT_CSS = """
    MatrixPanel {
        width: auto;
        height: auto;
    }
    MatrixPanel > Static {
        width: auto;
        text-style: bold;
    }
    """

    def __init__(self, layer: int, quantity: str) -> None:
        super().__init__(classes=f"-{quantity.lower()}")
        self._caption = title_of(quantity, layer)
        self.caption = Static(self._caption)
        self.table = MatrixTable(layer, quantity)

    def compose(self) -> ComposeResult:
        yield self.caption
        yield self.table

    def natural_width(self) -> int:
        """The cells this panel needs to show its title and every column unscrolled."""
        return max(_extent(self._caption)[1], self.table.virtual_size.width)

    def set_caption(self, text: str) -> None:
        """Change the title (only when it differs; the screen is laid out again only
        when its size changed, as a short last batch's "8 samples" ↔ "32 samples" does
        not: a layout per frame would cost more than the tables). Lines after the first
        are a dim note."""
        if text != self._caption:
            same_size = _extent(text) == _extent(self._caption)
            self._caption = text
            title, _, note = text.partition("\n")
            caption = Text(title)
            if note:
                caption.append("\n" + note, "dim not bold")
            self.caption.update(caption, layout=not same_size)


def _extent(text: str) -> tuple[int, int]:
    """(lines, widest line) of a caption."""
    lines = text.split("\n")
    return len(lines), max(map(len, lines))


def fitting_columns(widths: list[int], available: int, gap: int) -> int:
    """The most grid columns (at least 1) that show items of `widths`, in order and row
    by row, within `available` cells: each column as wide as its widest item, `gap`
    cells between columns."""
    for columns in range(len(widths), 1, -1):
        column_widths = [max(widths[c::columns]) for c in range(columns)]
        if sum(column_widths) + gap * (columns - 1) <= available:
            return columns
    return 1


class TablesRow(Container):
    """MatrixPanels side by side in a grid that wraps into as many columns as fit."""

    DEFAULT_CSS = """
    TablesRow {
        layout: grid;
        grid-columns: auto;
        grid-rows: auto;
        height: auto;
        width: auto;
        margin-bottom: 1;
    }
    """

    def __init__(self, *panels: MatrixPanel) -> None:
        super().__init__(*panels, classes="tables-row")
        self.panels = panels
        self.styles.grid_size_columns = len(panels)
        # Textual's "vertical" gutter is the one between columns.
        self.styles.grid_gutter_vertical = GAP
        self.styles.grid_gutter_horizontal = 1

    def wrap(self, available: int) -> None:
        """Take as many grid columns as fit `available` cells, so no table is cut off at
        the right while there is room below; the grid is laid out again only when the
        column count changes."""
        for panel in self.panels:
            # A fixed height, every row: an auto-height table in a grid cell would be
            # cut to the scroll area's height (Textual sizes auto grid rows in it).
            lines = panel.table.virtual_size.height
            if panel.table.styles.height != Scalar.from_number(lines):
                panel.table.styles.height = lines
        widths = [panel.natural_width() for panel in self.panels]
        columns = fitting_columns(widths, available, GAP)
        if self.styles.grid_size_columns != columns:
            self.styles.grid_size_columns = columns

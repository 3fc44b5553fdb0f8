"""How a grid's lines are drawn: where its columns are, and one line's segments.

A line is the row labels' column (padded, left-aligned, in the header style), then each
cell padded by `PADDING` blanks either side and aligned in its column, then blanks to
the widget's edge. Each cell is its own segments (a cell's padding is not joined with
the next cell's), as a `DataTable` drew them, so the screen's text is split the same way.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.strip import Strip

Cell = tuple[str, Style | None]
"""A cell's text and its own style (None: the row's), drawn over the row's style."""

BLANK: Cell = ("", None)

PADDING = 1
"""Blank cells each side of a column's text."""

NO_CELL = -1
"""No cursor (or hover) cell on a line."""

Justify = Literal["left", "right"]

Measure = Callable[[str], int]
"""The cells a text takes on screen."""


class Palette(NamedTuple):
    """What every line of a paint shares; when any of it changes (theme, focus, size),
    every kept line is drawn again."""

    base: Style
    header: Style
    label: Style
    cursor: Style
    hover: Style
    even: Style
    cursor_color: Style
    header_fill: Style
    base_fill: Style
    even_fill: Style
    width: int


@dataclass(frozen=True)
class Columns:
    """Where a grid's columns are, in cells: the row labels' column first (`left` cells
    with its padding; 0 without labels), then column c, `widths[c]` cells of text plus
    the padding, starting `starts[c]` cells right of the labels."""

    headers: tuple[str, ...] = ()
    justify: tuple[Justify, ...] = ()
    widths: tuple[int, ...] = ()
    label_width: int = 0
    labelled: bool = False
    left: int = field(init=False)
    starts: tuple[int, ...] = field(init=False)
    width: int = field(init=False)
    """The whole width: labels and every column."""

    def __post_init__(self) -> None:
        starts, x = [], 0
        for w in self.widths:
            starts.append(x)
            x += w + 2 * PADDING
        left = self.label_width + 2 * PADDING if self.labelled else 0
        object.__setattr__(self, "left", left)
        object.__setattr__(self, "starts", tuple(starts))
        object.__setattr__(self, "width", left + x)

    def column_at(self, x: int) -> int | None:
        """The column at `x` cells right of the row labels, or None past the last one."""
        column = bisect_right(self.starts, x) - 1
        if column < 0 or x >= self.starts[column] + self.widths[column] + 2 * PADDING:
            return None
        return column


def header_line(columns: Columns, palette: Palette, measure: Measure) -> Strip:
    """The header: the columns' titles over a blank corner above the row labels."""
    pad = " " * PADDING
    segments: list[Segment] = []
    if columns.left:
        segments.append(Segment(" " * columns.left, palette.header))
    for title, w, justify in zip(columns.headers, columns.widths, columns.justify, strict=True):
        text = _aligned(title, w - measure(title), justify)
        segments.append(Segment(pad + text + pad, palette.header))
    return _to_edge(segments, columns, palette, palette.header_fill)


def row_line(
    columns: Columns,
    palette: Palette,
    measure: Measure,
    label: str | None,
    cells: Sequence[Cell],
    *,
    even: bool,
    by_row: bool,
    cursor: int,
    hover: int,
) -> Strip:
    """One row: its label, then its cells. The cell at column `cursor` (every cell, `by_row`)
    gets the cursor's style, the one at `hover` the hover's; `even` rows the zebra's."""
    pad = " " * PADDING
    segments: list[Segment] = []
    if columns.left and label is not None:
        gap = columns.label_width - measure(label)
        segments.append(Segment(pad, palette.header))
        segments.append(Segment(label, palette.label))
        segments.append(Segment(" " * gap + pad, palette.header))
    row_style = palette.even if even else palette.base
    fill = palette.even_fill if even else palette.base_fill
    if by_row and cursor != NO_CELL:
        fill += palette.cursor
    elif by_row and hover != NO_CELL:
        fill += palette.hover
    for c, ((text, style), w, justify) in enumerate(
        zip(cells, columns.widths, columns.justify, strict=True)
    ):
        around = row_style
        if c == cursor or (by_row and cursor != NO_CELL):
            around = row_style + palette.cursor
            if style is not None:
                style = style + palette.cursor_color
        elif c == hover or (by_row and hover != NO_CELL):
            around = row_style + palette.hover
        inner = around if style is None else around + style
        text = _aligned(text, w - measure(text), justify)
        if inner == around:
            segments.append(Segment(pad + text + pad, around))
        else:
            segments.append(Segment(pad, around))
            segments.append(Segment(text, inner))
            segments.append(Segment(pad, around))
    return _to_edge(segments, columns, palette, fill)


def faded(row_style: Style, background: Color) -> Style:
    """The blank right of the last column, as a `DataTable` fills it: the row's colour
    over its background faded a quarter of the way to the widget's."""
    if row_style.bgcolor is None:
        return Style.from_color(row_style.color)
    color = Color.from_rich_color(row_style.bgcolor).blend(background, factor=0.25)
    return Style.from_color(row_style.color, color.rich_color)


def _to_edge(segments: list[Segment], columns: Columns, palette: Palette, fill: Style) -> Strip:
    if palette.width > columns.width:
        segments.append(Segment(" " * (palette.width - columns.width), fill))
    return Strip(segments, max(columns.width, palette.width))


def _aligned(text: str, gap: int, justify: str) -> str:
    """`text` with `gap` blanks before it (right) or after it (left)."""
    if gap <= 0:
        return text
    return " " * gap + text if justify == "right" else text + " " * gap

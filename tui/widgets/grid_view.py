"""A grid of text cells drawn through Textual's line API: headers, row labels, a cursor.

`GridView` is a `ScrollView` that owns what a table shows: its cells (text and style),
the column widths and how each line is drawn (see `grid_lines`), with Textual's public
line API only (`render_line`, `virtual_size`, `scroll_offset`): a `DataTable` is fast
enough for a table that changes many times a second only through its private internals.
`CellGrid` adds the keys and the mouse.

A row's line is built once per change of that row (or of the styles, the widths or the
size) and kept; a repaint hands the kept lines over. The header stays on top and the
row labels at the left when the grid scrolls. Columns only grow, so that numbers do not
move sideways while they change; `reset` measures them afresh.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import ClassVar, Literal

from backprop_tui.tui.widgets.grid_lines import (
    NO_CELL,
    PADDING,
    Cell,
    Columns,
    Justify,
    Palette,
    faded,
    header_line,
    row_line,
)
from rich.cells import cell_len
from rich.style import Style
from textual.coordinate import Coordinate
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

DIM = Style(dim=True)


class GridView(ScrollView):
    """Rows of text cells under a header, with optional row labels, a cursor and a
    highlighted cell under the mouse. Fill it with `reset` (new columns, measured afresh)
    and `update` (new cells: only the rows that changed are drawn again)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "grid-view--header",
        "grid-view--cursor",
        "grid-view--hover",
        "grid-view--even-row",
    }
    """
    | Class | Description |
    | :- | :- |
    | `grid-view--header` | The header row and the row labels. |
    | `grid-view--cursor` | The cell (or row) under the cursor. |
    | `grid-view--hover` | The cell under the mouse pointer. |
    | `grid-view--even-row` | Rows 0, 2, 4, … when `ZEBRA` is on. |
    """

    DEFAULT_CSS = """
    GridView {
        background: $surface;
        color: $foreground;
        height: auto;
        max-height: 100%;
        &:focus {
            background-tint: $foreground 5%;
            & > .grid-view--header {
                background-tint: $foreground 5%;
            }
            & > .grid-view--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
        & > .grid-view--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .grid-view--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .grid-view--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .grid-view--hover {
            background: $block-hover-background;
        }
        & > .grid-view--even-row {
            background: $surface-lighten-1 50%;
        }
        &:dark > .grid-view--even-row {
            background: $surface-darken-1 40%;
        }
    }
    """

    CURSOR: ClassVar[Literal["cell", "row"]] = "cell"
    """What the cursor covers."""
    BLURRED_CURSOR: ClassVar[bool] = True
    """Whether the cursor is drawn while the grid does not have the focus."""
    ZEBRA: ClassVar[bool] = False
    """Whether even rows get their own background."""
    CURSOR_COLOR: ClassVar[bool] = False
    """Whether the cursor's text colour replaces a cell's own (else the cell keeps it)."""

    class Resized(Message):
        """The grid's columns got wider or narrower, or it got more or fewer rows (the
        layout around it may need to change)."""

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.columns = Columns()
        """Where the columns are (and their titles and alignment)."""
        self.row_labels: Sequence[str] | None = None
        """A label left of each row (None: no label column)."""
        self.rows: list[list[Cell]] = []
        """The cells, row by row."""
        self.cursor_coordinate = Coordinate(0, 0)
        """(row, column) of the cursor."""
        self.hover_coordinate: Coordinate | None = None
        """(row, column) of the cell under the mouse pointer, or None."""
        self._lines: dict[int, Strip] = {}
        self._marked: dict[tuple[int, int, int], Strip] = {}
        self._palette: Palette | None = None
        self._size_when_mounted: Size | None = None

    # -- contents ----------------------------------------------------------------------

    @staticmethod
    def cell_width(text: str) -> int:
        """The cells `text` takes on screen (a subclass whose texts are all one cell a
        character can say so, and skip rich's measuring)."""
        return len(text) if text.isascii() else cell_len(text)

    @property
    def headers(self) -> list[str]:
        """The columns' titles (no columns: nothing is drawn, not even a header)."""
        return list(self.columns.headers)

    @property
    def row_count(self) -> int:
        """The number of rows."""
        return len(self.rows)

    @property
    def column_count(self) -> int:
        """The number of columns."""
        return len(self.columns.headers)

    def reset(
        self,
        headers: Sequence[str],
        rows: list[list[Cell]],
        row_labels: Sequence[str] | None = None,
        justify: Sequence[Justify] | None = None,
    ) -> None:
        """Show new columns and cells (`justify`: each column's alignment, right when
        None); the columns are measured afresh (they may narrow) and the cursor stays
        where it was when that cell still exists."""
        self.rows, self.row_labels = rows, row_labels
        widths = [self.cell_width(header) for header in headers]
        for cells in rows:
            self._grow(widths, cells)
        right: Justify = "right"
        aligned = tuple(justify) if justify is not None else (right,) * len(headers)
        self.columns = Columns(tuple(headers), aligned, tuple(widths))
        row, column = self.cursor_coordinate
        if not (row < len(rows) and column < len(headers)):
            self.cursor_coordinate = Coordinate(0, 0)
        self.hover_coordinate = None
        self._layout()

    def update(self, rows: list[list[Cell]], row_labels: Sequence[str] | None = None) -> None:
        """Show new cells in the same columns (rows may come or go). Only the rows whose
        cells changed are drawn again; a column grows when a wider text arrives."""
        old = self.rows
        widths = list(self.columns.widths)
        redrawn = [r for r, row in enumerate(rows) if r >= len(old) or old[r] != row]
        for r in redrawn:
            self._lines.pop(r, None)
            self._grow(widths, rows[r])
        self.rows = rows
        if row_labels is not None and row_labels != self.row_labels:
            self.row_labels = row_labels
            redrawn = list(range(len(rows)))
            self._lines.clear()
        if not redrawn and len(rows) == len(old):
            return
        if self._marked:
            self._marked = {k: v for k, v in self._marked.items() if k[0] not in redrawn}
        if self.cursor_coordinate.row >= len(rows):
            self.cursor_coordinate = Coordinate(max(len(rows) - 1, 0), self.cursor_coordinate[1])
        if tuple(widths) != self.columns.widths or len(rows) != len(old):
            self.columns = replace(self.columns, widths=tuple(widths))
            self._layout()
        else:
            self.refresh()

    def _grow(self, widths: list[int], row: list[Cell]) -> None:
        width = self.cell_width
        for c, (text, _) in enumerate(row):
            n = width(text)
            if n > widths[c]:
                widths[c] = n

    def _layout(self) -> None:
        """Place the row labels' column, and set the virtual size, after the widths or
        the rows changed; every kept line is dropped."""
        labels = self.row_labels if self.rows else None
        label_width = max(map(self.cell_width, labels)) if labels else 0
        columns = self.columns = replace(
            self.columns, label_width=label_width, labelled=bool(labels)
        )
        self._lines.clear()
        self._marked.clear()
        size = Size(columns.width, 1 + len(self.rows)) if columns.headers else Size(0, 0)
        if self.is_mounted:
            self.virtual_size = size
        else:
            self._size_when_mounted = size
        self.refresh()

    def on_mount(self) -> None:
        if self._size_when_mounted is not None:
            self.virtual_size, self._size_when_mounted = self._size_when_mounted, None

    def watch_virtual_size(self) -> None:
        self.post_message(self.Resized())  # a reactive's watcher runs only on a change

    def cell_at(self, offset: tuple[int, int]) -> Coordinate | None:
        """The (row, column) of the cell at `offset` in the widget's content area, or None
        (the header, a row label or past the last cell)."""
        x, y = offset
        scroll_x, scroll_y = self.scroll_offset
        row = y - 1 + scroll_y
        if y < 1 or row >= len(self.rows) or x < self.columns.left:
            return None
        column = self.columns.column_at(x - self.columns.left + scroll_x)
        return None if column is None else Coordinate(row, column)

    def cell_region(self, row: int, column: int) -> Region:
        """Where the cell (row, column) is in the grid's virtual area (header included),
        or its whole row with a row cursor."""
        left = self.columns.left
        if self.CURSOR == "row":
            return Region(int(self.scroll_x) + left, row + 1, self.size.width - left, 1)
        width = self.columns.widths[column] + 2 * PADDING
        return Region(left + self.columns.starts[column], row + 1, width, 1)

    # -- drawing -----------------------------------------------------------------------

    def _styles(self) -> Palette:
        base = self.rich_style
        header = self.get_component_rich_style("grid-view--header")
        even = self.get_component_rich_style("grid-view--even-row") if self.ZEBRA else base
        cursor = self.get_component_rich_style("grid-view--cursor")
        background = self.background_colors[1]
        header_fill, base_fill, even_fill = header, base, even
        if self.CURSOR != "row":  # faded, as a DataTable's
            header_fill, base_fill, even_fill = (
                faded(header, background),
                faded(base, background),
                faded(even, background),
            )
        return Palette(
            base,
            header,
            header + DIM,
            cursor,
            self.get_component_rich_style("grid-view--hover"),
            even,
            Style.from_color(cursor.color) if self.CURSOR_COLOR else Style(),
            header_fill,
            base_fill,
            even_fill,
            self.size.width,
        )

    def render_lines(self, crop: Region) -> list[Strip]:
        palette = self._styles()
        if palette != self._palette:
            self._palette = palette
            self._lines.clear()
            self._marked.clear()
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        palette = self._palette or self._styles()
        width = self.size.width
        scroll_x, scroll_y = self.scroll_offset
        row = -1 if y == 0 else y - 1 + scroll_y
        if not self.columns.headers or row >= len(self.rows):
            return Strip.blank(width, palette.base)
        cursor = hover = NO_CELL
        if row >= 0:
            if self.has_focus or self.BLURRED_CURSOR:
                r, c = self.cursor_coordinate
                if r == row:
                    cursor = c
            if self.hover_coordinate is not None and self.hover_coordinate.row == row:
                hover = self.hover_coordinate.column
        if cursor == hover == NO_CELL:
            line = self._lines.get(row)
            if line is None:
                line = self._lines[row] = self._build(palette, row, cursor, hover)
        else:
            key = (row, cursor, hover)
            line = self._marked.get(key)
            if line is None:
                if len(self._marked) > 8:
                    self._marked.clear()
                line = self._marked[key] = self._build(palette, row, cursor, hover)
        if line.cell_length > width:
            if not scroll_x:
                return line.crop(0, width)
            # The label column stays; the cells scroll under it.
            left = self.columns.left
            return Strip.join([line.crop(0, left), line.crop(left + scroll_x, scroll_x + width)])
        return line

    def _build(self, palette: Palette, row: int, cursor: int, hover: int) -> Strip:
        if row < 0:
            return header_line(self.columns, palette, self.cell_width)
        return row_line(
            self.columns,
            palette,
            self.cell_width,
            self.row_labels[row] if self.row_labels is not None else None,
            self.rows[row],
            even=self.ZEBRA and row % 2 == 0,
            by_row=self.CURSOR == "row",
            cursor=cursor,
            hover=hover,
        )

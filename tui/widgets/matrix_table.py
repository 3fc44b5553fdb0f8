"""One matrix as a DataTable that updates by diff and paints its numbers cheaply.

`set_matrix(values, precision, highlights)` shows a 2-D array: each cell is the number
with `precision` decimals, coloured by sign and magnitude (relative to the table's
largest |value|), followed by ▲ or ▼ when it rose or fell since the previous values and
a blank otherwise; highlighted cells get a read or write background. Only the cells
whose text or style changed are written, all in one pass, and the table repaints once.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
from backprop_tui.tui.widgets.format import READ_BG, WRITE_BG, format_number, scale_of, signed_style
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import DataTable
from textual.widgets.data_table import CellKey, ColumnKey, RowKey

PARAMETERS = ("W", "b", "dW", "db")

HighlightSpec = tuple[int | None, int | None]
"""(row, column) of a highlighted cell; None stands for every row (or column)."""

MARKS = {1: "▲", -1: "▼", 0: " "}
BLANK: tuple[str, int, Style | None] = ("", 0, None)


@lru_cache(maxsize=1024)
def _combine(base: Style, component: Style, cell: Style | None, post: Style | None) -> Style:
    """base + component + cell + post, as rich's Styled would layer them (cached: a
    table has only a few distinct combinations)."""
    style = base + component
    if cell is not None:
        style = style + cell
    return style + post if post is not None else style


class FrameCache(dict):
    """A render cache for a table whose numbers change every frame: a plain dict, emptied
    with each new set of values (and whenever it reaches `limit` entries).

    DataTable's own LRUCache links its entries into cycles (doubly linked lists), so each
    frame's dead entries were garbage that only the cyclic collector frees; its full
    collections then paused the UI for 40–100 ms every second or two."""

    def __init__(self, limit: int = 4096) -> None:
        super().__init__()
        self.limit = limit

    def __setitem__(self, key: Any, value: Any) -> None:
        if len(self) >= self.limit:
            self.clear()
        super().__setitem__(key, value)


class MatrixTable(DataTable):
    """One matrix as a DataTable that updates by diff."""

    DEFAULT_CSS = """
    MatrixTable {
        width: auto;
        height: auto;
        scrollbar-size: 1 1;
        & > .datatable--cursor {
            background: transparent;
        }
        &:focus > .datatable--cursor {
            background: $block-cursor-background;
        }
    }
    """

    def __init__(self, layer: int, quantity: str, **kwargs: Any) -> None:
        # The cell's own colours (sign, highlight) stay visible under the cursor.
        super().__init__(
            cursor_type="cell",
            zebra_stripes=False,
            cursor_foreground_priority="renderable",
            **kwargs,
        )
        self._cell_render_cache = FrameCache()
        self._row_render_cache = FrameCache()
        self._row_renderable_cache = FrameCache()
        self._line_cache = FrameCache()
        self.layer_number = layer
        self.quantity = quantity
        self.values: np.ndarray | None = None
        self._keys: list[list[tuple[str, int, Style | None]]] = []
        self._moved = np.zeros((0, 0), dtype=int)
        self._row_keys: list[RowKey] = []
        self._column_keys: list[ColumnKey] = []
        self._pending: tuple | None = None
        self._meta: dict[tuple[int, int], Style] = {}
        self._labels: dict[tuple, list[list[Segment]]] = {}
        self._frame_styles: tuple[Style, Style, Color] | None = None

    class Resized(Message):
        """The table's columns got wider or narrower, or it got more or fewer rows (the
        layout around it may need to change)."""

    def watch_virtual_size(self) -> None:
        self.post_message(self.Resized())  # a reactive's watcher runs only on a change

    def on_mount(self) -> None:
        if self._pending is not None:
            args, self._pending = self._pending, None
            self._apply(*args)

    def set_matrix(
        self,
        values: np.ndarray,
        precision: int,
        highlights: dict[HighlightSpec, str],
    ) -> None:
        """Show `values` (rows × columns). Cells that differ from the previous values get
        ▲ / ▼ (kept while the same values are shown again); `highlights` gives cells a
        background by kind ("read" or "write")."""
        if not self.is_mounted:
            self._pending = (values, precision, highlights)
        else:
            self._apply(values, precision, highlights)

    def _apply(
        self, values: np.ndarray, precision: int, highlights: dict[HighlightSpec, str]
    ) -> None:
        previous = self.values
        rows, cols = values.shape
        reshaped = previous is None or previous.shape[1] != cols
        rebuild = reshaped or not self._keys
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
        keys = [
            [
                self._key(value, moved[r][c], r, c, scale, highlights, precision)
                for c, value in enumerate(row)
            ]
            for r, row in enumerate(values.tolist())
        ]
        if rebuild:
            self._rebuild(keys)
            self._keys = keys
            return
        # Rows are never removed (a short last batch would remove and re-add them every
        # epoch); rows past the current batch are blanked instead.
        keys.extend([BLANK] * cols for _ in range(len(self._keys) - rows))
        self._update(keys)

    def relayout(self) -> None:
        """Build the table afresh with the next values (columns as wide as those need:
        DataTable's columns only ever grow), keeping its ▲ / ▼ marks."""
        self._keys = []

    def _update(self, keys: list[list[tuple[str, int, Style | None]]]) -> None:
        """Write the cells whose key changed straight into the table, then repaint once.

        `DataTable.update_cell` repaints the whole table for every cell it writes; a
        batch table changes hundreds of cells a frame, so this does what it does (set the
        data, ask for a width check only when a text got wider) for all of them first.
        """
        # The widths the columns have now (DataTable re-measures, and may shrink, them).
        widths = [self.columns[key].content_width for key in self._column_keys]
        data = self._data
        changed = False
        for r, (old_row, new_row) in enumerate(zip(self._keys, keys, strict=False)):
            row_key = self._row_keys[r]
            for c, (old, new) in enumerate(zip(old_row, new_row, strict=True)):
                if old != new:
                    column_key = self._column_keys[c]
                    data[row_key][column_key] = self._cell(new)
                    changed = True
                    width = len(new[0]) + 1
                    if width > widths[c]:
                        widths[c] = width
                        self._updated_cells.add(CellKey(row_key, column_key))
                        self._require_update_dimensions = True
        for r in range(len(self._keys), len(keys)):
            self._add_row(r, keys[r])
        self._keys = keys
        if changed:
            self._update_count += 1
            self._forget_renders()
            self.refresh()

    def _forget_renders(self) -> None:
        """Drop the rendered cells, rows and lines of earlier updates: DataTable keys its
        caches by the update count, so a live table would keep a dead set every frame
        (up to 10 000 cells and 1 000 rows and lines a table, before they were evicted)."""
        self._cell_render_cache.clear()
        self._row_render_cache.clear()
        self._row_renderable_cache.clear()
        self._line_cache.clear()

    @staticmethod
    def _key(
        value: float,
        moved: int,
        r: int,
        c: int,
        scale: float,
        highlights: dict[HighlightSpec, str],
        precision: int,
    ) -> tuple[str, int, Style]:
        kind = None
        if highlights:
            for spec in ((r, c), (None, c), (r, None), (None, None)):
                kind = highlights.get(spec)
                if kind is not None:
                    break
        bg = None if kind is None else WRITE_BG if kind == "write" else READ_BG
        style = signed_style(value, scale, bold=bool(moved) or kind is not None, bgcolor=bg)
        return (format_number(value, precision), moved, style)

    @staticmethod
    def _cell(key: tuple[str, int, Style | None]) -> Text:
        text, moved, style = key
        return Text(text + MARKS[moved] if text else "", style=style or "", justify="right")

    def _rebuild(self, keys: list[list[tuple[str, int, Style | None]]]) -> None:
        cursor = self.cursor_coordinate
        self.clear(columns=True)
        self._labels = {}
        cols = len(keys[0]) if keys else 0
        if not cols:
            labels = []  # nothing yet (∂b before the first step): no header either
        elif self.quantity in ("b", "db"):
            labels = ["b" if self.quantity == "b" else "∂b"]
        elif self.quantity in ("W", "dW"):
            labels = [f"j={c + 1}" for c in range(cols)]
        else:
            prefix = {"a_prev": "x" if self.layer_number == 1 else "u", "y": "y"}.get(
                self.quantity, "u"
            )
            labels = [f"{prefix}{c + 1}" for c in range(cols)]
        self._row_keys = []
        self._column_keys = [
            self.add_column(Text(label, justify="right"), key=str(c))
            for c, label in enumerate(labels)
        ]
        for r, row in enumerate(keys):
            self._add_row(r, row)
        if self.is_valid_coordinate(cursor):
            self.cursor_coordinate = cursor

    def _add_row(self, r: int, row: list[tuple[str, int, Style | None]]) -> None:
        prefix = "i=" if self.quantity in PARAMETERS else "#"
        row_key = self.add_row(
            *(self._cell(key) for key in row),
            key=str(r),
            label=Text(f"{prefix}{r + 1}", style="dim"),
        )
        self._row_keys.append(row_key)

    def render_lines(self, crop: Region) -> list[Strip]:
        """Every line of a frame shares one base style, header style and background:
        DataTable asks the DOM for them (a walk up the ancestors) on every line, about a
        third of a table's paint; here they are looked up once per paint."""
        self._pseudo_class_state = self.get_pseudo_class_state()
        if "datatable--header" in self._component_styles:
            self._frame_styles = (
                self.rich_style,
                self.get_component_styles("datatable--header").rich_style,
                self.background_colors[1],
            )
        try:
            return Widget.render_lines(self, crop)
        finally:
            self._frame_styles = None

    def render_line(self, y: int) -> Strip:
        styles = self._frame_styles
        if styles is None:
            return super().render_line(y)
        if not self.show_header or y >= self.header_height:
            y += self.scroll_offset.y
        scroll_x = self.scroll_offset.x
        return self._render_line(y, scroll_x, scroll_x + self.size.width, styles[0])

    def _render_line_in_row(
        self,
        row_key: RowKey,
        line_no: int,
        base_style: Style,
        cursor_location: Coordinate,
        hover_location: Coordinate,
    ) -> tuple[list[list[Segment]], list[list[Segment]]]:
        """DataTable's row rendering for this table's case (cell cursor, row labels, no
        fixed rows or columns, no zebra stripes) with the frame's styles looked up once."""
        styles = self._frame_styles
        if styles is None:
            return super()._render_line_in_row(
                row_key, line_no, base_style, cursor_location, hover_location
            )
        cache_key = (
            row_key,
            line_no,
            base_style,
            cursor_location,
            hover_location,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        cached = self._row_render_cache.get(cache_key)
        if cached is not None:
            return cached
        _, header_style, background = styles
        row_index = self._row_locations.get(row_key)
        if row_index is None:
            row_index = -1
        render_cell = self._render_cell
        fixed_row = []
        if self._labelled_row_exists and self.show_row_labels:
            label = Coordinate(row_index, -1)
            fixed_row.append(
                render_cell(
                    row_index,
                    -1,
                    header_style,
                    width=self._row_label_column_width,
                    cursor=cursor_location == label,
                    hover=hover_location == label,
                )[line_no]
            )
        row_style = header_style if row_index == -1 else base_style
        scrollable_row = []
        table_width = self._row_label_column_width
        for column_index, column in enumerate(self.ordered_columns):
            width = column.get_render_width(self)
            table_width += width
            cell = Coordinate(row_index, column_index)
            scrollable_row.append(
                render_cell(
                    row_index,
                    column_index,
                    row_style,
                    width,
                    cursor=cursor_location == cell,
                    hover=hover_location == cell,
                )[line_no]
            )
        # The rest of the width, as DataTable fills it.
        if row_style.bgcolor is not None:
            faded = Color.from_rich_color(row_style.bgcolor).blend(background, factor=0.25)
            extend_style = Style.from_color(color=row_style.color, bgcolor=faded.rich_color)
        else:
            extend_style = Style.from_color(row_style.color, row_style.bgcolor)
        extend_style += Style.from_meta({"row": row_index, "column": 0, "out_of_bounds": True})
        remaining = max(0, self.size.width - table_width)
        scrollable_row.append([Segment(" " * remaining, extend_style)])
        row_pair = (fixed_row, scrollable_row)
        self._row_render_cache[cache_key] = row_pair
        return row_pair

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        """One number cell as one line of segments.

        DataTable renders each cell through rich (Padding, Styled, render_lines), about
        0.3 ms a cell; every cell of a live table changes each frame, so a 32 × 16 batch
        table took 70 ms to paint. A number cell is one line of right-aligned text in one
        style, which this writes directly (same cache, same styles, same mouse metadata).
        Headers and row labels go the usual way.
        """
        if row_index < 0 or column_index < 0:
            # Headers and row labels only change on a rebuild, but DataTable's cache
            # forgets them on every update (its key holds the update count); rendering
            # them through rich cost as much as all the numbers of a frame.
            label_key = (
                row_index,
                column_index,
                base_style,
                width,
                cursor,
                hover,
                self._show_hover_cursor,
                self._pseudo_class_state,
            )
            lines = self._labels.get(label_key)
            if lines is None:
                lines = super()._render_cell(
                    row_index, column_index, base_style, width, cursor, hover
                )
                self._labels[label_key] = lines
            return lines
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        cache_key = (
            row_key,
            column_key,
            base_style,
            cursor,
            hover,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        cached = self._cell_render_cache.get(cache_key)
        if cached is not None:
            return cached
        cell = self._data[row_key][column_key]
        component_style, post_style = self._get_styles_to_render_cell(
            False,
            False,
            False,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        meta = self._meta.get((row_index, column_index))
        if meta is None:
            # Where a click landed: DataTable reads the row and column from the style.
            meta = Style.from_meta({"row": row_index, "column": column_index})
            self._meta[(row_index, column_index)] = meta
        cell_style = (
            cell.style if isinstance(cell, Text) and isinstance(cell.style, Style) else None
        )
        pad = self.cell_padding
        inner = max(width - 2 * pad, 0)
        # The ▲/▼ column stays even when blank (rich would strip it), so the decimal
        # points of marked and unmarked numbers line up.
        plain = cell.plain if isinstance(cell, Text) else str(cell)
        padding = Segment(" " * pad, _combine(base_style, component_style, None, post_style) + meta)
        text_style = _combine(base_style, component_style, cell_style, post_style) + meta
        line = [padding, Segment(plain[:inner].rjust(inner), text_style), padding]
        lines = [line]
        self._cell_render_cache[cache_key] = lines
        return lines

    def cell_text(self, row: int, column: int) -> Text:
        """The Text shown at (row, column) (tests and the step-through read it)."""
        return self.get_cell_at(Coordinate(row, column))

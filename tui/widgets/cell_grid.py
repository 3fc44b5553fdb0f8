"""`CellGrid`: a `GridView` you can move a cursor over and pick a cell from.

The arrow, page, home and end keys move the cursor (ctrl+home and ctrl+end to the first
and last row); enter, or a click on the cell already under the cursor, posts
`CellSelected`. A first click moves the cursor there; the cell under the mouse is lit.
"""

from __future__ import annotations

from typing import ClassVar

from backprop_tui.tui.widgets.grid_lines import BLANK, Cell
from backprop_tui.tui.widgets.grid_view import GridView
from textual import events
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.geometry import Spacing
from textual.message import Message

__all__ = ["BLANK", "Cell", "CellGrid"]


class CellGrid(GridView, can_focus=True):
    """A grid of text cells with a keyboard and mouse cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Select", show=False),
        Binding("up", "move(-1, 0)", "Cursor up", show=False),
        Binding("down", "move(1, 0)", "Cursor down", show=False),
        Binding("left", "move(0, -1)", "Cursor left", show=False),
        Binding("right", "move(0, 1)", "Cursor right", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("ctrl+home", "edge('top')", "Top", show=False),
        Binding("ctrl+end", "edge('bottom')", "Bottom", show=False),
        Binding("home", "edge('left')", "Home", show=False),
        Binding("end", "edge('right')", "End", show=False),
    ]

    class CellSelected(Message):
        """Enter on the cursor's cell, or a click on the cell already under the cursor."""

        def __init__(self, grid: CellGrid, coordinate: Coordinate) -> None:
            super().__init__()
            self.grid = grid
            """The grid the cell is in."""
            self.coordinate = coordinate
            """(row, column) of the cell, from 0."""

        @property
        def control(self) -> CellGrid:
            return self.grid

    def move_cursor(self, row: int, column: int) -> None:
        """Put the cursor on (row, column), clamped to the grid, and scroll it into view."""
        row = min(max(row, 0), max(self.row_count - 1, 0))
        column = min(max(column, 0), max(self.column_count - 1, 0))
        if (row, column) != self.cursor_coordinate:
            self.cursor_coordinate = Coordinate(row, column)
            self.refresh()
        if self.row_count and self.column_count:
            # The header and the row labels stay put: they must not cover the cursor.
            spacing = Spacing(1, 0, 0, self.columns.left)
            region = self.cell_region(row, column)
            self.scroll_to_region(region, animate=False, spacing=spacing, force=True)

    def _set_hover(self, cell: Coordinate | None) -> None:
        if cell != self.hover_coordinate:
            self.hover_coordinate = cell
            self.refresh()

    def action_move(self, rows: int, columns: int) -> None:
        """Move the cursor by `rows` and `columns`."""
        self._set_hover(None)
        row, column = self.cursor_coordinate
        self.move_cursor(row + rows, column + columns)

    def action_page(self, direction: int) -> None:
        """Move the cursor a screenful of rows down (1) or up (−1)."""
        self.action_move(direction * max(self.scrollable_content_region.height - 1, 1), 0)

    def action_edge(self, edge: str) -> None:
        """Move the cursor to the first or last row ("top", "bottom") or column ("left",
        "right")."""
        self._set_hover(None)
        row, column = self.cursor_coordinate
        target = {
            "top": (0, column),
            "bottom": (self.row_count - 1, column),
            "left": (row, 0),
            "right": (row, self.column_count - 1),
        }[edge]
        self.move_cursor(*target)

    def action_select_cursor(self) -> None:
        """Post `CellSelected` for the cell under the cursor."""
        self._set_hover(None)
        if self.row_count and self.column_count:
            self.post_message(self.CellSelected(self, self.cursor_coordinate))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        cell = None if offset is None else self.cell_at(offset)
        if cell is None:
            return
        event.stop()
        again = cell == self.cursor_coordinate
        self.move_cursor(*cell)
        self._set_hover(cell)
        if again:
            self.post_message(self.CellSelected(self, cell))

    def on_mouse_move(self, event: events.MouseMove) -> None:
        offset = event.get_content_offset(self)
        self._set_hover(None if offset is None else self.cell_at(offset))

    def on_leave(self, event: events.Leave) -> None:
        self._set_hover(None)

    def on_focus(self) -> None:
        self.refresh()  # the cursor shows (or hides) with the focus

    def on_blur(self) -> None:
        self.refresh()

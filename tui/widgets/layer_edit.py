"""Editing a weight from the layer tables: enter (or a click on the cell under the cursor)
on a W or b cell asks for its new value; on any other cell it says why it cannot.

`CellEditing` is mixed into `LayerTables` (tui/widgets/layer_tables.py), which holds the
tables, the newest snapshot and the `EditRequested` message the app answers with a
dialog (its handler's name comes from the class it is defined in, so it stays there).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backprop_tui.core.training.trainer import Snapshot
from backprop_tui.tui.widgets.cell_grid import CellGrid
from backprop_tui.tui.widgets.layer_cells import title_of
from backprop_tui.tui.widgets.matrix_table import MatrixTable

EDITABLE = ("W", "b")

NOT_HERE = "These tables show the traced step: edit W and b on the dashboard"
"""What a step-through's tables say to enter on a cell: its W and b are a copy."""


class CellEditing:
    """The cell-selection handler and `focus_cell` of `LayerTables`."""

    editable: bool
    snapshot: Snapshot | None
    tables: dict[tuple[int, str], MatrixTable]
    active_layer: int
    is_on_screen: bool
    _focus_when_shown: str | None
    EditRequested: Callable[..., Any]
    notify: Callable[..., None]
    post_message: Callable[..., bool]

    def on_cell_grid_cell_selected(self, event: CellGrid.CellSelected) -> None:
        table = event.grid
        if not isinstance(table, MatrixTable):
            return
        event.stop()
        if not self.editable:
            self.notify(NOT_HERE)
            return
        if table.quantity not in EDITABLE:
            what = title_of(table.quantity, table.layer_number)
            self.notify(f"Only W and b cells can be edited, not {what}")
            return
        if self.snapshot is None:
            return
        row, col = event.coordinate
        arrays = self.snapshot.W if table.quantity == "W" else self.snapshot.b
        array = arrays[table.layer_number - 1]
        index = (row, col) if table.quantity == "W" else (row,)
        current = float(array[index])
        self.post_message(
            self.EditRequested(table.layer_number, table.quantity, index, current, array.shape)
        )

    def focus_cell(self) -> None:
        """Put the keyboard on the visible tab's W table, whose cells enter edits (when
        the tables are hidden, as soon as they are shown)."""
        if not self.is_on_screen:
            self._focus_when_shown = "cell"
            return
        self._focus_when_shown = None
        table = self.tables.get((self.active_layer, "W"))
        if table is not None:
            table.focus()

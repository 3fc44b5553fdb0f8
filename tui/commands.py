"""The command palette (ctrl+p) offers every dashboard key as a command, and the layer
tables' enter (edit a weight) as one that puts the cursor on a W table."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from backprop_tui.tui.bindings import DASHBOARD_BINDINGS, PANEL_BINDINGS, TABLE_BINDINGS
from backprop_tui.tui.palette import ListedCommands
from backprop_tui.tui.widgets.layer_tables import LayerTables
from textual.binding import Binding

EDIT_HINT = "Move to a W or b cell and press enter to type its new value"


def key_label(binding: Binding) -> str:
    """How a person types the binding: '+' rather than 'plus,equals_sign'."""
    if binding.key_display:
        return binding.key_display
    return binding.key.split(",")[0]


async def edit_a_weight(app: Any) -> None:
    """Show the layer tables and put the cursor on the visible layer's W table."""
    tables = app.screen.query(LayerTables)
    if not tables:
        app.notify("The layer tables are on the dashboard: edit W and b there")
        return
    await app.run_action("show_panel('tables')")
    tables.first().focus_cell()
    app.notify(EDIT_HINT)


class DashboardCommands(ListedCommands):
    """One command per binding, named by its description, with its key and tooltip."""

    def _commands(self) -> Iterator[tuple[str, str, Callable[[], Any]]]:
        for binding in (*DASHBOARD_BINDINGS, *PANEL_BINDINGS):
            run = partial(self.app.run_action, binding.action)
            yield binding.description, f"{key_label(binding)} · {binding.tooltip}", run
        for binding in TABLE_BINDINGS:
            help_text = f"{key_label(binding)} · {binding.tooltip}"
            yield binding.description, help_text, partial(edit_a_weight, self.app)

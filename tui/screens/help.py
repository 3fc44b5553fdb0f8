"""`?`: every key of the dashboard with what it does."""

from __future__ import annotations

from typing import ClassVar

from backprop_tui.tui.bindings import DASHBOARD_BINDINGS, PANEL_BINDINGS, TABLE_BINDINGS
from backprop_tui.tui.commands import key_label
from backprop_tui.tui.screens import DIALOGS_CSS
from backprop_tui.tui.widgets.health_panel import thresholds_table
from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

INTRO = (
    "Training runs in its own process; keys take effect between two steps. "
    "ctrl+p opens the command palette with the same commands."
)


def bindings_table() -> Table:
    """Key · command · what it does, for every dashboard binding."""
    table = Table(box=None, expand=True, show_header=True, header_style="bold")
    table.add_column("key", style="bold", no_wrap=True)
    table.add_column("command", no_wrap=True)
    table.add_column("what it does", ratio=1)
    for binding in (*DASHBOARD_BINDINGS, *PANEL_BINDINGS, *TABLE_BINDINGS):
        table.add_row(key_label(binding), binding.description, binding.tooltip)
    table.add_row("ctrl+p", "Palette", "Search every command by name")
    return table


class HelpScreen(ModalScreen[None]):
    """The list of keys; escape, q or ? closes it."""

    CSS_PATH = DIALOGS_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help-close", tooltip="Close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body", classes="dialog") as body:
            body.border_title = "Keys"
            yield Static(INTRO, id="help-intro")
            yield Static(bindings_table(), id="help-table")
            yield Static(thresholds_table(), id="help-health")
            yield Static("escape closes this window", id="help-hint")

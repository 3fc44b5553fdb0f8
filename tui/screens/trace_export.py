"""A small dialog asking where to write the step-through's Markdown worked example."""

from __future__ import annotations

from typing import ClassVar

from backprop_tui.tui.screens import DIALOGS_CSS
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static


class ExportPathDialog(ModalScreen[str | None]):
    """Asks for a file path; dismisses with the text typed (enter) or None (escape)."""

    CSS_PATH = DIALOGS_CSS

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without writing anything"),
    ]

    def __init__(self, default: str, title: str = "Export the worked example as Markdown") -> None:
        super().__init__()
        self.default = default
        self.heading = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.heading)
            yield Input(self.default, placeholder="path/to/file.md", id="export-path")
            yield Static("enter: write (replaces the file)  ·  escape: cancel", classes="hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        """Close without writing."""
        self.dismiss(None)

"""`f`: learning rate, batch size, epochs, optimizer and stop-at loss in one form.
A bad value is named inline and nothing is applied."""

from __future__ import annotations

from typing import ClassVar

from backprop_tui.tui.screens.dialogs import parse_float
from backprop_tui.tui.worker.commands import OPTIMIZER_KINDS, Settings
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static


def parse_settings(lr: str, batch_size: str, epochs: str, optimizer: object, stop: str) -> Settings:
    """The form's texts as Settings; ValueError names the field that is wrong."""
    rate = parse_float(lr)
    if rate is None:
        raise ValueError(f"learning rate: {lr.strip()!r} is not a number")
    try:
        batch = int(batch_size.strip())
    except ValueError:
        raise ValueError(f"batch size: {batch_size.strip()!r} is not a whole number") from None
    try:
        n_epochs = int(epochs.strip())
    except ValueError:
        raise ValueError(f"epochs: {epochs.strip()!r} is not a whole number") from None
    stop_loss = None
    if stop.strip():
        stop_loss = parse_float(stop)
        if stop_loss is None:
            raise ValueError(
                f"stop-at loss: {stop.strip()!r} is not a number (leave it empty for none)"
            )
    if not isinstance(optimizer, str):
        raise ValueError("optimizer: choose one")
    settings = Settings(rate, batch, n_epochs, optimizer, stop_loss)
    settings.check()
    return settings


class SettingsForm(ModalScreen[Settings | None]):
    """Returns the new Settings when applied, None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="settings-cancel", tooltip="Change nothing"),
    ]

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings
        self.error = ""
        """The error shown under the fields ('' when none)."""

    def compose(self) -> ComposeResult:
        s = self.settings
        with Vertical(classes="dialog", id="settings") as box:
            box.border_title = "Settings"
            with Grid(id="settings-grid"):
                yield Label("learning rate η")
                yield Input(repr(s.lr), id="lr", compact=True)
                yield Label("batch size (0 = all)")
                yield Input(str(s.batch_size), id="batch-size", compact=True)
                yield Label("epochs")
                yield Input(str(s.epochs), id="epochs", compact=True)
                yield Label("optimizer")
                yield Select(
                    [(kind, kind) for kind in OPTIMIZER_KINDS],
                    value=s.optimizer,
                    allow_blank=False,
                    compact=True,
                    id="optimizer",
                )
                yield Label("stop at loss ≤")
                yield Input(
                    "" if s.stop_loss is None else repr(s.stop_loss), id="stop-loss", compact=True
                )
            yield Static("", id="settings-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Apply", variant="primary", id="apply")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#lr", Input).focus()

    def _parse(self) -> Settings:
        """The form's fields as Settings; ValueError names the field that is wrong."""

        def value(field: str) -> str:
            return self.query_one(f"#{field}", Input).value

        return parse_settings(
            value("lr"),
            value("batch-size"),
            value("epochs"),
            self.query_one("#optimizer", Select).value,
            value("stop-loss"),
        )

    @on(Input.Submitted)
    @on(Button.Pressed, "#apply")
    def apply(self) -> None:
        try:
            settings = self._parse()
        except ValueError as error:
            self.error = str(error)
            self.query_one("#settings-error", Static).update(self.error)
            return
        self.dismiss(settings)

    @on(Input.Changed)
    @on(Select.Changed)
    def recheck(self) -> None:
        """Once an error is shown, every edit checks the form again: a fixed field's
        error goes, another field's takes its place."""
        if not self.error:
            return
        try:
            self._parse()
        except ValueError as error:
            self.error = str(error)
        else:
            self.error = ""
        self.query_one("#settings-error", Static).update(self.error)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

"""Small modal dialogs: a path, a number, a yes/no question."""

from __future__ import annotations

import math
from typing import ClassVar

from backprop_tui.tui.screens import DIALOGS_CSS
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

CANCEL = Binding("escape", "cancel", "Cancel", id="dialog-cancel", tooltip="Close, change nothing")


class InputDialog(ModalScreen[str | None]):
    """A title, one Input and OK / Cancel; `check` turns the text into an error message
    (shown inline, the dialog stays) or None (the dialog closes with the text)."""

    CSS_PATH = DIALOGS_CSS
    BINDINGS: ClassVar[list[BindingType]] = [CANCEL]

    def __init__(self, title: str, value: str = "", ok: str = "OK", hint: str = "") -> None:
        super().__init__()
        self.title_text, self.value, self.ok, self.hint = title, value, ok, hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = self.title_text
            if self.hint:
                yield Label(self.hint, classes="dialog-hint")
            yield Input(self.value, id="dialog-input")
            yield Static("", id="dialog-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(self.ok, variant="primary", id="dialog-ok")
                yield Button("Cancel", id="dialog-cancel")

    def check(self, text: str) -> str | None:
        return "type something first" if not text.strip() else None

    @on(Input.Submitted)
    @on(Button.Pressed, "#dialog-ok")
    def submit(self) -> None:
        text = self.query_one("#dialog-input", Input).value
        error = self.check(text)
        if error:
            self.query_one("#dialog-error", Static).update(error)
            return
        self.dismiss(text.strip())

    @on(Button.Pressed, "#dialog-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class PathDialog(InputDialog):
    """Ask for a file path (open, save, export)."""


class NumberDialog(InputDialog):
    """Ask for a finite number (editing one weight or bias)."""

    def check(self, text: str) -> str | None:
        value = parse_float(text)
        return f"{text.strip()!r} is not a finite number" if value is None else None


def parse_float(text: str) -> float | None:
    """A finite float from `text`, or None."""
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


class ConfirmDialog(ModalScreen[bool]):
    """A yes / no question (y / n keys too)."""

    CSS_PATH = DIALOGS_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm-yes", tooltip="Yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm-no", tooltip="No"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question)
            with Horizontal(classes="buttons"):
                yield Button("Yes", variant="warning", id="confirm-yes")
                yield Button("No", id="confirm-no")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

"""The nudge probe's dialog: one weight or bias nudged by ε (core.nn.nudge), the gradient's
first-order prediction beside the actual change of L and the second-order rest, with the
equation and its numbers. [ and ] halve and double ε; the network is never changed (the
probe works on a copy), so closing it leaves everything as it was."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from backprop_tui.core.nn.nudge import Nudge
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

MIN_EPS = 1e-8
MAX_EPS = 10.0


class NudgeDialog(ModalScreen[None]):
    """Shows `probe(ε)` for the current ε; `probe` computes a `Nudge` on a copy."""

    DEFAULT_CSS = """
    NudgeDialog {
        align: center middle;
    }
    NudgeDialog > Vertical {
        width: 84;
        max-width: 95%;
        height: auto;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    NudgeDialog Label {
        text-style: bold;
    }
    NudgeDialog .hint {
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,u", "close", "Close", tooltip="Close (the network is unchanged)"),
        Binding("left_square_bracket", "scale(0.5)", "ε ÷ 2", key_display="["),
        Binding("right_square_bracket", "scale(2)", "ε × 2", key_display="]"),
    ]

    def __init__(
        self, probe: Callable[[float], Nudge], eps: float, precision: int = 6, where: str = ""
    ) -> None:
        super().__init__()
        self.probe = probe
        self.precision = precision
        self.where = where
        """Which weights and rows L is measured on (a line under the title; "": none)."""
        self.nudge = probe(eps)
        """The probe shown."""

    @property
    def text(self) -> str:
        """What the dialog shows of the probe, as plain text."""
        n = self.nudge
        lines = n.lines(self.precision)
        meaning = (
            "the gradient predicts the change to first order: the rest is second order"
            if abs(n.second_order) <= 2 * abs(n.expected_second_order) + 1e-12
            else "the rest is larger than second order: is ∂L/∂θ right?"
        )
        return "\n".join([*lines, "", meaning])

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Nudge {self.nudge.name} by ε")
            if self.where:
                yield Static(self.where, classes="hint")
            yield Static(self.text, id="nudge-text")
            yield Static(
                "[ ] halve or double ε  ·  escape: close (nothing was changed)", classes="hint"
            )

    def action_scale(self, factor: float) -> None:
        """Halve or double ε and probe again."""
        eps = min(max(self.nudge.eps * factor, MIN_EPS), MAX_EPS)
        self.nudge = self.probe(eps)
        self.query_one("#nudge-text", Static).update(self.text)

    def action_close(self) -> None:
        self.dismiss(None)

"""The engine's exceptions. Each carries a message meant for the person at the terminal."""

from __future__ import annotations

from collections.abc import Iterable

from backprop_tui.core.text import did_you_mean, quoted


class BackpropError(Exception):
    """Base class: a problem the user can fix, with a message that says how."""


class UnknownNameError(BackpropError, ValueError):
    """A name (activation, loss, optimizer, generator, …) that the engine does not know."""

    def __init__(self, kind: str, name: object, known: Iterable[str]) -> None:
        known = sorted(known)
        hint = did_you_mean(str(name), known)
        super().__init__(
            f"unknown {kind} {quoted(name)}{hint}; expected one of: {', '.join(known)}"
        )
        self.kind = kind
        self.name = name


class ShapeError(BackpropError, ValueError):
    """An array whose shape does not fit the network."""


class DivergedError(BackpropError, ArithmeticError):
    """The loss or a parameter became NaN or infinite; the last finite weights were kept."""

    def __init__(self, epoch: int, step: int, loss: float) -> None:
        super().__init__(
            f"training diverged at epoch {epoch}, step {step} (loss = {loss}); "
            "the last finite weights were kept — try a smaller learning rate"
        )
        self.epoch = epoch
        self.step = step
        self.loss = loss

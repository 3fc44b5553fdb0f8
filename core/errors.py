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


class TraceError(BackpropError, IndexError):
    """A trace was asked for something that does not exist (a sample out of range)."""


class SampleRangeError(TraceError):
    """Training row `sample` (0-based, as Python counts) of a set of `rows` does not
    exist. The message counts from 0; `from_one` says the same counting from 1, as the
    command line and the screens do."""

    def __init__(self, sample: int, rows: int) -> None:
        self.sample, self.rows = int(sample), int(rows)
        super().__init__(self._text(self.sample, 0))

    def _text(self, sample: int, first: int) -> str:
        n, last = self.rows, self.rows - 1 + first
        numbered = (
            f"1 sample, number {first}" if n == 1 else f"{n} samples, numbered {first} to {last}"
        )
        return f"sample {sample} is out of range: the training set has {numbered}"

    def from_one(self) -> str:
        """The message for a person who counted from 1 (asked for row `sample` + 1)."""
        return self._text(self.sample + 1, 1)


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

"""What every phase builder shares: the step being written and how it writes numbers,
names and cells. The builders of core.trace.forward, .backward and .updates extend
`PhaseWriter`; core.trace.phases puts them together.

Small layers (every dimension involved at most four, one sample) are written element by
element — "δ(1)₁ = (0.4 · 0.1391) · 0.2350 = 0.0131" — so a learner can redo each sum
by hand; larger ones one line per operand, each a matrix preview with its shape.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
from backprop_tui.core.format import fmt_array, fmt_factor, fmt_number, sub
from backprop_tui.core.nn.activations import Activation
from backprop_tui.core.nn.losses import Loss
from backprop_tui.core.nn.optimizers import Optimizer
from backprop_tui.core.trace.model import Cell, Phase, StepData, readonly


def with_outputs(equation: str, k: int) -> str:
    """`equation` with ", K = 2 outputs" after it when it uses K (the number of outputs)."""
    if re.search(r"\bK\b", equation) is None:
        return equation
    return f"{equation},  K = {k} output{'s' if k != 1 else ''}"


@dataclass
class PhaseWriter:
    """The step `trace` (its phases not yet written), its loss, activations and the
    optimizer after its step, with the helpers that write them in the notes' notation."""

    trace: StepData
    loss: Loss
    acts: Sequence[Activation]
    opt: Optimizer

    def __post_init__(self) -> None:
        self.p = self.trace.precision
        self.B = self.trace.batch_size
        self.L = len(self.trace.layers)

    def n(self, value: Any) -> str:
        """A number: '0.7576', '−0.0131'."""
        return fmt_number(value, self.p)

    def f(self, value: Any) -> str:
        """A number as an operand: '(−0.0131)'."""
        return fmt_factor(value, self.p)

    def show(self, array: Any, batch: bool = True) -> str:
        """A value as a result: one sample's row as a vector, a 1-vector as a number."""
        return result_text(array, self.p, single_row=batch and self.B == 1)

    def each(self) -> str:
        return "" if self.B == 1 else f",  for each sample i = 1 … {self.B}"

    def i(self) -> str:
        """The per-sample subscript used in batch equations."""
        return "" if self.B == 1 else "ᵢ"

    @staticmethod
    def a_name(k: int) -> str:
        """a(k) in the notes' notation; a(0) is the input x."""
        return "x" if k == 0 else f"a({k})"

    def unit(self, name: str, j: int, count: int) -> str:
        """'δ(1)₂' for unit j (0-based) of a layer with several units, 'δ(2)' for one."""
        return name if count == 1 else f"{name}{sub(j + 1)}"

    def prev_cell(self, l: int) -> Cell:
        """The cell a(l−1) of 1-based layer l: the input x for the first layer."""
        return Cell("x") if l == 1 else Cell("a", l - 1)

    def phase(
        self,
        kind: str,
        layer: int | None,
        title: str,
        symbol: str,
        equation: str,
        lines: Sequence[str],
        result: str,
        reads: Sequence[Cell],
        writes: Sequence[Cell],
        values: Mapping[str, Any],
    ) -> Phase:
        return Phase(
            kind=kind,
            layer=layer,
            title=title,
            symbol=symbol,
            equation=equation,
            substituted="\n".join(lines),
            result=result,
            reads=tuple(reads),
            writes=tuple(writes),
            values=MappingProxyType({k: readonly(v) for k, v in values.items()}),
        )


def result_text(array: Any, precision: int, single_row: bool) -> str:
    """A value as the trace writes a result: the one row of a one-sample batch as a
    vector (`single_row`), a 1-vector as a number, larger arrays previewed."""
    arr = np.asarray(array)
    if single_row and arr.ndim == 2:
        arr = arr[0]
    if arr.ndim == 1 and arr.size == 1:
        arr = arr[0]
    return fmt_array(arr, precision)

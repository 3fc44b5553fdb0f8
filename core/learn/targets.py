"""What a phase of a traced step asks for: its right value, its inputs, the levels that
choose which phases are asked, and how one cell of a value is named.

A phase is found by its kind and layer (`PhaseKey`), so everything here depends only on
the fields of `StepTrace` and `LayerTrace` and on the phase kinds, not on how a phase's
text is built. Values keep the layout the trace stores: z, a and δ are (batch × units),
W is (out × in), b is (out,), the loss a 0-d array. An answer lists a value's numbers
row by row (C order), the order `backprop-tui trace` prints them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np
from backprop_tui.core.errors import UnknownNameError
from backprop_tui.core.format import sub
from backprop_tui.core.nn.activations import Activation, get_activation
from backprop_tui.core.trace.record import PHASE_KINDS
from backprop_tui.core.trace.writer import result_text

if TYPE_CHECKING:
    from backprop_tui.core.trace.record import LayerTrace, Phase, StepTrace

Array = np.ndarray

LEVELS: Mapping[str, tuple[str, ...]] = {
    "updates": ("update_W", "update_b"),
    "gradients": ("grad_W", "grad_b", "update_W", "update_b"),
    "backward": ("delta_output", "delta_hidden", "grad_W", "grad_b", "update_W", "update_b"),
    "all": PHASE_KINDS,
}
"""The phase kinds each level asks, faded from the end backwards (Renkl): the updates
only; gradients and updates; the whole backward pass; everything, forward pass and loss
included."""

DEFAULT_LEVEL = "backward"

LEVEL_WORDS = {
    "updates": "the updates",
    "gradients": "the gradients and the updates",
    "backward": "the δ's, the gradients and the updates",
    "all": "every phase",
}

# Kinds whose value travels as (batch × units): one row per sample.
_PER_SAMPLE = frozenset({"forward_z", "forward_a", "delta_output", "delta_hidden"})


class PhaseLike(Protocol):
    """Anything that names a phase: its kind (one of PHASE_KINDS) and 1-based layer."""

    @property
    def kind(self) -> str: ...

    @property
    def layer(self) -> int | None: ...


@dataclass(frozen=True)
class PhaseKey:
    """A phase named by kind and layer (None for the loss), e.g. PhaseKey("grad_W", 2)."""

    kind: str
    layer: int | None = None


def find_phase(trace: StepTrace, phase: PhaseLike | int) -> Phase:
    """The trace's `Phase` for a position in `trace.phases`, a `Phase` or a `PhaseKey`."""
    if isinstance(phase, int):
        return trace.phases[phase]
    return trace.phases[phase_position(trace, phase)]


def phase_position(trace: StepTrace, phase: PhaseLike | int) -> int:
    """The 0-based position of `phase` in `trace.phases`."""
    if isinstance(phase, int):
        return phase
    return trace.phase_index(phase.kind, phase.layer)


def asked_phases(trace: StepTrace, level: str = DEFAULT_LEVEL) -> tuple[int, ...]:
    """Positions in `trace.phases` of the phases `level` asks, in walking order."""
    try:
        kinds = LEVELS[level]
    except KeyError:
        raise UnknownNameError("level", level, LEVELS) from None
    return tuple(i for i, phase in enumerate(trace.phases) if phase.kind in kinds)


def layer_of(trace: StepTrace, phase: PhaseLike) -> LayerTrace:
    """The LayerTrace of a layer phase (the output layer for the loss)."""
    return trace.layers[(phase.layer or len(trace.layers)) - 1]


def activation_of(trace: StepTrace, layer: int) -> Activation:
    """The activation record of 1-based `layer`."""
    if trace.activation_fns:
        return trace.activation_fns[layer - 1]
    return get_activation(trace.activations[layer - 1])


def phase_value(trace: StepTrace, phase: PhaseLike | int) -> Array:
    """The right value of `phase`, in the trace's layout (see the module docstring):
    z(l), a(l), L, δ(l), ∂L/∂W(l), ∂L/∂b(l), or W(l), b(l) after the update."""
    key = find_phase(trace, phase) if isinstance(phase, int) else phase
    if key.kind == "loss":
        return np.asarray(np.float64(trace.loss))
    lt = layer_of(trace, key)
    field = {
        "forward_z": lt.z,
        "forward_a": lt.a,
        "delta_output": lt.delta,
        "delta_hidden": lt.delta,
        "grad_W": lt.dW,
        "grad_b": lt.db,
        "update_W": lt.W_new,
        "update_b": lt.b_new,
    }.get(key.kind)
    if field is None:
        raise UnknownNameError("phase kind", key.kind, PHASE_KINDS)
    return np.asarray(field)


def prev_name(layer: int) -> str:
    """a(l−1) in the notes' notation: the input x before the first layer."""
    return "x" if layer == 1 else f"a({layer - 1})"


@dataclass(frozen=True, eq=False)
class Input:
    """One value a phase's equation reads: its name in the notes' notation ("W(2)",
    "δ(2)", "ŷ", "η"), the array, and whether its rows are samples (x, y, ŷ, z, a, δ)."""

    name: str
    value: Array
    per_sample: bool = False


def phase_inputs(trace: StepTrace, phase: PhaseLike | int) -> list[Input]:
    """The values a phase's equation reads: what a learner needs to compute its result
    (never the result itself, nor intermediate values such as σ'(z) that are part of
    the answer). Update phases add η and the optimizer's state before the step (m, s or
    v), when it has one."""
    key = find_phase(trace, phase) if isinstance(phase, int) else phase
    kind, l = key.kind, key.layer or len(trace.layers)
    lt = trace.layers[l - 1]
    if kind == "forward_z":
        return [
            Input(prev_name(l), lt.a_prev, True),
            Input(f"W({l})", lt.W),
            Input(f"b({l})", lt.b),
        ]
    if kind == "forward_a":
        return [Input(f"z({l})", lt.z, True)]
    if kind in ("loss", "delta_output"):
        inputs = [Input("ŷ", trace.y_hat, True), Input("y", trace.y, True)]
        return inputs + ([Input(f"z({l})", lt.z, True)] if kind == "delta_output" else [])
    if kind == "delta_hidden":
        nxt = trace.layers[l]
        return [
            Input(f"W({l + 1})", nxt.W),
            Input(f"δ({l + 1})", nxt.delta, True),
            Input(f"z({l})", lt.z, True),
            Input(f"a({l})", lt.a, True),
        ]
    if kind == "grad_W":
        return [Input(f"δ({l})", lt.delta, True), Input(prev_name(l), lt.a_prev, True)]
    if kind == "grad_b":
        return [Input(f"δ({l})", lt.delta, True)]
    which = "W" if kind == "update_W" else "b"
    theta, grad = (lt.W, lt.dW) if which == "W" else (lt.b, lt.db)
    state = lt.state_W_before if which == "W" else lt.state_b_before
    inputs = [
        Input(f"{which}({l})", theta),
        Input(f"∂L/∂{which}({l})", grad),
        Input("η", np.asarray(trace.lr)),
    ]
    inputs += [Input(f"{name} (before the step)", value) for name, value in state.items()]
    return inputs


def per_sample(kind: str) -> bool:
    """Whether a phase kind's value has one row per sample (z, a, δ)."""
    return kind in _PER_SAMPLE


def value_text(trace: StepTrace, value: Array, rows_are_samples: bool) -> str:
    """A value as the trace writes it: one sample's row as a vector, a 1-vector as a
    number; larger arrays previewed with their shape."""
    return result_text(value, trace.precision, rows_are_samples and trace.batch_size == 1)


def count_text(trace: StepTrace, phase: PhaseLike | int) -> str:
    """How many numbers a phase's answer has and in what layout: "1 number",
    "2 numbers", "2 numbers: 2 × 1, row by row", "8 numbers: 4 samples × 2 units, one
    sample's row after another"."""
    if isinstance(phase, int):
        phase = find_phase(trace, phase)
    value = phase_value(trace, phase)
    n = value.size
    text = f"{n} number" + ("" if n == 1 else "s")
    if n == 1 or value.ndim < 2:
        return text
    rows, cols = value.shape
    if per_sample(phase.kind):
        if rows == 1:
            return text
        return f"{text}: {rows} samples × {cols} units, one sample's row after another"
    if cols == 1 or rows == 1:
        return f"{text}: {rows} × {cols}"
    return f"{text}: {rows} × {cols}, row by row"


def cell_label(trace: StepTrace, phase: PhaseLike | int, index: tuple[int, ...]) -> str:
    """One cell of a phase's value named with 1-based subscripts, as the trace names it:
    "δ(1)₂", "∂L/∂W(2)₁,₂", "b(2)", "z(1)₃ of sample 2". `index` is the 0-based numpy
    index into `phase_value`."""
    if isinstance(phase, int):
        phase = find_phase(trace, phase)
    symbol = _symbol(phase)
    value = phase_value(trace, phase)
    if value.size == 1:
        return symbol
    if per_sample(phase.kind):
        sample, unit = index
        name = symbol if value.shape[1] == 1 else f"{symbol}{sub(unit + 1)}"
        return name if value.shape[0] == 1 else f"{name} of sample {sample + 1}"
    return symbol + sub(*(i + 1 for i in index))


def _symbol(phase: PhaseLike) -> str:
    symbol = getattr(phase, "symbol", None)
    if isinstance(symbol, str):
        return symbol
    l = phase.layer
    return {
        "forward_z": f"z({l})",
        "forward_a": f"a({l})",
        "loss": "L",
        "delta_output": f"δ({l})",
        "delta_hidden": f"δ({l})",
        "grad_W": f"∂L/∂W({l})",
        "grad_b": f"∂L/∂b({l})",
        "update_W": f"W({l})",
        "update_b": f"b({l})",
    }[phase.kind]

"""Why a run diverged: the failing step replayed, traced, from the last finite weights.

When the loss or a parameter becomes NaN or infinite the trainer stops and keeps the
weights from before that step (`DivergedError`). `divergence_report` traces that step
again (core.trace.record) and walks its phases in the notes' order to the first value
that is not finite or has overflowed — |x| above OVERFLOW(dtype), the square root of the
dtype's largest number, beyond which a square (a squared error, adam's g²) is infinite —
and says which phase and cell it is, its equation with the numbers at that cell, and
the likely cause in words: weights grown by updates that overshoot (η × ∂L/∂W larger
than W), an update step larger than the weights, inputs too large for the dtype.

The softmax and the logs of bce and cross-entropy are computed in their stable forms
(from the logits z(L)), so an exp overflowing in a softmax or a sigmoid saturated at 1
feeding a log cannot be what first goes out of range here: when z(L) itself is too
large, z(L) is named, with the growth of the weights that made it so.

It is a pure function of the state before the step (network, loss, optimizer, whether
biases train) and the batch (x, y); `trainer_divergence_report(trainer)` reads those from
a trainer that has just diverged on its epoch's next batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from backprop_tui.core.format import sub
from backprop_tui.core.learn.compare import number_text
from backprop_tui.core.learn.follow import phase_label
from backprop_tui.core.learn.targets import cell_label, phase_value

if TYPE_CHECKING:
    from backprop_tui.core.nn.losses import Loss
    from backprop_tui.core.nn.network import Network
    from backprop_tui.core.nn.optimizers import Optimizer
    from backprop_tui.core.trace.record import Phase, StepTrace
    from backprop_tui.core.training.trainer import Trainer

Array = np.ndarray

GROWN = 1e6
"""Parameters larger than this (from an initialization of about 1) have been grown by
the updates: the cause is then the learning rate, whatever overflowed first."""

HEALTHY_RATIO = 1e-3
"""The rule of thumb for ‖η ∂L/∂W‖ / ‖W‖ in a healthy step."""


def overflow_bound(dtype: Any) -> float:
    """The largest magnitude whose square is still finite in `dtype` (1.3e154 for
    float64, 1.8e19 for float32)."""
    return float(np.sqrt(np.finfo(dtype).max))


@dataclass(frozen=True, eq=False)
class DivergenceReport:
    """Where the replayed step first went out of range, and why.

    `found`: whether a phase's value was not finite or overflowed. Then `number` is the
    phase's 1-based place in the trace, `phase` the phase, `cell` the 0-based index of
    the first such cell, `cell_name` its name ("z(2) of sample 3"), `value` its value,
    `numbers` the equation at that cell with the numbers in. `cause` says in words what
    most likely happened (always set). `trace` is the replayed step.
    """

    trace: StepTrace
    found: bool
    cause: str
    number: int | None = None
    phase: Phase | None = None
    cell: tuple[int, ...] | None = None
    cell_name: str = ""
    value: float | None = None
    numbers: str = ""

    @property
    def what(self) -> str:
        """ "is NaN", "is infinite", "overflowed (|x| > 1.3e154)"."""
        if self.value is None:
            return ""
        if np.isnan(self.value):
            return "is NaN"
        if np.isinf(self.value):
            return "is infinite"
        return f"overflowed (|x| > {number_text(overflow_bound(self.trace.x.dtype))})"

    @property
    def headline(self) -> str:
        """One line: "first out of range: z(2) (phase 3), z(2) of sample 1 = 5.475e154
        overflowed (…)", or that the replay stayed finite."""
        if not self.found or self.phase is None:
            return "the step replayed from the last finite weights stays finite"
        value = number_text(self.value)
        return (
            f"first out of range: {phase_label(self.phase)} (phase {self.number} of the step), "
            f"{self.cell_name} = {value} {self.what}"
        )

    def detail_lines(self) -> list[str]:
        """The equation, the numbers at the cell, and the likely cause."""
        lines = []
        if self.phase is not None:
            lines.append(self.phase.equation)
        if self.numbers:
            lines.append(self.numbers)
        lines.append(f"likely cause: {self.cause}")
        return lines

    def to_dict(self) -> dict[str, Any]:
        """Plain data (the value is None when not finite, as JSON has no NaN)."""
        value = self.value
        return {
            "found": self.found,
            "phase": None if self.phase is None else self.phase.symbol,
            "kind": None if self.phase is None else self.phase.kind,
            "layer": None if self.phase is None else self.phase.layer,
            "number": self.number,
            "cell": None if self.cell is None else [i + 1 for i in self.cell],
            "cell_name": self.cell_name,
            "value": value if value is not None and np.isfinite(value) else None,
            "value_text": "" if value is None else number_text(value),
            "equation": None if self.phase is None else self.phase.equation,
            "numbers": self.numbers,
            "cause": self.cause,
        }


def divergence_report(
    network: Network,
    loss: Loss,
    optimizer: Optimizer,
    x: Array,
    y: Array,
    train_biases: bool = True,
    *,
    sample_indices: tuple[int, ...] | None = None,
) -> DivergenceReport:
    """Replay the step on (x, y) from `network` and `optimizer` as they were before it
    (neither is changed) and report where it first went out of range."""
    from dataclasses import replace

    from backprop_tui.core.trace.record import trace_step

    trace = trace_step(network, loss, optimizer, x, y, train_biases)
    if sample_indices is not None:
        trace = replace(trace, sample_indices=sample_indices)
    return report_for_trace(trace)


def trainer_divergence_report(trainer: Trainer) -> DivergenceReport:
    """The report for a trainer that has just diverged: its weights are the last finite
    ones and its epoch's next batch is the one it failed on. (After a parameter became
    non-finite the trainer resets the optimizer's state, so a momentum, adam or rmsprop
    step replays from fresh state; the cause says so when the replay stays finite.)"""
    from backprop_tui.core.trace.record import trace_trainer

    return report_for_trace(trace_trainer(trainer))


def report_for_trace(trace: StepTrace) -> DivergenceReport:
    """The first phase of a traced step with a value out of range, and why."""
    bound = overflow_bound(trace.x.dtype)
    for number, phase in enumerate(trace.phases, start=1):
        value = np.asarray(phase_value(trace, phase), dtype=np.float64)
        with np.errstate(invalid="ignore"):
            bad = ~np.isfinite(value) | (np.abs(value) > bound)
        if not bad.any():
            continue
        cell = tuple(int(i) for i in np.argwhere(bad)[0]) if value.ndim else ()
        return DivergenceReport(
            trace=trace,
            found=True,
            cause=_cause(trace, phase),
            number=number,
            phase=phase,
            cell=cell,
            cell_name=cell_label(trace, phase, cell),
            value=float(value[cell]),
            numbers=_numbers(trace, phase, cell),
        )
    return DivergenceReport(trace, False, _finite_cause(trace))


# -- the numbers at a cell ---------------------------------------------------------------


def _n(value: Any, trace: StepTrace) -> str:
    """Four significant digits (fmt_number would write 1e160 out in full)."""
    return number_text(float(value))


def _vector(row: Array, trace: StepTrace) -> str:
    row = np.asarray(row).ravel()
    if row.size == 1:
        return _n(row[0], trace)
    head = ", ".join(_n(v, trace) for v in row[:4])
    return f"[{head}{', …' if row.size > 4 else ''}]"


def _largest(array: Array, trace: StepTrace) -> str:
    with np.errstate(invalid="ignore"):
        return _n(np.nanmax(np.abs(array)) if np.size(array) else 0.0, trace)


def _prev(l: int) -> str:
    return "x" if l == 1 else f"a({l - 1})"


def _numbers(trace: StepTrace, phase: Phase, cell: tuple[int, ...]) -> str:
    """The equation at one cell with the numbers that produced its value."""
    name = cell_label(trace, phase, cell)
    value = _n(np.asarray(phase_value(trace, phase))[cell], trace)
    kind, l = phase.kind, phase.layer or len(trace.layers)
    lt = trace.layers[l - 1]
    with np.errstate(all="ignore"):
        text = _operands(trace, phase, cell, lt, kind, l)
    return f"{name} = {text} = {value}"


def _operands(
    trace: StepTrace, phase: Phase, cell: tuple[int, ...], lt: Any, kind: str, l: int
) -> str:
    if kind == "forward_z":
        i, j = cell
        W_row, a_row = np.asarray(lt.W[j], dtype=np.float64), np.asarray(lt.a_prev[i])
        k = int(np.nanargmax(np.nan_to_num(np.abs(W_row * a_row), nan=np.inf)))
        terms = "" if W_row.size == 1 else " + …"
        return (
            f"W({l}){sub(j + 1, k + 1)} · {_prev(l)}{sub(k + 1)}{terms} + b({l}){sub(j + 1)}"
            f" = {_n(W_row[k], trace)} · {_n(a_row[k], trace)}{terms} + {_n(lt.b[j], trace)}"
        )
    if kind == "forward_a":
        return f"{lt.activation}({_n(lt.z[cell], trace)})"
    if kind == "loss":
        losses = np.asarray(trace.per_sample_loss, dtype=np.float64)
        worst = int(np.nanargmax(np.nan_to_num(np.abs(losses), nan=np.inf)))
        return (
            f"(1/B) Σᵢ ℓᵢ, with ℓ{sub(worst + 1)} = {_n(losses[worst], trace)} for "
            f"ŷ = {_vector(trace.y_hat[worst], trace)}, y = {_vector(trace.y[worst], trace)}"
        )
    if kind == "delta_output":
        i, j = cell
        return (
            f"δ from ŷ = {_n(trace.y_hat[i, j], trace)}, y = {_n(trace.y[i, j], trace)}, "
            f"z({l}) = {_n(lt.z[cell], trace)}"
        )
    if kind == "delta_hidden":
        i, j = cell
        nxt = trace.layers[l]
        upstream = float(np.dot(nxt.delta[i], nxt.W[:, j]))
        return (
            f"(W({l + 1})ᵀ δ({l + 1})){sub(j + 1)} · σ'(z({l}){sub(j + 1)}) = "
            f"{_n(upstream, trace)} · {_n(lt.dsigma[cell], trace)}, with W({l + 1}) up to "
            f"{_largest(nxt.W, trace)}"
        )
    if kind == "grad_b":
        return f"(1/B) Σᵢ δ({l})ᵢ, with δ({l}) up to {_largest(lt.delta[:, cell[0]], trace)}"
    if kind == "grad_W":
        j, k = cell
        return (
            f"(1/B) Σᵢ δ({l})ᵢ{sub(j + 1)} {_prev(l)}ᵢ{sub(k + 1)}, with δ({l}) up to "
            f"{_largest(lt.delta[:, j], trace)} and {_prev(l)} up to "
            f"{_largest(lt.a_prev[:, k], trace)}"
        )
    theta = np.asarray(lt.W if kind == "update_W" else lt.b)[cell]
    grad = np.asarray(lt.dW if kind == "update_W" else lt.db)[cell]
    rule = "−" if trace.optimizer == "sgd" else f"− ({trace.optimizer}'s step from)"
    return f"{_n(theta, trace)} {rule} η · {_n(grad, trace)} (η = {_n(trace.lr, trace)})"


# -- the cause ---------------------------------------------------------------------------


def _largest_parameter(trace: StepTrace) -> tuple[float, str]:
    """The largest |θ| the step starts from, and its name ("b(2)")."""
    best, name = 0.0, ""
    for lt in trace.layers:
        for which, array in (("W", lt.W), ("b", lt.b)):
            size = float(np.nanmax(np.abs(array))) if np.size(array) else 0.0
            if size > best:
                best, name = size, f"{which}({lt.layer})"
    return best, name


def _norm(array: Array) -> float:
    """‖array‖ without overflowing on the way (scaled by its largest entry)."""
    scale = float(np.max(np.abs(array))) if np.size(array) else 0.0
    if scale == 0.0 or not np.isfinite(scale):
        return scale
    return scale * float(np.sqrt(np.sum((array / scale) ** 2)))


def _rate(trace: StepTrace) -> str:
    return f"η = {number_text(trace.lr)}"


def _grown(trace: StepTrace, size: float, name: str) -> str:
    return (
        f"the parameters had already grown to {number_text(size)} ({name}) "
        "when this step began: earlier updates overshot — each step η × ∂L/∂W was larger "
        "than W itself, so every step made the weights larger until the numbers "
        f"overflowed. Lower the learning rate ({_rate(trace)})"
    )


def _cause(trace: StepTrace, phase: Phase) -> str:
    size, name = _largest_parameter(trace)
    kind, l = phase.kind, phase.layer or len(trace.layers)
    lt = trace.layers[l - 1]
    if kind.startswith("update"):
        which = "W" if kind == "update_W" else "b"
        theta = np.asarray(lt.W if which == "W" else lt.b, dtype=np.float64)
        new = np.asarray(lt.W_new if which == "W" else lt.b_new, dtype=np.float64)
        with np.errstate(all="ignore"):
            ratio = _norm(theta - new) / max(_norm(theta), float(np.finfo(np.float64).tiny))
        return (
            f"the update step η × ∂L/∂{which}({l}) is larger than {which}({l}) itself "
            f"(‖step‖ / ‖{which}({l})‖ = {number_text(ratio)}, where about "
            f"{HEALTHY_RATIO:g} is healthy): the step overshoots, and the next one is larger "
            f"still. Lower the learning rate ({_rate(trace)})"
        )
    if size > GROWN:
        return _grown(trace, size, name)
    inputs = float(np.abs(np.asarray(trace.x, dtype=np.float64)).max())
    if inputs > GROWN:
        return (
            f"the inputs x are as large as {number_text(inputs)}: scale the "
            "data (standardize each input column) so the weighted inputs stay in range"
        )
    return (
        "the numbers of this step are too large for the network's dtype: lower the "
        f"learning rate ({_rate(trace)})"
    )


def _finite_cause(trace: StepTrace) -> str:
    size, name = _largest_parameter(trace)
    text = (
        "the step replayed from the last finite weights stays finite, so the divergence "
        "came from state the replay does not have (the optimizer's momentum or running "
        "averages, reset when the run stopped)"
    )
    if size > GROWN:
        return f"{text}; {_grown(trace, size, name)}"
    return f"{text}. Lower the learning rate ({_rate(trace)})"

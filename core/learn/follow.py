"""Judging a person's own numbers for a step, phase by phase, and telling a first error
from the differences that only follow from it.

Each phase's value is compared with the reference within a relative tolerance. When it
differs, the phase's equation is computed again from the person's *own* earlier values
(their δ(2) → the δ(1) that follows from it with the right equation; a value not given
stands for what follows from theirs): if their value matches that, the phase is right
and only *follows* from the earlier difference; otherwise it is a first error, and the
catalogue mistakes (core.learn.mistakes) it matches are named, judged on a step whose
inputs are the person's own.

A cell agrees when |yours − reference| ≤ rtol · max(|yours|, |reference|), plus, for a
value that cancels to nearly zero and so carries the rounding of its terms, rtol ·
FLOOR times the phase's largest reference value; rtol is never taken below 64 units in
the last place of the network's dtype.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from backprop_tui.core.format import sub
from backprop_tui.core.learn.answer import CODE_DIGITS, Answer
from backprop_tui.core.learn.diagnose import Match, matching_mistakes
from backprop_tui.core.learn.given import KIND_FIELD, Fitted, flat_key, parse_key, phase_key
from backprop_tui.core.learn.targets import (
    PhaseKey,
    activation_of,
    cell_label,
    phase_value,
)
from backprop_tui.core.nn.optimizers import make_optimizer

if TYPE_CHECKING:
    from backprop_tui.core.trace.record import Phase, StepTrace

Array = np.ndarray

OK = "ok"
NOT_GIVEN = "not given"
DIFFERS = "differs"
FOLLOWS = "follows"

FLOOR = 1e-3
"""The absolute part of the tolerance, as a share of rtol times the phase's largest value."""

_ULPS = 64


@dataclass(frozen=True, eq=False)
class PhaseCheck:
    """One phase (or a value that is no phase's result: a starting W or b, a fixed b),
    judged.

    `number` is the phase's 1-based place in the trace (0 for a value of no phase);
    `key` the flat key of its value ("delta1"); `label` what the report calls it ("δ(1)",
    "W(2) after the update", "W(1) before the step"). `status` is OK, NOT_GIVEN, DIFFERS
    (a first error) or FOLLOWS (a difference that follows from `follows_from`). For a
    difference: `yours` and `reference` in the trace's layout, `cell` the first cell that
    differs (0-based), `cell_name` its name ("δ(1)₁"), `off` how many cells differ, and
    `mistakes` the catalogue mistakes matched. `transposed`: the value was given
    transposed and compared as such.
    """

    number: int
    key: str
    label: str
    status: str
    reference: Array
    yours: Array | None = None
    phase: Phase | None = None
    transposed: bool = False
    cell: tuple[int, ...] | None = None
    cell_name: str = ""
    off: int = 0
    mistakes: tuple[Match, ...] = ()
    follows_from: str | None = None

    @property
    def differs(self) -> bool:
        return self.status in (DIFFERS, FOLLOWS)

    @property
    def names(self) -> tuple[str, ...]:
        """The names of the mistakes matched."""
        return tuple(m.name for m in self.mistakes)

    @property
    def yours_at_cell(self) -> float | None:
        if self.yours is None or self.cell is None:
            return None
        return float(self.yours[self.cell])

    @property
    def reference_at_cell(self) -> float | None:
        return None if self.cell is None else float(self.reference[self.cell])

    @property
    def relative_error(self) -> float | None:
        """|yours − reference| / |reference| at the first differing cell (∞ when the
        reference is 0; NaN when either is NaN)."""
        yours, ref = self.yours_at_cell, self.reference_at_cell
        if yours is None or ref is None:
            return None
        with np.errstate(all="ignore"):
            diff = abs(yours - ref)
            return float(np.inf if ref == 0 and diff > 0 else diff / abs(ref) if ref else 0.0)


def effective_rtol(trace: StepTrace, rtol: float) -> float:
    """`rtol`, but never below 64 units in the last place of the step's dtype."""
    return max(float(rtol), _ULPS * float(np.finfo(trace.x.dtype).eps))


def answer_for(yours: Array, reference: Array, rtol: float) -> Answer:
    """`yours` as an `Answer` whose tolerance is the module docstring's: the checker's
    `matches` then tells which cells agree with `reference`, or with a mistake's value."""
    v = np.asarray(yours, dtype=np.float64).ravel()
    r = np.asarray(reference, dtype=np.float64).ravel()
    finite = r[np.isfinite(r)]
    scale = float(np.abs(finite).max()) if finite.size else 0.0
    with np.errstate(all="ignore"):
        tolerance = rtol * np.fmax(np.abs(v), np.abs(r)) + rtol * FLOOR * scale
    tolerance = np.where(np.isfinite(tolerance), tolerance, 0.0)
    return Answer(v, tolerance, np.full(v.shape, CODE_DIGITS), "")


def _agrees(yours: Array, reference: Array, rtol: float) -> Array:
    """Which cells agree, in reference's shape."""
    return answer_for(yours, reference, rtol).matches(reference).reshape(np.shape(reference))


def phase_label(phase: Phase) -> str:
    """What a report calls a phase's value: its symbol, "W(2) after the update" for an
    update (whose symbol is the parameter's)."""
    if phase.kind.startswith("update"):
        return f"{phase.symbol} after the update"
    return phase.symbol


def input_keys(trace: StepTrace, phase: PhaseKey | Phase) -> tuple[str, ...]:
    """The flat keys of the values a phase's equation reads."""
    kind, L = phase.kind, len(trace.layers)
    l = phase.layer or L
    prev = f"a{l - 1}" if l > 1 else "x"
    return {
        "forward_z": (prev, f"W{l}", f"b{l}"),
        "forward_a": (f"z{l}",),
        "loss": (f"a{L}", f"z{L}", "y"),
        "delta_output": (f"a{L}", f"z{L}", "y"),
        "delta_hidden": (f"z{l}", f"a{l}", f"delta{l + 1}", f"W{l + 1}"),
        "grad_W": (f"delta{l}", prev),
        "grad_b": (f"delta{l}",),
        "update_W": (f"W{l}", f"dW{l}"),
        "update_b": (f"b{l}", f"db{l}"),
    }[kind]


class _Values:
    """The person's values as they stand after the phases judged so far (theirs where
    given, what follows from theirs where not), with the first error each comes from."""

    def __init__(self, trace: StepTrace, fitted: Mapping[str, Fitted]) -> None:
        self.trace = trace
        self.fitted = fitted
        self.values: dict[str, Array] = {}
        self.roots: dict[str, tuple[int, str]] = {}

    def get(self, key: str) -> Array:
        if key in self.values:
            return self.values[key]
        if key in self.fitted:
            return self.fitted[key].value
        return _reference(self.trace, key)

    def root_of(self, keys: tuple[str, ...]) -> tuple[int, str] | None:
        """The earliest first error among `keys`' values, or None."""
        roots = [self.roots[k] for k in keys if k in self.roots]
        return min(roots) if roots else None

    def recompute(self, phase: Phase) -> Array:
        """The phase's equation on these values (the engine's own operations)."""
        trace, get = self.trace, self.get
        kind, L, B = phase.kind, len(trace.layers), trace.batch_size
        l = phase.layer or L
        y = get("y")
        prev = get("x") if l == 1 else get(f"a{l - 1}")
        act = activation_of(trace, l)
        with np.errstate(all="ignore"):
            if kind == "forward_z":
                return prev @ get(f"W{l}").T + get(f"b{l}")
            if kind == "forward_a":
                return act.forward(get(f"z{l}"))
            if kind == "loss":
                return np.asarray(trace.loss_function().value(get(f"a{L}"), y, get(f"z{L}")))
            if kind == "delta_output":
                return trace.loss_function().output_delta(get(f"z{L}"), get(f"a{L}"), y, act)
            if kind == "delta_hidden":
                upstream = get(f"delta{l + 1}") @ get(f"W{l + 1}")
                return act.backward(get(f"z{l}"), get(f"a{l}"), upstream)
            if kind == "grad_W":
                return get(f"delta{l}").T @ prev / B
            if kind == "grad_b":
                return get(f"delta{l}").sum(axis=0) / B
            which = "W" if kind == "update_W" else "b"
            return _updated(trace, l, which, get(f"{which}{l}"), get(f"d{which}{l}"))

    def trace_for(self, phase: Phase, right: Array) -> StepTrace:
        """The step with these values in place and `right` as the phase's result: what
        the catalogue's forms read to say what a mistake gives here."""
        get = self.get
        layers = []
        for lt in self.trace.layers:
            l = lt.layer
            fields: dict[str, Any] = {
                "W": get(f"W{l}"),
                "b": get(f"b{l}"),
                "a_prev": get("x") if l == 1 else get(f"a{l - 1}"),
                **{name: get(flat_key(name, l)) for name in ("z", "a", "delta", "dW", "db")},
                "W_new": get(f"W{l}_new"),
                "b_new": get(f"b{l}_new") if self.trace.train_biases else get(f"b{l}"),
            }
            layers.append(replace(lt, **fields))
        L = len(layers)
        step = replace(
            self.trace,
            x=get("x"),
            y=get("y"),
            layers=tuple(layers),
            y_hat=get(f"a{L}"),
            loss=float(get("loss")),
        )
        if phase.kind == "loss":
            return replace(step, loss=float(right))
        at = (phase.layer or L) - 1
        changed = list(step.layers)
        result: dict[str, Any] = {KIND_FIELD[phase.kind]: right}
        changed[at] = replace(changed[at], **result)
        return replace(step, layers=tuple(changed))


def _reference(trace: StepTrace, key: str) -> Array:
    """The reference value of a flat key (a phase's result or a starting W or b)."""
    field, layer = parse_key(key)
    if layer is None:
        value = {"loss": trace.loss, "x": trace.x, "y": trace.y}[field]
        return np.asarray(value, dtype=np.float64)
    return np.asarray(getattr(trace.layers[layer - 1], field), dtype=np.float64)


def _updated(trace: StepTrace, l: int, which: str, theta: Array, grad: Array) -> Array:
    """θ after the step's optimizer update from θ and g, with the state it started from."""
    lt = trace.layers[l - 1]
    options = {k: v for k, v in trace.hyperparameters.items() if k != "learning_rate"}
    opt = make_optimizer(trace.optimizer, trace.lr, **options)
    opt.t = trace.optimizer_t - 1
    before = lt.state_W_before if which == "W" else lt.state_b_before
    if before:
        opt.state = [{k: np.array(v, dtype=np.float64) for k, v in before.items()}]
    out = np.array(theta, dtype=np.float64)
    opt.step([out], [np.asarray(grad, dtype=np.float64)])
    return out


def _batch_cell(trace: StepTrace, key: str, cell: tuple[int, ...]) -> str:
    """A cell of x or y named as the trace names a per-sample cell: "x₂ of sample 3"."""
    sample, unit = cell
    value = trace.x if key == "x" else trace.y
    name = key if value.shape[1] == 1 else f"{key}{sub(unit + 1)}"
    return name if value.shape[0] == 1 else f"{name} of sample {sample + 1}"


def _first_off(agree: Array) -> tuple[tuple[int, ...], int]:
    off = np.argwhere(~agree)
    return tuple(int(i) for i in off[0]), len(off)


def _judge_value(
    number: int,
    key: str,
    label: str,
    reference: Array,
    fitted: Fitted,
    rtol: float,
) -> tuple[PhaseCheck, Array]:
    """OK, or DIFFERS with its first cell (before any "follows" or mistake is looked for).
    A square matrix whose transpose agrees counts as given transposed."""
    yours, transposed = fitted.value, fitted.transposed
    agree = _agrees(yours, reference, rtol)
    if not agree.all() and yours.ndim == 2 and yours.shape[0] == yours.shape[1] > 1:
        flipped = _agrees(yours.T, reference, rtol)
        if flipped.all():
            yours, transposed, agree = yours.T.copy(), not transposed, flipped
    status = OK if agree.all() else DIFFERS
    check = PhaseCheck(number, key, label, status, reference, yours, transposed=transposed)
    return check, agree


def judge(
    trace: StepTrace, fitted: Mapping[str, Fitted], rtol: float
) -> tuple[tuple[PhaseCheck, ...], tuple[PhaseCheck, ...]]:
    """(the values given that are no phase's result — the weights and biases the step
    starts from, and b after the step when the biases are fixed —, every phase in the
    trace's order), judged."""
    rtol = effective_rtol(trace, rtol)
    state = _Values(trace, fitted)
    start = []
    unchanged: list[tuple[str, str, Array, PhaseKey | None]] = [
        ("x", "x (the inputs)", trace.x, None),
        ("y", "y (the targets)", trace.y, None),
    ]
    for lt in trace.layers:
        l = lt.layer
        unchanged.append((f"W{l}", f"W({l}) before the step", lt.W, PhaseKey("update_W", l)))
        unchanged.append((f"b{l}", f"b({l}) before the step", lt.b, PhaseKey("update_b", l)))
        if not trace.train_biases:
            fixed = f"b({l}) after the step (fixed)"
            unchanged.append((f"b{l}_new", fixed, lt.b, PhaseKey("update_b", l)))
    # A first error's rank: the values of no phase in the order listed, then the phases.
    for rank, (key, label, value, named) in enumerate(unchanged, start=-len(unchanged)):
        if key not in fitted:
            continue
        ref = np.asarray(value, dtype=np.float64)
        check, agree = _judge_value(0, key, label, ref, fitted[key], rtol)
        if check.status == DIFFERS:
            cell, off = _first_off(agree)
            name = cell_label(trace, named, cell) if named else _batch_cell(trace, key, cell)
            check = replace(check, cell=cell, cell_name=name, off=off)
            state.roots[key] = (rank, label)
        state.values[key] = check.yours if check.yours is not None else ref
        start.append(check)

    phases = []
    for number, phase in enumerate(trace.phases, start=1):
        key, label = phase_key(phase.kind, phase.layer), phase_label(phase)
        root = state.root_of(input_keys(trace, phase))
        reference = np.asarray(phase_value(trace, phase), dtype=np.float64)
        if key not in fitted:
            state.values[key] = state.recompute(phase) if root else reference
            if root:
                state.roots[key] = root
            phases.append(PhaseCheck(number, key, label, NOT_GIVEN, reference, phase=phase))
            continue
        check, agree = _judge_value(number, key, label, reference, fitted[key], rtol)
        check = replace(check, phase=phase)
        yours = check.yours
        assert yours is not None
        state.values[key] = yours
        if check.status == DIFFERS:
            cell, off = _first_off(agree)
            check = replace(check, cell=cell, cell_name=cell_label(trace, phase, cell), off=off)
            right = state.recompute(phase) if root else reference
            if root and _agrees(yours, right, rtol).all():
                check = replace(check, status=FOLLOWS, follows_from=root[1])
                state.roots[key] = root
            else:
                answer = answer_for(yours, right, rtol)
                mistakes = matching_mistakes(state.trace_for(phase, right), phase, answer)
                check = replace(check, mistakes=mistakes)
                state.roots[key] = (number, label)
        phases.append(check)
    return tuple(start), tuple(phases)

"""Your own backprop against the reference, phase by phase: `compare`.

    from backprop_tui.core import compare

    report = compare("seed-toy", {"delta1": my_delta1, "dW1": my_dW1})
    report.ok          # False
    report.phase       # "δ(1)": the first phase that differs for a reason of its own
    report.mistake     # "missing-activation-derivative"
    print(report)      # every phase: ok, not given, differs … [mistake], follows from …

    def my_backprop(W, b, x, y):      # or a function that computes them
        ...
        return {"z1": z1, "a1": a1, ..., "dW1": dW1, "db1": db1}

    assert compare("seed-toy", my_backprop).ok

The step compared is the one `backprop-tui trace PRESET` shows (the preset's first batch,
or training row `sample`). Keys and layouts: core.learn.given; how a difference is told
from one that follows from an earlier one: core.learn.follow.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from backprop_tui.core.format import MINUS
from backprop_tui.core.learn.follow import DIFFERS, FOLLOWS, NOT_GIVEN, OK, PhaseCheck, judge
from backprop_tui.core.learn.given import CompareInputError, fit_given, read_given
from backprop_tui.core.text import shown

if TYPE_CHECKING:
    from backprop_tui.core.config.records import Preset
    from backprop_tui.core.trace.record import StepTrace
    from backprop_tui.core.training.trainer import Trainer

__all__ = ["DEFAULT_RTOL", "CompareInputError", "Comparison", "PhaseCheck", "compare"]

DEFAULT_RTOL = 1e-6
"""Two values agree within this relative difference (see core.learn.follow)."""

Given = Mapping[str, Any] | Callable[..., Mapping[str, Any]] | str | os.PathLike[str]


@dataclass(frozen=True, eq=False)
class Comparison:
    """The result of `compare`: every phase judged, in the trace's order.

    `ok`: everything given agrees. `first`: the first difference that does not follow
    from an earlier one (a `PhaseCheck`), `phase` its label ("δ(1)"), `mistake` the first
    catalogue mistake it matches (None when none does), `text` / `str(report)` the
    report a person reads, `to_dict()` the same as plain data.
    """

    trace: StepTrace
    preset: str
    rtol: float
    start: tuple[PhaseCheck, ...]
    phases: tuple[PhaseCheck, ...]

    @property
    def checks(self) -> tuple[PhaseCheck, ...]:
        """The values of no phase given (starting weights, fixed biases), then every phase."""
        return self.start + self.phases

    @property
    def ok(self) -> bool:
        return not any(check.differs for check in self.checks)

    @property
    def first(self) -> PhaseCheck | None:
        return next((c for c in self.checks if c.status == DIFFERS), None)

    @property
    def phase(self) -> str | None:
        first = self.first
        return None if first is None else first.label

    @property
    def mistake(self) -> str | None:
        first = self.first
        return first.names[0] if first is not None and first.mistakes else None

    @property
    def errors(self) -> tuple[PhaseCheck, ...]:
        """Every difference of its own (not following from an earlier one)."""
        return tuple(c for c in self.checks if c.status == DIFFERS)

    @property
    def text(self) -> str:
        return render(self)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        verdict = "ok" if self.ok else f"first difference at {self.phase}"
        return f"<Comparison of {shown(self.preset)}: {verdict}>"

    def to_dict(self) -> dict[str, Any]:
        """Plain data: the verdict, then one record per phase (numbers as floats)."""
        first = self.first
        return {
            "preset": self.preset,
            "sample_indices": (
                None if self.trace.sample_indices is None else list(self.trace.sample_indices)
            ),
            "rtol": self.rtol,
            "ok": self.ok,
            "first": None if first is None else first.label,
            "mistake": self.mistake,
            "start": [_record(c) for c in self.start],
            "phases": [_record(c) for c in self.phases],
        }


def _record(check: PhaseCheck) -> dict[str, Any]:
    record: dict[str, Any] = {
        "number": check.number,
        "key": check.key,
        "label": check.label,
        "status": check.status,
    }
    if check.status != NOT_GIVEN:
        record["transposed"] = check.transposed
    if check.differs:
        record.update(
            cell=None if check.cell is None else [i + 1 for i in check.cell],
            cell_name=check.cell_name,
            cells_differing=check.off,
            yours=check.yours_at_cell,
            reference=check.reference_at_cell,
            relative_error=check.relative_error,
            mistakes=[{"name": m.name, "message": m.message} for m in check.mistakes],
            follows_from=check.follows_from,
        )
    return record


# -- the check -------------------------------------------------------------------------


def compare(
    preset: str | os.PathLike[str] | Preset | Trainer | StepTrace,
    yours: Given,
    *,
    sample: int | None = None,
    rtol: float = DEFAULT_RTOL,
    seed: int | None = None,
) -> Comparison:
    """Compare a step of your own backprop with the reference, phase by phase.

    `preset`: a shipped name, a path to a .toml file, a loaded `Preset`, a `Trainer`
    (its next batch) or a `StepTrace`. `yours`: a dict of arrays (keys `loss`, `z1`,
    `a1`, `delta1`, `dW1`, `db1`, `W1_new`, `b1_new`, … with layers from 1, or the
    layout of `trace --format json`; any subset), the path of such a JSON or .npz file,
    or a function `f(W, b, x, y)` that returns such a dict. It is called with copies of
    the step's weights W (a list, W[0] is W(1), out × in) and biases b (b[0] is b(1)),
    the batch x (samples × inputs) and y (samples × outputs), and with `lr=η` when it
    takes an `lr` argument. `sample`: compare on training row `sample` instead of the
    first batch; `seed`: the seed of `trace --seed`. `rtol`: the relative tolerance.

    Raises `CompareInputError` (a `BackpropError`) for numbers that cannot be compared.
    """
    if not (isinstance(rtol, int | float) and 0 < rtol < 1) or isinstance(rtol, bool):
        raise CompareInputError(f"rtol must be a number between 0 and 1, not {rtol!r}")
    trace, name = _step(preset, sample, seed)
    given = _call(yours, trace) if callable(yours) else read_given(yours)
    fitted = fit_given(trace, given)
    start, phases = judge(trace, fitted, float(rtol))
    return Comparison(trace, name, float(rtol), start, phases)


def _step(preset: object, sample: int | None, seed: int | None) -> tuple[StepTrace, str]:
    from backprop_tui.core.config.presets import build_trainer, load
    from backprop_tui.core.config.records import Preset
    from backprop_tui.core.trace.record import StepTrace, trace_trainer
    from backprop_tui.core.training.trainer import Trainer

    if isinstance(preset, StepTrace):
        return preset, "the step"
    if isinstance(preset, Trainer):
        return trace_trainer(preset, sample), "the trainer's step"
    if isinstance(preset, str | os.PathLike):
        preset = load(preset)
    if not isinstance(preset, Preset):
        raise CompareInputError(
            "compare needs a preset (a name, a .toml path or a loaded Preset), a Trainer or "
            f"a StepTrace, not {type(preset).__name__}"
        )
    return trace_trainer(build_trainer(preset, seed=seed), sample), preset.key


def _call(function: Callable[..., Any], trace: StepTrace) -> dict[str, np.ndarray]:
    """What `function(W, b, x, y)` returns for the step, read."""
    W = [np.array(lt.W) for lt in trace.layers]
    b = [np.array(lt.b) for lt in trace.layers]
    x, y = np.array(trace.x), np.array(trace.y)
    try:
        takes_lr = "lr" in inspect.signature(function).parameters
    except (TypeError, ValueError):
        takes_lr = False
    result = function(W, b, x, y, lr=trace.lr) if takes_lr else function(W, b, x, y)
    if not isinstance(result, Mapping):
        raise CompareInputError(
            f"the function must return a dict such as {{'delta1': …, 'dW1': …}}, "
            f"not {type(result).__name__}"
        )
    return read_given(result)


# -- the report ------------------------------------------------------------------------


def number_text(value: float | None, other: float | None = None) -> str:
    """A number with enough significant digits (4 to 17) to tell it from `other`."""
    if value is None:
        return "none"
    if np.isnan(value):
        return "nan"
    if np.isinf(value):
        return "∞" if value > 0 else f"{MINUS}∞"
    digits = 4
    while digits < 17 and other is not None and np.isfinite(other):
        if f"{value:.{digits}g}" != f"{other:.{digits}g}":
            break
        digits += 1
    text = f"{value:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text.replace("-", MINUS)


def _error_text(check: PhaseCheck) -> str:
    error, ref = check.relative_error, check.reference_at_cell
    if error is None:
        return ""
    if ref == 0:
        return "the reference is 0"
    if np.isnan(error):
        return "not comparable"
    return f"relative error {error:.3g}".replace("-", MINUS)


def _difference(check: PhaseCheck) -> str:
    yours, ref = check.yours_at_cell, check.reference_at_cell
    text = (
        f"{check.cell_name}: yours {number_text(yours, ref)}, reference {number_text(ref, yours)}"
    )
    error = _error_text(check)
    return text + (f", {error}" if error else "")


def check_line(check: PhaseCheck) -> str:
    """One phase's verdict: "ok", "not given", "differs δ(1)₁: yours 0.05565, reference
    0.01308, relative error 3.25 [missing-activation-derivative]", "follows from δ(2);
    ∂L/∂W(1)₁,₁: …"; "(given transposed)" when it was."""
    if check.status in (OK, NOT_GIVEN):
        text = check.status
    elif check.status == FOLLOWS:
        text = f"follows from {check.follows_from}; {_difference(check)}"
    else:
        text = f"differs {_difference(check)}"
        if check.mistakes:
            text += " " + " ".join(f"[{name}]" for name in check.names)
    if check.transposed:
        text += " (given transposed)"
    return text


def _detail(check: PhaseCheck) -> list[str]:
    """The lines under a first error: how many cells, what the mistake did, the equation."""
    lines = []
    size = check.reference.size
    if check.off > 1:
        lines.append(f"{check.off} of {size} cells differ")
    for match in check.mistakes:
        lines.append(f"{match.name}: {match.message}")
    if check.phase is not None:
        lines.append(f"the equation: {check.phase.equation}")
    return lines


def render(report: Comparison) -> str:
    """The report as text: a heading, the values of no phase given (starting weights,
    fixed biases), every phase, a verdict."""
    trace = report.trace
    rows = trace.sample_indices
    if rows is None:
        batch = f"a batch of {trace.batch_size}"
    elif len(rows) == 1:
        batch = f"training row {rows[0] + 1}"
    else:
        batch = f"the first batch ({len(rows)} rows)"
    sizes = "-".join(map(str, trace.sizes))
    lines = [
        f"{shown(report.preset)}: your numbers against one step of the {sizes} network, on {batch} "
        f"(relative tolerance {report.rtol:g})"
    ]
    width = max(len(c.label) for c in report.checks)
    for check in report.checks:
        number = f"{check.number:>3}." if check.number else "    "
        lines.append(f"{number} {check.label:<{width}}  {check_line(check)}")
        if check.status == DIFFERS:
            lines += [f"       {text}" for text in _detail(check)]
    lines.append("")
    lines.append(_verdict(report))
    return "\n".join(lines)


def _verdict(report: Comparison) -> str:
    given = [c for c in report.checks if c.status != NOT_GIVEN]
    agree = sum(c.status == OK for c in given)
    if report.ok:
        return f"ok: all {len(given)} values given agree with the reference"
    errors = report.errors
    follow = sum(c.status == FOLLOWS for c in given)
    first = errors[0]
    named = f" [{first.names[0]}]" if first.mistakes else ""
    parts = [f"differs: first at {first.label}{named}"]
    if len(errors) > 1:
        labels = ", ".join(c.label for c in errors)
        parts.append(f"{len(errors)} values differ on their own ({labels})")
    if follow:
        verb = "follows" if follow == 1 else "follow"
        parts.append(
            f"{follow} later value{'s' if follow != 1 else ''} {verb} from "
            + ("it" if len(errors) == 1 else "them")
        )
    parts.append(f"{agree} of {len(given)} values given agree")
    return "; ".join(parts)

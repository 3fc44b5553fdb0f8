"""The catalogue of classic backprop mistakes: what each one gives at the phase it affects.

Each entry is a `Mistake` record: a stable name, a one-line description, the phase kinds
it affects, and a pure function of a traced step (`StepTrace`) and a phase that returns
the value a learner who makes that mistake would write there — computed from the step's
right inputs, so each phase is judged on its own — with a sentence that explains it
beside the right equation. A mistake that cannot happen at a phase (a fused output
layer has no σ' to forget; W δ needs a square W) gives nothing there.

The functions live in core.learn.forms; they read only StepTrace and LayerTrace fields
and the activation and loss records' own functions, so a step whose numbers were
replaced (a learner's own backprop) can be judged too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from backprop_tui.core.errors import UnknownNameError
from backprop_tui.core.learn.forms import (
    Form,
    missing_bias,
    missing_mean,
    missing_rate,
    missing_slope,
    no_transpose,
    sign_flipped,
    squared_error,
    update_sign,
    updated_weights,
    wrong_input,
    wrong_slope,
)
from backprop_tui.core.learn.targets import PhaseLike

if TYPE_CHECKING:
    from backprop_tui.core.trace.record import StepTrace

Array = np.ndarray


@dataclass(frozen=True)
class Mistake:
    """One catalogue entry: `name` (stable, kebab-case), `description` (one line),
    `kinds` (the phase kinds it affects) and `forms(trace, phase)`, the values it gives
    there (usually one; empty where it does not apply)."""

    name: str
    description: str
    kinds: frozenset[str]
    forms_at: Callable[[StepTrace, PhaseLike], tuple[Form, ...]]

    def forms(self, trace: StepTrace, phase: PhaseLike) -> tuple[Form, ...]:
        """Every value this mistake gives at `phase`; () where it does not apply."""
        if phase.kind not in self.kinds:
            return ()
        with np.errstate(all="ignore"):
            return self.forms_at(trace, phase)

    def value(self, trace: StepTrace, phase: PhaseLike) -> Array | None:
        """The value this mistake gives at `phase` (its first form), or None."""
        forms = self.forms(trace, phase)
        return forms[0].value if forms else None


def _kinds(*kinds: str) -> frozenset[str]:
    return frozenset(kinds)


CATALOGUE: tuple[Mistake, ...] = (
    Mistake(
        "missing-bias",
        "z(l) = W(l) a(l−1) without + b(l)",
        _kinds("forward_z"),
        missing_bias,
    ),
    Mistake(
        "squared-error-factor",
        "2(ŷ − y) for ŷ − y with ½ squared error, or the reverse with the mean squared error",
        _kinds("delta_output"),
        squared_error,
    ),
    Mistake(
        "sign-flipped-error",
        "the output error taken as y − ŷ instead of ŷ − y",
        _kinds("delta_output"),
        sign_flipped,
    ),
    Mistake(
        "missing-activation-derivative",
        "δ without ⊙ σ'(z): the activation's slope left out",
        _kinds("delta_output", "delta_hidden"),
        missing_slope,
    ),
    Mistake(
        "wrong-activation-derivative",
        "σ' taken at a instead of z, or tanh' written 1 − a instead of 1 − a²",
        _kinds("delta_output", "delta_hidden"),
        wrong_slope,
    ),
    Mistake(
        "no-transpose",
        "W(l+1) δ(l+1) for W(l+1)ᵀ δ(l+1) (where W is square, so the shapes allow it)",
        _kinds("delta_hidden"),
        no_transpose,
    ),
    Mistake(
        "updated-weights-in-backward",
        "δ(l) computed with W(l+1) after its update instead of before",
        _kinds("delta_hidden"),
        updated_weights,
    ),
    Mistake(
        "missing-batch-mean",
        "∂L/∂W and ∂L/∂b summed over the batch, not averaged",
        _kinds("grad_W", "grad_b"),
        missing_mean,
    ),
    Mistake(
        "wrong-input-in-gradient",
        "δ(l) a(l)ᵀ for δ(l) a(l−1)ᵀ: the layer's output instead of its input",
        _kinds("grad_W"),
        wrong_input,
    ),
    Mistake(
        "update-sign",
        "W + η ∂L/∂W: the step added instead of subtracted",
        _kinds("update_W", "update_b"),
        update_sign,
    ),
    Mistake(
        "missing-learning-rate",
        "W − ∂L/∂W: the step without the learning rate η",
        _kinds("update_W", "update_b"),
        missing_rate,
    ),
)
"""Every mistake, in the order of the phases they affect."""

MISTAKES: Mapping[str, Mistake] = {m.name: m for m in CATALOGUE}


def get_mistake(name: str) -> Mistake:
    """The catalogue entry called `name`; `UnknownNameError` (with close matches) otherwise."""
    try:
        return MISTAKES[name]
    except KeyError:
        raise UnknownNameError("mistake", name, MISTAKES) from None

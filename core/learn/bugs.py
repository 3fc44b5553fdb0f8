"""The planted bugs of the bug hunt: classic backprop mistakes as engine code paths.

Each `Bug` is a record: the catalogue mistake it plants (`core.learn.mistakes`: its
stable name and one line), the phase kind where a trace of the planted engine first
departs from the correct one, and its rules — each one an engine operation
(`core.learn.planted`) as the bug computes it, written beside the correct operation it
replaces. `sites(trace)` says at which phases of a network the rules change a number
(a rule that cannot change one there, σ' of a linear layer left out, is no site), and
`departure(trace)` is the first of them in walking order: where the learner should find
the first phase whose numbers break its own equation.

The update bugs change no gradient, so the finite-difference check agrees with them:
they show only in the update phases.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from backprop_tui.core.errors import UnknownNameError
from backprop_tui.core.learn.bug_rules import (
    added_step,
    factor_output_delta,
    flipped_output_delta,
    output_input_grad_W,
    rateless_step,
    slope_at_a_differs,
    slope_at_a_hidden_delta,
    slope_at_a_output_delta,
    slope_is_one,
    slopeless_hidden_delta,
    slopeless_output_delta,
    squared_error_factor,
    summed_grad_b,
    summed_grad_W,
    untransposed_upstream,
    updated_upstream,
)
from backprop_tui.core.learn.mistakes import Mistake, get_mistake
from backprop_tui.core.learn.planted import PlantedNetwork, plant, planted_optimizer
from backprop_tui.core.learn.targets import PhaseKey, activation_of
from backprop_tui.core.nn.network import Network
from backprop_tui.core.nn.optimizers import Optimizer

if TYPE_CHECKING:
    from backprop_tui.core.trace.model import Phase
    from backprop_tui.core.trace.record import StepTrace as StepData
    from backprop_tui.core.training.trainer import Trainer

Array = np.ndarray


PHASE_WORDS = {
    "delta_output": "the output error δ(L)",
    "delta_hidden": "a hidden layer's error δ(l)",
    "grad_W": "a weight gradient ∂L/∂W(l)",
    "update_W": "a weight update W(l)",
}
"""The phase kind where a bug first shows, in words (for `hunt --list`)."""


# -- where each bug changes a number ---------------------------------------------------------

Sites = Callable[["StepData"], tuple[PhaseKey, ...]]


def _hidden(trace: StepData) -> range:
    return range(len(trace.layers) - 1, 0, -1)


def _output_site(trace: StepData, changes: bool) -> tuple[PhaseKey, ...]:
    return (PhaseKey("delta_output", len(trace.layers)),) if changes else ()


def _sign_sites(trace: StepData) -> tuple[PhaseKey, ...]:
    return _output_site(trace, True)


def _factor_sites(trace: StepData) -> tuple[PhaseKey, ...]:
    loss, outputs = trace.loss_function(), trace.y.shape[1]
    factor = squared_error_factor(loss, outputs)
    return _output_site(trace, loss.fused_delta is None and factor is not None)


def _slopeless_sites(trace: StepData) -> tuple[PhaseKey, ...]:
    L, loss = len(trace.layers), trace.loss_function()
    out = _output_site(
        trace, loss.fused_delta is None and not slope_is_one(activation_of(trace, L))
    )
    return out + tuple(
        PhaseKey("delta_hidden", l)
        for l in _hidden(trace)
        if not slope_is_one(activation_of(trace, l))
    )


def _slope_at_a_sites(trace: StepData) -> tuple[PhaseKey, ...]:
    L, loss = len(trace.layers), trace.loss_function()
    out = _output_site(
        trace, loss.fused_delta is None and slope_at_a_differs(activation_of(trace, L))
    )
    return out + tuple(
        PhaseKey("delta_hidden", l)
        for l in _hidden(trace)
        if slope_at_a_differs(activation_of(trace, l))
    )


def _untransposed_sites(trace: StepData) -> tuple[PhaseKey, ...]:
    return tuple(
        PhaseKey("delta_hidden", l)
        for l in _hidden(trace)
        if trace.layers[l].W.shape[0] == trace.layers[l].W.shape[1]
    )


def _updated_sites(trace: StepData) -> tuple[PhaseKey, ...]:
    if trace.lr == 0:
        return ()
    return tuple(PhaseKey("delta_hidden", l) for l in _hidden(trace))


def _summed_sites(trace: StepData) -> tuple[PhaseKey, ...]:
    if trace.batch_size == 1:
        return ()
    layers = range(len(trace.layers), 0, -1)
    return tuple(PhaseKey(kind, l) for l in layers for kind in ("grad_W", "grad_b"))


def _output_input_sites(trace: StepData) -> tuple[PhaseKey, ...]:
    return tuple(
        PhaseKey("grad_W", lt.layer)
        for lt in reversed(trace.layers)
        if lt.W.shape[0] == lt.W.shape[1]
    )


def _update_sites(trace: StepData) -> tuple[PhaseKey, ...]:
    if trace.lr == 0:
        return ()
    kinds = ("update_W", "update_b") if trace.train_biases else ("update_W",)
    return tuple(PhaseKey(kind, l) for l in range(len(trace.layers), 0, -1) for kind in kinds)


def _rateless_sites(trace: StepData) -> tuple[PhaseKey, ...]:
    return () if trace.lr == 1.0 else _update_sites(trace)


# -- the records ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Bug:
    """One planted bug: `name` is the catalogue mistake it plants, `phase` the phase kind
    where its trace first departs from the correct one (the first of `sites`), `rules`
    the engine operations it replaces (core.learn.planted.OPERATIONS → the operation as
    the bug computes it), `sites(trace)` the phases of a traced network where its rules
    change a number, in walking order."""

    name: str
    phase: str
    rules: Mapping[str, Callable[..., Any]] = field(repr=False)
    sites: Sites = field(repr=False)

    @property
    def mistake(self) -> Mistake:
        """The catalogue entry (core.learn.mistakes) this bug plants."""
        return get_mistake(self.name)

    @property
    def description(self) -> str:
        """One line about it: the catalogue's."""
        return self.mistake.description

    def applies(self, trace: StepData) -> bool:
        """Whether planting it in the traced network changes any number."""
        return bool(self.sites(trace))

    def departure(self, trace: StepData) -> Phase | None:
        """The first phase of `trace` (correct or planted: the same network) whose numbers
        the bug changes, or None where it changes none."""
        sites = set(self.sites(trace))
        for phase in trace.phases:
            if PhaseKey(phase.kind, phase.layer) in sites:
                return phase
        return None

    def network(self, network: Network, lr: float = 0.0) -> PlantedNetwork:
        """A copy of `network` with this bug planted (η = `lr` for a rule that needs it)."""
        return PlantedNetwork.of(network.copy(), self, lr)

    def optimizer(self, optimizer: Optimizer) -> Optimizer:
        """A copy of `optimizer` stepping with this bug's update rule, if it has one."""
        return planted_optimizer(optimizer.clone(), self)

    def trainer(self, trainer: Trainer) -> Trainer:
        """`trainer` rebuilt on the planted engine (see core.learn.planted.plant)."""
        return plant(trainer, self)


BUGS: tuple[Bug, ...] = (
    Bug(
        "squared-error-factor",
        "delta_output",
        {"output_delta": factor_output_delta},
        _factor_sites,
    ),
    Bug("sign-flipped-error", "delta_output", {"output_delta": flipped_output_delta}, _sign_sites),
    Bug(
        "missing-activation-derivative",
        "delta_output",
        {"output_delta": slopeless_output_delta, "hidden_delta": slopeless_hidden_delta},
        _slopeless_sites,
    ),
    Bug(
        "wrong-activation-derivative",
        "delta_output",
        {"output_delta": slope_at_a_output_delta, "hidden_delta": slope_at_a_hidden_delta},
        _slope_at_a_sites,
    ),
    Bug("no-transpose", "delta_hidden", {"upstream": untransposed_upstream}, _untransposed_sites),
    Bug(
        "updated-weights-in-backward",
        "delta_hidden",
        {"upstream": updated_upstream},
        _updated_sites,
    ),
    Bug(
        "missing-batch-mean",
        "grad_W",
        {"grad_W": summed_grad_W, "grad_b": summed_grad_b},
        _summed_sites,
    ),
    Bug(
        "wrong-input-in-gradient",
        "grad_W",
        {"grad_W": output_input_grad_W},
        _output_input_sites,
    ),
    Bug("update-sign", "update_W", {"update": added_step}, _update_sites),
    Bug(
        "missing-learning-rate",
        "update_W",
        {"update": rateless_step},
        _rateless_sites,
    ),
)
"""Every planted bug, in the order of the phases where they first show."""

BUG_NAMES: Mapping[str, Bug] = {bug.name: bug for bug in BUGS}


def get_bug(name: str) -> Bug:
    """The bug called `name`; `UnknownNameError` (with the closest name) otherwise."""
    try:
        return BUG_NAMES[name]
    except KeyError:
        raise UnknownNameError("bug", name, BUG_NAMES) from None


def bugs_for(trace: StepData) -> tuple[Bug, ...]:
    """The bugs that change some number of the traced network's step."""
    return tuple(bug for bug in BUGS if bug.applies(trace))


def choose_bug(trace: StepData, seed: int | None) -> Bug:
    """A bug drawn with `seed` from those that change the traced network's numbers."""
    candidates = bugs_for(trace) or BUGS
    return candidates[int(np.random.default_rng(seed).integers(len(candidates)))]

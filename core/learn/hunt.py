"""The bug hunt: a trainer built with a planted bug, the learner's guess judged, and the
correct and planted traces of one step compared phase by phase.

`HuntBuild(name)` builds a preset's trainer on the planted engine; it holds only the
bug's name, so it crosses to the training process as a name and the bug is looked up
there. `judge(bug, trace, phase, mistake)` says whether a guess names the bug: its
mistake and the first phase whose numbers it changes. `side_by_side(right, planted)`
pairs each phase's right value with the planted one and marks the cells that differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from backprop_tui.core.learn.bugs import Bug, choose_bug, get_bug
from backprop_tui.core.learn.targets import PhaseKey, phase_value
from backprop_tui.core.nn.network import Network
from backprop_tui.core.nn.optimizers import Optimizer

if TYPE_CHECKING:
    from backprop_tui.core.trace.record import StepTrace
    from backprop_tui.core.training.trainer import Trainer

Array = np.ndarray


@dataclass(frozen=True)
class HuntBuild:
    """(preset, seed) → the preset's trainer with the bug called `name` planted: the
    worker's build function during a hunt (`core.config.presets.build_trainer` first)."""

    name: str

    def __call__(self, preset: Any, seed: int | None) -> Trainer:
        from backprop_tui.core.config.presets import build_trainer

        return get_bug(self.name).trainer(build_trainer(preset, seed))


def pick_bug(preset: Any, name: str | None = None, seed: int | None = None) -> Bug:
    """The bug of a hunt on `preset`: the one called `name`, or one drawn with `seed`
    from those that change a number of the preset's first step. Raises ValueError when
    the named bug changes none (no square layer for no-transpose, one sample per batch
    for missing-batch-mean)."""
    from backprop_tui.core.config.presets import build_trainer
    from backprop_tui.core.trace.record import trace_trainer

    bug = None if name is None else get_bug(name)
    trace = trace_trainer(build_trainer(preset))
    if bug is None:
        return choose_bug(trace, seed)
    if not bug.applies(trace):
        raise ValueError(
            f"the bug {name!r} changes no number of this network's step "
            f"({'-'.join(map(str, trace.sizes))}, a batch of {trace.batch_size}); "
            "choose another or let the hunt choose"
        )
    return bug


def unplanted(network: Network) -> Network:
    """The correct engine's network with `network`'s parameters (copies)."""
    return Network(
        [w.copy() for w in network.W], [v.copy() for v in network.b], network.activations
    )


def unplanted_optimizer(optimizer: Optimizer) -> Optimizer:
    """A copy of `optimizer` that steps with its own rule (a planted one's base class)."""
    twin = optimizer.clone()
    base = getattr(type(twin), "base_class", None)
    if base is not None:
        twin.__class__ = base
    return twin


@dataclass(frozen=True)
class Verdict:
    """A guess judged: `right` when it names the bug's mistake and its first phase;
    `message` says what was right and what was not, without naming the bug."""

    right: bool
    message: str


def judge(bug: Bug, trace: StepTrace, phase: PhaseKey, mistake: str) -> Verdict:
    """Whether (`phase`, `mistake`) names `bug` in `trace` (a trace of its network)."""
    departure = bug.departure(trace)
    phase_right = departure is None or (
        departure.kind == phase.kind and departure.layer == phase.layer
    )
    mistake_right = mistake == bug.name
    if phase_right and mistake_right:
        return Verdict(True, f"Found it: {bug.name} — {bug.description}.")
    if mistake_right:
        return Verdict(
            False, "Not quite: look again for the first phase whose numbers break its equation."
        )
    if phase_right:
        return Verdict(False, "The phase is right, but not the mistake: what does it do there?")
    return Verdict(False, "Not this one. The hunt goes on.")


@dataclass(frozen=True, eq=False)
class PhaseDiff:
    """One phase of a step on both engines: its position in the walk, symbol and title,
    the right value and the planted one (the trace's layouts), and `differs`, a bool
    array of the value's shape marking the cells that differ."""

    position: int
    symbol: str
    title: str
    right: Array
    planted: Array
    differs: Array

    @property
    def any(self) -> bool:
        """Whether any cell differs."""
        return bool(self.differs.any())


def side_by_side(right: StepTrace, planted: StepTrace) -> tuple[PhaseDiff, ...]:
    """Every phase of one step traced on the correct and on the planted engine, paired.
    A cell differs when the two numbers are not the same (NaN matches NaN)."""
    out = []
    for i, phase in enumerate(right.phases):
        r = np.asarray(phase_value(right, i), dtype=np.float64)
        p = np.asarray(phase_value(planted, i), dtype=np.float64)
        differs = ~((r == p) | (np.isnan(r) & np.isnan(p)))
        out.append(PhaseDiff(i, phase.symbol, phase.title, r, p, np.asarray(differs)))
    return tuple(out)


def first_departure(diffs: tuple[PhaseDiff, ...]) -> PhaseDiff | None:
    """The first phase where a cell differs, or None."""
    return next((d for d in diffs if d.any), None)

"""The bug hunt's planted bugs (core.learn.bugs, core.learn.planted): each one's trace
departs from the correct one exactly at the phase it names, the finite-difference check
disagrees with its ∂W (not with an update bug's), the catalogue names its numbers, and
the trainer trains with what the trace shows."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from backprop_tui.core.data.dataset import Dataset
from backprop_tui.core.errors import UnknownNameError
from backprop_tui.core.learn.bugs import BUG_NAMES, BUGS, Bug, bugs_for, choose_bug, get_bug
from backprop_tui.core.learn.mistakes import MISTAKES
from backprop_tui.core.learn.planted import PlantedNetwork, PlantedTrainer
from backprop_tui.core.learn.targets import phase_value
from backprop_tui.core.nn.gradcheck import gradient_check_trace
from backprop_tui.core.nn.losses import get_loss
from backprop_tui.core.nn.network import Network
from backprop_tui.core.nn.optimizers import make_optimizer
from backprop_tui.core.trace.record import StepTrace, trace_step, trace_trainer
from backprop_tui.core.training.trainer import Trainer

# (sizes, activations, loss, batch, optimizer): square hidden layers; a fused softmax
# output after relu; a linear output on one sample; adam.
NETWORKS = {
    "tanh-sigmoid": ([3, 3, 3, 2], ["tanh", "sigmoid", "sigmoid"], "half_sse", 4, "sgd"),
    "relu-softmax": ([2, 4, 4, 3], ["relu", "tanh", "softmax"], "cross_entropy", 5, "sgd"),
    "one-sample": ([2, 3, 1], ["sigmoid", "linear"], "mse", 1, "sgd"),
    "adam": ([3, 3, 2], ["tanh", "sigmoid"], "mse", 3, "adam"),
}
SEEDS = range(5)


def random_step(name: str, seed: int) -> tuple[Network, str, object, np.ndarray, np.ndarray]:
    sizes, acts, loss, batch, opt = NETWORKS[name]
    rng = np.random.default_rng(seed)
    W = [rng.normal(size=(o, i)) for i, o in itertools.pairwise(sizes)]
    b = [rng.normal(size=o) for o in sizes[1:]]
    x = rng.normal(size=(batch, sizes[0]))
    if loss == "cross_entropy":
        y = np.eye(sizes[-1])[rng.integers(sizes[-1], size=batch)]
    else:
        y = rng.uniform(size=(batch, sizes[-1]))
    return Network(W, b, acts), loss, make_optimizer(opt, 0.3), x, y


def traces(bug: Bug, name: str, seed: int) -> tuple[StepTrace, StepTrace]:
    net, loss, opt, x, y = random_step(name, seed)
    right = trace_step(net, loss, opt, x, y)
    planted = trace_step(bug.network(net, 0.3), loss, bug.optimizer(opt), x, y)
    return right, planted


def first_difference(right: StepTrace, planted: StepTrace) -> int | None:
    for i in range(len(right.phases)):
        if not np.array_equal(phase_value(right, i), phase_value(planted, i), equal_nan=True):
            return i
    return None


CASES = [
    (bug, name)
    for bug in BUGS
    for name in NETWORKS
    if bug.applies(trace_step(*random_step(name, 0)))
]


def test_every_bug_plants_a_catalogue_mistake_under_its_name():
    assert len(BUGS) == 10
    for bug in BUGS:
        assert bug.name in MISTAKES
        assert bug.description == MISTAKES[bug.name].description
        assert bug.phase in ("delta_output", "delta_hidden", "grad_W", "update_W")


def test_every_bug_applies_to_some_test_network():
    assert {bug.name for bug, _ in CASES} == set(BUG_NAMES)


@pytest.mark.parametrize(("bug", "network"), CASES, ids=lambda v: getattr(v, "name", v))
def test_a_planted_trace_first_departs_from_the_correct_one_at_the_phase_its_bug_names(
    bug, network
):
    differs = 0
    for seed in SEEDS:
        right, planted = traces(bug, network, seed)
        departure = bug.departure(right)
        assert departure is not None
        at = right.phases.index(departure)
        first = first_difference(right, planted)
        assert first is None or first >= at, (seed, right.phases[first].title)
        differs += first == at
    assert differs >= len(SEEDS) - 1


@pytest.mark.parametrize("bug", BUGS, ids=lambda bug: bug.name)
def test_the_phase_a_bug_names_is_its_first_site_on_the_network_where_all_apply(bug):
    right, _ = traces(bug, "tanh-sigmoid", 0)
    departure = bug.departure(right)
    assert departure is not None and departure.kind == bug.phase


# The planted engine steps W(l+1) by −η ∂L/∂W(l+1), the sgd step, inside the backward
# pass; the catalogue's form uses the optimizer's own W(l+1) after the update: with adam
# they are different numbers.
NAMED_CASES = [
    (bug, name)
    for bug, name in CASES
    if not (bug.name == "updated-weights-in-backward" and NETWORKS[name][4] != "sgd")
]


@pytest.mark.parametrize(("bug", "network"), NAMED_CASES, ids=lambda v: getattr(v, "name", v))
def test_the_catalogue_names_the_planted_numbers_at_the_phase_where_they_depart(bug, network):
    right, planted = traces(bug, network, 1)
    departure = bug.departure(right)
    at = right.phases.index(departure)
    forms = bug.mistake.forms(right, departure)
    assert any(np.allclose(form.value, phase_value(planted, at)) for form in forms)


def test_a_bug_that_cannot_change_a_network_changes_none_of_its_numbers():
    bug = get_bug("squared-error-factor")
    right, planted = traces(bug, "relu-softmax", 0)  # cross-entropy: no squared error
    assert not bug.applies(right)
    assert first_difference(right, planted) is None
    bug = get_bug("missing-batch-mean")
    right, planted = traces(bug, "one-sample", 0)  # B = 1: the mean is the sum
    assert not bug.applies(right) and first_difference(right, planted) is None


@pytest.mark.parametrize(
    "bug", [bug for bug in BUGS if bug.phase != "update_W"], ids=lambda bug: bug.name
)
def test_the_finite_difference_check_disagrees_with_a_planted_gradient(bug):
    _, planted = traces(bug, "tanh-sigmoid", 2)
    check = gradient_check_trace(planted)
    assert check.max_relative_error > 1e-3
    assert np.array_equal(check.layers[-1].dW, planted.layers[-1].dW) or bug.phase != "delta_output"


@pytest.mark.parametrize(
    "bug", [bug for bug in BUGS if bug.phase == "update_W"], ids=lambda bug: bug.name
)
def test_the_finite_difference_check_agrees_with_an_update_bug_whose_gradients_are_right(bug):
    right, planted = traces(bug, "tanh-sigmoid", 2)
    assert gradient_check_trace(planted).max_relative_error < 1e-6
    assert first_difference(right, planted) == right.phases.index(bug.departure(right))


def test_the_correct_trace_s_gradient_check_is_unchanged_by_the_engine_it_remembers():
    net, loss, opt, x, y = random_step("tanh-sigmoid", 3)
    right = trace_step(net, loss, opt, x, y)
    assert type(right.network_before()) is Network
    assert gradient_check_trace(right).max_relative_error < 1e-6


def planted_trainer(name: str) -> PlantedTrainer:
    net, loss, opt, x, y = random_step("tanh-sigmoid", 4)
    data = Dataset(np.tile(x, (3, 1)), np.tile(y, (3, 1)), task="regression")
    trainer = Trainer(net, get_loss(loss), opt, data, batch_size=4, seed=1)
    planted = get_bug(name).trainer(trainer)
    assert isinstance(planted, PlantedTrainer)
    return planted


@pytest.mark.parametrize("bug", BUGS, ids=lambda bug: bug.name)
def test_a_planted_trainer_trains_with_the_numbers_its_trace_shows(bug):
    trainer = planted_trainer(bug.name)
    for _ in range(2):
        trace = trace_trainer(trainer)
        trainer.step()
        for lt, W, b in zip(trace.layers, trainer.network.W, trainer.network.b, strict=True):
            np.testing.assert_array_equal(W, lt.W_new)
            np.testing.assert_array_equal(b, lt.b_new)


def test_a_planted_trainer_keeps_its_bug_when_the_optimizer_is_replaced():
    trainer = planted_trainer("update-sign")
    trainer.optimizer = make_optimizer("momentum", 0.1)
    assert getattr(type(trainer.optimizer), "planted_bug", None) == "update-sign"
    assert trainer.optimizer.kind == "momentum"
    assert isinstance(trainer.network, PlantedNetwork)


def test_an_unknown_bug_is_named_with_the_closest_one():
    with pytest.raises(UnknownNameError, match="did you mean 'no-transpose'"):
        get_bug("no-transpos")


def test_a_bug_chosen_by_seed_is_the_same_for_the_same_seed_and_one_that_applies():
    right = trace_step(*random_step("one-sample", 0))
    chosen = {choose_bug(right, seed).name for seed in range(40)}
    assert chosen <= {bug.name for bug in bugs_for(right)}
    assert "missing-batch-mean" not in chosen and len(chosen) > 3
    assert choose_bug(right, 7) == choose_bug(right, 7)

"""The bug hunt's pure parts (core.learn.hunt): the worker's build function, the bug a
hunt picks, a guess judged, and two traces of one step paired cell by cell."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from backprop_tui.core.config.presets import build_trainer, load
from backprop_tui.core.learn.bugs import get_bug
from backprop_tui.core.learn.hunt import (
    HuntBuild,
    first_departure,
    judge,
    pick_bug,
    side_by_side,
    unplanted,
    unplanted_optimizer,
)
from backprop_tui.core.learn.planted import PlantedTrainer
from backprop_tui.core.learn.targets import PhaseKey
from backprop_tui.core.nn.network import Network
from backprop_tui.core.trace.record import trace_step, trace_trainer


def test_the_worker_s_build_function_travels_as_the_bug_s_name_and_builds_a_planted_trainer():
    build = pickle.loads(pickle.dumps(HuntBuild("no-transpose")))
    assert build == HuntBuild("no-transpose")
    trainer = build(load("spiral"), None)
    assert isinstance(trainer, PlantedTrainer) and trainer.bug is get_bug("no-transpose")


def test_a_named_bug_that_changes_nothing_on_the_preset_is_refused():
    with pytest.raises(ValueError, match="changes no number"):
        pick_bug(load("seed-toy"), "no-transpose")
    assert pick_bug(load("seed-toy"), "update-sign").name == "update-sign"


def seed_toy(bug: str):
    trainer = build_trainer(load("seed-toy"))
    right = trace_trainer(trainer)
    planted = trace_trainer(get_bug(bug).trainer(build_trainer(load("seed-toy"))))
    return right, planted


def test_a_guess_is_right_only_with_the_bug_s_mistake_and_the_phase_where_it_first_shows():
    bug = get_bug("sign-flipped-error")
    _, planted = seed_toy(bug.name)
    assert judge(bug, planted, PhaseKey("delta_output", 2), bug.name).right
    wrong_phase = judge(bug, planted, PhaseKey("delta_hidden", 1), bug.name)
    wrong_mistake = judge(bug, planted, PhaseKey("delta_output", 2), "update-sign")
    both = judge(bug, planted, PhaseKey("grad_W", 1), "update-sign")
    assert not (wrong_phase.right or wrong_mistake.right or both.right)
    assert "first phase" in wrong_phase.message
    assert "not the mistake" in wrong_mistake.message
    for verdict in (wrong_phase, wrong_mistake, both):
        assert bug.name not in verdict.message


def test_side_by_side_marks_exactly_the_cells_that_differ_from_the_first_departure_on():
    right, planted = seed_toy("update-sign")
    diffs = side_by_side(right, planted)
    first = first_departure(diffs)
    assert first is not None and right.phases[first.position].kind == "update_W"
    assert not any(d.any for d in diffs[: first.position])
    for d in diffs:
        np.testing.assert_array_equal(d.differs, d.right != d.planted)


def test_the_correct_engine_is_recovered_from_planted_copies():
    bug = get_bug("missing-learning-rate")
    trainer = bug.trainer(build_trainer(load("seed-toy")))
    network, optimizer = unplanted(trainer.network), unplanted_optimizer(trainer.optimizer)
    assert type(network) is Network and not hasattr(type(optimizer), "planted_bug")
    data = trainer.train_data
    again = trace_step(network, trainer.loss, optimizer, data.X[:1], data.Y[:1])
    right, _ = seed_toy(bug.name)
    np.testing.assert_array_equal(again.layers[0].W_new, right.layers[0].W_new)

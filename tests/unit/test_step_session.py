"""The what-if step session and the network and optimizer rebuilt from a snapshot."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from backprop_tui.core.config.presets import build_trainer, load
from backprop_tui.core.config.records import OptimizerConfig
from backprop_tui.core.training.session import StepSession
from backprop_tui.core.training.settings import Settings, apply_settings
from backprop_tui.core.training.snapshot import restore_network, restore_optimizer


def decaying_adam():
    circles = load("circles")
    adam = OptimizerConfig(
        "adam", circles.config.optimizer.learning_rate, {"betas": [0.8, 0.99], "weight_decay": 0.05}
    )
    return replace(circles, config=replace(circles.config, optimizer=adam))


def test_a_snapshot_restores_the_network_and_optimizer_the_trainer_has() -> None:
    trainer = build_trainer(decaying_adam())
    for _ in range(3):
        trainer.step()
    snapshot = trainer.snapshot()
    network, optimizer = restore_network(snapshot), restore_optimizer(snapshot)
    live = trainer.network.W + trainer.network.b
    for mine, theirs in zip(network.W + network.b, live, strict=True):
        np.testing.assert_array_equal(mine, theirs)
        assert not np.shares_memory(mine, theirs)
    assert optimizer.hyperparameters() == trainer.optimizer.hyperparameters()
    assert optimizer.t == 3 and optimizer.state[0]["m"].flags.writeable


@pytest.mark.parametrize("kind", ["sgd", "momentum", "adam", "rmsprop"])
def test_after_switching_optimizer_the_traced_update_is_the_trainers_own(kind) -> None:
    preset = decaying_adam()
    trainer = build_trainer(preset)
    trainer.step()
    settings = replace(Settings.of(trainer, preset), optimizer=kind, lr=0.01)
    apply_settings(trainer, settings, preset)
    trainer.step()
    session = StepSession.restore(trainer.snapshot(), trainer.train_data, trainer.loss)
    result = session.result(session.trace(), None)
    result.apply_to(trainer)
    live = trainer.network.W + trainer.network.b
    for traced, trained in zip(result.W_new + result.b_new, live, strict=True):
        np.testing.assert_array_equal(traced, trained)


def test_a_session_of_another_kind_starts_that_optimizer_as_the_trainer_would() -> None:
    preset = decaying_adam()
    trainer = build_trainer(preset)
    trainer.step()
    snapshot = trainer.snapshot()
    session = StepSession.restore(
        snapshot, trainer.train_data, "bce", optimizer="sgd", preset=preset
    )
    assert session.optimizer.kind == "sgd" and session.optimizer.weight_decay == 0.05
    assert session.optimizer.t == 0
    same = StepSession.restore(snapshot, trainer.train_data, "bce", optimizer="adam")
    assert same.optimizer.t == 1 and same.optimizer.betas == (0.8, 0.99)

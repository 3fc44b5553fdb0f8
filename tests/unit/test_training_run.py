"""One rule for when a run stops (`core.training.run`), and the settings a trainer takes
between steps (`core.training.settings`)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from backprop_tui.core.config.presets import build_trainer, load, train
from backprop_tui.core.config.records import OptimizerConfig
from backprop_tui.core.errors import DivergedError
from backprop_tui.core.training.history import EpochRecord
from backprop_tui.core.training.run import Goal, Outcome
from backprop_tui.core.training.run import train as run
from backprop_tui.core.training.settings import Settings, apply_settings, optimizer_for
from toy_presets import EXPLODING, build_toy


def test_a_run_stops_at_its_epoch_target() -> None:
    trainer = build_trainer(load("xor"))
    seen: list[EpochRecord] = []
    assert run(trainer, Goal(7), seen.append) == Outcome("epochs")
    assert trainer.epoch == 7 and [r.epoch for r in seen] == list(range(1, 8))


def test_a_goal_already_met_trains_nothing() -> None:
    trainer = build_trainer(load("xor"))
    assert run(trainer, Goal(0)) == Outcome("epochs")
    assert trainer.global_step == 0


def test_a_run_stops_after_the_first_epoch_whose_loss_is_at_the_stop_loss() -> None:
    reference = build_trainer(load("xor"))
    reference.train(60)
    losses = [r.train_loss for r in reference.history]
    stop = losses[40]
    trainer = build_trainer(load("xor"))
    assert run(trainer, Goal(500, stop)) == Outcome("stop_loss")
    first = next(i for i, loss in enumerate(losses) if loss <= stop)
    assert trainer.epoch == first + 1


def test_the_stop_loss_wins_when_both_goals_are_met_by_the_same_epoch() -> None:
    trainer = build_trainer(load("xor"))
    assert run(trainer, Goal(3, stop_loss=1e9)).stopped == "stop_loss"
    assert trainer.epoch == 1


def test_a_diverging_run_stops_with_the_divergence_and_finite_weights() -> None:
    trainer = build_toy(EXPLODING)
    outcome = run(trainer, Goal(100))
    assert outcome.stopped == "diverged" and isinstance(outcome.diverged, DivergedError)
    assert all(np.isfinite(w).all() for w in trainer.network.W)


def test_a_run_asked_to_stop_stops_between_two_steps() -> None:
    trainer = build_trainer(load("circles"))
    steps = iter(range(1000))
    outcome = run(trainer, Goal(100), interrupted=lambda: next(steps) == 4)
    assert outcome == Outcome("interrupted") and trainer.global_step == 5


def test_presets_train_follows_the_same_rule_and_raises_a_divergence() -> None:
    xor = load("xor")
    preset = replace(
        xor, config=replace(xor.config, training=replace(xor.config.training, stop_loss=0.5))
    )
    trainer = build_trainer(preset)
    train(trainer, preset)
    assert trainer.history.last.train_loss <= 0.5
    assert trainer.history[-2].train_loss > 0.5
    with pytest.raises(DivergedError):
        train(build_toy(EXPLODING), EXPLODING)


def test_presets_train_counts_its_epochs_from_where_the_trainer_is() -> None:
    preset = load("xor")
    trainer = build_trainer(preset)
    trainer.train(3)
    train(trainer, preset, epochs=4)
    assert trainer.epoch == 7


# -- settings --------------------------------------------------------------------------


def test_settings_name_the_first_value_that_cannot_be_used() -> None:
    good = Settings(0.1, 4, 10, "adam", None)
    good.check()
    for bad, word in (
        (replace(good, lr=0.0), "learning rate"),
        (replace(good, batch_size=-1), "batch size"),
        (replace(good, epochs=0), "epochs"),
        (replace(good, optimizer="lion"), "optimizer"),
        (replace(good, stop_loss=float("nan")), "stop-at loss"),
    ):
        with pytest.raises(ValueError, match=word):
            bad.check()


def test_switching_optimizer_keeps_the_presets_options_only_for_its_own_kind() -> None:
    xor = load("xor")
    adam = OptimizerConfig("adam", 0.01, {"betas": [0.5, 0.9], "weight_decay": 0.1})
    preset = replace(xor, config=replace(xor.config, optimizer=adam))
    own = optimizer_for("adam", 0.01, preset)
    assert own.betas == (0.5, 0.9) and own.weight_decay == 0.1
    other = optimizer_for("rmsprop", 0.01, preset)
    assert other.alpha == 0.99 and other.weight_decay == 0.1  # torch's default, the decay kept


def test_new_settings_apply_to_the_trainer_from_the_next_step() -> None:
    preset = load("xor")
    trainer = build_trainer(preset)
    settings = Settings.of(trainer, preset)
    assert settings == Settings(preset.learning_rate, 0, preset.epochs, "sgd", preset.stop_loss)
    apply_settings(trainer, replace(settings, lr=0.25, batch_size=1, optimizer="adam"), preset)
    assert trainer.optimizer.kind == "adam" and trainer.optimizer.lr == 0.25
    assert trainer.steps_per_epoch == 4

"""Gradient health while training (core.training.health and health_warnings): the figures
are what the trainer computed, the trainer's numbers do not change, dead and saturated
units are found, and the warnings say so in words."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from backprop_tui.core.config.presets import build_trainer, load
from backprop_tui.core.data.dataset import from_arrays
from backprop_tui.core.nn.losses import get_loss
from backprop_tui.core.nn.network import Network
from backprop_tui.core.nn.optimizers import make_optimizer
from backprop_tui.core.training.health import (
    EVERY,
    EpochHealth,
    HealthLog,
    HealthMonitor,
    LayerHealth,
    health_warnings,
)
from backprop_tui.core.training.health_warnings import WINDOW
from backprop_tui.core.training.trainer import Trainer


def trained(name: str, epochs: int, watch: bool, optimizer: str | None = None) -> Trainer:
    trainer = build_trainer(load(name))
    if optimizer is not None:
        trainer.optimizer = make_optimizer(optimizer, 0.01)
    if not watch:
        trainer.health = None
    trainer.train(epochs)
    return trainer


@pytest.mark.parametrize(
    ("name", "epochs", "optimizer"),
    [("xor", 40, None), ("spiral", 3, None), ("moons", 3, "adam"), ("seed-toy", 20, "momentum")],
)
def test_training_numbers_are_bit_identical_with_and_without_the_health_bookkeeping(
    name: str, epochs: int, optimizer: str | None
) -> None:
    watched = trained(name, epochs, True, optimizer)
    plain = trained(name, epochs, False, optimizer)
    assert watched.health is not None and watched.health.latest is not None
    mine = (*watched.network.W, *watched.network.b)
    theirs = (*plain.network.W, *plain.network.b)
    for a, b in zip(mine, theirs, strict=True):
        assert np.array_equal(a, b)
    assert [r.as_dict() for r in watched.history] == [r.as_dict() for r in plain.history]


def relu_trainer(bias: list[float], steps_per_epoch: int = 1) -> Trainer:
    """2-4-1, relu then linear; `bias` sets b(1): a very negative one kills its unit."""
    rng = np.random.default_rng(0)
    W = [rng.normal(size=(4, 2)) * 0.5, rng.normal(size=(1, 4)) * 0.5]
    b = [np.array(bias), np.zeros(1)]
    X = rng.uniform(-1, 1, size=(8 * steps_per_epoch, 2))
    Y = X[:, :1] * X[:, 1:]
    return Trainer(
        Network(W, b, ["relu", "linear"]),
        get_loss("mse"),
        make_optimizer("sgd", 0.01),
        from_arrays(X.tolist(), Y.tolist()),
        batch_size=8,
    )


def test_the_figures_are_the_last_steps_gradient_norm_and_update_ratio() -> None:
    trainer = relu_trainer([0.1, 0.1, 0.1, 0.1], steps_per_epoch=EVERY)
    before = [W.copy() for W in trainer.network.W]
    for _ in range(EVERY - 1):
        trainer.step()
    before = [W.copy() for W in trainer.network.W]
    trainer.step()
    record = trainer.health.latest
    assert record is not None and record.epoch == 1 and record.steps == EVERY
    assert record.samples == 8 * EVERY
    for l, layer in enumerate(record.layers):
        dW = trainer.last_backward.dW[l]
        assert layer.grad_norm == pytest.approx(np.linalg.norm(dW), rel=1e-12)
        change = np.linalg.norm(trainer.network.W[l] - before[l]) / np.linalg.norm(before[l])
        assert layer.update_ratio == pytest.approx(change, rel=1e-9)
        assert layer.grad_rms == pytest.approx(layer.grad_norm / np.sqrt(dW.size))


def test_a_relu_unit_zero_on_every_sample_is_dead_and_the_warning_says_since_when() -> None:
    trainer = relu_trainer([-50.0, -50.0, -50.0, 0.1], steps_per_epoch=EVERY)
    trainer.train(3)
    record = trainer.health.latest
    hidden, output = record.layers
    assert hidden.dead == 0.75 and hidden.dead_since == 1 and hidden.saturated is None
    assert output.dead is None and output.saturated is None
    texts = [str(w) for w in trainer.health.warnings() if w.kind == "dead"]
    assert texts == [
        "layer 1: 75 % of its relu units have been dead since epoch 1 "
        "(a = 0 on every sample: they no longer learn)"
    ]


def test_a_layer_with_no_dead_unit_says_none_and_gives_no_warning() -> None:
    trainer = relu_trainer([5.0, 5.0, 5.0, 5.0], steps_per_epoch=EVERY)
    trainer.train(2)
    hidden = trainer.health.latest.layers[0]
    assert hidden.dead == 0.0 and hidden.dead_since is None
    assert not [w for w in trainer.health.warnings() if w.kind == "dead"]


def test_a_unit_that_comes_back_to_life_starts_a_new_streak() -> None:
    monitor = HealthMonitor(relu_trainer([0.1] * 4).network, every=1)
    weights = (np.ones(12), np.ones(12), np.ones(12))

    class Pass:
        def __init__(self, alive: list[bool]) -> None:
            self.x = np.zeros((1, 2))
            a = np.array([[1.0 if on else 0.0 for on in alive]])
            self.z, self.a = (a, np.zeros((1, 1))), (a, np.zeros((1, 1)))

    for epoch, alive in enumerate(
        [[False, True, True, True], [False, False, True, True], [True, False, True, True]], 1
    ):
        monitor.observe(Pass(alive))
        monitor.end_epoch(epoch, 1, lambda: weights)
    # Unit 1 was dead in epochs 1-2, then alive; unit 2 dead from epoch 2 on.
    assert monitor.latest.layers[0].dead == 0.25 and monitor.latest.layers[0].dead_since == 2


def test_sigmoid_units_pushed_to_their_bounds_count_as_saturated() -> None:
    rng = np.random.default_rng(1)
    W = [rng.choice([-40.0, 40.0], size=(3, 2)), rng.normal(size=(1, 3))]
    X = rng.uniform(0.5, 1, size=(16, 2)) * rng.choice([-1, 1], size=(16, 2))
    trainer = Trainer(
        Network(W, [np.zeros(3), np.zeros(1)], ["sigmoid", "sigmoid"]),
        get_loss("bce"),
        make_optimizer("sgd", 0.1),
        from_arrays(X.tolist(), (X[:, :1] > 0).astype(float).tolist()),
        batch_size=1,
    )
    trainer.run_epoch()
    hidden, output = trainer.health.latest.layers
    assert hidden.saturated > 0.5 and hidden.dead is None
    assert output.saturated is None
    [warning] = [w for w in trainer.health.warnings() if w.kind == "saturated"]
    assert (
        warning.text.startswith("layer 1: ")
        and "of its sigmoid values are saturated" in warning.text
    )


def test_one_step_epochs_are_measured_one_in_every() -> None:
    trainer = build_trainer(load("xor"))
    trainer.train(3 * EVERY)
    assert [record.epoch for record in trainer.health.log] == [1, 1 + EVERY, 1 + 2 * EVERY]


def test_an_epoch_of_every_steps_or_more_is_always_measured() -> None:
    trainer = relu_trainer([0.1] * 4, steps_per_epoch=EVERY)
    trainer.train(4)
    assert [record.epoch for record in trainer.health.log] == [1, 2, 3, 4]


def test_a_trainer_told_not_to_watch_keeps_no_health_and_its_snapshot_has_none() -> None:
    trainer = relu_trainer([0.1] * 4)
    plain = Trainer(
        trainer.network, trainer.loss, trainer.optimizer, trainer.train_data, watch_health=False
    )
    plain.train(2)
    snapshot = plain.snapshot()
    assert plain.health is None and snapshot.health is None and snapshot.health_warnings == ()


def test_the_snapshot_carries_the_newest_record_and_its_warnings_read_only() -> None:
    trainer = relu_trainer([-50.0, -50.0, -50.0, 0.1], steps_per_epoch=EVERY)
    trainer.train(2)
    snapshot = trainer.snapshot()
    assert snapshot.health is trainer.health.latest and snapshot.health.epoch == 2
    assert [w.kind for w in snapshot.health_warnings] == ["dead"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        snapshot.health.layers[0].grad_norm = 0.0  # type: ignore[misc]


def record(epoch: int, rms: list[float], ratio: float = 1e-3) -> EpochHealth:
    layers = tuple(
        LayerHealth(l + 1, "tanh", 100, r * 10.0, ratio, saturated=0.0) for l, r in enumerate(rms)
    )
    return EpochHealth(epoch, 1, 1, layers)


def test_layer_gradients_a_thousand_times_smaller_than_a_later_layers_are_vanishing() -> None:
    records = [record(e, [1e-6, 1e-4, 1e-3]) for e in range(1, WINDOW + 1)]
    [warning] = health_warnings(records)
    assert warning.kind == "vanishing" and warning.layers == (1, 3)
    assert str(warning) == "layer 1's gradients are 1000× smaller than layer 3's: vanishing"


def test_no_between_layer_warning_before_window_records() -> None:
    records = [record(e, [1e-6, 1e-4, 1e-3]) for e in range(1, WINDOW)]
    assert health_warnings(records) == ()


def test_gradients_that_grew_a_hundredfold_are_exploding() -> None:
    records = [record(e, [1.0, 1.0]) for e in range(1, WINDOW + 1)]
    records += [record(e, [200.0, 1.0]) for e in range(WINDOW + 1, 2 * WINDOW + 1)]
    texts = [str(w) for w in health_warnings(records) if w.kind == "exploding"]
    assert texts == [f"layer 1's gradients grew 200× between epochs 1 and {2 * WINDOW}: exploding"]


def test_updates_far_below_or_above_the_rule_of_thumb_are_named() -> None:
    small = health_warnings([record(e, [1.0, 1.0], ratio=1e-7) for e in range(1, WINDOW + 1)])
    assert [w.text for w in small] == [
        "layers 1 and 2: updates are 1.0e-7 to 1.0e-7 of their weights "
        "(‖ΔW‖ / ‖W‖; about 1e-3 is usual): too small — η too low, or training has settled"
    ]
    large = health_warnings([record(e, [1.0, 1.0], ratio=0.5) for e in range(1, WINDOW + 1)])
    assert [w.kind for w in large] == ["update_large"]


def test_the_rule_of_thumb_update_ratio_gives_no_warning() -> None:
    assert health_warnings([record(e, [1.0, 2.0]) for e in range(1, 2 * WINDOW)]) == ()


def test_a_full_health_log_thins_evenly_and_keeps_the_newest_as_latest() -> None:
    log = HealthLog(capacity=4)
    for epoch in range(1, 12):
        log.append(record(epoch, [1.0]))
    assert len(log) <= 4 and log.latest.epoch == 11
    assert list(log.epochs) == [1, 5, 9]
    assert [r.epoch for r in log.after(4)] == [5, 9]
    assert log.column("grad_rms", 1).tolist() == [1.0, 1.0, 1.0]


def test_a_record_reads_as_flat_rows_with_only_the_shares_that_apply() -> None:
    row = LayerHealth(2, "relu", 4, 1.5, None, dead=0.25, dead_since=3).as_dict()
    assert row == {
        "layer": 2,
        "activation": "relu",
        "grad_norm": 1.5,
        "update_ratio": None,
        "dead": 0.25,
        "dead_since": 3,
    }
    assert EpochHealth(7, 1, 1, (LayerHealth(1, "linear", 1, 0.0, 0.1),)).rows() == [
        {"epoch": 7, "layer": 1, "activation": "linear", "grad_norm": 0.0, "update_ratio": 0.1}
    ]

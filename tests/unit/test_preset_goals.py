"""Every shipped preset reaches its teaching goal within its own configured epochs
(seeded, so the result is the same on every run)."""

from __future__ import annotations

import numpy as np
import pytest
from backprop_tui.core.config import presets
from backprop_tui.core.config.presets import build_trainer, load


def train_preset(name: str):
    preset = load(name)
    trainer = build_trainer(preset)
    presets.train(trainer, preset)
    return preset, trainer


@pytest.mark.parametrize(
    ("name", "goal"),
    [("circles", 0.95), ("moons", 0.95), ("spiral", 0.90), ("iris", 0.93)],
)
def test_classification_preset_reaches_its_test_accuracy_goal(name, goal):
    _, trainer = train_preset(name)
    assert trainer.test_data is not None
    _, accuracy = trainer.evaluate(trainer.test_data)
    assert accuracy >= goal


def test_xor_classifies_all_four_corners():
    _, trainer = train_preset("xor")
    _, accuracy = trainer.evaluate(trainer.train_data)
    assert accuracy == 1.0


def test_sine_reaches_a_test_mse_of_at_most_one_hundredth():
    _, trainer = train_preset("sine")
    loss, _ = trainer.evaluate(trainer.test_data)
    assert loss <= 0.01


def test_seed_toy_drives_the_output_toward_its_zero_target():
    _, trainer = train_preset("seed-toy")
    y_hat = trainer.network.predict(np.array([[1.0]]))[0, 0]
    assert y_hat < 0.05


def test_seed_scalar_learns_w_equal_to_t_over_x():
    _, trainer = train_preset("seed-scalar")
    assert trainer.network.W[0][0, 0] == pytest.approx(2.5, abs=1e-4)


def test_two_two_two_reaches_the_published_error_after_ten_thousand_steps():
    preset, trainer = train_preset("two-two-two")
    assert preset.epochs == 10000
    loss, _ = trainer.evaluate(trainer.train_data)
    assert loss == pytest.approx(0.0000351, abs=5e-8)

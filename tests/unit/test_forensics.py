"""Divergence forensics: the failing step replayed from the last finite weights, the first
phase and cell out of range, its numbers and the likely cause."""

from __future__ import annotations

import numpy as np
import pytest
from backprop_tui.core import Network, get_loss, make_optimizer
from backprop_tui.core.config.presets import build_trainer, load
from backprop_tui.core.errors import DivergedError
from backprop_tui.core.training.forensics import (
    divergence_report,
    overflow_bound,
    trainer_divergence_report,
)


def one_weight(w: float = 1.0) -> Network:
    return Network([np.array([[w]])], [np.array([0.0])], ["linear"])


@pytest.fixture
def diverged_trainer(preset_file, diverging_toml):
    """A trainer on the diverging preset, stopped by its divergence."""
    trainer = build_trainer(load(preset_file(diverging_toml)))
    with pytest.raises(DivergedError):
        trainer.train(50)
    return trainer


def test_a_run_grown_by_a_huge_learning_rate_is_traced_to_the_first_overflow(diverged_trainer):
    trainer = diverged_trainer
    weights = [w.copy() for w in trainer.network.W]
    report = trainer_divergence_report(trainer)
    assert all(np.array_equal(a, b) for a, b in zip(weights, trainer.network.W, strict=True))
    assert report.found and report.phase is not None
    # Every phase before it is in range; the loss after it is what the trainer saw.
    bound = overflow_bound(np.float64)
    assert abs(report.value) > bound
    assert report.number < report.trace.phase_index("loss") + 1
    assert report.headline.startswith(f"first out of range: {report.phase.symbol} (phase ")
    assert "overflowed (|x| > 1.341e154)" in report.headline
    assert report.cause.startswith("the parameters had already grown to ")
    assert "Lower the learning rate (η = 1e6)" in report.cause
    assert report.numbers.startswith(f"{report.cell_name} = ")


def test_an_update_larger_than_the_weight_is_named_with_its_ratio():
    report = divergence_report(
        one_weight(), get_loss("half_sse"), make_optimizer("sgd", 1e160), [[1.0]], [[0.0]]
    )
    assert report.phase.kind == "update_W"
    assert report.headline == (
        "first out of range: W(1) after the update (phase 7 of the step), W(1) = −1e160 "
        "overflowed (|x| > 1.341e154)"
    )
    assert report.numbers == "W(1) = 1 − η · 1 (η = 1e160) = −1e160"
    assert report.cause.startswith(
        "the update step η × ∂L/∂W(1) is larger than W(1) itself (‖step‖ / ‖W(1)‖ = 1e160"
    )


def test_inputs_too_large_for_the_dtype_are_named_as_the_cause():
    report = divergence_report(
        one_weight(), get_loss("half_sse"), make_optimizer("sgd", 0.1), [[1e200]], [[0.0]]
    )
    assert (report.phase.kind, report.number) == ("forward_z", 1)
    assert report.cause.startswith("the inputs x are as large as 1e200: scale the data")


def test_a_nan_is_reported_as_nan_at_its_cell():
    network = Network(
        [np.array([[1.0], [1.0]]), np.array([[np.inf, 1.0]])],
        [np.zeros(2), np.zeros(1)],
        ["relu", "linear"],
    )
    x = np.array([[-1.0], [1.0]])  # sample 1: a dead ReLU, 0 · ∞ = NaN
    report = divergence_report(
        network, get_loss("half_sse"), make_optimizer("sgd", 0.1), x, np.zeros((2, 1))
    )
    assert report.phase.symbol == "z(2)" and report.cell_name == "z(2) of sample 1"
    assert report.what == "is NaN"


def test_a_step_that_stays_finite_says_so_and_why_it_may():
    report = divergence_report(
        one_weight(), get_loss("half_sse"), make_optimizer("adam", 0.1), [[1.0]], [[0.0]]
    )
    assert not report.found and report.phase is None
    assert report.headline == "the step replayed from the last finite weights stays finite"
    assert "the optimizer's momentum or running averages" in report.cause


def test_the_report_as_plain_data_holds_no_nan_or_infinity(diverged_trainer):
    import json

    data = trainer_divergence_report(diverged_trainer).to_dict()
    json.dumps(data, allow_nan=False)
    assert data["found"] and data["cell"][0] >= 1
    assert data["equation"] and data["cause"] and data["numbers"]

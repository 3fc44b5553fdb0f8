"""core.nn.nudge: a weight nudged by ε, the gradient's prediction beside the actual change."""

from __future__ import annotations

import numpy as np
import pytest
from backprop_tui.core.config.presets import build_trainer, load
from backprop_tui.core.errors import ShapeError
from backprop_tui.core.nn.nudge import nudge, nudge_trace
from backprop_tui.core.trace.record import trace_trainer


def setup(name: str = "seed-toy"):
    trainer = build_trainer(load(name))
    data = trainer.train_data
    return trainer.network, trainer.loss, data.X[:4], data.Y[:4]


def test_the_first_order_prediction_is_the_gradient_times_eps() -> None:
    network, loss, x, y = setup()
    _, bwd = network.gradients(x, y, loss)
    probe = nudge(network, loss, x, y, 2, "W", (0, 0), eps=1e-3)
    assert probe.gradient == bwd.dW[1][0, 0]
    assert probe.predicted == pytest.approx(bwd.dW[1][0, 0] * 1e-3, rel=1e-15)
    assert probe.actual == pytest.approx(probe.predicted, rel=1e-2)


@pytest.mark.parametrize(("name", "layer", "quantity", "index"), [
    ("seed-toy", 2, "W", (0, 0)), ("seed-toy", 1, "b", (1,)),
    ("xor", 1, "W", (2, 1)), ("iris", 2, "b", (0,)),
])  # fmt: skip
def test_the_second_order_difference_is_half_the_curvature_times_eps_squared(
    name, layer, quantity, index
) -> None:
    network, loss, x, y = setup(name)
    for eps in (1e-2, 1e-3):
        probe = nudge(network, loss, x, y, layer, quantity, index, eps=eps)
        # ΔL − g ε = ½ L'' ε² + O(ε³): the two agree to a few per cent of ε².
        assert probe.second_order == pytest.approx(
            probe.expected_second_order, abs=0.05 * abs(probe.expected_second_order) + 1e-10 * eps
        )


def test_halving_eps_quarters_the_second_order_difference() -> None:
    network, loss, x, y = setup()
    big = nudge(network, loss, x, y, 1, "W", (0, 0), eps=2e-2).second_order
    small = nudge(network, loss, x, y, 1, "W", (0, 0), eps=1e-2).second_order
    assert big / small == pytest.approx(4.0, rel=0.05)


def test_the_network_is_unchanged_after_a_nudge() -> None:
    network, loss, x, y = setup()
    W = [w.copy() for w in network.W]
    b = [v.copy() for v in network.b]
    nudge(network, loss, x, y, 2, "W", (0, 1), eps=0.5)
    nudge(network, loss, x, y, 1, "b", (0,), eps=0.5)
    assert all(np.array_equal(a, c) for a, c in zip(network.W, W, strict=True))
    assert all(np.array_equal(a, c) for a, c in zip(network.b, b, strict=True))


def test_a_trace_nudge_uses_the_gradient_the_trace_recorded() -> None:
    from dataclasses import replace

    trace = trace_trainer(build_trainer(load("seed-toy")))
    layers = list(trace.layers)
    layers[1] = replace(layers[1], dW=np.asarray(layers[1].dW) * 2.0)
    bugged = replace(trace, layers=tuple(layers))
    probe = nudge_trace(bugged, 2, "W", (0, 0), eps=1e-3)
    assert probe.gradient == pytest.approx(2 * 0.086602, rel=1e-5)
    # A wrong gradient leaves a first-order difference, far beyond ½ L'' ε².
    assert abs(probe.second_order) > 100 * abs(probe.expected_second_order)


def test_the_lines_show_the_equation_and_its_numbers() -> None:
    trace = trace_trainer(build_trainer(load("seed-toy")))
    lines = nudge_trace(trace, 2, "W", (0, 0)).lines()
    assert lines[0] == "L(W(2)₁,₁ + ε) − L(W(2)₁,₁) ≈ ∂L/∂W(2)₁,₁ · ε"
    assert lines[1] == "θ = W(2)₁,₁ = 0.4,  ε = 0.01"
    assert "0.086602 · 0.01 = 8.660200e-04" in lines[2]


def test_an_entry_outside_the_parameter_is_a_shape_error() -> None:
    network, loss, x, y = setup()
    with pytest.raises(ShapeError):
        nudge(network, loss, x, y, 2, "W", (3, 0))
    with pytest.raises(ShapeError):
        nudge(network, loss, x, y, 3, "b", (0,))

"""The gradient check tells apart only what it can: each estimate carries a bound on its
own error (truncation and round-off), an entry is flagged only beyond it, a kink is
marked rather than flagged; and every entry has a name of its own, counted from 1."""

from dataclasses import replace

import numpy as np
import pytest
from backprop_tui.core.config.presets import build_trainer, load
from backprop_tui.core.format import entry_name, sub
from backprop_tui.core.nn.activations import get_activation
from backprop_tui.core.nn.gradcheck import gradient_check, gradient_check_trace, has_kink
from backprop_tui.core.nn.network import Network
from backprop_tui.core.trace.record import trace_trainer

PRESETS = ["seed-toy", "two-two-two", "xor", "circles", "moons", "spiral", "sine", "iris"]


def test_two_indices_are_written_with_a_comma_so_no_two_entries_share_a_name():
    assert sub(2) == "₂"
    assert sub(1, 11) == "₁,₁₁" and sub(11, 1) == "₁₁,₁"
    assert entry_name("W(2)", (0, 10), (32, 32)) == "W(2)₁,₁₁"
    assert entry_name("b(1)", (1,), (4,)) == "b(1)₂"
    assert entry_name("b(2)", (0,), (1,)) == "b(2)"
    names = [entry_name("W(2)", index, (32, 32)) for index in np.ndindex(32, 32)]
    assert len(set(names)) == 32 * 32


def test_every_entry_of_spirals_check_has_its_own_name():
    check = gradient_check_trace(trace_trainer(build_trainer(load("spiral"))))
    names = [name for name, _ in check.entries()]
    assert len(names) == len(set(names)) == 2 * 32 + 32 + 32 * 32 + 32 + 32 + 1
    assert "∂L/∂W(2)₁,₁₁" in names and "∂L/∂W(2)₁₁,₁" in names and "∂L/∂b(3)" in names


@pytest.mark.parametrize("preset", PRESETS)
def test_no_correct_gradient_of_a_shipped_preset_is_flagged(preset):
    trainer = build_trainer(load(preset))
    for _ in range(3):
        check = gradient_check_trace(trace_trainer(trainer))
        assert check.n_flagged == 0, [name for name, e in check.entries() if e.flagged]
        for _, entry in check.entries():
            assert entry.kink or abs(entry.analytic - entry.numeric) <= entry.bound
        for _ in range(20):
            trainer.run_epoch()


def test_spirals_correct_gradients_above_a_fixed_tolerance_are_within_the_bound():
    # The fixed 1e-6 tolerance once coloured these red: relu layers and a tiny gradient
    # give relative errors of 1e-6 and more that are the check's own error.
    check = gradient_check_trace(trace_trainer(build_trainer(load("spiral"))))
    above = [e for _, e in check.entries() if e.relative_error > 1e-6]
    assert above
    assert not any(e.flagged for e in above)


def network(hidden: str = "tanh") -> Network:
    rng = np.random.default_rng(3)
    W = [rng.normal(size=(5, 3)), rng.normal(size=(2, 5))]
    b = [rng.normal(size=5) * 0.1, rng.normal(size=2) * 0.1]
    return Network(W, b, [hidden, "sigmoid"])


X = np.random.default_rng(4).normal(size=(4, 3))
Y = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0]])


@pytest.mark.parametrize("factor", [1.001, 1.05, 0.5])
def test_a_wrong_derivative_is_flagged_even_when_it_is_off_by_a_tenth_of_a_percent(factor):
    tanh = get_activation("tanh")
    wrong = replace(tanh, derivative=lambda z, a: tanh.derivative(z, a) * factor)
    net = network()
    net.activations = [wrong, net.activations[1]]
    check = gradient_check(net, "half_sse", X, Y)
    assert check.layers[0].flagged("W").all() and check.layers[0].flagged("b").all()
    assert not check.layers[1].flagged("W").any() and not check.layers[1].flagged("b").any()


def test_a_relu_at_its_kink_is_marked_a_kink_and_not_flagged():
    # One sample at the origin with zero biases puts every z(1) exactly at relu's kink:
    # the loss has no slope there, and backprop's relu'(0) = 0 is a convention.
    net = network("relu")
    net.b[0][:] = 0.0
    x = np.vstack([np.zeros(3), X[:2]])
    check = gradient_check(net, "half_sse", x, Y[:3])
    assert check.layers[0].db_kink.all()
    assert check.n_kinks >= 5 and check.n_flagged == 0
    entry = check.entry(1, "b", 0)
    assert entry.kink and not entry.flagged


def test_the_activations_with_a_kink_at_zero_are_found_by_their_slopes():
    kinked = {name for name in ("relu", "leaky_relu", "elu") if has_kink(get_activation(name))}
    smooth = {"sigmoid", "tanh", "linear", "softplus", "softmax"}
    assert kinked == {"relu", "leaky_relu", "elu"}
    assert not any(has_kink(get_activation(name)) for name in smooth)


def test_the_bound_holds_on_random_networks_with_kinks_and_saturation():
    rng = np.random.default_rng(7)
    cases = [("sigmoid", "bce"), ("softmax", "cross_entropy"), ("linear", "mse")]
    hidden = ["relu", "leaky_relu", "elu", "tanh", "softplus", "sigmoid"]
    for trial in range(40):
        out, loss = cases[trial % 3]
        sizes = [3, int(rng.choice([2, 16])), 1 if loss == "bce" else 3]
        W = [rng.normal(size=(sizes[i + 1], sizes[i])) * rng.choice([0.1, 1, 4]) for i in (0, 1)]
        b = [rng.normal(size=sizes[i + 1]) * rng.choice([0, 1]) for i in (0, 1)]
        net = Network(W, b, [hidden[trial % len(hidden)], out])
        x = rng.normal(size=(3, 3)) * rng.choice([0.1, 1, 10])
        x[0] *= trial % 2  # every other case has a sample at the origin
        if loss == "cross_entropy":
            y = np.eye(3)[rng.integers(3, size=3)]
        else:
            y = rng.integers(2, size=(3, sizes[-1])).astype(float)
        check = gradient_check(net, loss, x, y)
        assert check.n_flagged == 0, trial

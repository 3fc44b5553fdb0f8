"""The gradient check: backprop agrees with central differences, and a wrong derivative
is caught."""

from dataclasses import replace

import numpy as np
import pytest
from backprop_tui.core.nn.activations import get_activation
from backprop_tui.core.nn.gradcheck import gradient_check, gradient_check_trace, relative_error
from backprop_tui.core.nn.losses import get_loss
from backprop_tui.core.nn.network import Network
from backprop_tui.core.nn.optimizers import make_optimizer
from backprop_tui.core.trace.record import trace_step

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "linear", "elu", "softplus", "softmax"]
# Every output activation with the losses it is meant for: bce needs a sigmoid output,
# cross_entropy a softmax one; the squared errors take any output.
OUTPUTS = [
    *(
        (out, loss)
        for out in ("sigmoid", "tanh", "relu", "leaky_relu", "linear", "elu", "softplus", "softmax")
        for loss in ("half_sse", "mse")
    ),
    ("sigmoid", "bce"),
    ("softmax", "cross_entropy"),
]

# A 2-3-2 network and batch of two chosen so that some hidden z are negative (the relu
# and leaky_relu kinks' both sides are used) and no gradient entry is tiny: the central
# difference carries about 1e-10 of float64 rounding, so relative errors are only
# meaningful for entries well above that.
W1 = np.array([[0.6, -0.4], [-0.5, 0.7], [0.8, 0.3]])
B1 = np.array([0.1, -0.2, 0.05])
W2 = np.array([[0.9, -0.6, 0.5], [-0.7, 0.8, 0.9]])
B2 = np.array([0.6, 0.5])
X = np.array([[1.0, -0.5], [0.3, 0.9]])
Y = np.array([[1.0, 0.0], [0.0, 1.0]])


def network(hidden="sigmoid", output="sigmoid", dtype=np.float64) -> Network:
    return Network(
        [W1.astype(dtype), W2.astype(dtype)], [B1.astype(dtype), B2.astype(dtype)], [hidden, output]
    )


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize(("output", "loss"), OUTPUTS)
def test_backprop_agrees_with_central_differences(hidden, output, loss):
    check = gradient_check(network(hidden, output), loss, X, Y)
    assert check.max_relative_error < 1e-7
    assert check.passed()


def test_the_test_network_uses_both_sides_of_the_relu_kink():
    z = network("relu").forward(X).z[0]
    assert (z < 0).any() and (z > 0).any()


def test_a_wrong_activation_derivative_is_detected():
    sigmoid = get_activation("sigmoid")
    wrong = replace(sigmoid, derivative=lambda z, a: a)
    net = Network([W1, W2], [B1, B2], [wrong, "sigmoid"])
    check = gradient_check(net, "half_sse", X, Y)
    assert check.max_relative_error > 1e-2
    assert not check.passed()
    assert check.layers[1].max_relative_error < 1e-7
    assert check.layers[0].max_relative_error > 1e-2


def test_a_wrong_loss_gradient_is_detected():
    half_sse = get_loss("half_sse")
    wrong = replace(half_sse, grad=lambda y_hat, y: 2.0 * (y_hat - y))
    check = gradient_check(network(), wrong, X, Y)
    assert check.max_relative_error > 0.1


def test_the_network_is_left_unchanged_and_float32_is_checked_in_float64():
    net = network(dtype=np.float32)
    saved = [w.copy() for w in net.W] + [v.copy() for v in net.b]
    check = gradient_check(net, "half_sse", X, Y)
    for old, new in zip(saved, net.W + net.b, strict=True):
        np.testing.assert_array_equal(old, new)
    assert check.layers[0].dW_numeric.dtype == np.float64
    assert check.max_relative_error < 1e-7


def test_entries_are_aligned_with_the_gradients():
    net = network("tanh")
    check = gradient_check(net, "half_sse", X, Y)
    _, bwd = net.gradients(X, Y, get_loss("half_sse"))
    for layer, (dW, db) in zip(check.layers, zip(bwd.dW, bwd.db, strict=True), strict=True):
        assert layer.dW_numeric.shape == dW.shape and layer.db_error.shape == db.shape
    entry = check.entry(2, "W", (1, 2))
    assert entry.analytic == bwd.dW[1][1, 2]
    assert entry.numeric == pytest.approx(bwd.dW[1][1, 2], rel=1e-7)
    assert entry.relative_error == check.layers[1].dW_error[1, 2]
    assert check.entry(1, "db", 0).analytic == bwd.db[0][0]
    with pytest.raises(ValueError, match="quantity"):
        check.entry(1, "z", 0)


def test_the_relative_error_is_the_cs231n_formula():
    np.testing.assert_allclose(
        relative_error([1.0, 0.0, 1.0, 3.0], [1.0, 0.0, -1.0, 1.0]), [0.0, 0.0, 1.0, 0.5]
    )


def test_the_check_of_a_trace_matches_the_traced_gradients(seed_toy_trace):
    t = seed_toy_trace()
    check = gradient_check_trace(t)
    for layer, lt in zip(check.layers, t.layers, strict=True):
        np.testing.assert_allclose(layer.dW_numeric, lt.dW, rtol=1e-7)
        np.testing.assert_allclose(layer.db_numeric, lt.db, rtol=1e-7)
    assert check.loss == pytest.approx(t.loss)
    assert "layer 2" in check.summary()
    assert check.to_dict()["layers"][1]["dW"] == t.layers[1].dW.tolist()


def test_the_check_of_a_trace_uses_the_activations_the_trace_used():
    wrong = replace(get_activation("tanh"), derivative=lambda z, a: np.ones_like(z))
    net = Network([W1, W2], [B1, B2], [wrong, "sigmoid"])
    t = trace_step(net, "half_sse", make_optimizer("sgd", 0.1), X, Y)
    check = gradient_check_trace(t)
    np.testing.assert_array_equal(check.layers[0].dW, t.layers[0].dW)
    assert not check.passed()

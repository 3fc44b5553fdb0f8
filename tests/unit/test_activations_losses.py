"""Activations and losses against central finite differences, and their edge cases.

A central difference (f(x + h) − f(x − h)) / 2h with h = 1e-6 has truncation error
~h² and round-off ~1e-16/h, so analytic and numeric derivatives agree to ~1e-9 here.
"""

from __future__ import annotations

import math
import warnings
from decimal import Decimal, localcontext

import numpy as np
import pytest
from backprop_tui.core.errors import BackpropError, UnknownNameError
from backprop_tui.core.nn.activations import ACTIVATIONS, LEAKY_SLOPE, get_activation
from backprop_tui.core.nn.losses import LOSSES, OutputMismatchError, get_loss

H = 1e-6
FD_RTOL, FD_ATOL = 1e-7, 1e-9

# The output activations each loss is defined with (bce and cross_entropy take the
# logits, so they pair with their own output activation only).
LOSS_OUTPUTS = [
    *[("half_sse", act) for act in ACTIVATIONS],
    *[("mse", act) for act in ACTIVATIONS],
    ("bce", "sigmoid"),
    ("cross_entropy", "softmax"),
]
QUIET = {"over": "raise", "divide": "raise", "invalid": "raise", "under": "ignore"}


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def away_from_kinks(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    """Random z with |z| ≥ 0.1, so relu and leaky_relu are differentiable at every entry."""
    z = rng(seed).normal(size=shape)
    return np.where(np.abs(z) < 0.1, np.sign(z + 1e-300) * 0.1 + z, z)


def numeric_gradient(f, x: np.ndarray) -> np.ndarray:
    """∂f/∂x of a scalar function by central differences, entry by entry."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[i] += H
        minus[i] -= H
        grad[i] = (f(plus) - f(minus)) / (2 * H)
    return grad


def targets_for(loss: str, shape: tuple[int, int], seed: int = 1) -> np.ndarray:
    r = rng(seed)
    if loss == "cross_entropy":
        return np.eye(shape[1])[r.integers(0, shape[1], size=shape[0])]
    if loss == "bce":
        return r.integers(0, 2, size=shape).astype(np.float64)
    return r.normal(size=shape)


# -- activations --------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_backward_is_the_finite_difference_gradient_of_grad_a_dot_sigma(name):
    # ∂/∂z Σ grad_a ⊙ σ(z) is exactly what backward(z, a, grad_a) must return — for
    # softmax this is the Jacobian-vector product, not the element-wise derivative.
    act = get_activation(name)
    z = away_from_kinks((4, 3))
    grad_a = rng(2).normal(size=z.shape)
    numeric = numeric_gradient(lambda v: float(np.sum(grad_a * act.forward(v))), z)
    analytic = act.backward(z, act.forward(z), grad_a)
    np.testing.assert_allclose(analytic, numeric, rtol=FD_RTOL, atol=FD_ATOL)


@pytest.mark.parametrize("name", [n for n, act in ACTIVATIONS.items() if act.elementwise])
def test_elementwise_derivative_is_the_finite_difference_slope(name):
    act = get_activation(name)
    z = away_from_kinks((5, 2), seed=3)
    numeric = (act.forward(z + H) - act.forward(z - H)) / (2 * H)
    np.testing.assert_allclose(
        act.derivative(z, act.forward(z)), numeric, rtol=FD_RTOL, atol=FD_ATOL
    )


def test_softmax_derivative_is_the_diagonal_of_its_finite_difference_jacobian():
    softmax = get_activation("softmax")
    z = rng(4).normal(size=(1, 4))
    jacobian = np.stack(
        [numeric_gradient(lambda v, k=k: float(softmax.forward(v)[0, k]), z)[0] for k in range(4)]
    )
    np.testing.assert_allclose(
        softmax.derivative(z, softmax.forward(z))[0], np.diag(jacobian), rtol=FD_RTOL
    )
    assert not softmax.elementwise


def test_softmax_backward_differs_from_the_diagonal_alone():
    # The coupling term −aₖ Σⱼ aⱼ gⱼ matters: a diagonal-only backward would be wrong.
    softmax = get_activation("softmax")
    z, grad_a = rng(5).normal(size=(2, 3)), rng(6).normal(size=(2, 3))
    a = softmax.forward(z)
    assert not np.allclose(softmax.backward(z, a, grad_a), grad_a * softmax.derivative(z, a))


def test_softmax_rows_sum_to_one_even_for_huge_logits():
    softmax = get_activation("softmax")
    z = np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = softmax.forward(z)
    np.testing.assert_allclose(a.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(a[0], [1.0, 0.0, 0.0], atol=1e-300)


def test_sigmoid_is_stable_at_plus_and_minus_1000_without_warnings():
    sigmoid = get_activation("sigmoid")
    z = np.array([[-1000.0, -710.0, 0.0, 710.0, 1000.0]])
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        a = sigmoid.forward(z)
        d = sigmoid.derivative(z, a)
    assert np.isfinite(a).all() and np.isfinite(d).all()
    np.testing.assert_allclose(a[0], [0.0, 0.0, 0.5, 1.0, 1.0], rtol=0, atol=1e-300)
    np.testing.assert_allclose(d[0], [0.0, 0.0, 0.25, 0.0, 0.0], rtol=0, atol=1e-300)


def test_sigmoid_keeps_full_relative_precision_in_its_left_tail():
    sigmoid = get_activation("sigmoid")
    z = np.array([[-30.0, -300.0]])
    np.testing.assert_allclose(sigmoid.forward(z), np.exp(z) / (1 + np.exp(z)), rtol=1e-14)


def test_relu_derivative_is_zero_at_zero_as_in_torch():
    relu = get_activation("relu")
    z = np.array([[-1.0, 0.0, 2.0]])
    a = relu.forward(z)
    np.testing.assert_array_equal(a, [[0.0, 0.0, 2.0]])
    np.testing.assert_array_equal(relu.derivative(z, a), [[0.0, 0.0, 1.0]])
    np.testing.assert_array_equal(relu.backward(z, a, np.ones_like(z)), [[0.0, 0.0, 1.0]])


def test_leaky_relu_has_slope_one_hundredth_below_zero_and_at_zero():
    leaky = get_activation("leaky_relu")
    z = np.array([[-3.0, 0.0, 2.0]])
    a = leaky.forward(z)
    assert LEAKY_SLOPE == 0.01
    np.testing.assert_allclose(a, [[-0.03, 0.0, 2.0]], rtol=1e-15)
    # torch's leaky_relu backward uses the negative slope at exactly z = 0.
    np.testing.assert_array_equal(leaky.derivative(z, a), [[0.01, 0.01, 1.0]])


def test_linear_forward_returns_a_copy_not_the_same_array():
    linear = get_activation("linear")
    z = np.array([[1.0, -2.0]])
    a = linear.forward(z)
    a[0, 0] = 99.0
    assert z[0, 0] == 1.0


# -- elu and softplus, with torch's defaults ---------------------------------------------


def test_elu_is_torchs_elu_with_alpha_one_by_hand():
    elu = get_activation("elu")
    z = np.array([[-2.0, -1.0, 0.0, 0.5, 3.0]])
    a = elu.forward(z)
    expected = [math.exp(-2.0) - 1.0, math.exp(-1.0) - 1.0, 0.0, 0.5, 3.0]
    np.testing.assert_allclose(a[0], expected, rtol=1e-15)
    # torch's backward is α e^z for z ≤ 0 (1 at z = 0, where both sides agree), 1 above.
    np.testing.assert_allclose(
        elu.derivative(z, a)[0], [math.exp(-2.0), math.exp(-1.0), 1.0, 1.0, 1.0], rtol=1e-15
    )


def test_softplus_is_torchs_softplus_with_beta_one_and_threshold_20_by_hand():
    softplus = get_activation("softplus")
    z = np.array([[-3.0, 0.0, 2.0, 20.0, 20.5, 30.0]])
    a = softplus.forward(z)
    below = [math.log1p(math.exp(v)) for v in (-3.0, 0.0, 2.0, 20.0)]
    np.testing.assert_allclose(a[0], [*below, 20.5, 30.0], rtol=1e-15)
    assert a[0, 1] == pytest.approx(math.log(2.0), rel=1e-15)
    assert a[0, 4] == 20.5 and a[0, 5] == 30.0  # above the threshold softplus is z itself
    sigma = [1.0 / (1.0 + math.exp(-v)) for v in (-3.0, 0.0, 2.0, 20.0)]
    np.testing.assert_allclose(softplus.derivative(z, a)[0], [*sigma, 1.0, 1.0], rtol=1e-15)


@pytest.mark.parametrize("name", ["elu", "softplus"])
def test_elu_and_softplus_saturate_exactly_and_silently_at_large_logits(name):
    act = get_activation(name)
    z = np.array([[-1000.0, -40.0, 40.0, 1000.0]])
    with warnings.catch_warnings(), np.errstate(**QUIET):
        warnings.simplefilter("error")
        a = act.forward(z)
        d = act.derivative(z, a)
        delta = act.backward(z, a, np.ones_like(z))
    left = [-1.0, math.expm1(-40.0)] if name == "elu" else [0.0, math.log1p(math.exp(-40.0))]
    np.testing.assert_allclose(a[0], [*left, 40.0, 1000.0], rtol=1e-15, atol=0)
    slope_left = math.exp(-40.0)  # e^z for elu, σ(z) ≈ e^z for softplus
    np.testing.assert_allclose(d[0], [0.0, slope_left, 1.0, 1.0], rtol=1e-15, atol=1e-300)
    np.testing.assert_array_equal(delta, d)


@pytest.mark.parametrize("name", ["elu", "softplus"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_elu_and_softplus_keep_the_networks_dtype(name, dtype):
    act = get_activation(name)
    z = np.array([[-1.5, 0.25, 25.0]], dtype=dtype)
    a = act.forward(z)
    assert a.dtype == dtype and act.derivative(z, a).dtype == dtype


@pytest.mark.parametrize("name", [n for n, act in ACTIVATIONS.items() if act.scalar])
def test_the_scalar_rule_of_every_activation_is_its_array_rule_for_one_number(name):
    act = get_activation(name)
    assert act.scalar is not None
    for v in (-1000.0, -40.0, -2.5, -0.3, 0.0, 0.7, 3.0, 20.0, 40.0, 1000.0):
        z = np.array([[v]])
        a = act.forward(z)
        value, slope = act.scalar(v)
        assert value == pytest.approx(a[0, 0], rel=1e-15, abs=1e-300), v
        assert slope == pytest.approx(act.derivative(z, a)[0, 0], rel=1e-15, abs=1e-300), v


def test_every_activation_record_names_its_trace_symbol_and_dashboard_label():
    for name, act in ACTIVATIONS.items():
        assert act.symbol and act.label and len(act.label) <= 8, name
    assert get_activation("sigmoid").symbol == get_activation("sigmoid").label == "σ"
    assert get_activation("elu").label == "elu" and get_activation("softplus").symbol == "softplus"
    probabilities = {name for name, act in ACTIVATIONS.items() if act.probabilities}
    assert probabilities == {"sigmoid", "softmax"}


def test_unknown_activation_name_suggests_the_close_one():
    with pytest.raises(UnknownNameError, match="did you mean 'sigmoid'") as info:
        get_activation("sigmod")
    assert isinstance(info.value, BackpropError)


# -- losses -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["half_sse", "mse", "bce"])
def test_loss_grad_is_the_finite_difference_gradient_of_each_samples_loss(name):
    # ℓ as a function of ŷ: bce reads the logits, so they move with ŷ as z = σ⁻¹(ŷ).
    loss = get_loss(name)
    y_hat = rng(7).uniform(0.1, 0.9, size=(4, 3))
    y = targets_for(name, y_hat.shape)
    numeric = numeric_gradient(
        lambda v: float(loss.per_sample(v, y, np.log(v / (1.0 - v))).sum()), y_hat
    )
    np.testing.assert_allclose(loss.grad(y_hat, y), numeric, rtol=FD_RTOL, atol=FD_ATOL)


def test_cross_entropy_grad_matches_finite_differences_along_the_probability_simplex():
    # ℓ is computed from the logits z = log ŷ (+ any constant), so only moves of ŷ that
    # keep Σ ŷ = 1 are meaningful: along such v, ⟨∂ℓ/∂ŷ, v⟩ is the directional derivative.
    loss = get_loss("cross_entropy")
    y_hat = get_activation("softmax").forward(rng(8).normal(size=(3, 4)))
    y = targets_for("cross_entropy", y_hat.shape)
    for seed in range(3):
        v = rng(seed + 10).normal(size=y_hat.shape)
        v -= v.mean(axis=1, keepdims=True)

        def ell(t: float, v=v) -> np.ndarray:
            moved = y_hat + t * v
            return loss.per_sample(moved, y, np.log(moved))

        numeric = (ell(H) - ell(-H)) / (2 * H)
        analytic = np.sum(loss.grad(y_hat, y) * v, axis=1)
        np.testing.assert_allclose(analytic, numeric, rtol=FD_RTOL, atol=FD_ATOL)


@pytest.mark.parametrize(("loss_name", "output"), LOSS_OUTPUTS, ids=lambda p: str(p))
def test_output_delta_is_the_finite_difference_of_each_samples_loss_in_z(loss_name, output):
    loss, act = get_loss(loss_name), get_activation(output)
    z = away_from_kinks((4, 3), seed=9)
    y = targets_for(loss_name, z.shape)
    if loss_name in ("half_sse", "mse") and output in ("sigmoid", "softmax"):
        y = rng(11).uniform(size=z.shape)
    numeric = numeric_gradient(lambda v: float(loss.per_sample(act.forward(v), y, v).sum()), z)
    delta = loss.output_delta(z, act.forward(z), y, act)
    np.testing.assert_allclose(delta, numeric, rtol=FD_RTOL, atol=FD_ATOL)


@pytest.mark.parametrize(
    ("loss_name", "output"), [("bce", "sigmoid"), ("cross_entropy", "softmax")]
)
def test_fused_output_delta_equals_the_unfused_chain_rule(loss_name, output):
    loss, act = get_loss(loss_name), get_activation(output)
    assert loss.fuses_with(act)
    z = rng(12).normal(scale=2.0, size=(6, 3))
    y = targets_for(loss_name, z.shape)
    y_hat = act.forward(z)
    unfused = act.backward(z, y_hat, loss.grad(y_hat, y))
    np.testing.assert_allclose(loss.output_delta(z, y_hat, y, act), unfused, rtol=1e-12, atol=1e-15)


def test_fused_bce_delta_stays_exact_where_the_sigmoid_saturates():
    # σ(±40) rounds to 0 or 1 (almost): the chain ∂ℓ/∂ŷ · σ' loses everything, the fused
    # form (ŷ − y)/K is still the exact ∂ℓ/∂z.
    loss, sigmoid = get_loss("bce"), get_activation("sigmoid")
    z = np.array([[40.0, -40.0]])
    y = np.array([[0.0, 1.0]])
    y_hat = sigmoid.forward(z)
    delta = loss.output_delta(z, y_hat, y, sigmoid)
    np.testing.assert_allclose(delta, (y_hat - y) / 2, rtol=1e-15)
    np.testing.assert_allclose(delta, [[0.5, -0.5]], rtol=1e-15)


def test_losses_do_not_fuse_with_other_output_activations():
    assert not get_loss("bce").fuses_with(get_activation("tanh"))
    assert not get_loss("cross_entropy").fuses_with(get_activation("sigmoid"))
    assert not get_loss("half_sse").fuses_with(get_activation("sigmoid"))
    assert not get_loss("mse").fuses_with(get_activation("softmax"))


def test_each_loss_names_the_output_activation_it_needs():
    needs = {name: loss.output_activation for name, loss in LOSSES.items()}
    assert needs == {"half_sse": None, "mse": None, "bce": "sigmoid", "cross_entropy": "softmax"}
    assert get_loss("bce").mismatch("sigmoid") is None
    assert get_loss("mse").mismatch("softmax") is None
    assert get_loss("bce").mismatch("tanh") == (
        "bce needs a sigmoid output layer, but the last activation is 'tanh'"
    )


@pytest.mark.parametrize(("loss_name", "output"), [("bce", "tanh"), ("cross_entropy", "linear")])
def test_a_loss_on_logits_refuses_an_output_activation_it_is_not_defined_with(loss_name, output):
    # ℓ reads z(L) as the logits of its own output activation: with another one, its value
    # and the chain rule through ŷ would belong to different functions.
    loss, act = get_loss(loss_name), get_activation(output)
    z = rng(3).normal(size=(2, 3))
    with pytest.raises(OutputMismatchError, match=f"{loss_name} needs a"):
        loss.output_delta(z, act.forward(z), targets_for(loss_name, z.shape), act)


def test_half_sse_and_mse_follow_the_notes_and_torch_definitions():
    y_hat = np.array([[1.0, 2.0], [0.0, 0.5]])
    y = np.array([[0.0, 0.0], [0.0, 0.0]])
    z = np.zeros_like(y)
    np.testing.assert_allclose(get_loss("half_sse").per_sample(y_hat, y, z), [2.5, 0.125])
    # MSELoss: the mean over every element, so per sample the mean over the outputs.
    np.testing.assert_allclose(get_loss("mse").per_sample(y_hat, y, z), [2.5, 0.125])
    assert get_loss("mse").value(y_hat, y, z) == pytest.approx((1 + 4 + 0 + 0.25) / 4)
    assert get_loss("half_sse").value(y_hat, y, z) == pytest.approx((2.5 + 0.125) / 2)


def exact_bce(z: float, y: float) -> tuple[float, float]:
    """ℓ = −[y log σ(z) + (1 − y) log(1 − σ(z))] and ∂ℓ/∂z = σ(z) − y, in 50-digit decimal
    arithmetic (log σ(z) = −log(1 + e^−z), log(1 − σ(z)) = −log(1 + e^z)), rounded once."""
    with localcontext() as ctx:
        ctx.prec = 50
        d, t = Decimal(z), Decimal(y)
        value = t * (1 + (-d).exp()).ln() + (1 - t) * (1 + d.exp()).ln()
        grad = 1 / (1 + (-d).exp()) - t
    return float(value), float(grad)


def torch_bce_grad(z: float, y: float) -> float:
    """BCEWithLogitsLoss's gradient as torch computes it, sigmoid(z) − y, in floats."""
    sigma = 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))
    return sigma - y


SATURATED = [(z, y) for z in (-1000.0, -40.0, 40.0, 1000.0) for y in (0.0, 1.0)]


@pytest.mark.parametrize(("z", "y"), SATURATED)
def test_bce_value_and_gradient_at_a_saturated_sigmoid_are_exact_and_agree(z, y):
    # BCEWithLogitsLoss on z(L): finite and exact for any z. The old value (BCELoss on
    # ŷ, logs clamped at −100) read 100 at z = 1000 while its slope was 1.
    bce, sigmoid = get_loss("bce"), get_activation("sigmoid")

    def ell(v: float) -> float:
        zz = np.array([[v]])
        return float(bce.per_sample(sigmoid.forward(zz), np.array([[y]]), zz)[0])

    with warnings.catch_warnings(), np.errstate(**QUIET):
        warnings.simplefilter("error")
        value = ell(z)
        zz = np.array([[z]])
        delta = float(bce.output_delta(zz, sigmoid.forward(zz), np.array([[y]]), sigmoid)[0, 0])
        h = 1e-3 * max(1.0, abs(z))
        numeric = (ell(z + h) - ell(z - h)) / (2 * h)
    exact_value, exact_grad = exact_bce(z, y)
    assert value == pytest.approx(exact_value, rel=1e-15, abs=1e-300)
    assert delta == pytest.approx(torch_bce_grad(z, y), rel=1e-15, abs=1e-300)
    # σ(z) − y rounds σ first, so near σ = y it is exact to one rounding of σ, not of δ.
    assert delta == pytest.approx(exact_grad, rel=1e-15, abs=1e-16)
    assert delta == pytest.approx(numeric, rel=1e-6, abs=1e-12)


def test_bce_at_z_1000_reads_1000_not_the_clamped_100():
    bce, sigmoid = get_loss("bce"), get_activation("sigmoid")
    z = np.array([[1000.0, -1000.0]])
    y = np.array([[0.0, 1.0]])
    assert bce.value(sigmoid.forward(z), y, z) == 1000.0
    np.testing.assert_array_equal(
        bce.output_delta(z, sigmoid.forward(z), y, sigmoid), [[0.5, -0.5]]
    )


def test_bce_is_the_mean_over_every_element_as_torch_reduces():
    bce, sigmoid = get_loss("bce"), get_activation("sigmoid")
    z = rng(21).normal(scale=3.0, size=(3, 2))
    y = targets_for("bce", z.shape, seed=22)
    expected = np.mean([exact_bce(v, t)[0] for v, t in zip(z.ravel(), y.ravel(), strict=True)])
    assert bce.value(sigmoid.forward(z), y, z) == pytest.approx(expected, rel=1e-14)


def test_cross_entropy_from_huge_logits_is_finite_and_exact():
    ce = get_loss("cross_entropy")
    z = np.array([[1000.0, 0.0, -1000.0]])
    y = np.array([[0.0, 1.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y_hat = get_activation("softmax").forward(z)
        ell = ce.per_sample(y_hat, y, z)
    np.testing.assert_allclose(ell, [1000.0], rtol=1e-15)


def test_batch_loss_is_the_mean_of_the_per_sample_losses():
    y_hat = rng(13).uniform(0.1, 0.9, size=(5, 2))
    for name in LOSSES:
        loss = get_loss(name)
        y = targets_for(name, y_hat.shape)
        z = np.log(y_hat)
        assert loss.value(y_hat, y, z) == pytest.approx(
            loss.per_sample(y_hat, y, z).mean(), rel=1e-14
        )


def test_unknown_loss_name_suggests_the_close_one():
    with pytest.raises(UnknownNameError, match="did you mean 'cross_entropy'"):
        get_loss("crossentropy")

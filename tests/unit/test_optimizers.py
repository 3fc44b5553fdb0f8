"""The optimizers' first steps worked out by hand, and their bookkeeping.

Long sequences against torch.optim itself are in test_against_torch.py; here each rule
is written out for one or two steps so a failure points at the formula.
"""

from __future__ import annotations

import numpy as np
import pytest
from backprop_tui.core.errors import BackpropError, UnknownNameError
from backprop_tui.core.nn.optimizers import OPTIMIZERS, SGD, Adam, Momentum, RMSprop, make_optimizer

KINDS = list(OPTIMIZERS)


def theta0() -> list[np.ndarray]:
    return [np.array([[0.5, -1.0], [2.0, 0.25]]), np.array([0.1, -0.3])]


def grads1() -> list[np.ndarray]:
    return [np.array([[0.2, -0.4], [1e-3, -3.0]]), np.array([-0.05, 0.7])]


def grads2() -> list[np.ndarray]:
    return [np.array([[-0.1, 0.3], [0.5, 2.0]]), np.array([0.02, -0.6])]


def stepped(optimizer, *grad_lists) -> list[np.ndarray]:
    params = theta0()
    for grads in grad_lists:
        optimizer.step(params, grads)
    return params


def assert_params(actual, expected) -> None:
    for a, e in zip(actual, expected, strict=True):
        np.testing.assert_allclose(a, e, rtol=1e-14, atol=1e-16)


# -- first steps by hand ------------------------------------------------------------------


def test_sgd_step_is_theta_minus_lr_times_g():
    expected = [p - 0.1 * g for p, g in zip(theta0(), grads1(), strict=True)]
    assert_params(stepped(SGD(lr=0.1), grads1()), expected)


def test_momentum_first_step_starts_the_velocity_at_g_as_torch_does():
    expected = [p - 0.1 * g for p, g in zip(theta0(), grads1(), strict=True)]
    optimizer = Momentum(lr=0.1, momentum=0.9)
    assert_params(stepped(optimizer, grads1()), expected)
    for state, g in zip(optimizer.state, grads1(), strict=True):
        np.testing.assert_array_equal(state["v"], g)


def test_momentum_second_step_uses_v_equal_mu_v_plus_g():
    v2 = [0.9 * g1 + g2 for g1, g2 in zip(grads1(), grads2(), strict=True)]
    expected = [p - 0.1 * g1 - 0.1 * v for p, g1, v in zip(theta0(), grads1(), v2, strict=True)]
    assert_params(stepped(Momentum(lr=0.1, momentum=0.9), grads1(), grads2()), expected)


def test_nesterov_first_step_moves_by_lr_times_g_plus_mu_g():
    expected = [p - 0.1 * (g + 0.9 * g) for p, g in zip(theta0(), grads1(), strict=True)]
    assert_params(stepped(Momentum(lr=0.1, momentum=0.9, nesterov=True), grads1()), expected)


def test_adam_first_step_moves_every_parameter_by_about_lr_against_the_sign_of_g():
    # m̂ = g and ŝ = g² after one step, so θ moves by η g / (|g| + ε) ≈ η sign(g).
    lr, eps = 0.01, 1e-8
    params = stepped(Adam(lr=lr), grads1())
    for p, p0, g in zip(params, theta0(), grads1(), strict=True):
        np.testing.assert_allclose(p0 - p, lr * g / (np.abs(g) + eps), rtol=1e-12)
        np.testing.assert_allclose(p0 - p, lr * np.sign(g), rtol=1e-3)


def test_adam_first_step_keeps_the_raw_moments_in_its_state():
    optimizer = Adam(lr=0.01, betas=(0.8, 0.9))
    stepped(optimizer, grads1())
    for state, g in zip(optimizer.state, grads1(), strict=True):
        np.testing.assert_allclose(state["m"], 0.2 * g, rtol=1e-15)
        np.testing.assert_allclose(state["s"], 0.1 * g * g, rtol=1e-15)


def test_adam_second_step_applies_both_bias_corrections():
    b1, b2, lr, eps = 0.9, 0.999, 0.01, 1e-8
    expected = []
    for p0, g1, g2 in zip(theta0(), grads1(), grads2(), strict=True):
        p1 = p0 - lr * g1 / (np.abs(g1) + eps)
        m = b1 * (1 - b1) * g1 + (1 - b1) * g2
        s = b2 * (1 - b2) * g1**2 + (1 - b2) * g2**2
        m_hat, s_hat = m / (1 - b1**2), s / (1 - b2**2)
        expected.append(p1 - lr * m_hat / (np.sqrt(s_hat) + eps))
    params = stepped(Adam(lr=lr), grads1(), grads2())
    for p, e in zip(params, expected, strict=True):
        np.testing.assert_allclose(p, e, rtol=1e-12)


def test_rmsprop_first_step_divides_by_the_root_of_the_running_square():
    # s = (1 − α) g², so θ moves by η g / (√(1 − α) |g| + ε) ≈ 10 η sign(g) for α = 0.99.
    lr, alpha, eps = 0.01, 0.99, 1e-8
    optimizer = RMSprop(lr=lr)
    params = stepped(optimizer, grads1())
    for p, p0, g, state in zip(params, theta0(), grads1(), optimizer.state, strict=True):
        np.testing.assert_allclose(state["s"], (1 - alpha) * g * g, rtol=1e-15)
        np.testing.assert_allclose(
            p0 - p, lr * g / (np.sqrt((1 - alpha) * g * g) + eps), rtol=1e-12
        )
        np.testing.assert_allclose(p0 - p, 10 * lr * np.sign(g), rtol=1e-3)


def test_adam_and_rmsprop_do_not_move_on_a_zero_gradient():
    for optimizer in (Adam(lr=0.01), RMSprop(lr=0.01)):
        zero = [np.zeros_like(p) for p in theta0()]
        assert_params(stepped(optimizer, zero), theta0())


# -- weight decay -------------------------------------------------------------------------


def test_sgd_weight_decay_adds_lambda_theta_to_the_gradient():
    lam = 0.05
    expected = [p - 0.1 * (g + lam * p) for p, g in zip(theta0(), grads1(), strict=True)]
    assert_params(stepped(SGD(lr=0.1, weight_decay=lam), grads1()), expected)


@pytest.mark.parametrize("kind", KINDS)
def test_weight_decay_is_the_same_as_stepping_on_g_plus_lambda_theta(kind):
    lam = 0.05
    decayed = make_optimizer(kind, lr=0.1, weight_decay=lam)
    plain = make_optimizer(kind, lr=0.1)
    a, b = theta0(), theta0()
    for grads in (grads1(), grads2()):
        decayed.step(a, grads)
        plain.step(b, [g + lam * p for g, p in zip(grads, b, strict=True)])
    for x, y in zip(a, b, strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-14)


@pytest.mark.parametrize("kind", KINDS)
def test_step_updates_the_parameters_in_place_and_leaves_the_gradients_alone(kind):
    optimizer = make_optimizer(kind, lr=0.1, weight_decay=0.01)
    params, grads = theta0(), grads1()
    ids = [id(p) for p in params]
    optimizer.step(params, grads)
    assert [id(p) for p in params] == ids
    assert all(not np.array_equal(p, p0) for p, p0 in zip(params, theta0(), strict=True))
    for g, g0 in zip(grads, grads1(), strict=True):
        np.testing.assert_array_equal(g, g0)


@pytest.mark.parametrize("kind", KINDS)
def test_float32_parameters_and_state_stay_float32(kind):
    optimizer = make_optimizer(kind, lr=0.1)
    params = [p.astype(np.float32) for p in theta0()]
    for grads in (grads1(), grads2()):
        optimizer.step(params, [g.astype(np.float32) for g in grads])
    assert all(p.dtype == np.float32 for p in params)
    assert all(v.dtype == np.float32 for state in optimizer.state for v in state.values())


# -- bookkeeping --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_state_holds_the_named_buffers_per_parameter_and_t_counts_steps(kind):
    optimizer = make_optimizer(kind, lr=0.1)
    stepped(optimizer, grads1(), grads2())
    assert optimizer.t == 2
    assert len(optimizer.state) == 2
    for state, p in zip(optimizer.state, theta0(), strict=True):
        assert tuple(state) == optimizer.STATE_NAMES
        assert all(v.shape == p.shape for v in state.values())


@pytest.mark.parametrize("kind", KINDS)
def test_reset_clears_the_state_so_the_next_step_is_a_first_step(kind):
    optimizer = make_optimizer(kind, lr=0.1)
    stepped(optimizer, grads1(), grads2())
    optimizer.reset()
    assert optimizer.t == 0
    assert optimizer.state == []
    assert_params(stepped(optimizer, grads2()), stepped(make_optimizer(kind, lr=0.1), grads2()))


@pytest.mark.parametrize("kind", KINDS)
def test_clone_is_independent_of_the_original(kind):
    original = make_optimizer(kind, lr=0.1)
    stepped(original, grads1())
    saved = [{k: v.copy() for k, v in state.items()} for state in original.state]
    twin = original.clone()
    assert type(twin) is type(original)
    assert twin.hyperparameters() == original.hyperparameters()
    stepped(twin, grads2(), grads2())
    assert original.t == 1 and twin.t == 3
    for state, before in zip(original.state, saved, strict=True):
        for name, value in before.items():
            np.testing.assert_array_equal(state[name], value)


@pytest.mark.parametrize("kind", KINDS)
def test_clone_continues_exactly_as_the_original_would(kind):
    original = make_optimizer(kind, lr=0.1)
    a = stepped(original, grads1())
    b = [p.copy() for p in a]
    twin = original.clone()
    original.step(a, grads2())
    twin.step(b, grads2())
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


# -- construction -------------------------------------------------------------------------


def test_unknown_optimizer_name_raises_unknown_name_error_with_a_suggestion():
    with pytest.raises(UnknownNameError, match="did you mean 'adam'") as info:
        make_optimizer("adma")
    assert isinstance(info.value, BackpropError)
    assert "rmsprop" in str(info.value)


def test_make_optimizer_uses_torchs_adam_defaults():
    adam = make_optimizer("adam")
    assert isinstance(adam, Adam)
    assert (adam.lr, adam.betas, adam.eps, adam.weight_decay) == (1e-3, (0.9, 0.999), 1e-8, 0.0)


def test_make_optimizer_uses_torchs_rmsprop_defaults():
    rmsprop = make_optimizer("rmsprop")
    assert isinstance(rmsprop, RMSprop)
    assert (rmsprop.lr, rmsprop.alpha, rmsprop.eps, rmsprop.weight_decay) == (1e-2, 0.99, 1e-8, 0.0)


def test_make_optimizer_momentum_is_classical_momentum_unless_nesterov_is_asked_for():
    momentum = make_optimizer("momentum")
    assert isinstance(momentum, Momentum)
    assert (momentum.momentum, momentum.nesterov, momentum.weight_decay) == (0.9, False, 0.0)
    assert make_optimizer("momentum", nesterov=True).nesterov is True


def test_make_optimizer_sgd_has_no_weight_decay_by_default():
    sgd = make_optimizer("sgd", lr=0.5)
    assert type(sgd) is SGD
    assert (sgd.lr, sgd.weight_decay) == (0.5, 0.0)


def test_make_optimizer_accepts_betas_as_a_list_from_toml():
    adam = make_optimizer("adam", lr=0.01, betas=[0.8, 0.9], eps=1e-6)
    assert adam.betas == (0.8, 0.9)
    assert adam.hyperparameters() == {
        "learning_rate": 0.01,
        "weight_decay": 0.0,
        "betas": [0.8, 0.9],
        "eps": 1e-6,
    }


def test_every_kind_names_its_rule_and_state():
    assert set(KINDS) == {"sgd", "momentum", "adam", "rmsprop"}
    assert {kind: OPTIMIZERS[kind].STATE_NAMES for kind in KINDS} == {
        "sgd": (),
        "momentum": ("v",),
        "adam": ("m", "s"),
        "rmsprop": ("s",),
    }
    assert all("θ ←" in OPTIMIZERS[kind].rule for kind in KINDS)

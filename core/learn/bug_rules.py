"""The planted bugs' rules: each engine operation (core.learn.planted) as a bug computes
it, grouped by the operation it replaces, each beside a note of the correct one. A rule
that cannot apply to a layer (no transpose to forget on a non-square W, no σ' to leave
out of a fused output) computes the correct operation there. Layouts and the 0-based
layer index `l` are the engine's (core.learn.planted).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from backprop_tui.core.learn.planted import CORRECT
from backprop_tui.core.nn.activations import Activation
from backprop_tui.core.nn.losses import Loss
from backprop_tui.core.nn.network import ForwardPass, Network
from backprop_tui.core.nn.optimizers import Optimizer

Array = np.ndarray

_PROBE_Z = np.array([[-1.5, -0.2, 0.4, 2.0]])


# -- what the rules need to know of a layer --------------------------------------------------


def _slope_at_a(act: Activation, a: Array) -> Array:
    """σ' evaluated at a instead of z (the catalogue's wrong-activation-derivative)."""
    return act.derivative(a, act.forward(a))


def slope_is_one(act: Activation) -> bool:
    """Whether σ'(z) = 1 everywhere (linear): leaving it out changes nothing."""
    if not act.elementwise:
        return False
    return bool(np.all(act.derivative(_PROBE_Z, act.forward(_PROBE_Z)) == 1.0))


def slope_at_a_differs(act: Activation) -> bool:
    """Whether σ'(a) differs from σ'(z) (not for relu or linear, where they agree)."""
    if not act.elementwise:
        return False
    a = act.forward(_PROBE_Z)
    return not np.allclose(_slope_at_a(act, a), act.derivative(_PROBE_Z, a))


def squared_error_factor(loss: Loss, outputs: int) -> float | None:
    """c when ∂ℓ/∂ŷ = c (ŷ − y) for this loss on `outputs` units (1 for ½ squared error,
    2/K for the mean squared error over K outputs), None for any other loss."""
    y_hat = np.array([[0.3] * outputs, [0.9] * outputs])
    y = np.array([[0.1] * outputs, [0.2] * outputs])
    ratio = loss.grad(y_hat, y) / (y_hat - y)
    c = float(ratio.flat[0])
    return c if np.allclose(ratio, c, rtol=1e-12, atol=0.0) else None


def _fused(net: Network, loss: Loss) -> bool:
    return loss.fused_delta is not None


# -- the rules, by the operation they replace ----------------------------------------------
# output_delta: δ(L) = ∂ℓ/∂ŷ ⊙ σ'(z(L)) (core.learn.planted.output_delta)


def flipped_output_delta(net: Network, fwd: ForwardPass, y: Array, loss: Loss) -> Array:
    """sign-flipped-error: the error taken as y − ŷ, so δ(L) comes out negated."""
    return np.negative(CORRECT["output_delta"](net, fwd, y, loss))


def factor_output_delta(net: Network, fwd: ForwardPass, y: Array, loss: Loss) -> Array:
    """squared-error-factor: 2(ŷ − y) for ½ squared error's ŷ − y; ŷ − y for the mean
    squared error's 2(ŷ − y)/K."""
    c = squared_error_factor(loss, y.shape[1])
    if c is None or _fused(net, loss):
        return CORRECT["output_delta"](net, fwd, y, loss)
    factor = 2.0 if np.isclose(c, 1.0, rtol=1e-12, atol=0.0) else 1.0
    return net.activations[-1].backward(fwd.z[-1], fwd.y_hat, factor * (fwd.y_hat - y))


def slopeless_output_delta(net: Network, fwd: ForwardPass, y: Array, loss: Loss) -> Array:
    """missing-activation-derivative at the output: δ(L) = ∂ℓ/∂ŷ, without ⊙ σ'(z(L))."""
    if _fused(net, loss):
        return CORRECT["output_delta"](net, fwd, y, loss)
    return loss.grad(fwd.y_hat, y)


def slope_at_a_output_delta(net: Network, fwd: ForwardPass, y: Array, loss: Loss) -> Array:
    """wrong-activation-derivative at the output: ∂ℓ/∂ŷ ⊙ σ'(ŷ), the slope at a."""
    act = net.activations[-1]
    if _fused(net, loss) or not act.elementwise:
        return CORRECT["output_delta"](net, fwd, y, loss)
    return loss.grad(fwd.y_hat, y) * _slope_at_a(act, fwd.y_hat)


# upstream: ∂ℓ/∂a(l) = W(l+1)ᵀ δ(l+1) (core.learn.planted.upstream)


def untransposed_upstream(net: Network, l: int, delta_next: Array, dW_next: Array) -> Array:
    """no-transpose: W(l+1) δ(l+1) per sample (rows δ(l+1) W(l+1)ᵀ), where W is square."""
    W = net.W[l + 1]
    if W.shape[0] != W.shape[1]:
        return CORRECT["upstream"](net, l, delta_next, dW_next)
    return np.dot(delta_next, W.T)


def updated_upstream(net: Network, l: int, delta_next: Array, dW_next: Array) -> Array:
    """updated-weights-in-backward: W(l+1) stepped by −η ∂L/∂W(l+1) as soon as its
    gradient is known, and δ(l+1) sent back through the stepped weights."""
    lr = getattr(net, "lr", 0.0)
    return np.dot(delta_next, net.W[l + 1] - lr * dW_next)


# hidden_delta: δ(l) = ∂ℓ/∂a(l) ⊙ σ'(z(l)) (core.learn.planted.hidden_delta)


def slopeless_hidden_delta(net: Network, l: int, fwd: ForwardPass, up: Array) -> Array:
    """missing-activation-derivative: δ(l) = W(l+1)ᵀ δ(l+1), without ⊙ σ'(z(l))."""
    return up


def slope_at_a_hidden_delta(net: Network, l: int, fwd: ForwardPass, up: Array) -> Array:
    """wrong-activation-derivative: (W(l+1)ᵀ δ(l+1)) ⊙ σ'(a(l)), the slope at a."""
    act = net.activations[l]
    if not act.elementwise:
        return CORRECT["hidden_delta"](net, l, fwd, up)
    return up * _slope_at_a(act, fwd.a[l])


# grad_W: ∂L/∂W(l) = δ(l)ᵀ a(l−1) / B; grad_b: 1ᵀ δ(l) / B


def summed_grad_W(net: Network, l: int, fwd: ForwardPass, delta: Array, batch: int) -> Array:
    """missing-batch-mean: Σᵢ δ(l)ᵢ a(l−1)ᵢᵀ, without the 1/B."""
    return np.dot(delta.T, fwd.a_prev(l))


def summed_grad_b(net: Network, l: int, delta: Array, batch: int) -> Array:
    """missing-batch-mean: Σᵢ δ(l)ᵢ, without the 1/B."""
    return np.dot(np.ones(batch, dtype=net.dtype), delta)


def output_input_grad_W(net: Network, l: int, fwd: ForwardPass, delta: Array, batch: int) -> Array:
    """wrong-input-in-gradient: δ(l)ᵀ a(l) / B, the layer's output for its input (where
    the layer is square, so the shapes allow it)."""
    if fwd.a[l].shape[1] != fwd.a_prev(l).shape[1]:
        return CORRECT["grad_W"](net, l, fwd, delta, batch)
    return np.dot(delta.T, fwd.a[l]) / batch


# update: θ ← θ − Δ (the optimizer's own Δ)


# Each an UpdateRule (core.learn.planted): the optimizer, and its own Δ to call.


def added_step(optimizer: Optimizer, delta: Callable[[], Array]) -> Array:
    """update-sign: θ + Δ, the step added (Δ negated, then taken away)."""
    return np.negative(delta())


def rateless_step(optimizer: Optimizer, delta: Callable[[], Array]) -> Array:
    """missing-learning-rate: Δ computed with η = 1 (W − ∂L/∂W for sgd)."""
    lr = optimizer.lr
    optimizer.lr = 1.0
    try:
        return delta()
    finally:
        optimizer.lr = lr

"""Activation functions σ: value a = σ(z) and the backward map ∂ℓ/∂a ↦ ∂ℓ/∂z.

All arrays are (batch × units). For the element-wise activations the backward map is
∂ℓ/∂z = ∂ℓ/∂a ⊙ σ'(z); softmax couples the units of a row, so its backward map is the
Jacobian-vector product ∂ℓ/∂z = a ⊙ (∂ℓ/∂a − Σₖ aₖ ∂ℓ/∂aₖ).

Each `Activation` record holds everything about one function: the reference forward and
derivative, the fast path's in-place kernels (core.nn.fused), the scalar form with its
local derivative (core.autodiff), and the text the trace and the dashboard write. Adding
an activation is adding one record to `ACTIVATIONS` (and its tests).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from backprop_tui.core.errors import UnknownNameError

Array = np.ndarray

# out = σ(z), written into `out` (the result may be `z` itself when σ is the identity).
ForwardKernel = Callable[[Array, Array], Array]
# δ = grad ⊙ σ'(z), written over `grad`; `tmp` (float) and `mask` (bool) are scratch
# arrays of z's shape: (z, a, grad, tmp, mask) -> δ.
BackwardKernel = Callable[[Array, Array, Array, Array, Array], Array]
# One float z ↦ (σ(z), σ'(z)), for a node of the scalar graph.
ScalarRule = Callable[[float], tuple[float, float]]
# A layer's nodes z(l) ↦ its nodes a(l), for a σ that couples the units (softmax).
LayerRule = Callable[[Sequence[Any]], list[Any]]

LEAKY_SLOPE = 0.01
ELU_ALPHA = 1.0  # torch.nn.ELU's default α
SOFTPLUS_THRESHOLD = 20.0  # torch.nn.Softplus's default: linear above β·z > 20 (β = 1)
SATURATION = 0.01
"""A unit is saturated for a sample when σ'(z) is below this fraction of σ' 's largest
value (sigmoid: σ'(z) < 0.0025, |z| > 5.99; tanh: tanh'(z) < 0.01, |z| > 2.99; elu and
softplus: z < −4.6): δ reaching it is multiplied by almost nothing on its way back."""


@dataclass(frozen=True)
class Activation:
    """One activation function σ.

    `forward(z)` gives a = σ(z). `derivative(z, a)` gives σ'(z) element-wise (for
    softmax, the diagonal of its Jacobian ∂aₖ/∂zₖ = aₖ(1 − aₖ), shown for teaching only).
    `backward(z, a, grad_a)` gives ∂ℓ/∂z from ∂ℓ/∂a, exact for every activation.

    What the other parts read:
    - the fast path: `forward_into(z, out)` and `backward_into(z, a, grad, tmp, mask)`,
      the same numbers as `forward` and `backward` to the last bit, written into buffers
      (None: the fast path calls `forward`/`backward`);
    - the scalar graph: `scalar(z)` gives (σ(z), σ'(z)) for one float, and
      `local_formula` writes σ'(x) with `{x}` for the argument's name (None: no node op);
      a σ that couples a layer's units has `scalar_layer(z nodes)` instead, which builds
      the layer's a nodes from the graph's own operations;
    - the trace: `formula` and `derivative_formula` in the notes' notation, `symbol` in
      "a(1) = σ(z(1))", `derivative_in_a` σ'(z) written with `{a}` for a(l) or ŷ (None:
      only its values; "1": a constant, no values), and `derivative_numbers` the same
      with a one-unit layer's number put in;
    - the dashboard: `label`, the short name over a layer's column, and `probabilities`,
      whether a(l) lies in 0 … 1 (so the output plot spans at least 0 … 1);
    - gradient health (core.training.health): `derivative_peak`, the largest value σ'
      takes when σ' falls toward 0 at σ's bounds (None: σ does not saturate), read by
      `saturated`; and, for a σ whose σ'(z) is 0 on a whole half-line (so a unit can
      stop learning for good), `activity(z, a)`: values ≥ 0 of z's shape, 0 exactly
      where σ'(z) = 0 (relu: a itself), so a unit's sum over an epoch's samples is 0
      when it was dead throughout (read by `silent`; None for the others).
    `symbol` and `label` default to `name`.
    """

    name: str
    forward: Callable[[Array], Array]
    derivative: Callable[[Array, Array], Array]
    formula: str
    derivative_formula: str
    symbol: str = ""
    label: str = ""
    derivative_in_a: str | None = None
    derivative_numbers: str | None = None
    forward_into: ForwardKernel | None = None
    backward_into: BackwardKernel | None = None
    scalar: ScalarRule | None = None
    scalar_layer: LayerRule | None = None
    local_formula: str | None = None
    probabilities: bool = False
    elementwise: bool = True
    derivative_peak: float | None = None
    activity: Callable[[Array, Array], Array] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "symbol", self.symbol or self.name)
        object.__setattr__(self, "label", self.label or self.name)

    def backward(self, z: Array, a: Array, grad_a: Array) -> Array:
        """∂ℓ/∂z for each row, given ∂ℓ/∂a (batch × units)."""
        if self.elementwise:
            return grad_a * self.derivative(z, a)
        return a * (grad_a - np.sum(grad_a * a, axis=-1, keepdims=True))

    def saturated(self, z: Array, a: Array) -> Array:
        """Where σ'(z) < `SATURATION` · `derivative_peak` (bool, z's shape): the sample
        and unit pairs σ has saturated (none when σ does not saturate)."""
        if self.derivative_peak is None:
            return np.zeros(z.shape, dtype=bool)
        return self.derivative(z, a) < SATURATION * self.derivative_peak

    @property
    def can_die(self) -> bool:
        """Whether σ'(z) is 0 on a whole half-line, so a unit can stop learning for good."""
        return self.activity is not None

    def silent(self, z: Array, a: Array) -> Array:
        """Where σ'(z) = 0 (bool, z's shape): no δ passes back through the unit for that
        sample (none when σ' is never 0 on a half-line)."""
        if self.activity is None:
            return np.zeros(z.shape, dtype=bool)
        return self.activity(z, a) == 0


# -- sigmoid ---------------------------------------------------------------------------


def _sigmoid(z: Array) -> Array:
    # torch's form 1/(1+e^−z); e^−z would overflow below z = −709, where σ < 1e−307.
    return 1.0 / (1.0 + np.exp(-np.maximum(z, -708.0)))


def _sigmoid_into(z: Array, out: Array) -> Array:
    # _sigmoid's operations one by one, in place.
    np.maximum(z, -708.0, out=out)
    np.negative(out, out=out)
    np.exp(out, out=out)
    np.add(1.0, out, out=out)
    return np.divide(1.0, out, out=out)


def _sigmoid_back(z: Array, a: Array, grad: Array, tmp: Array, mask: Array) -> Array:
    np.subtract(1.0, a, out=tmp)  # σ'(z) = a(1 − a)
    np.multiply(a, tmp, out=tmp)
    return np.multiply(grad, tmp, out=grad)


def _sigmoid_scalar(z: float) -> tuple[float, float]:
    # Split by sign so that exp never overflows.
    if z >= 0:
        v = 1.0 / (1.0 + math.exp(-z))
    else:
        e = math.exp(z)
        v = e / (1.0 + e)
    return v, v * (1.0 - v)


# -- tanh, relu, linear ------------------------------------------------------------------


def _tanh_into(z: Array, out: Array) -> Array:
    return np.tanh(z, out=out)


def _tanh_back(z: Array, a: Array, grad: Array, tmp: Array, mask: Array) -> Array:
    np.multiply(a, a, out=tmp)  # tanh'(z) = 1 − a²
    np.subtract(1.0, tmp, out=tmp)
    return np.multiply(grad, tmp, out=grad)


def _tanh_scalar(z: float) -> tuple[float, float]:
    v = math.tanh(z)
    return v, 1.0 - v * v


def _relu_into(z: Array, out: Array) -> Array:
    return np.maximum(z, 0.0, out=out)


def _relu_back(z: Array, a: Array, grad: Array, tmp: Array, mask: Array) -> Array:
    np.greater(z, 0, out=mask)  # relu'(z) = 1 if z > 0 else 0 (a bool multiplies as 1.0/0.0)
    return np.multiply(grad, mask, out=grad)


def _linear_into(z: Array, out: Array) -> Array:
    return z  # a = z: the same numbers, no copy (nothing writes either buffer later)


def _linear_back(z: Array, a: Array, grad: Array, tmp: Array, mask: Array) -> Array:
    return grad  # linear'(z) = 1


# -- elu and softplus (torch.nn.ELU with α = 1, torch.nn.Softplus with β = 1, threshold 20)


def _elu(z: Array) -> Array:
    # expm1 only of z ≤ 0, so that the branch np.where discards cannot overflow.
    return np.where(z > 0, z, ELU_ALPHA * np.expm1(np.minimum(z, 0.0)))


def _elu_derivative(z: Array, a: Array) -> Array:
    # torch's backward from z: α e^z for z ≤ 0 (so 1 at z = 0), 1 above.
    return np.where(z > 0, 1.0, ELU_ALPHA * np.exp(np.minimum(z, 0.0))).astype(z.dtype)


def _elu_scalar(z: float) -> tuple[float, float]:
    if z > 0:
        return z, 1.0
    return ELU_ALPHA * math.expm1(z), ELU_ALPHA * math.exp(z)


def _softplus(z: Array) -> Array:
    # log(1 + e^z), and z itself above the threshold, where the two agree to round-off.
    return np.where(z > SOFTPLUS_THRESHOLD, z, np.log1p(np.exp(np.minimum(z, SOFTPLUS_THRESHOLD))))


def _softplus_derivative(z: Array, a: Array) -> Array:
    # torch's backward: e^z / (e^z + 1) = σ(z), and 1 above the threshold.
    e = np.exp(np.minimum(z, SOFTPLUS_THRESHOLD))
    return np.where(z > SOFTPLUS_THRESHOLD, 1.0, e / (e + 1.0)).astype(z.dtype)


def _softplus_scalar(z: float) -> tuple[float, float]:
    if z > SOFTPLUS_THRESHOLD:
        return z, 1.0
    e = math.exp(z)
    return math.log1p(e), e / (e + 1.0)


# -- softmax -----------------------------------------------------------------------------


def _softmax(z: Array) -> Array:
    shifted = z - z.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def _softmax_nodes(z: Sequence[Any]) -> list[Any]:
    """aₖ = e^(zₖ − m) / Σⱼ e^(zⱼ − m) as graph nodes, m = max z a constant (the shift
    cancels in every derivative, so it is exact and no e^z overflows)."""
    from backprop_tui.core.autodiff.node import shifted_exponentials  # it imports this module

    _, powers, total = shifted_exponentials(list(z))
    return [power / total for power in powers]


ACTIVATIONS: dict[str, Activation] = {
    act.name: act
    for act in (
        Activation(
            "sigmoid",
            _sigmoid,
            lambda z, a: a * (1.0 - a),
            "σ(z) = 1/(1+e^−z)",
            "σ'(z) = σ(z)(1 − σ(z))",
            symbol="σ",
            label="σ",
            derivative_in_a="{a}(1 − {a})",
            derivative_numbers="{a} · (1 − {a})",
            forward_into=_sigmoid_into,
            backward_into=_sigmoid_back,
            scalar=_sigmoid_scalar,
            local_formula="σ({x})(1 − σ({x}))",
            probabilities=True,
            derivative_peak=0.25,  # σ'(0)
        ),
        Activation(
            "tanh",
            np.tanh,
            lambda z, a: 1.0 - a * a,
            "tanh(z)",
            "tanh'(z) = 1 − tanh²(z)",
            derivative_in_a="1 − {a}²",
            derivative_numbers="1 − {a}²",
            forward_into=_tanh_into,
            backward_into=_tanh_back,
            scalar=_tanh_scalar,
            local_formula="1 − tanh²({x})",
            derivative_peak=1.0,  # tanh'(0)
        ),
        Activation(
            "relu",
            lambda z: np.maximum(z, 0.0),
            # torch uses 0 for the derivative at exactly z = 0.
            lambda z, a: (z > 0).astype(z.dtype),
            "relu(z) = max(0, z)",
            "relu'(z) = 1 if z > 0 else 0",
            derivative_in_a="1 if z > 0, else 0",
            forward_into=_relu_into,
            backward_into=_relu_back,
            scalar=lambda z: (max(z, 0.0), 1.0 if z > 0 else 0.0),
            local_formula="1 if {x} > 0 else 0",
            activity=lambda z, a: a,  # a = max(z, 0) ≥ 0, and 0 exactly where z ≤ 0
        ),
        Activation(
            "leaky_relu",
            lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
            lambda z, a: np.where(z > 0, 1.0, LEAKY_SLOPE).astype(z.dtype),
            "leaky_relu(z) = z if z > 0 else 0.01·z",
            "leaky_relu'(z) = 1 if z > 0 else 0.01",
            label="lrelu",
            derivative_in_a="1 if z > 0, else 0.01",
            scalar=lambda z: (z if z > 0 else LEAKY_SLOPE * z, 1.0 if z > 0 else LEAKY_SLOPE),
            local_formula=f"1 if {{x}} > 0 else {LEAKY_SLOPE}",
        ),
        Activation(
            "linear",
            lambda z: z.copy(),
            lambda z, a: np.ones_like(z),
            "linear(z) = z",
            "linear'(z) = 1",
            label="lin",
            derivative_in_a="1",
            forward_into=_linear_into,
            backward_into=_linear_back,
            scalar=lambda z: (z, 1.0),
            local_formula="1",
        ),
        Activation(
            "elu",
            _elu,
            _elu_derivative,
            "elu(z) = z if z > 0 else e^z − 1",
            "elu'(z) = 1 if z > 0 else e^z",
            derivative_in_a="1 if z > 0, else {a} + 1",
            scalar=_elu_scalar,
            local_formula="1 if {x} > 0 else exp({x})",
            derivative_peak=1.0,  # elu'(z) for z > 0; e^z falls toward 0 below
        ),
        Activation(
            "softplus",
            _softplus,
            _softplus_derivative,
            "softplus(z) = log(1 + e^z), or z if z > 20",
            "softplus'(z) = σ(z), or 1 if z > 20",
            derivative_in_a="σ(z) if z ≤ 20, else 1",
            scalar=_softplus_scalar,
            local_formula="σ({x}) if {x} ≤ 20 else 1",
            derivative_peak=1.0,  # σ(z) → 1 above; → 0 as z → −∞
        ),
        Activation(
            "softmax",
            _softmax,
            lambda z, a: a * (1.0 - a),
            "softmax(z)ₖ = e^zₖ / Σⱼ e^zⱼ",
            "∂aₖ/∂zⱼ = aₖ(δₖⱼ − aⱼ)",
            scalar_layer=_softmax_nodes,
            probabilities=True,
            elementwise=False,
        ),
    )
}


def get_activation(name: str) -> Activation:
    """The activation called `name`; `UnknownNameError` (with close matches) otherwise."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise UnknownNameError("activation", name, ACTIVATIONS) from None

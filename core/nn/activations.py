"""Activation functions σ: value a = σ(z) and the backward map ∂ℓ/∂a ↦ ∂ℓ/∂z.

All arrays are (batch × units). For the element-wise activations the backward map is
∂ℓ/∂z = ∂ℓ/∂a ⊙ σ'(z); softmax couples the units of a row, so its backward map is the
Jacobian-vector product ∂ℓ/∂z = a ⊙ (∂ℓ/∂a − Σₖ aₖ ∂ℓ/∂aₖ).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from backprop_tui.core.errors import UnknownNameError

Array = np.ndarray

LEAKY_SLOPE = 0.01


def _sigmoid(z: Array) -> Array:
    # torch's form 1/(1+e^−z); e^−z would overflow below z = −709, where σ < 1e−307.
    return 1.0 / (1.0 + np.exp(-np.maximum(z, -708.0)))


def _softmax(z: Array) -> Array:
    shifted = z - z.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


@dataclass(frozen=True)
class Activation:
    """One activation function σ.

    `forward(z)` gives a = σ(z). `derivative(z, a)` gives σ'(z) element-wise (for
    softmax, the diagonal of its Jacobian ∂aₖ/∂zₖ = aₖ(1 − aₖ), shown for teaching only).
    `backward(z, a, grad_a)` gives ∂ℓ/∂z from ∂ℓ/∂a, exact for every activation.
    `formula` and `derivative_formula` are the notes' notation, for the trace.
    """

    name: str
    forward: Callable[[Array], Array]
    derivative: Callable[[Array, Array], Array]
    formula: str
    derivative_formula: str
    elementwise: bool = True

    def backward(self, z: Array, a: Array, grad_a: Array) -> Array:
        """∂ℓ/∂z for each row, given ∂ℓ/∂a (batch × units)."""
        if self.elementwise:
            return grad_a * self.derivative(z, a)
        return a * (grad_a - np.sum(grad_a * a, axis=-1, keepdims=True))


ACTIVATIONS: dict[str, Activation] = {
    act.name: act
    for act in (
        Activation(
            "sigmoid",
            _sigmoid,
            lambda z, a: a * (1.0 - a),
            "σ(z) = 1/(1+e^−z)",
            "σ'(z) = σ(z)(1 − σ(z))",
        ),
        Activation(
            "tanh",
            np.tanh,
            lambda z, a: 1.0 - a * a,
            "tanh(z)",
            "tanh'(z) = 1 − tanh²(z)",
        ),
        Activation(
            "relu",
            lambda z: np.maximum(z, 0.0),
            # torch uses 0 for the derivative at exactly z = 0.
            lambda z, a: (z > 0).astype(z.dtype),
            "relu(z) = max(0, z)",
            "relu'(z) = 1 if z > 0 else 0",
        ),
        Activation(
            "leaky_relu",
            lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
            lambda z, a: np.where(z > 0, 1.0, LEAKY_SLOPE).astype(z.dtype),
            "leaky_relu(z) = z if z > 0 else 0.01·z",
            "leaky_relu'(z) = 1 if z > 0 else 0.01",
        ),
        Activation(
            "linear",
            lambda z: z.copy(),
            lambda z, a: np.ones_like(z),
            "linear(z) = z",
            "linear'(z) = 1",
        ),
        Activation(
            "softmax",
            _softmax,
            lambda z, a: a * (1.0 - a),
            "softmax(z)ₖ = e^zₖ / Σⱼ e^zⱼ",
            "∂aₖ/∂zⱼ = aₖ(δₖⱼ − aⱼ)",
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

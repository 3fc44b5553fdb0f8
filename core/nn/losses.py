"""Loss functions ℓ(ŷ, y) per sample; the batch loss L is always the mean of the ℓᵢ.

Arrays are (batch × outputs). `per_sample` gives ℓᵢ (batch,); `grad` gives ∂ℓᵢ/∂ŷ
(batch × outputs), the gradient of each sample's own loss. The batch gradient is
∂L/∂ŷᵢ = (1/B) ∂ℓᵢ/∂ŷᵢ. Where the loss is paired with its natural output activation
(bce with sigmoid, cross_entropy with softmax) `output_delta` uses the exact fused form
δ(L) = ∂ℓ/∂z(L), which stays finite when ŷ saturates.

The definitions follow torch.nn: mse is MSELoss (mean over every element), bce is
BCELoss (mean, logs clamped at −100), cross_entropy is CrossEntropyLoss applied to the
logits z(L) (so ŷ = softmax(z(L))), with one-hot target rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from backprop_tui.core.errors import UnknownNameError
from backprop_tui.core.nn.activations import Activation

Array = np.ndarray

_LOG_CLAMP = -100.0  # torch.nn.BCELoss clamps each log term at −100


def _log_softmax(z: Array) -> Array:
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _bce(y_hat: Array, y: Array, z: Array) -> Array:
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(y_hat), _LOG_CLAMP)
        log_q = np.maximum(np.log(1.0 - y_hat), _LOG_CLAMP)
    return -(y * log_p + (1.0 - y) * log_q).mean(axis=-1)


def _bce_grad(y_hat: Array, y: Array) -> Array:
    k = y_hat.shape[-1]
    return (y_hat - y) / np.maximum(y_hat * (1.0 - y_hat), 1e-12) / k


@dataclass(frozen=True)
class Loss:
    """One loss ℓ(ŷ, y), with its formula in the notes' notation."""

    name: str
    per_sample: Callable[[Array, Array, Array], Array]
    grad: Callable[[Array, Array], Array]
    formula: str
    grad_formula: str
    fused_activation: str | None = None
    fused_formula: str | None = None

    def value(self, y_hat: Array, y: Array, z: Array) -> float:
        """The batch loss L = (1/B) Σᵢ ℓᵢ."""
        return float(self.per_sample(y_hat, y, z).sum()) / y_hat.shape[0]

    def fuses_with(self, activation: Activation) -> bool:
        """Whether δ(L) has the exact fused form for this output activation."""
        return self.fused_activation == activation.name

    def output_delta(self, z: Array, y_hat: Array, y: Array, activation: Activation) -> Array:
        """δ(L)ᵢ = ∂ℓᵢ/∂z(L)ᵢ (batch × outputs), per sample (not divided by B)."""
        if self.fuses_with(activation):
            k = y_hat.shape[-1] if self.name == "bce" else 1
            return (y_hat - y) / k
        return activation.backward(z, y_hat, self.grad(y_hat, y))


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss(
            "half_sse",
            lambda y_hat, y, z: 0.5 * ((y_hat - y) ** 2).sum(axis=-1),
            lambda y_hat, y: y_hat - y,
            "ℓ = ½ Σₖ (ŷₖ − yₖ)²",
            "∂ℓ/∂ŷ = ŷ − y",
        ),
        Loss(
            "mse",
            lambda y_hat, y, z: ((y_hat - y) ** 2).mean(axis=-1),
            lambda y_hat, y: 2.0 * (y_hat - y) / y_hat.shape[-1],
            "ℓ = (1/K) Σₖ (ŷₖ − yₖ)²",
            "∂ℓ/∂ŷ = (2/K)(ŷ − y)",
        ),
        Loss(
            "bce",
            _bce,
            _bce_grad,
            "ℓ = −(1/K) Σₖ [yₖ log ŷₖ + (1 − yₖ) log(1 − ŷₖ)]",
            "∂ℓ/∂ŷ = (ŷ − y) / (K ŷ (1 − ŷ))",
            fused_activation="sigmoid",
            fused_formula="δ(L) = (ŷ − y) / K",
        ),
        Loss(
            "cross_entropy",
            lambda y_hat, y, z: -np.sum(y * _log_softmax(z), axis=-1),
            lambda y_hat, y: -y / np.maximum(y_hat, 1e-300),
            "ℓ = −Σₖ yₖ log ŷₖ",
            "∂ℓ/∂ŷ = −y / ŷ",
            fused_activation="softmax",
            fused_formula="δ(L) = ŷ − y",
        ),
    )
}


def get_loss(name: str) -> Loss:
    """The loss called `name`; `UnknownNameError` (with close matches) otherwise."""
    try:
        return LOSSES[name]
    except KeyError:
        raise UnknownNameError("loss", name, LOSSES) from None

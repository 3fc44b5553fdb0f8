"""The multi-layer perceptron, in the notes' notation.

Layer l (1 … L) has W(l) of shape (out × in) and b(l) of shape (out,), so for one
sample z(l) = W(l) a(l−1) + b(l) and a(l) = σ(z(l)). Activations travel as rows,
(batch × units), so the batch form is z(l) = a(l−1) W(l)ᵀ + b(l).

Backward, per sample:  δ(L) = ∂ℓ/∂ŷ ⊙ σ'(z(L)),  δ(l) = (W(l+1)ᵀ δ(l+1)) ⊙ σ'(z(l)).
For the batch loss L = (1/B) Σᵢ ℓᵢ:  ∂L/∂W(l) = (1/B) Σᵢ δ(l)ᵢ a(l−1)ᵢᵀ,
∂L/∂b(l) = (1/B) Σᵢ δ(l)ᵢ. Python lists are 0-based: index 0 holds layer 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from backprop_tui.core.errors import ShapeError
from backprop_tui.core.format import shape_words
from backprop_tui.core.nn.activations import Activation, get_activation
from backprop_tui.core.nn.losses import Loss

Array = np.ndarray


@dataclass(frozen=True)
class ForwardPass:
    """What the forward pass keeps: the input a(0) and, per layer, z(l) and a(l).

    `x` is (batch × inputs); `z[l]` and `a[l]` are (batch × units of layer l+1).
    """

    x: Array
    z: tuple[Array, ...]
    a: tuple[Array, ...]

    @property
    def y_hat(self) -> Array:
        """The network's output ŷ = a(L)."""
        return self.a[-1]

    def a_prev(self, layer: int) -> Array:
        """a(l−1) for the 0-based `layer` (the input x for the first layer)."""
        return self.x if layer == 0 else self.a[layer - 1]


@dataclass(frozen=True)
class BackwardPass:
    """What the backward pass gives: the batch loss, δ per layer (per sample), ∂W and ∂b.

    `delta[l]` is (batch × units), δᵢ = ∂ℓᵢ/∂z for sample i; `dW[l]` has W's shape and
    `db[l]` b's shape, both gradients of the batch loss L.
    """

    loss: float
    per_sample_loss: Array
    delta: tuple[Array, ...]
    dW: tuple[Array, ...]
    db: tuple[Array, ...]


class Network:
    """An MLP with weights W(l) (out × in), biases b(l) (out,) and activations σ(l)."""

    def __init__(
        self,
        W: Sequence[Array],
        b: Sequence[Array],
        activations: Sequence[Activation | str],
    ) -> None:
        if not (len(W) == len(b) == len(activations)) or not W:
            raise ShapeError(
                f"need one weight matrix, bias vector and activation per layer; "
                f"got {len(W)}, {len(b)} and {len(activations)}"
            )
        self.W = [np.asarray(w) for w in W]
        self.b = [np.asarray(v) for v in b]
        self.activations = [
            act if isinstance(act, Activation) else get_activation(act) for act in activations
        ]
        for l, (w, v) in enumerate(zip(self.W, self.b, strict=True)):
            if w.ndim != 2 or v.shape != (w.shape[0],):
                raise ShapeError(
                    f"layer {l + 1}: W is {shape_words(w.shape)} and b {shape_words(v.shape)}; "
                    f"expected W out × in and b a vector of out"
                )
            if l and w.shape[1] != self.W[l - 1].shape[0]:
                raise ShapeError(
                    f"layer {l + 1}: W has {w.shape[1]} inputs but layer {l} has "
                    f"{self.W[l - 1].shape[0]} units"
                )

    @property
    def sizes(self) -> list[int]:
        """Units per layer, input first: [n0, n1, …, nL]."""
        return [self.W[0].shape[1], *(w.shape[0] for w in self.W)]

    @property
    def dtype(self) -> np.dtype:
        return self.W[0].dtype

    @property
    def n_parameters(self) -> int:
        return sum(w.size + v.size for w, v in zip(self.W, self.b, strict=True))

    def copy(self) -> Network:
        """A deep copy (new arrays, same activations)."""
        return Network([w.copy() for w in self.W], [v.copy() for v in self.b], self.activations)

    def like(self, W: Sequence[Array], b: Sequence[Array]) -> Network:
        """A network of the same engine and activations with parameters W and b (an
        engine with a planted bug, core.learn.planted, keeps its bug)."""
        return Network(W, b, self.activations)

    def forward(self, x: Array) -> ForwardPass:
        """z(l) = a(l−1) W(l)ᵀ + b(l), a(l) = σ(z(l)) for every layer; x is (batch × n0)."""
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 2 or x.shape[1] != self.sizes[0]:
            raise ShapeError(
                f"the input is {shape_words(x.shape)}; expected batch × {self.sizes[0]}"
            )
        zs, acts = [], []
        a = x
        # Matrix products are np.dot rather than @: the same BLAS product with less
        # overhead per call, which a network of a few units feels (core.nn.fused does the same).
        for W, b, act in zip(self.W, self.b, self.activations, strict=True):
            z = np.dot(a, W.T) + b
            a = act.forward(z)
            zs.append(z)
            acts.append(a)
        return ForwardPass(x, tuple(zs), tuple(acts))

    def predict(self, x: Array) -> Array:
        """ŷ for a batch x (batch × n0)."""
        return self.forward(x).y_hat

    def backward(self, fwd: ForwardPass, y: Array, loss: Loss) -> BackwardPass:
        """δ, ∂W and ∂b for the batch loss L = mean ℓ(ŷᵢ, yᵢ); y is (batch × nL)."""
        y = np.asarray(y, dtype=self.dtype)
        if y.shape != fwd.y_hat.shape:
            raise ShapeError(
                f"the target is {shape_words(y.shape)}; expected {shape_words(fwd.y_hat.shape)}"
            )
        batch = y.shape[0]
        per_sample = loss.per_sample(fwd.y_hat, y, fwd.z[-1])
        deltas: list[Array] = [None] * len(self.W)  # type: ignore[list-item]
        deltas[-1] = loss.output_delta(fwd.z[-1], fwd.y_hat, y, self.activations[-1])
        for l in range(len(self.W) - 2, -1, -1):
            # δ(l) = (W(l+1)ᵀ δ(l+1)) ⊙ σ'(z(l)), row-wise: δ(l+1) W(l+1).
            upstream = np.dot(deltas[l + 1], self.W[l + 1])
            deltas[l] = self.activations[l].backward(fwd.z[l], fwd.a[l], upstream)
        dW = tuple(np.dot(deltas[l].T, fwd.a_prev(l)) / batch for l in range(len(self.W)))
        # ∂b(l) = Σᵢ δ(l)ᵢ / B, the sum as 1ᵀδ(l): one BLAS product, ~5× faster than a
        # reduction over the batch axis. It adds in another order than d.sum(axis=0),
        # as accurately (one rounding per addition); core.nn.fused makes the same call.
        ones = np.ones(batch, dtype=self.dtype)
        db = tuple(np.dot(ones, d) / batch for d in deltas)
        return BackwardPass(float(per_sample.sum()) / batch, per_sample, tuple(deltas), dW, db)

    def gradients(self, x: Array, y: Array, loss: Loss) -> tuple[ForwardPass, BackwardPass]:
        """Forward then backward on one batch."""
        fwd = self.forward(x)
        return fwd, self.backward(fwd, y, loss)

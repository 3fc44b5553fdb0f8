"""The bug-hunt engine: a network, optimizer and trainer that carry one planted bug.

The backward pass is split into its operations, each in the engine's row layout (z, a, δ
are batch × units; W(l) is out × in):

    output_delta   δ(L) = ∂ℓ/∂ŷ ⊙ σ'(z(L))            (fused where the loss has that form)
    upstream       ∂ℓ/∂a(l) = W(l+1)ᵀ δ(l+1), as rows δ(l+1) W(l+1)
    hidden_delta   δ(l) = ∂ℓ/∂a(l) ⊙ σ'(z(l))
    grad_W         ∂L/∂W(l) = (1/B) Σᵢ δ(l)ᵢ a(l−1)ᵢᵀ
    grad_b         ∂L/∂b(l) = (1/B) Σᵢ δ(l)ᵢ
    update         θ ← θ − Δ, Δ the optimizer's step (η g for sgd)

`CORRECT` holds each operation as `core.nn.network.Network.backward` computes it, on the
same arrays in the same order, so a `PlantedNetwork` computes what a `Network` does to
the last bit except where its bug's rules (`core.learn.bugs`) replace an operation. The
update is replaced in the optimizer: `planted_optimizer` gives a copy whose class
computes Δ with the bug's rule. `PlantedTrainer` trains with both; a trace
(`core.trace.record`) of a planted network records the planted engine's numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from backprop_tui.core.errors import ShapeError
from backprop_tui.core.format import shape_words
from backprop_tui.core.nn.activations import Activation
from backprop_tui.core.nn.fused import FusedStep
from backprop_tui.core.nn.losses import Loss
from backprop_tui.core.nn.network import BackwardPass, ForwardPass, Network
from backprop_tui.core.nn.optimizers import Optimizer
from backprop_tui.core.training.trainer import Trainer

Array = np.ndarray

OPERATIONS = ("output_delta", "upstream", "hidden_delta", "grad_W", "grad_b", "update")
"""The operations a bug can replace, in the order the backward pass and update reach them."""


class Planted(Protocol):
    """What the engine reads of a bug (`core.learn.bugs.Bug`): its name and its rules, one
    per operation it replaces (operation name → the operation as the bug computes it, with
    the correct operation's signature; for "update" an `UpdateRule`)."""

    @property
    def name(self) -> str: ...

    @property
    def rules(self) -> Mapping[str, Callable[..., Any]]: ...


# -- the correct operations ----------------------------------------------------------------
# `l` is a 0-based layer index, as in core.nn.network (index 0 holds layer 1).


def output_delta(net: Network, fwd: ForwardPass, y: Array, loss: Loss) -> Array:
    """δ(L) (batch × outputs), per sample."""
    return loss.output_delta(fwd.z[-1], fwd.y_hat, y, net.activations[-1])


def upstream(net: Network, l: int, delta_next: Array, dW_next: Array) -> Array:
    """∂ℓ/∂a(l) for hidden layer index l: δ(l+1) W(l+1) as rows (W(l+1)ᵀ δ(l+1) per
    sample). `dW_next` is ∂L/∂W(l+1), which the correct rule does not read."""
    return np.dot(delta_next, net.W[l + 1])


def hidden_delta(net: Network, l: int, fwd: ForwardPass, up: Array) -> Array:
    """δ(l) = ∂ℓ/∂a(l) ⊙ σ'(z(l)) through the activation's backward map."""
    return net.activations[l].backward(fwd.z[l], fwd.a[l], up)


def grad_W(net: Network, l: int, fwd: ForwardPass, delta: Array, batch: int) -> Array:
    """∂L/∂W(l) = δ(l)ᵀ a(l−1) / B (out × in)."""
    return np.dot(delta.T, fwd.a_prev(l)) / batch


def grad_b(net: Network, l: int, delta: Array, batch: int) -> Array:
    """∂L/∂b(l) = 1ᵀ δ(l) / B (out,), the sum as Network.backward takes it."""
    return np.dot(np.ones(batch, dtype=net.dtype), delta) / batch


CORRECT: Mapping[str, Callable[..., Any]] = {
    "output_delta": output_delta,
    "upstream": upstream,
    "hidden_delta": hidden_delta,
    "grad_W": grad_W,
    "grad_b": grad_b,
}
"""The backward operations as the correct engine computes them (the update is the
optimizer's own)."""

UpdateRule = Callable[[Optimizer, Callable[[], Array]], Array]
"""(optimizer, Δ as its rule computes it) → the Δ the bug takes from θ."""


# -- the network ---------------------------------------------------------------------------


class PlantedNetwork(Network):
    """A `Network` whose backward pass runs `bug`'s rules in place of the operations they
    replace. `lr` is η, for a rule that steps a weight inside the backward pass."""

    def __init__(
        self,
        W: Sequence[Array],
        b: Sequence[Array],
        activations: Sequence[Activation | str],
        bug: Planted,
        lr: float = 0.0,
    ) -> None:
        super().__init__(W, b, activations)
        self.bug = bug
        self.lr = lr

    @classmethod
    def of(cls, network: Network, bug: Planted, lr: float = 0.0) -> PlantedNetwork:
        """`network`'s parameters (the same arrays) and activations with `bug` planted."""
        return cls(network.W, network.b, network.activations, bug, lr)

    def copy(self) -> PlantedNetwork:
        return self.like([w.copy() for w in self.W], [v.copy() for v in self.b])

    def like(self, W: Sequence[Array], b: Sequence[Array]) -> PlantedNetwork:
        """A planted network with the same bug, η and activations and parameters W, b."""
        return PlantedNetwork(W, b, self.activations, self.bug, self.lr)

    def _op(self, name: str) -> Callable[..., Any]:
        return self.bug.rules.get(name) or CORRECT[name]

    def backward(self, fwd: ForwardPass, y: Array, loss: Loss) -> BackwardPass:
        """δ, ∂W and ∂b of the batch loss, operation by operation (module docstring):
        layer by layer from the output, each layer's gradients before the δ below it."""
        y = np.asarray(y, dtype=self.dtype)
        if y.shape != fwd.y_hat.shape:
            raise ShapeError(
                f"the target is {shape_words(y.shape)}; expected {shape_words(fwd.y_hat.shape)}"
            )
        batch, n = y.shape[0], len(self.W)
        per_sample = loss.per_sample(fwd.y_hat, y, fwd.z[-1])
        deltas: list[Array] = [np.empty(0)] * n
        dW: list[Array] = [np.empty(0)] * n
        db: list[Array] = [np.empty(0)] * n
        deltas[-1] = self._op("output_delta")(self, fwd, y, loss)
        for l in range(n - 1, -1, -1):
            dW[l] = self._op("grad_W")(self, l, fwd, deltas[l], batch)
            db[l] = self._op("grad_b")(self, l, deltas[l], batch)
            if l:
                up = self._op("upstream")(self, l - 1, deltas[l], dW[l])
                deltas[l - 1] = self._op("hidden_delta")(self, l - 1, fwd, up)
        loss_value = float(per_sample.sum()) / batch
        return BackwardPass(loss_value, per_sample, tuple(deltas), tuple(dW), tuple(db))


# -- the optimizer -------------------------------------------------------------------------

_PLANTED_CLASSES: dict[tuple[type, str], type] = {}


def _planted_class(base: type[Optimizer], bug: Planted) -> type[Optimizer]:
    """`base` whose Δ goes through `bug`'s update rule (one class per base and bug)."""
    key = (base, bug.name)
    found = _PLANTED_CLASSES.get(key)
    if found is not None:
        return found
    rule: UpdateRule = bug.rules["update"]

    def _delta(
        self: Optimizer, theta: Array, g: Array, state: dict[str, Array], scratch: Array | None
    ) -> Array:
        return rule(self, lambda: base._delta(self, theta, g, state, scratch))

    planted = type(
        f"Planted{base.__name__}",
        (base,),
        {"_delta": _delta, "planted_bug": bug.name, "base_class": base, "__module__": __name__},
    )
    _PLANTED_CLASSES[key] = planted
    return planted


def planted_optimizer(optimizer: Optimizer, bug: Planted) -> Optimizer:
    """A copy of `optimizer` (same settings and state) that steps with `bug`'s update rule;
    `optimizer` itself when the bug has none. Its `kind`, `rule` and settings are the
    original's: the trace writes the right equation beside the planted numbers."""
    if "update" not in bug.rules:
        return optimizer
    base = getattr(type(optimizer), "base_class", type(optimizer))
    twin = optimizer.clone()
    twin.__class__ = _planted_class(base, bug)
    return twin


# -- the trainer ---------------------------------------------------------------------------


class _PlantedStep(FusedStep):
    """The trainer's step on a planted network: its own backward pass, its ∂W and ∂b
    copied into the flat gradient vector the optimizer reads."""

    def run(self, x: Array, y: Array) -> tuple[ForwardPass, BackwardPass]:
        params = self.params
        params.ensure_bound()
        fwd, bwd = self.network.gradients(x, y, self.loss)
        for l in range(len(bwd.dW)):
            np.copyto(params.dW[l], bwd.dW[l])
            np.copyto(params.db[l], bwd.db[l])
        planted = BackwardPass(bwd.loss, bwd.per_sample_loss, bwd.delta, params.dW, params.db)
        return fwd, planted


@dataclass
class PlantedTrainer(Trainer):
    """A `Trainer` on the planted engine: `network` becomes a `PlantedNetwork` with `bug`,
    and every optimizer it is given (at the start, or when the settings switch the kind)
    steps with the bug's update rule."""

    bug: Any = None

    def __post_init__(self) -> None:
        if self.bug is None:
            raise ValueError("a planted trainer needs a bug")
        if not isinstance(self.network, PlantedNetwork):
            self.network = PlantedNetwork.of(self.network, self.bug, self.optimizer.lr)
        self.optimizer = self.optimizer  # planted now that the bug is known
        super().__post_init__()
        self._fused = _PlantedStep(self._flat, self.loss)

    def __setattr__(self, name: str, value: Any) -> None:
        bug = self.__dict__.get("bug")
        if name == "optimizer" and bug is not None:
            value = planted_optimizer(value, bug)
        super().__setattr__(name, value)

    def _update(self, X: Array, Y: Array) -> tuple[ForwardPass, BackwardPass]:
        network = self.network
        assert isinstance(network, PlantedNetwork)
        network.lr = self.optimizer.lr
        return super()._update(X, Y)


def plant(trainer: Trainer, bug: Planted) -> PlantedTrainer:
    """A planted trainer with `trainer`'s network (its arrays), loss, optimizer, data and
    settings; `trainer` should not be used after."""
    return PlantedTrainer(
        trainer.network,
        trainer.loss,
        trainer.optimizer,
        trainer.train_data,
        trainer.test_data,
        batch_size=trainer.batch_size,
        shuffle=trainer.shuffle,
        seed=trainer.seed,
        train_biases=trainer.train_biases,
        bug=bug,
    )

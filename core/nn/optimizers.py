"""Optimizers with torch.optim's update rules, defaults and order of operations.

Every optimizer sees a flat list of parameters θ (W(1), b(1), W(2), …, or the weights
only when biases are fixed) and their gradients g = ∂L/∂θ, and updates θ in place.
Weight decay is L2 as torch applies it: g ← g + λθ before the rule.

| kind     | rule (per parameter, t = step count from 1)                                   |
| -------- | ----------------------------------------------------------------------------- |
| sgd      | θ ← θ − η g                                                                   |
| momentum | v ← g (t = 1) else μ v + g;  θ ← θ − η v   (nesterov: θ ← θ − η (g + μ v))     |
| adam     | m ← β₁m + (1−β₁)g;  s ← β₂s + (1−β₂)g²;  θ ← θ − η/(1−β₁ᵗ) · m / (√s/√(1−β₂ᵗ) + ε) |
| rmsprop  | s ← α s + (1−α) g²;  θ ← θ − η g / (√s + ε)                                    |
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from backprop_tui.core.errors import UnknownNameError

Array = np.ndarray


@dataclass
class Optimizer:
    """Base class: the bookkeeping. Subclasses only compute one parameter's update."""

    lr: float
    weight_decay: float = 0.0
    t: int = 0
    state: list[dict[str, Array]] = field(default_factory=list)

    kind: ClassVar[str] = ""
    rule: ClassVar[str] = ""
    STATE_NAMES: ClassVar[tuple[str, ...]] = ()

    # step_flat's bookkeeping: the state as flat vectors, and the per-parameter views of
    # them that `state` holds while the two are linked.
    _flat: dict[str, Array] = field(default_factory=dict, init=False, repr=False, compare=False)
    _views: list[dict[str, Array]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def step(self, params: Sequence[Array], grads: Sequence[Array]) -> None:
        """θ ← θ − Δ(θ, g) for every parameter, in place."""
        if not self.state:
            self.state = [{} for _ in params]
        self.t += 1
        for i, (theta, g) in enumerate(zip(params, grads, strict=True)):
            if self.weight_decay:
                g = g + self.weight_decay * theta
            theta -= self._delta(theta, g, self.state[i], None)

    def step_flat(
        self,
        theta: Array,
        g: Array,
        layout: Sequence[tuple[slice, tuple[int, ...]]],
        out: Array | None = None,
        scratch: Array | None = None,
    ) -> None:
        """The same update as `step`, on one flat vector θ that holds every parameter.

        Every rule is element-wise, so one pass over the flat vector gives the numbers
        that one pass per parameter gives, bit for bit. `layout` is each parameter's slice
        of θ and its shape, in `step`'s order; `state` keeps one dict per parameter, whose
        arrays are views of the flat state. θ − Δ goes to `out` (θ itself by default);
        `scratch`, shaped like θ, spares the rules a temporary.
        """
        if self._views is None or self.state is not self._views:
            self._adopt(theta, layout)
        self.t += 1
        if self.weight_decay:
            g = g + self.weight_decay * theta
        names = len(self._flat)
        delta = self._delta(theta, g, self._flat, scratch)
        np.subtract(theta, delta, out=theta if out is None else out)
        if len(self._flat) != names:
            self._link(layout)

    def _adopt(self, theta: Array, layout: Sequence[tuple[slice, tuple[int, ...]]]) -> None:
        """Flat state from the per-parameter `state` (empty for a fresh optimizer)."""
        self._flat = {}
        if self.state:
            for name in self.state[0]:
                flat = self._flat[name] = np.empty_like(theta)
                for (where, _), st in zip(layout, self.state, strict=True):
                    flat[where] = np.asarray(st[name]).ravel()
        self._link(layout)

    def _link(self, layout: Sequence[tuple[slice, tuple[int, ...]]]) -> None:
        self.state = self._views = [
            {name: flat[where].reshape(shape) for name, flat in self._flat.items()}
            for where, shape in layout
        ]

    def _delta(
        self, theta: Array, g: Array, state: dict[str, Array], scratch: Array | None
    ) -> Array:
        """Δ, the amount the rule takes from θ, updating `state` in place; it may be
        written into `scratch` (a temporary otherwise)."""
        raise NotImplementedError

    def reset(self) -> None:
        """Forget all state, as a freshly built optimizer."""
        self.t = 0
        self.state = []
        self._flat, self._views = {}, None

    def clone(self) -> Optimizer:
        """A deep copy: same hyper-parameters and state, independent arrays."""
        twin = copy.deepcopy(self)
        twin._flat, twin._views = {}, None  # the copied views are no longer views
        return twin

    def hyperparameters(self) -> dict[str, Any]:
        """The settings that define the rule (for display and for saving a preset)."""
        return {"learning_rate": self.lr, "weight_decay": self.weight_decay}


@dataclass
class SGD(Optimizer):
    kind: ClassVar[str] = "sgd"
    rule: ClassVar[str] = "θ ← θ − η g"

    def _delta(
        self, theta: Array, g: Array, state: dict[str, Array], scratch: Array | None
    ) -> Array:
        return np.multiply(self.lr, g, out=scratch)  # η g


@dataclass
class Momentum(Optimizer):
    """SGD with momentum μ (torch.optim.SGD with dampening 0), optionally Nesterov."""

    momentum: float = 0.9
    nesterov: bool = False

    kind: ClassVar[str] = "momentum"
    rule: ClassVar[str] = "v ← μ v + g;  θ ← θ − η v"
    STATE_NAMES: ClassVar[tuple[str, ...]] = ("v",)

    def _delta(
        self, theta: Array, g: Array, state: dict[str, Array], scratch: Array | None
    ) -> Array:
        if "v" not in state:
            state["v"] = g.copy()
        else:
            state["v"] *= self.momentum
            state["v"] += g
        step = g + self.momentum * state["v"] if self.nesterov else state["v"]
        return np.multiply(self.lr, step, out=scratch)  # η v (nesterov: η (g + μ v))

    def hyperparameters(self) -> dict[str, Any]:
        return {**super().hyperparameters(), "momentum": self.momentum, "nesterov": self.nesterov}


@dataclass
class Adam(Optimizer):
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8

    kind: ClassVar[str] = "adam"
    rule: ClassVar[str] = "m ← β₁m + (1−β₁)g;  s ← β₂s + (1−β₂)g²;  θ ← θ − η m̂ / (√ŝ + ε)"
    STATE_NAMES: ClassVar[tuple[str, ...]] = ("m", "s")

    def _delta(
        self, theta: Array, g: Array, state: dict[str, Array], scratch: Array | None
    ) -> Array:
        beta1, beta2 = self.betas
        if "m" not in state:
            state["m"] = np.zeros_like(theta)
            state["s"] = np.zeros_like(theta)
        m, s = state["m"], state["s"]
        m += (1.0 - beta1) * (g - m)  # torch's lerp form of β₁m + (1−β₁)g
        s *= beta2
        s += (1.0 - beta2) * (g * g)
        step_size = self.lr / (1.0 - beta1**self.t)
        denom = np.sqrt(s) / math.sqrt(1.0 - beta2**self.t) + self.eps
        return np.multiply(step_size, m / denom, out=scratch)  # η m̂ / (√ŝ + ε)

    def hyperparameters(self) -> dict[str, Any]:
        return {**super().hyperparameters(), "betas": list(self.betas), "eps": self.eps}


@dataclass
class RMSprop(Optimizer):
    alpha: float = 0.99
    eps: float = 1e-8

    kind: ClassVar[str] = "rmsprop"
    rule: ClassVar[str] = "s ← α s + (1−α) g²;  θ ← θ − η g / (√s + ε)"
    STATE_NAMES: ClassVar[tuple[str, ...]] = ("s",)

    def _delta(
        self, theta: Array, g: Array, state: dict[str, Array], scratch: Array | None
    ) -> Array:
        if "s" not in state:
            state["s"] = np.zeros_like(theta)
        s = state["s"]
        s *= self.alpha
        s += (1.0 - self.alpha) * (g * g)
        return np.multiply(self.lr, g / (np.sqrt(s) + self.eps), out=scratch)  # η g / (√s + ε)

    def hyperparameters(self) -> dict[str, Any]:
        return {**super().hyperparameters(), "alpha": self.alpha, "eps": self.eps}


OPTIMIZERS: dict[str, type[Optimizer]] = {cls.kind: cls for cls in (SGD, Momentum, Adam, RMSprop)}

# torch.optim's default learning rates.
DEFAULT_LR = {"sgd": 1e-3, "momentum": 1e-3, "adam": 1e-3, "rmsprop": 1e-2}


def make_optimizer(kind: str, lr: float | None = None, **options: Any) -> Optimizer:
    """An optimizer by name with torch's defaults for what is not given."""
    try:
        cls = OPTIMIZERS[kind]
    except KeyError:
        raise UnknownNameError("optimizer", kind, OPTIMIZERS) from None
    if "betas" in options:
        options["betas"] = tuple(options["betas"])
    return cls(lr=DEFAULT_LR[kind] if lr is None else lr, **options)

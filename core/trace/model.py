"""The data model of a traced step: the cells a phase reads and writes, the phases, each
layer's arrays and the step itself. It imports no other module of core.trace: recording
(core.trace.record) fills it, the phase builders (core.trace.phases and the modules it
draws on) and the renderers (core.trace.render) read it.

Arrays follow the engine's layout: W(l) is (out × in), b(l) is (out,), and z, a, δ
travel as rows (batch × units), so for one sample z(l) = W(l) a(l−1) + b(l). δ is per
sample (δᵢ = ∂ℓᵢ/∂z) and ∂W, ∂b belong to the batch loss L = (1/B) Σᵢ ℓᵢ.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from backprop_tui.core.nn.activations import Activation
from backprop_tui.core.nn.losses import Loss, get_loss
from backprop_tui.core.nn.network import Network

Array = np.ndarray

QUANTITIES = frozenset({"x", "y", "W", "b", "z", "a", "delta", "dW", "db", "y_hat", "loss"})

PHASE_KINDS = (
    "forward_z",
    "forward_a",
    "loss",
    "delta_output",
    "delta_hidden",
    "grad_W",
    "grad_b",
    "update_W",
    "update_b",
)

SECTIONS = {
    "forward_z": "Forward pass",
    "forward_a": "Forward pass",
    "loss": "Loss",
    "delta_output": "Backward pass",
    "delta_hidden": "Backward pass",
    "grad_W": "Backward pass",
    "grad_b": "Backward pass",
    "update_W": "Update",
    "update_b": "Update",
}


def readonly(array: Array | float) -> Array:
    """A read-only copy of `array`."""
    out = np.array(array, copy=True)
    out.flags.writeable = False
    return out


@dataclass(frozen=True)
class Cell:
    """A reference to (part of) one quantity, for highlighting.

    `quantity` is one of QUANTITIES; `layer` is 1-based (None for x, y, y_hat, loss);
    `index` is a 0-based numpy index into the array as the trace stores it (rows are
    samples for z, a, delta), or None for the whole array.
    """

    quantity: str
    layer: int | None = None
    index: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if self.quantity not in QUANTITIES:
            raise ValueError(f"unknown quantity {self.quantity!r}; expected {sorted(QUANTITIES)}")


@dataclass(frozen=True, eq=False)
class Phase:
    """One step of the worked example.

    `equation` is the notes' notation ("δ(2) = (ŷ − y) ⊙ σ'(z(2))"); `substituted` is
    the same with numbers — one line per unit (or per matrix entry) for small layers and
    a single sample, e.g. "δ(2) = (0.7576 − 0) · 0.1836 = 0.1391"; for larger ones one
    line per operand, written as a matrix preview with its shape. `result` is the value
    written (formatted); `symbol` names it ("δ(2)"). `reads`/`writes` are the cells to
    highlight; `values` maps names such as "δ(2)" or "σ'(z(2))" to read-only arrays.
    """

    kind: str
    layer: int | None
    title: str
    symbol: str
    equation: str
    substituted: str
    result: str
    reads: tuple[Cell, ...]
    writes: tuple[Cell, ...]
    values: Mapping[str, Array]

    @property
    def section(self) -> str:
        """'Forward pass', 'Loss', 'Backward pass' or 'Update'."""
        return SECTIONS[self.kind]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (without `values`)."""

        def cells(cs: tuple[Cell, ...]) -> list[dict[str, Any]]:
            return [
                {
                    "quantity": c.quantity,
                    "layer": c.layer,
                    "index": None if c.index is None else list(c.index),
                }
                for c in cs
            ]

        return {
            "kind": self.kind,
            "layer": self.layer,
            "title": self.title,
            "symbol": self.symbol,
            "equation": self.equation,
            "substituted": self.substituted,
            "result": self.result,
            "reads": cells(self.reads),
            "writes": cells(self.writes),
        }


@dataclass(frozen=True, eq=False)
class LayerTrace:
    """Every array of weight layer `layer` (1-based) in one step, all read-only.

    W (out × in), b (out,), a_prev = a(l−1) (batch × in; the input x for layer 1),
    z, a, dsigma = σ'(z) element-wise (for softmax its Jacobian's diagonal), delta
    (batch × out, per sample), dW, db (gradients of the batch loss), W_new, b_new (after
    the update; b_new is b when biases are fixed). state_W/state_b hold the optimizer's
    state after the step (e.g. {"m": …, "s": …} for adam; empty for sgd), and
    state_W_before/state_b_before the state it started from (empty on the first step).
    """

    layer: int
    activation: str
    W: Array
    b: Array
    a_prev: Array
    z: Array
    a: Array
    dsigma: Array
    delta: Array
    dW: Array
    db: Array
    W_new: Array
    b_new: Array
    state_W: Mapping[str, Array]
    state_b: Mapping[str, Array]
    state_W_before: Mapping[str, Array]
    state_b_before: Mapping[str, Array]


@dataclass(frozen=True, eq=False)
class StepData:
    """One forward / backward / update, recorded (core.trace.record.StepTrace adds its
    renderings as text and Markdown).

    x (batch × n0), y and y_hat (batch × nL); loss = L before the update, loss_after =
    L on the same batch after it; per_sample_loss (batch,); layers from the first weight
    layer to the last; phases in walking order. `sample_indices` are the training rows
    traced (None when x and y were given directly). `optimizer_t` is the optimizer's step
    count after this update. `loss_fn` and `activation_fns` are the objects the step used
    (for rebuilding the network; `loss_kind` and `activations` are their names), and
    `engine` the network that ran it, whose kind the rebuilt networks keep (a planted
    bug's engine stays planted, so a gradient check of the step checks its numbers).
    """

    x: Array
    y: Array
    y_hat: Array
    loss: float
    loss_after: float
    per_sample_loss: Array
    loss_kind: str
    activations: tuple[str, ...]
    optimizer: str
    optimizer_rule: str
    hyperparameters: Mapping[str, Any]
    lr: float
    optimizer_t: int
    train_biases: bool
    fused: bool
    layers: tuple[LayerTrace, ...]
    phases: tuple[Phase, ...]
    precision: int = 4
    sample_indices: tuple[int, ...] | None = None
    loss_fn: Loss | None = field(default=None, repr=False)
    activation_fns: tuple[Activation, ...] = field(default=(), repr=False)
    engine: Network | None = field(default=None, repr=False)

    @property
    def batch_size(self) -> int:
        return int(self.x.shape[0])

    @property
    def sizes(self) -> list[int]:
        """Units per layer, input first."""
        return [int(self.x.shape[1]), *(int(layer.W.shape[0]) for layer in self.layers)]

    def new_parameters(self) -> tuple[list[Array], list[Array]]:
        """(W_new list, b_new list), first layer first: what the update produces."""
        return [lt.W_new for lt in self.layers], [lt.b_new for lt in self.layers]

    def loss_function(self) -> Loss:
        """The loss the step used: its own object, or the one its kind names."""
        return self.loss_fn or get_loss(self.loss_kind)

    def network_before(self) -> Network:
        """A fresh network with the parameters this step started from (writable copies)."""
        return self._network(
            [lt.W.copy() for lt in self.layers], [lt.b.copy() for lt in self.layers]
        )

    def network_after(self) -> Network:
        """A fresh network with the updated parameters."""
        W_new, b_new = self.new_parameters()
        return self._network([w.copy() for w in W_new], [v.copy() for v in b_new])

    def _network(self, W: list[Array], b: list[Array]) -> Network:
        if self.engine is not None:
            return self.engine.like(W, b)
        return Network(W, b, list(self.activation_fns or self.activations))

    def phase_index(self, kind: str, layer: int | None = None) -> int:
        """Position of the first phase of `kind` (and `layer`); ValueError if none."""
        for i, phase in enumerate(self.phases):
            if phase.kind == kind and (layer is None or phase.layer == layer):
                return i
        raise ValueError(f"no {kind} phase for layer {layer}")

    def to_json(self) -> dict[str, Any]:
        """The trace document: input, target, output, loss, layers (each with W, b, z, a,
        delta, dW, db, W_new, b_new), plus phases and settings. Numbers are plain floats
        (None where a value is not finite)."""
        return {
            "input": _plain(self.x),
            "target": _plain(self.y),
            "output": _plain(self.y_hat),
            "loss": _plain(self.loss),
            "loss_after": _plain(self.loss_after),
            "loss_kind": self.loss_kind,
            "activations": list(self.activations),
            "optimizer": {
                "kind": self.optimizer,
                "rule": self.optimizer_rule,
                **{k: _jsonable(v) for k, v in self.hyperparameters.items()},
            },
            "train_biases": self.train_biases,
            "batch_size": self.batch_size,
            "sample_indices": (None if self.sample_indices is None else list(self.sample_indices)),
            "layers": [
                {
                    "layer": lt.layer,
                    "activation": lt.activation,
                    **{
                        name: _plain(getattr(lt, name))
                        for name in ("W", "b", "z", "a", "delta", "dW", "db", "W_new", "b_new")
                    },
                    "state": {
                        "W": {k: _plain(v) for k, v in lt.state_W.items()},
                        "b": {k: _plain(v) for k, v in lt.state_b.items()},
                    },
                }
                for lt in self.layers
            ],
            "phases": [phase.to_dict() for phase in self.phases],
        }

    def to_json_text(self, indent: int | None = 2) -> str:
        """`to_json()` serialized (strict JSON: no NaN)."""
        return json.dumps(self.to_json(), indent=indent, ensure_ascii=False, allow_nan=False)


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def _plain(array: Array | float) -> Any:
    """Nested lists of Python floats; non-finite values become None (strict JSON)."""
    arr = np.asarray(array, dtype=np.float64)
    finite = np.isfinite(arr)
    if finite.all():
        return arr.tolist()
    out = arr.astype(object)
    out[~finite] = None
    return out.tolist()

"""One training step recorded as ordered phases, each with its equation and its numbers.

`trace_step` runs one forward pass, backward pass and optimizer update on copies of
the network and optimizer (the originals are never touched) and returns a `StepTrace`:
the arrays of every layer before and after, and `phases` in the order the notes walk
them:

    z(1), a(1), …, z(L), a(L)      forward pass
    L                              the loss
    δ(L), δ(L−1), …, δ(1)          backward pass, each δ(l) from δ(l+1)
    ∂L/∂W(l), ∂L/∂b(l)             gradients, output layer first (l = L … 1)
    W(l), b(l) updates             output layer first (l = L … 1); no b phases when
                                   the biases are fixed

Arrays follow the engine's layout: W(l) is (out × in), b(l) is (out,), and z, a, δ
travel as rows (batch × units), so for one sample z(l) = W(l) a(l−1) + b(l). δ is per
sample (δᵢ = ∂ℓᵢ/∂z) and ∂W, ∂b belong to the batch loss L = (1/B) Σᵢ ℓᵢ.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import numpy as np
from backprop_tui.core.errors import BackpropError
from backprop_tui.core.format import fmt_array, fmt_number
from backprop_tui.core.nn.activations import Activation
from backprop_tui.core.nn.losses import Loss, get_loss
from backprop_tui.core.nn.network import Network
from backprop_tui.core.nn.optimizers import Optimizer
from backprop_tui.core.trace.phases import (
    PHASE_KINDS,
    QUANTITIES,
    SECTIONS,
    Cell,
    Phase,
    build_phases,
    readonly,
)
from backprop_tui.core.trace.render import render_markdown, render_text
from backprop_tui.core.training.trainer import Trainer

__all__ = [
    "PHASE_KINDS",
    "QUANTITIES",
    "SECTIONS",
    "Cell",
    "LayerTrace",
    "Phase",
    "StepTrace",
    "TraceError",
    "format_value",
    "trace_step",
    "trace_trainer",
]

Array = np.ndarray


class TraceError(BackpropError, IndexError):
    """A trace was asked for something that does not exist (a sample out of range)."""


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
class StepTrace:
    """One forward / backward / update, recorded; see the module docstring.

    x (batch × n0), y and y_hat (batch × nL); loss = L before the update, loss_after =
    L on the same batch after it; per_sample_loss (batch,); layers from the first weight
    layer to the last; phases in walking order. `sample_indices` are the training rows
    traced (None when x and y were given directly). `optimizer_t` is the optimizer's step
    count after this update. `loss_fn` and `activation_fns` are the objects the step used
    (for rebuilding the network; `loss_kind` and `activations` are their names).
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

    def network_before(self) -> Network:
        """A fresh network with the parameters this step started from (writable copies)."""
        return Network(
            [lt.W.copy() for lt in self.layers],
            [lt.b.copy() for lt in self.layers],
            list(self.activation_fns or self.activations),
        )

    def network_after(self) -> Network:
        """A fresh network with the updated parameters."""
        W_new, b_new = self.new_parameters()
        return Network(
            [w.copy() for w in W_new],
            [v.copy() for v in b_new],
            list(self.activation_fns or self.activations),
        )

    def phase_index(self, kind: str, layer: int | None = None) -> int:
        """Position of the first phase of `kind` (and `layer`); ValueError if none."""
        for i, phase in enumerate(self.phases):
            if phase.kind == kind and (layer is None or phase.layer == layer):
                return i
        raise ValueError(f"no {kind} phase for layer {layer}")

    # -- output -----------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """ARCHITECTURE.md's trace document: input, target, output, loss, layers (each
        with W, b, z, a, delta, dW, db, W_new, b_new), plus phases and settings.
        Numbers are plain floats (None where a value is not finite)."""
        return {
            "input": _plain(self.x),
            "target": _plain(self.y),
            "output": _plain(self.y_hat),
            "loss": _plain(np.float64(self.loss)),
            "loss_after": _plain(np.float64(self.loss_after)),
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

    def to_text(self) -> str:
        """The worked example as plain text, sectioned like the notes' Toy Example."""
        return render_text(self)

    def to_markdown(self) -> str:
        """The worked example as Markdown (headings, code blocks; no LaTeX)."""
        return render_markdown(self)


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def _plain(array: Array) -> Any:
    """Nested lists of Python floats; non-finite values become None (strict JSON)."""
    arr = np.asarray(array, dtype=np.float64)
    if np.isfinite(arr).all():
        return arr.tolist()
    return np.where(np.isfinite(arr), arr, None).tolist()


# -- tracing ---------------------------------------------------------------------------


def trace_step(
    network: Network | Trainer,
    loss: Loss | str | None = None,
    optimizer: Optimizer | None = None,
    x: Array | None = None,
    y: Array | None = None,
    train_biases: bool = True,
    *,
    sample: int | None = None,
    precision: int = 4,
) -> StepTrace:
    """Trace one forward / backward / update of `network` on the batch (x, y).

    x is (batch × n0) or one sample (n0,); y is (batch × nL) or (nL,). The network and
    optimizer are copied (network.copy(), optimizer.clone()); neither is modified. The
    update applies exactly the optimizer step a `Trainer` makes, in the same parameter
    order (W(1), b(1), W(2), …; weights only when `train_biases` is False), so
    `new_parameters()` equals the trainer's result bit for bit.

    Passing a `Trainer` as the first argument is `trace_trainer(trainer, sample)`.
    `precision` is the number of decimals in the phases' text.
    """
    if isinstance(network, Trainer):
        return trace_trainer(network, sample, precision=precision)
    if loss is None or optimizer is None or x is None or y is None:
        raise TypeError("trace_step needs network, loss, optimizer, x and y (or a Trainer)")
    loss_fn = get_loss(loss) if isinstance(loss, str) else loss
    x = np.atleast_2d(np.asarray(x, dtype=network.dtype))
    y = np.atleast_2d(np.asarray(y, dtype=network.dtype))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _trace(network, loss_fn, optimizer, x, y, train_biases, precision, None)


def trace_trainer(trainer: Trainer, sample: int | None = None, *, precision: int = 4) -> StepTrace:
    """Trace the trainer's next batch (without consuming it), or training row `sample`.

    The trainer is not changed: to apply the traced update, call `trainer.step()` for
    the next batch or `trainer.train_on(trace.sample_indices)` for a chosen sample.
    Raises `TraceError` when `sample` is outside 0 … n − 1.
    """
    n = len(trainer.train_data)
    if sample is None:
        index = np.asarray(trainer.next_batch()).reshape(-1)
    else:
        if isinstance(sample, bool) or not isinstance(sample, int | np.integer):
            raise TraceError(f"sample must be an integer row number, not {sample!r}")
        if not 0 <= sample < n:
            raise TraceError(
                f"sample {sample} is out of range: the training set has "
                + ("1 sample, number 0" if n == 1 else f"{n} samples, numbered 0 to {n - 1}")
            )
        index = np.array([int(sample)])
    X, Y = trainer.train_data.X[index], trainer.train_data.Y[index]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _trace(
            trainer.network,
            trainer.loss,
            trainer.optimizer,
            X,
            Y,
            trainer.train_biases,
            precision,
            tuple(int(i) for i in index),
        )


def _trace(
    network: Network,
    loss: Loss,
    optimizer: Optimizer,
    x: Array,
    y: Array,
    train_biases: bool,
    precision: int,
    sample_indices: tuple[int, ...] | None,
) -> StepTrace:
    net = network.copy()
    opt = optimizer.clone()
    fwd, bwd = net.gradients(x, y, loss)

    owners: list[tuple[int, str]] = []
    params: list[Array] = []
    grads: list[Array] = []
    for l in range(len(net.W)):
        owners.append((l, "W"))
        params.append(net.W[l])
        grads.append(bwd.dW[l])
        if train_biases:
            owners.append((l, "b"))
            params.append(net.b[l])
            grads.append(bwd.db[l])
    before = [{k: v.copy() for k, v in st.items()} for st in opt.state] or [{} for _ in params]
    W_old = [w.copy() for w in net.W]
    b_old = [v.copy() for v in net.b]
    opt.step(params, grads)
    after_fwd = net.forward(x)
    loss_after = loss.value(after_fwd.y_hat, y, after_fwd.z[-1])

    state: dict[tuple[int, str], tuple[dict, dict]] = {}
    for i, owner in enumerate(owners):
        state[owner] = (before[i], opt.state[i])

    def frozen_state(d: dict[str, Array]) -> Mapping[str, Array]:
        return MappingProxyType({k: readonly(v) for k, v in d.items()})

    layers = []
    for l, act in enumerate(net.activations):
        sW = state.get((l, "W"), ({}, {}))
        sb = state.get((l, "b"), ({}, {}))
        layers.append(
            LayerTrace(
                layer=l + 1,
                activation=act.name,
                W=readonly(W_old[l]),
                b=readonly(b_old[l]),
                a_prev=readonly(fwd.a_prev(l)),
                z=readonly(fwd.z[l]),
                a=readonly(fwd.a[l]),
                dsigma=readonly(act.derivative(fwd.z[l], fwd.a[l])),
                delta=readonly(bwd.delta[l]),
                dW=readonly(bwd.dW[l]),
                db=readonly(bwd.db[l]),
                W_new=readonly(net.W[l]),
                b_new=readonly(net.b[l]),
                state_W=frozen_state(sW[1]),
                state_b=frozen_state(sb[1]),
                state_W_before=frozen_state(sW[0]),
                state_b_before=frozen_state(sb[0]),
            )
        )
    out_act = net.activations[-1]
    partial = StepTrace(
        x=readonly(fwd.x),
        y=readonly(y),
        y_hat=readonly(fwd.y_hat),
        loss=bwd.loss,
        loss_after=loss_after,
        per_sample_loss=readonly(bwd.per_sample_loss),
        loss_kind=loss.name,
        activations=tuple(act.name for act in net.activations),
        optimizer=opt.kind,
        optimizer_rule=opt.rule,
        hyperparameters=MappingProxyType(dict(opt.hyperparameters())),
        lr=float(opt.lr),
        optimizer_t=int(opt.t),
        train_biases=train_biases,
        fused=loss.fuses_with(out_act),
        layers=tuple(layers),
        phases=(),
        precision=precision,
        sample_indices=sample_indices,
        loss_fn=loss,
        activation_fns=tuple(net.activations),
    )
    phases = build_phases(partial, loss, net.activations, opt)
    return replace(partial, phases=tuple(phases))


def format_value(value: Array | float, precision: int = 4) -> str:
    """A number or array as the trace writes it (see core.format)."""
    arr = np.asarray(value)
    return fmt_number(arr, precision) if arr.ndim == 0 else fmt_array(arr, precision)

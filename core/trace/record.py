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

The arrays and phases live in the data model, core.trace.model; the phases are written
by core.trace.phases and the worked example by core.trace.render.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType

import numpy as np
from backprop_tui.core.errors import SampleRangeError, TraceError
from backprop_tui.core.format import fmt_array
from backprop_tui.core.nn.losses import Loss, get_loss
from backprop_tui.core.nn.network import Network
from backprop_tui.core.nn.optimizers import Optimizer
from backprop_tui.core.trace.model import (
    PHASE_KINDS,
    QUANTITIES,
    SECTIONS,
    Cell,
    LayerTrace,
    Phase,
    StepData,
    readonly,
)
from backprop_tui.core.trace.phases import build_phases
from backprop_tui.core.trace.render import render_markdown, render_text
from backprop_tui.core.training.trainer import Trainer

__all__ = [
    "PHASE_KINDS",
    "QUANTITIES",
    "SECTIONS",
    "Cell",
    "LayerTrace",
    "Phase",
    "SampleRangeError",
    "StepTrace",
    "TraceError",
    "format_value",
    "trace_step",
    "trace_trainer",
]

Array = np.ndarray


class StepTrace(StepData):
    """One forward / backward / update, recorded (see core.trace.model.StepData), and
    written out as the notes' worked example."""

    def to_text(self) -> str:
        """The worked example as plain text, sectioned like the notes' Toy Example."""
        return render_text(self)

    def to_markdown(self) -> str:
        """The worked example as Markdown (headings, code blocks; no LaTeX)."""
        return render_markdown(self)


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
            raise SampleRangeError(int(sample), n)
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
        engine=net,
    )
    phases = build_phases(partial, loss, net.activations, opt)
    return replace(partial, phases=tuple(phases))


def format_value(value: Array | float, precision: int = 4) -> str:
    """A number or array as the trace writes it (see core.format)."""
    return fmt_array(value, precision)

"""The gradient check: backprop's ∂L/∂W and ∂L/∂b against the definition of a derivative.

For every weight and bias entry θ the numeric estimate is the central difference

    n = (L(θ + ε) − L(θ − ε)) / 2ε

of the batch loss L = (1/B) Σᵢ ℓᵢ, computed on a float64 copy of the network (so a
float32 network is checked without float32 rounding swamping the difference). Each entry
gets the relative error (CS231n style)

    rel = |a − n| / max(|a| + |n|, floor)

between the analytic value a and the numeric n, and a bound on n's own error, which is
what the check can tell apart (`error_bound`): its truncation error, estimated from the
same difference at 2ε, and its round-off, the loss's rounding (`loss_roundoff`) over ε.
An entry is flagged only when |a − n| exceeds that bound, so a correct gradient is never
flagged and a wrong one is unless it is below what the check can see. Where θ ± 2ε
moves some z across a kink (relu's, leaky_relu's or elu's at z = 0, `has_kink`) the
loss has no slope, or no curvature, the estimate can trust: such an entry is marked
`kink` and never flagged. The check costs four forward passes per parameter: meant for
the small networks a person steps through, not for a 784-512-512-10 model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from backprop_tui.core.format import entry_name
from backprop_tui.core.nn.activations import Activation
from backprop_tui.core.nn.losses import Loss, get_loss
from backprop_tui.core.nn.network import BackwardPass, ForwardPass, Network

if TYPE_CHECKING:
    from backprop_tui.core.trace.record import StepTrace

Array = np.ndarray

DEFAULT_TOLERANCE = 1e-6
FLOOR = 1e-8

UNIT_ROUNDOFF = float(np.finfo(np.float64).eps)
"""The spacing of float64 numbers at 1: the relative rounding of one operation (2.2e-16)."""

KINK_PROBE = 1e-6
"""How far either side of z = 0 `has_kink` compares an activation's slope and curvature."""


def relative_error(analytic: Array, numeric: Array, floor: float = FLOOR) -> Array:
    """|a − n| / max(|a| + |n|, floor), element-wise."""
    a, n = np.asarray(analytic, np.float64), np.asarray(numeric, np.float64)
    return np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), floor)


def error_bound(losses: Array, eps: float, roundoff: float, theta: Array, analytic: Array) -> Array:
    """A bound on the error of each central difference, from the losses at θ ± ε, ± 2ε.

    `losses` is (4, *shape): L(θ + ε), L(θ − ε), L(θ + 2ε), L(θ − 2ε) per entry;
    `roundoff` the rounding error of one loss evaluation; `theta` and `analytic` are θ
    and backprop's ∂L/∂θ (shape as θ). The bound is

        2 |n(2ε) − n(ε)| + 2 roundoff / ε + |a| u (|θ| + ε) / ε

    where |n(2ε) − n(ε)| is 3× the truncation ε² L'''(θ) / 6 of a smooth L; the second
    term is the two losses' rounding over 2ε, the last the rounding of θ ± ε itself (u is
    machine ε). It does not hold across a kink (see `gradient_check`).
    """
    plus, minus, plus2, minus2 = losses
    n1 = (plus - minus) / (2.0 * eps)
    n2 = (plus2 - minus2) / (4.0 * eps)
    step = np.abs(analytic) * UNIT_ROUNDOFF * (np.abs(theta) + eps) / eps
    return 2.0 * np.abs(n2 - n1) + 2.0 * roundoff / eps + step


def has_kink(activation: Activation) -> bool:
    """Whether an element-wise activation's slope or curvature jumps at z = 0 (relu,
    leaky_relu, elu): there a loss through it is not smooth enough for `error_bound`."""
    if not activation.elementwise:
        return False
    h = KINK_PROBE
    z = np.array([-2.0 * h, -h, h, 2.0 * h])
    d = activation.derivative(z, activation.forward(z))
    slope_jump = abs(d[2] - d[1])
    curvature_jump = abs((d[3] - d[2]) - (d[1] - d[0])) / h
    return bool(slope_jump > 1e-4 or curvature_jump > 1e-2)


def loss_roundoff(network: Network, fwd: ForwardPass, bwd: BackwardPass, y: Array) -> float:
    """The rounding error of one evaluation of the batch loss: machine ε times the size
    of what it computes. For the loss itself 4 (|L| + |z(L)| + |y|) per sample: a loss on
    logits subtracts numbers of z(L)'s size (log Σ e^z − z_y is tiny when z_y wins by far,
    its rounding is not). Per layer, the error of each z(l) = W(l) a(l−1) + b(l) times its
    slope |δ(l)| / B: a sum of n + 1 terms of sizes |W| |a| and |b| rounds to within
    about √(n + 2) u (|W| |a| + |b|), roundings of either sign cancelling (Higham and
    Mary's probabilistic bound, 2019; the worst case, n + 2, would hide small wrong
    gradients of a wide layer)."""
    batch = fwd.x.shape[0]
    size = 4.0 * (abs(bwd.loss) + float(np.sum(np.abs(fwd.z[-1]) + np.abs(y))) / batch)
    for l, (W, b) in enumerate(zip(network.W, network.b, strict=True)):
        terms = np.dot(np.abs(fwd.a_prev(l)), np.abs(W).T) + np.abs(b)
        size += float(np.sum(np.abs(bwd.delta[l]) * terms)) * np.sqrt(W.shape[1] + 2) / batch
    return UNIT_ROUNDOFF * size


def _readonly(array: Array, dtype: Any = np.float64) -> Array:
    out = np.array(array, dtype=dtype, copy=True)
    out.flags.writeable = False
    return out


@dataclass(frozen=True)
class GradEntry:
    """One parameter entry: backprop's value, the finite-difference estimate, their
    relative error, the bound on the estimate's own error, and whether θ sits at a kink."""

    analytic: float
    numeric: float
    relative_error: float
    bound: float
    kink: bool

    @property
    def flagged(self) -> bool:
        """|a − n| exceeds what the check itself can be off by (never at a kink)."""
        return not self.kink and abs(self.analytic - self.numeric) > self.bound

    @property
    def relative_bound(self) -> float:
        """The bound scaled as `relative_error` is: bound / max(|a| + |n|, floor)."""
        return self.bound / max(abs(self.analytic) + abs(self.numeric), FLOOR)


@dataclass(frozen=True, eq=False)
class LayerCheck:
    """The check of weight layer `layer` (1-based). Every array is read-only and shaped
    like the parameter it belongs to: dW, dW_numeric, dW_error, dW_bound (float64) and
    dW_kink (bool) like W (out × in); the db ones like b (out,)."""

    layer: int
    dW: Array
    dW_numeric: Array
    dW_error: Array
    db: Array
    db_numeric: Array
    db_error: Array
    dW_bound: Array
    db_bound: Array
    dW_kink: Array
    db_kink: Array

    @property
    def max_relative_error(self) -> float:
        return float(max(self.dW_error.max(initial=0.0), self.db_error.max(initial=0.0)))

    def _arrays(self, quantity: str) -> tuple[Array, Array, Array, Array, Array]:
        if quantity in ("W", "dW"):
            return self.dW, self.dW_numeric, self.dW_error, self.dW_bound, self.dW_kink
        if quantity in ("b", "db"):
            return self.db, self.db_numeric, self.db_error, self.db_bound, self.db_kink
        raise ValueError(f"quantity must be 'W', 'dW', 'b' or 'db', not {quantity!r}")

    def flagged(self, quantity: str) -> Array:
        """Which entries of ∂W ('W') or ∂b ('b') differ from their estimate by more than
        the check's own error (bool, shaped like the parameter; never at a kink)."""
        analytic, numeric, _, bound, kink = self._arrays(quantity)
        return ~kink & (np.abs(analytic - numeric) > bound)

    def entry(self, quantity: str, index: tuple[int, ...] | int) -> GradEntry:
        """The entry `index` of ∂W ('W' or 'dW') or ∂b ('b' or 'db')."""
        key = index if isinstance(index, tuple) else (index,)
        analytic, numeric, error, bound, kink = (a[key] for a in self._arrays(quantity))
        return GradEntry(float(analytic), float(numeric), float(error), float(bound), bool(kink))

    def entries(self) -> Iterator[tuple[str, GradEntry]]:
        """Every entry, W's row by row then b's, with its name ('∂L/∂W(2)₁,₁₁')."""
        for quantity in ("W", "b"):
            shape = self._arrays(quantity)[0].shape
            for index in np.ndindex(shape):
                name = entry_name(f"∂L/∂{quantity}({self.layer})", index, shape)
                yield name, self.entry(quantity, index)


@dataclass(frozen=True, eq=False)
class GradCheck:
    """The result of `gradient_check`: one `LayerCheck` per weight layer, first first.
    `loss` is the batch loss at the unperturbed parameters."""

    layers: tuple[LayerCheck, ...]
    eps: float
    loss: float

    @property
    def max_relative_error(self) -> float:
        """The largest relative error over every W and b entry of every layer."""
        return max(layer.max_relative_error for layer in self.layers)

    @property
    def n_flagged(self) -> int:
        """Entries that differ from their estimate by more than the check's own error."""
        return sum(int(lc.flagged(q).sum()) for lc in self.layers for q in ("W", "b"))

    @property
    def n_kinks(self) -> int:
        """Entries whose parameter sits at a kink, where there is no slope to check."""
        return sum(int(lc.dW_kink.sum() + lc.db_kink.sum()) for lc in self.layers)

    def passed(self, tol: float = DEFAULT_TOLERANCE) -> bool:
        """Whether every entry's relative error is below `tol`."""
        return self.max_relative_error < tol

    def entry(self, layer: int, quantity: str, index: tuple[int, ...] | int) -> GradEntry:
        """Entry `index` of ∂W(layer) or ∂b(layer); `layer` is 1-based."""
        return self.layers[layer - 1].entry(quantity, index)

    def entries(self) -> Iterator[tuple[str, GradEntry]]:
        """Every entry of every layer, named: layer 1's W and b first."""
        for layer in self.layers:
            yield from layer.entries()

    def to_dict(self) -> dict[str, Any]:
        """Plain lists and floats, per layer."""
        names = [f"{p}{s}" for p in ("dW", "db") for s in ("", "_numeric", "_error", "_bound")]
        return {
            "eps": self.eps,
            "loss": self.loss,
            "max_relative_error": self.max_relative_error,
            "layers": [
                {
                    "layer": lc.layer,
                    "max_relative_error": lc.max_relative_error,
                    **{name: getattr(lc, name).tolist() for name in names},
                    "dW_kink": lc.dW_kink.tolist(),
                    "db_kink": lc.db_kink.tolist(),
                }
                for lc in self.layers
            ],
        }

    def summary(self) -> str:
        """One line per layer with its largest relative error."""
        lines = [
            f"layer {lc.layer}: max relative error {lc.max_relative_error:.2e}"
            for lc in self.layers
        ]
        lines.append(f"overall: {self.max_relative_error:.2e} (ε = {self.eps:g})")
        return "\n".join(lines)


def loss_with_kinks(
    net: Network, loss_fn: Loss, x: Array, y: Array, fwd: ForwardPass
) -> Callable[[], tuple[float, bool]]:
    """A function giving the batch loss L at `net`'s parameters as they are when it is
    called, and whether a kink lies between them and those of `fwd`: a kink crossed
    between θ − 2ε and θ + 2ε shows as a z of a kinked layer changing sign (or leaving or
    reaching 0) in a perturbed pass."""
    kinked = [l for l, act in enumerate(net.activations) if has_kink(act)]
    signs = [np.sign(fwd.z[l]) for l in kinked]

    def batch_loss() -> tuple[float, bool]:
        f = net.forward(x)
        crossed = any(
            not np.array_equal(np.sign(f.z[l]), s) for l, s in zip(kinked, signs, strict=True)
        )
        return loss_fn.value(f.y_hat, y, f.z[-1]), crossed

    return batch_loss


def gradient_check(
    network: Network,
    loss: Loss | str,
    x: Array,
    y: Array,
    eps: float = 1e-6,
    floor: float = FLOOR,
) -> GradCheck:
    """Central differences of the batch loss w.r.t. every W(l) and b(l) entry, beside
    backprop's ∂L/∂W(l) and ∂L/∂b(l), with each difference's error bound; the network is
    not modified.

    x is (batch × n0) or one sample (n0,); y is (batch × nL) or (nL,).
    """
    loss_fn = get_loss(loss) if isinstance(loss, str) else loss
    net = network.like(
        [np.array(w, dtype=np.float64) for w in network.W],
        [np.array(v, dtype=np.float64) for v in network.b],
    )
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))
    y = np.atleast_2d(np.asarray(y, dtype=np.float64))
    fwd, bwd = net.gradients(x, y, loss_fn)

    batch_loss = loss_with_kinks(net, loss_fn, x, y, fwd)

    def perturbed(param: Array) -> tuple[Array, Array]:
        """(4, *shape): the loss at θ + ε, θ − ε, θ + 2ε, θ − 2ε for every entry θ, and
        (shape) whether a kink lies within 2ε."""
        out = np.empty((4, *param.shape))
        kink = np.zeros(param.shape, dtype=bool)
        for index in np.ndindex(param.shape):
            saved = param[index]
            for k, step in enumerate((eps, -eps, 2.0 * eps, -2.0 * eps)):
                param[index] = saved + step
                out[(k, *index)], crossed = batch_loss()
                kink[index] |= crossed
            param[index] = saved
        return out, kink

    def check(param: Array, analytic: Array) -> tuple[Array, Array, Array, Array, Array]:
        losses, kink = perturbed(param)
        numeric = (losses[0] - losses[1]) / (2.0 * eps)
        bound = error_bound(losses, eps, roundoff, param, analytic)
        error = relative_error(analytic, numeric, floor)
        return analytic, numeric, error, bound, kink

    layers = []
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        roundoff = loss_roundoff(net, fwd, bwd, y)
        for l in range(len(net.W)):
            dW, dW_num, dW_err, dW_bound, dW_kink = check(net.W[l], bwd.dW[l])
            db, db_num, db_err, db_bound, db_kink = check(net.b[l], bwd.db[l])
            layers.append(
                LayerCheck(
                    layer=l + 1,
                    dW=_readonly(dW),
                    dW_numeric=_readonly(dW_num),
                    dW_error=_readonly(dW_err),
                    db=_readonly(db),
                    db_numeric=_readonly(db_num),
                    db_error=_readonly(db_err),
                    dW_bound=_readonly(dW_bound),
                    db_bound=_readonly(db_bound),
                    dW_kink=_readonly(dW_kink, bool),
                    db_kink=_readonly(db_kink, bool),
                )
            )
    return GradCheck(tuple(layers), eps, bwd.loss)


def gradient_check_trace(trace: StepTrace, eps: float = 1e-6, floor: float = FLOOR) -> GradCheck:
    """The gradient check of a `core.trace.record.StepTrace`'s batch at the parameters it started
    from, aligned entry by entry with the trace's ∂W and ∂b."""
    return gradient_check(
        trace.network_before(),
        trace.loss_function(),
        trace.x,
        trace.y,
        eps,
        floor,
    )

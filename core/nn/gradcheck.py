"""The gradient check: backprop's ∂L/∂W and ∂L/∂b against the definition of a derivative.

For every weight and bias entry θ the numeric estimate is the central difference

    ∂L/∂θ ≈ (L(θ + ε) − L(θ − ε)) / 2ε

of the batch loss L = (1/B) Σᵢ ℓᵢ, computed on a float64 copy of the network (so a
float32 network is checked without float32 rounding swamping the difference). Each entry
gets the relative error (CS231n style)

    rel = |a − n| / max(|a| + |n|, floor)

between the analytic value a and the numeric n. With float64 and ε = 1e-6 a correct
gradient gives rel ≲ 1e-7 (more near a relu kink); a wrong one gives rel ≳ 1e-3.
The check costs two forward passes per parameter: meant for the small networks a
person steps through, not for a 784-512-512-10 model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from backprop_tui.core.nn.losses import Loss, get_loss
from backprop_tui.core.nn.network import Network

if TYPE_CHECKING:
    from backprop_tui.core.trace.record import StepTrace

Array = np.ndarray

DEFAULT_TOLERANCE = 1e-6
FLOOR = 1e-8


def relative_error(analytic: Array, numeric: Array, floor: float = FLOOR) -> Array:
    """|a − n| / max(|a| + |n|, floor), element-wise."""
    a, n = np.asarray(analytic, np.float64), np.asarray(numeric, np.float64)
    return np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), floor)


def _readonly(array: Array) -> Array:
    out = np.array(array, dtype=np.float64, copy=True)
    out.flags.writeable = False
    return out


@dataclass(frozen=True)
class GradEntry:
    """One parameter entry: backprop's value, the finite-difference estimate, their
    relative error."""

    analytic: float
    numeric: float
    relative_error: float


@dataclass(frozen=True, eq=False)
class LayerCheck:
    """The check of weight layer `layer` (1-based). Every array is float64, read-only and
    shaped like the parameter it belongs to: dW, dW_numeric, dW_error like W (out × in);
    db, db_numeric, db_error like b (out,)."""

    layer: int
    dW: Array
    dW_numeric: Array
    dW_error: Array
    db: Array
    db_numeric: Array
    db_error: Array

    @property
    def max_relative_error(self) -> float:
        return float(max(self.dW_error.max(initial=0.0), self.db_error.max(initial=0.0)))

    def entry(self, quantity: str, index: tuple[int, ...] | int) -> GradEntry:
        """The entry `index` of ∂W ('W' or 'dW') or ∂b ('b' or 'db')."""
        if quantity in ("W", "dW"):
            arrays = (self.dW, self.dW_numeric, self.dW_error)
        elif quantity in ("b", "db"):
            arrays = (self.db, self.db_numeric, self.db_error)
        else:
            raise ValueError(f"quantity must be 'W', 'dW', 'b' or 'db', not {quantity!r}")
        key = index if isinstance(index, tuple) else (index,)
        return GradEntry(*(float(a[key]) for a in arrays))


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

    def passed(self, tol: float = DEFAULT_TOLERANCE) -> bool:
        """Whether every entry's relative error is below `tol`."""
        return self.max_relative_error < tol

    def entry(self, layer: int, quantity: str, index: tuple[int, ...] | int) -> GradEntry:
        """Entry `index` of ∂W(layer) or ∂b(layer); `layer` is 1-based."""
        return self.layers[layer - 1].entry(quantity, index)

    def to_dict(self) -> dict[str, Any]:
        """Plain lists and floats, per layer."""
        return {
            "eps": self.eps,
            "loss": self.loss,
            "max_relative_error": self.max_relative_error,
            "layers": [
                {
                    "layer": lc.layer,
                    "max_relative_error": lc.max_relative_error,
                    **{
                        name: getattr(lc, name).tolist()
                        for name in ("dW", "dW_numeric", "dW_error", "db", "db_numeric", "db_error")
                    },
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


def gradient_check(
    network: Network,
    loss: Loss | str,
    x: Array,
    y: Array,
    eps: float = 1e-6,
    floor: float = FLOOR,
) -> GradCheck:
    """Central differences of the batch loss w.r.t. every W(l) and b(l) entry, beside
    backprop's ∂L/∂W(l) and ∂L/∂b(l); the network is not modified.

    x is (batch × n0) or one sample (n0,); y is (batch × nL) or (nL,).
    """
    loss_fn = get_loss(loss) if isinstance(loss, str) else loss
    net = network.like(
        [np.array(w, dtype=np.float64) for w in network.W],
        [np.array(v, dtype=np.float64) for v in network.b],
    )
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))
    y = np.atleast_2d(np.asarray(y, dtype=np.float64))
    _, bwd = net.gradients(x, y, loss_fn)

    def batch_loss() -> float:
        fwd = net.forward(x)
        return loss_fn.value(fwd.y_hat, y, fwd.z[-1])

    def numeric(param: Array) -> Array:
        out = np.empty_like(param)
        for index in np.ndindex(param.shape):
            saved = param[index]
            param[index] = saved + eps
            plus = batch_loss()
            param[index] = saved - eps
            minus = batch_loss()
            param[index] = saved
            out[index] = (plus - minus) / (2.0 * eps)
        return out

    layers = []
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for l in range(len(net.W)):
            dW_num, db_num = numeric(net.W[l]), numeric(net.b[l])
            layers.append(
                LayerCheck(
                    layer=l + 1,
                    dW=_readonly(bwd.dW[l]),
                    dW_numeric=_readonly(dW_num),
                    dW_error=_readonly(relative_error(bwd.dW[l], dW_num, floor)),
                    db=_readonly(bwd.db[l]),
                    db_numeric=_readonly(db_num),
                    db_error=_readonly(relative_error(bwd.db[l], db_num, floor)),
                )
            )
    return GradCheck(tuple(layers), eps, bwd.loss)


def gradient_check_trace(trace: StepTrace, eps: float = 1e-6, floor: float = FLOOR) -> GradCheck:
    """The gradient check of a `core.trace.record.StepTrace`'s batch at the parameters it started
    from, aligned entry by entry with the trace's ∂W and ∂b."""
    return gradient_check(
        trace.network_before(),
        trace.loss_fn or get_loss(trace.loss_kind),
        trace.x,
        trace.y,
        eps,
        floor,
    )

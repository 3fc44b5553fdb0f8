"""Three gradients side by side: backprop's, the scalar autodiff graph's, the finite difference.

For a traced step (`core.trace.record.StepTrace`) and every weight and bias entry θ (or an
evenly spaced selection of them when a network has more than `max_entries`):

- backprop's ∂L/∂θ is read from the trace, whatever engine recorded it (a planted bug in
  a backward pass shows here, it is not recomputed from a clean network);
- the autodiff value is ∂L/∂θ from the MLP built as a scalar graph
  (core.autodiff.mlp), one graph per sample, L = (1/B) Σᵢ ℓᵢ; it exists for the losses
  and activations that graph knows and for networks of at most `AUTODIFF_LIMIT` nodes
  per batch (else `autodiff_note` says why it is missing);
- the finite difference is n = (L(θ + ε) − L(θ − ε)) / 2ε on a float64 copy of the
  network, with the bound on its own truncation and round-off error of
  core.nn.gradcheck (`error_bound`, `loss_roundoff`) and the kink test there.

An entry is flagged when backprop differs from the finite difference, or from the
autodiff value, by more than that bound (plus backprop's own rounding when the trace is
not float64): a correct gradient is never flagged. Entries within 2ε of a kink are
marked `kink` and never flagged.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from backprop_tui.core.format import entry_name
from backprop_tui.core.nn.gradcheck import (
    FLOOR,
    error_bound,
    loss_roundoff,
    loss_with_kinks,
    relative_error,
)
from backprop_tui.core.nn.network import Network

if TYPE_CHECKING:
    from backprop_tui.core.trace.record import StepTrace

Array = np.ndarray

MAX_ENTRIES = 2000
"""Entries checked by default; beyond it each W and b gets its share, evenly spaced."""

AUTODIFF_LIMIT = 200_000
"""The most weight and bias nodes (parameters × samples) the scalar graphs are built for."""


@dataclass(frozen=True)
class ThreeWayEntry:
    """One entry: backprop's value, the autodiff value (None when not computed), the finite
    difference, backprop's relative error against each, the bound on the finite
    difference's own error and whether θ sits at a kink. `layer` is 1-based, `quantity`
    'W' or 'b', `index` the 0-based numpy index into the parameter."""

    name: str
    layer: int
    quantity: str
    index: tuple[int, ...]
    analytic: float
    autodiff: float | None
    numeric: float
    relative_error: float
    autodiff_error: float | None
    bound: float
    kink: bool

    @property
    def flagged(self) -> bool:
        """Backprop differs from the finite difference or from autodiff by more than the
        check's own error (never at a kink)."""
        if self.kink:
            return False
        off = abs(self.analytic - self.numeric) > self.bound
        if self.autodiff is not None:
            off |= abs(self.analytic - self.autodiff) > self.bound
        return bool(off or not np.isfinite(self.analytic))

    @property
    def relative_bound(self) -> float:
        """The bound scaled as `relative_error` is: bound / max(|a| + |n|, floor)."""
        return self.bound / max(abs(self.analytic) + abs(self.numeric), FLOOR)

    @property
    def verdict(self) -> str:
        """'ok', 'kink' or 'differs'."""
        return "kink" if self.kink else "differs" if self.flagged else "ok"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "layer": self.layer,
            "quantity": self.quantity,
            "index": [i + 1 for i in self.index],
            "backprop": _finite(self.analytic),
            "autodiff": None if self.autodiff is None else _finite(self.autodiff),
            "finite_difference": _finite(self.numeric),
            "relative_error": _finite(self.relative_error),
            "autodiff_relative_error": (
                None if self.autodiff_error is None else _finite(self.autodiff_error)
            ),
            "bound": _finite(self.bound),
            "verdict": self.verdict,
        }


def _relative(a: float, b: float) -> float:
    """`relative_error` of two numbers."""
    return float(relative_error(np.asarray(a), np.asarray(b)))


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


@dataclass(frozen=True, eq=False)
class ThreeWayCheck:
    """The result of `three_way_check`: the entries checked, W(1)'s first, then b(1)'s,
    W(2)'s …; `total` entries exist in all; `autodiff_note` says why the autodiff
    column is empty (None when it is filled); `loss` is L at the step's parameters."""

    checked: tuple[ThreeWayEntry, ...]
    total: int
    eps: float
    loss: float
    autodiff_note: str | None

    @property
    def sampled(self) -> bool:
        """Whether only some entries were checked."""
        return len(self.checked) < self.total

    @property
    def ok(self) -> bool:
        """No entry flagged."""
        return self.n_flagged == 0

    @property
    def max_relative_error(self) -> float:
        """The largest backprop-vs-finite-difference relative error checked."""
        errors = [e.relative_error for e in self.checked]
        return float(np.nanmax(errors)) if errors else 0.0

    @property
    def n_flagged(self) -> int:
        return sum(e.flagged for e in self.checked)

    @property
    def n_kinks(self) -> int:
        return sum(e.kink for e in self.checked)

    def entries(self) -> Iterator[tuple[str, ThreeWayEntry]]:
        """Every entry checked, with its name ('∂L/∂W(2)₁,₁')."""
        for entry in self.checked:
            yield entry.name, entry

    def entry(self, name: str) -> ThreeWayEntry:
        """The entry named `name`; KeyError when it was not checked."""
        for entry in self.checked:
            if entry.name == name:
                return entry
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "eps": self.eps,
            "loss": _finite(self.loss),
            "entries_checked": len(self.checked),
            "entries_total": self.total,
            "flagged": self.n_flagged,
            "kinks": self.n_kinks,
            "max_relative_error": _finite(self.max_relative_error),
            "autodiff": self.autodiff_note or "computed",
            "entries": [e.to_dict() for e in self.checked],
        }


def select_indices(shape: tuple[int, ...], count: int) -> list[tuple[int, ...]]:
    """`count` entries of an array of `shape`, evenly spaced in row-major order and
    including the first and the last (every entry when there are no more)."""
    size = int(np.prod(shape))
    if count >= size:
        return list(np.ndindex(shape))
    flat = np.unique(np.linspace(0, size - 1, max(count, 1)).round().astype(int))
    return [tuple(int(i) for i in np.unravel_index(k, shape)) for k in flat]


def _autodiff(trace: StepTrace, net: Network) -> tuple[list[Array], list[Array]] | str:
    """∂L/∂W(l), ∂L/∂b(l) of the batch loss from one scalar graph per sample, or why not."""
    from backprop_tui.core.autodiff.graph import topological_order
    from backprop_tui.core.autodiff.mlp import GRAPH_ACTIVATIONS, GRAPH_LOSSES, mlp_output_graph

    if trace.loss_kind not in GRAPH_LOSSES:
        return f"the scalar graph has no {trace.loss_kind} loss (it has {', '.join(GRAPH_LOSSES)})"
    missing = [a for a in trace.activations if a not in GRAPH_ACTIVATIONS]
    if missing:
        return f"the scalar graph has no {missing[0]} activation"
    nodes = net.n_parameters * trace.batch_size
    if nodes > AUTODIFF_LIMIT:
        return (
            f"not built: {net.n_parameters} parameters × {trace.batch_size} samples = {nodes} "
            f"parameter nodes, more than {AUTODIFF_LIMIT}"
        )
    dW = [np.zeros_like(w) for w in net.W]
    db = [np.zeros_like(v) for v in net.b]
    for x, y in zip(trace.x, trace.y, strict=True):
        graph = mlp_output_graph(net, x, y, trace.loss_kind)
        order = topological_order(graph.root)
        for node in order:
            node.grad = 0.0
        graph.root.grad = 1.0
        for node in reversed(order):
            for parent, local in zip(node.parents, node.local_grads, strict=True):
                parent.grad += node.grad * local
        for l in range(len(dW)):
            dW[l] += graph.dW()[l]
            db[l] += graph.db()[l]
    batch = trace.batch_size
    return [g / batch for g in dW], [g / batch for g in db]


def _backprop_rounding(trace: StepTrace, l: int, quantity: str) -> Array:
    """How far a non-float64 trace's ∂W(l) or ∂b(l) (0-based l) may be from the exact
    value by its own rounding: u √(B + n + L) (Σᵢ |δᵢ| |aᵢ| / B + |a|), u the trace's
    unit roundoff; 0 for a float64 trace (the finite difference's bound covers it)."""
    lt = trace.layers[l]
    dtype = np.asarray(lt.dW).dtype
    if dtype == np.float64:
        return np.zeros(np.shape(lt.dW if quantity == "W" else lt.db))
    u = float(np.finfo(dtype).eps)
    delta = np.abs(np.asarray(lt.delta, np.float64))
    batch = trace.batch_size
    if quantity == "W":
        size = delta.T @ np.abs(np.asarray(lt.a_prev, np.float64)) / batch
        value = np.abs(np.asarray(lt.dW, np.float64))
    else:
        size = delta.sum(axis=0) / batch
        value = np.abs(np.asarray(lt.db, np.float64))
    terms = batch + lt.W.shape[1] + len(trace.layers)
    return 4.0 * u * np.sqrt(terms) * (size + value)


def three_way_check(
    trace: StepTrace, eps: float = 1e-6, max_entries: int | None = MAX_ENTRIES
) -> ThreeWayCheck:
    """Backprop's ∂L/∂W and ∂L/∂b as `trace` recorded them, beside the scalar autodiff
    graph's and the central finite difference of L on a float64 copy of the network the
    step started from (see the module's docstring). `max_entries` caps the entries
    checked (None: every one); each W(l) and b(l) then gets its share, evenly spaced."""
    loss_fn = trace.loss_function()
    before = trace.network_before()
    net = Network(
        [np.array(w, dtype=np.float64) for w in before.W],
        [np.array(v, dtype=np.float64) for v in before.b],
        before.activations,
    )
    x = np.asarray(trace.x, np.float64)
    y = np.asarray(trace.y, np.float64)
    params = [(l, q) for l in range(len(net.W)) for q in ("W", "b")]
    total = sum(net.W[l].size if q == "W" else net.b[l].size for l, q in params)
    share = None if max_entries is None or total <= max_entries else max_entries / total

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        fwd, bwd = net.gradients(x, y, loss_fn)
        roundoff = loss_roundoff(net, fwd, bwd, y)
        auto = _autodiff(trace, net)
        batch_loss = loss_with_kinks(net, loss_fn, x, y, fwd)

        checked: list[ThreeWayEntry] = []
        for l, quantity in params:
            param = net.W[l] if quantity == "W" else net.b[l]
            lt = trace.layers[l]
            analytic_all = np.asarray(lt.dW if quantity == "W" else lt.db, np.float64)
            rounding = _backprop_rounding(trace, l, quantity)
            count = param.size if share is None else max(1, int(param.size * share))
            for index in select_indices(param.shape, count):
                losses = np.empty(4)
                kink = False
                saved = param[index]
                for k, step in enumerate((eps, -eps, 2.0 * eps, -2.0 * eps)):
                    param[index] = saved + step
                    losses[k], crossed = batch_loss()
                    kink |= crossed
                param[index] = saved
                a = float(analytic_all[index])
                numeric = float((losses[0] - losses[1]) / (2.0 * eps))
                bound = error_bound(losses, eps, roundoff, np.asarray(saved), np.asarray(a))
                g = (
                    None
                    if isinstance(auto, str)
                    else float(auto[0 if quantity == "W" else 1][l][index])
                )
                symbol = f"∂L/∂{quantity}({l + 1})"
                checked.append(
                    ThreeWayEntry(
                        name=entry_name(symbol, index, param.shape),
                        layer=l + 1,
                        quantity=quantity,
                        index=index,
                        analytic=a,
                        autodiff=g,
                        numeric=numeric,
                        relative_error=_relative(a, numeric),
                        autodiff_error=None if g is None else _relative(a, g),
                        bound=float(bound) + float(rounding[index]),
                        kink=kink,
                    )
                )
    note = auto if isinstance(auto, str) else None
    return ThreeWayCheck(tuple(checked), total, eps, float(trace.loss), note)

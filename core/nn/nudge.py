"""The nudge probe: what a gradient means, on one weight or bias.

Nudging one parameter θ (an entry of W(l) or b(l)) by a small ε changes the batch loss
L = (1/B) Σᵢ ℓᵢ by

    ΔL = L(θ + ε) − L(θ) = ∂L/∂θ · ε + ½ ∂²L/∂θ² · ε² + O(ε³)

The first term is the gradient's prediction; the rest, ΔL − ∂L/∂θ · ε, is the second
order. `nudge` computes both on a copy of the network (the network given is never
changed), and the curvature ∂²L/∂θ² from L(θ − ε) as well, so the second-order term can
be set beside its expected value ½ ∂²L/∂θ² ε².
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from backprop_tui.core.errors import ShapeError
from backprop_tui.core.format import entry_name, fmt_number, shape_words
from backprop_tui.core.nn.losses import Loss, get_loss
from backprop_tui.core.nn.network import Network

if TYPE_CHECKING:
    from backprop_tui.core.trace.record import StepTrace

Array = np.ndarray

DEFAULT_EPS = 0.01


@dataclass(frozen=True)
class Nudge:
    """One nudge: entry `name` ('W(2)₁,₁'), its value θ, the step ε, the gradient ∂L/∂θ,
    the loss at θ, θ + ε and θ − ε; `predicted` = ∂L/∂θ · ε, `actual` = L(θ + ε) − L(θ),
    `second_order` = actual − predicted, `curvature` ≈ ∂²L/∂θ² by the central second
    difference (L(θ + ε) − 2 L(θ) + L(θ − ε)) / ε²."""

    name: str
    theta: float
    eps: float
    gradient: float
    loss: float
    loss_plus: float
    loss_minus: float

    @property
    def predicted(self) -> float:
        return self.gradient * self.eps

    @property
    def actual(self) -> float:
        return self.loss_plus - self.loss

    @property
    def second_order(self) -> float:
        return self.actual - self.predicted

    @property
    def curvature(self) -> float:
        return (self.loss_plus - 2.0 * self.loss + self.loss_minus) / self.eps**2

    @property
    def expected_second_order(self) -> float:
        """½ ∂²L/∂θ² ε²: what the second-order term should be for a correct gradient."""
        return 0.5 * self.curvature * self.eps**2

    def lines(self, precision: int = 6) -> list[str]:
        """The equation, the same with the numbers, and what the difference means."""

        def f(value: float) -> str:
            return fmt_number(value, precision)

        g = f"∂L/∂{self.name}"
        return [
            f"L({self.name} + ε) − L({self.name}) ≈ {g} · ε",
            f"θ = {self.name} = {f(self.theta)},  ε = {self.eps:g}",
            f"predicted  {g} · ε = {f(self.gradient)} · {self.eps:g} = {self.predicted:.6e}",
            f"actual     L(θ + ε) − L(θ) = {f(self.loss_plus)} − {f(self.loss)}"
            f" = {self.actual:.6e}",
            f"difference (second order) = {self.second_order:.3e}",
            f"½ ∂²L/∂θ² · ε² = ½ · {self.curvature:.4g} · {self.eps:g}²"
            f" = {self.expected_second_order:.3e}",
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "theta": self.theta,
            "eps": self.eps,
            "gradient": self.gradient,
            "predicted": self.predicted,
            "actual": self.actual,
            "second_order": self.second_order,
            "curvature": self.curvature,
        }


def nudge(
    network: Network,
    loss: Loss | str,
    x: Array,
    y: Array,
    layer: int,
    quantity: str,
    index: tuple[int, ...],
    eps: float = DEFAULT_EPS,
    gradient: float | None = None,
) -> Nudge:
    """Nudge entry `index` (0-based) of W(`layer`) or b(`layer`) (`layer` from 1,
    `quantity` 'W' or 'b') by `eps` on a copy of `network`, for the batch x (batch × n0)
    and y (batch × nL). `gradient` is ∂L/∂θ as some backprop computed it (None: the
    network's own backward pass). `network` is not modified."""
    if quantity not in ("W", "b"):
        raise ValueError(f"quantity must be 'W' or 'b', not {quantity!r}")
    if not 1 <= layer <= len(network.W):
        raise ShapeError(f"layer {layer} is outside 1 … {len(network.W)}")
    loss_fn = get_loss(loss) if isinstance(loss, str) else loss
    net = network.copy()
    x = np.atleast_2d(np.asarray(x, dtype=net.dtype))
    y = np.atleast_2d(np.asarray(y, dtype=net.dtype))
    param = net.W[layer - 1] if quantity == "W" else net.b[layer - 1]
    index = tuple(int(i) for i in index)
    if len(index) != param.ndim or not all(
        0 <= i < n for i, n in zip(index, param.shape, strict=True)
    ):
        where = ", ".join(str(i + 1) for i in index)
        raise ShapeError(
            f"entry [{where}] (counting from 1) is outside {quantity}({layer}), "
            f"{shape_words(param.shape)}"
        )

    def batch_loss() -> float:
        f = net.forward(x)
        return float(loss_fn.value(f.y_hat, y, f.z[-1]))

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if gradient is None:
            _, bwd = net.gradients(x, y, loss_fn)
            grads = bwd.dW if quantity == "W" else bwd.db
            gradient = float(grads[layer - 1][index])
        theta = float(param[index])
        base = batch_loss()
        param[index] = theta + eps
        plus = batch_loss()
        param[index] = theta - eps
        minus = batch_loss()
        param[index] = theta
    name = entry_name(f"{quantity}({layer})", index, param.shape)
    return Nudge(name, theta, float(eps), float(gradient), base, plus, minus)


def nudge_trace(
    trace: StepTrace, layer: int, quantity: str, index: tuple[int, ...], eps: float = DEFAULT_EPS
) -> Nudge:
    """`nudge` on the network a traced step started from, with the gradient the trace
    recorded (whatever engine recorded it)."""
    lt = trace.layers[layer - 1]
    grads = lt.dW if quantity == "W" else lt.db
    return nudge(
        trace.network_before(),
        trace.loss_function(),
        trace.x,
        trace.y,
        layer,
        quantity,
        index,
        eps,
        gradient=float(np.asarray(grads)[tuple(index)]),
    )

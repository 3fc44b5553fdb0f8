"""What each catalogue mistake gives at a phase: pure functions of a traced step and a
phase (its kind and layer), each returning the `Form`s — value and sentence — a learner
who makes that mistake would write there, computed from the step's right inputs so that
each phase is judged on its own; () where the mistake cannot happen.

They read only StepTrace and LayerTrace fields and the activation and loss records' own
functions (forward, derivative, backward, grad), never a name switch, so a step whose
numbers were replaced (a learner's own backprop) can be judged too. Values keep the
trace's layout: δ (batch × units), ∂W and W (out × in), ∂b and b (out,).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from backprop_tui.core.format import fmt_number
from backprop_tui.core.learn.targets import (
    PhaseLike,
    activation_of,
    layer_of,
    prev_name,
)
from backprop_tui.core.nn.activations import Activation

if TYPE_CHECKING:
    from backprop_tui.core.trace.record import StepTrace

Array = np.ndarray


@dataclass(frozen=True)
class Form:
    """One value a mistake gives at a phase (in the phase value's shape), with the
    sentence that says what was done instead of the equation."""

    value: Array
    message: str


def _f64(array: object) -> Array:
    return np.asarray(array, dtype=np.float64)


def _prime(act: Activation) -> str:
    """The derivative's symbol from the record's formula: "σ'" from "σ'(z) = …"."""
    head = act.derivative_formula.split("(z)", 1)[0].strip()
    return head if head.endswith("'") and " " not in head else f"{act.name}'"


def _slope_at_a(act: Activation, a: Array) -> Array:
    """σ' evaluated at a instead of z, through the record's derivative(z, a) map: the
    derivative at the point a needs σ(a) too."""
    return act.derivative(a, act.forward(a))


_PROBE_Z = np.array([[-1.5, -0.2, 0.4, 2.0]])


def _slope_is_one_minus_a_squared(act: Activation) -> bool:
    """Whether σ'(z) = 1 − a² (tanh), checked on the record's own functions."""
    a = act.forward(_PROBE_Z)
    return bool(np.allclose(act.derivative(_PROBE_Z, a), 1.0 - a * a, rtol=1e-12, atol=0.0))


def _squared_error_factor(trace: StepTrace) -> float | None:
    """c when the loss's ∂ℓ/∂ŷ = c (ŷ − y) for every ŷ and y (a squared error: 1 for ½
    squared error, 2/K for the mean squared error), None for any other loss."""
    k = trace.y.shape[1]
    y_hat = np.array([[0.3] * k, [0.9] * k])
    y = np.array([[0.1] * k, [0.2] * k])
    ratio = trace.loss_function().grad(y_hat, y) / (y_hat - y)
    c = float(ratio.flat[0])
    return c if np.allclose(ratio, c, rtol=1e-12, atol=0.0) else None


def _rhs(formula: str) -> str:
    """The right-hand side of "∂ℓ/∂ŷ = ŷ − y"."""
    return formula.split("=", 1)[-1].strip()


class _At:
    """The names and arrays of layer l at a phase."""

    def __init__(self, trace: StepTrace, phase: PhaseLike) -> None:
        self.trace = trace
        self.lt = layer_of(trace, phase)
        self.l = self.lt.layer
        self.act = activation_of(trace, self.l)
        self.z, self.a = _f64(self.lt.z), _f64(self.lt.a)
        self.ds = f"{_prime(self.act)}(z({self.l}))"

    def backward(self, upstream: Array) -> Array:
        """δ(l) from ∂ℓ/∂a(l), through the activation's own backward map."""
        return self.act.backward(self.z, self.a, upstream)

    def upstream(self, use_new: bool = False) -> Array:
        """W(l+1)ᵀ δ(l+1) per sample, as rows: δ(l+1) W(l+1)."""
        nxt = self.trace.layers[self.l]
        return _f64(nxt.delta) @ _f64(nxt.W_new if use_new else nxt.W)


# -- forward -----------------------------------------------------------------------------


def missing_bias(trace: StepTrace, phase: PhaseLike) -> tuple[Form, ...]:
    at = _At(trace, phase)
    value = _f64(at.lt.a_prev) @ _f64(at.lt.W).T
    return (Form(value, f"this is W({at.l}) {prev_name(at.l)} without + b({at.l})"),)


# -- the output error --------------------------------------------------------------------


def sign_flipped(trace: StepTrace, phase: PhaseLike) -> tuple[Form, ...]:
    l = layer_of(trace, phase).layer
    value = -_f64(layer_of(trace, phase).delta)
    return (
        Form(
            value,
            f"this is −δ({l}): the error was taken as y − ŷ instead of ŷ − y, "
            "so every step after it would climb the loss",
        ),
    )


def squared_error(trace: StepTrace, phase: PhaseLike) -> tuple[Form, ...]:
    c = _squared_error_factor(trace)
    if c is None or trace.fused:
        return ()
    at, loss = _At(trace, phase), trace.loss_function()
    diff = _f64(trace.y_hat) - _f64(trace.y)
    right = _rhs(loss.grad_formula)
    forms = []
    for factor, used in ((2.0, "2(ŷ − y)"), (1.0, "ŷ − y")):
        if np.isclose(factor, c, rtol=1e-12, atol=0.0):
            continue
        forms.append(
            Form(
                at.backward(factor * diff),
                f"this uses {used} for ∂ℓ/∂ŷ; for this loss ({loss.name}) ∂ℓ/∂ŷ = {right}",
            )
        )
    return tuple(forms)


def missing_slope(trace: StepTrace, phase: PhaseLike) -> tuple[Form, ...]:
    at = _At(trace, phase)
    without = f"⊙ {at.ds}" if at.act.elementwise else f"the {at.act.name}'s Jacobian"
    if phase.kind == "delta_output":
        if trace.fused:
            return ()
        loss = trace.loss_function()
        value = loss.grad(_f64(trace.y_hat), _f64(trace.y))
        what = f"({_rhs(loss.grad_formula)})"
    else:
        value = at.upstream()
        what = f"(W({at.l + 1})ᵀ δ({at.l + 1}))"
    return (Form(value, f"this is {what} without {without}: the activation's slope is missing"),)


def wrong_slope(trace: StepTrace, phase: PhaseLike) -> tuple[Form, ...]:
    at = _At(trace, phase)
    if not at.act.elementwise or (phase.kind == "delta_output" and trace.fused):
        return ()
    if phase.kind == "delta_output":
        upstream = trace.loss_function().grad(_f64(trace.y_hat), _f64(trace.y))
    else:
        upstream = at.upstream()
    prime, l = _prime(at.act), at.l
    forms = [
        Form(
            upstream * _slope_at_a(at.act, at.a),
            f"this takes the slope at a({l}), {prime}(a({l})), where the equation has "
            f"{at.ds}: the derivative belongs at the weighted input z({l})",
        )
    ]
    if _slope_is_one_minus_a_squared(at.act):
        forms.append(
            Form(
                upstream * (1.0 - at.a),
                f"this uses 1 − a({l}) for {at.ds} = 1 − a({l})²: the square is missing",
            )
        )
    return tuple(forms)


# -- hidden errors -----------------------------------------------------------------------


def no_transpose(trace: StepTrace, phase: PhaseLike) -> tuple[Form, ...]:
    at = _At(trace, phase)
    nxt = trace.layers[at.l]
    W = _f64(nxt.W)
    if W.shape[0] != W.shape[1]:
        return ()
    n = at.l + 1
    return (
        Form(
            at.backward(_f64(nxt.delta) @ W.T),
            f"this uses W({n}) δ({n}) where the equation has W({n})ᵀ δ({n}): the "
            f"transpose is missing (unit j of layer {at.l} collects the weights that "
            f"leave it, column j of W({n}))",
        ),
    )


def updated_weights(trace: StepTrace, phase: PhaseLike) -> tuple[Form, ...]:
    at = _At(trace, phase)
    n = at.l + 1
    return (
        Form(
            at.backward(at.upstream(use_new=True)),
            f"this uses W({n}) after its update: δ({at.l}) needs the weights the forward "
            "pass used, before any update",
        ),
    )


# -- gradients ---------------------------------------------------------------------------


def missing_mean(trace: StepTrace, phase: PhaseLike) -> tuple[Form, ...]:
    lt = layer_of(trace, phase)
    B, l = trace.batch_size, lt.layer
    if B == 1:
        return ()
    delta = _f64(lt.delta)
    if phase.kind == "grad_W":
        value = delta.T @ _f64(lt.a_prev)
        what = f"Σᵢ δ({l})ᵢ {prev_name(l)}ᵢᵀ"
    else:
        value = delta.sum(axis=0)
        what = f"Σᵢ δ({l})ᵢ"
    return (
        Form(
            value,
            f"this is {what} without the 1/B: the gradient of the batch loss L is the "
            f"mean over the B = {B} samples, not their sum",
        ),
    )


def wrong_input(trace: StepTrace, phase: PhaseLike) -> tuple[Form, ...]:
    lt = layer_of(trace, phase)
    a, l = _f64(lt.a), lt.layer
    if a.shape[1] != lt.a_prev.shape[1]:
        return ()
    return (
        Form(
            _f64(lt.delta).T @ a / trace.batch_size,
            f"this is δ({l}) a({l})ᵀ: the gradient of W({l}) takes the layer's input "
            f"{prev_name(l)}, not its output a({l})",
        ),
    )


# -- updates -----------------------------------------------------------------------------


def _parameter(trace: StepTrace, phase: PhaseLike) -> tuple[str, Array, Array]:
    lt = layer_of(trace, phase)
    if phase.kind == "update_W":
        return f"W({lt.layer})", _f64(lt.W), _f64(lt.W_new)
    return f"b({lt.layer})", _f64(lt.b), _f64(lt.b_new)


def update_sign(trace: StepTrace, phase: PhaseLike) -> tuple[Form, ...]:
    name, theta, new = _parameter(trace, phase)
    return (
        Form(
            theta + (theta - new),
            f"this is {name} + η ∂L/∂{name}: the step was added; gradient descent "
            "subtracts it, moving against the gradient",
        ),
    )


def missing_rate(trace: StepTrace, phase: PhaseLike) -> tuple[Form, ...]:
    if trace.lr == 0:
        return ()
    name, theta, new = _parameter(trace, phase)
    return (
        Form(
            theta - (theta - new) / trace.lr,
            f"this is {name} − ∂L/∂{name}: the step is missing the learning rate "
            f"η = {fmt_number(trace.lr, trace.precision)}",
        ),
    )

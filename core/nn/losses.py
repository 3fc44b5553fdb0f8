"""Loss functions ℓ(ŷ, y) per sample; the batch loss L is always the mean of the ℓᵢ.

Arrays are (batch × outputs). `per_sample` gives ℓᵢ (batch,); `grad` gives ∂ℓᵢ/∂ŷ
(batch × outputs), the gradient of each sample's own loss. The batch gradient is
∂L/∂ŷᵢ = (1/B) ∂ℓᵢ/∂ŷᵢ. A loss that needs its own output activation (bce a sigmoid,
cross_entropy a softmax) takes the logits z(L) and uses the exact fused form
δ(L) = ∂ℓ/∂z(L), which stays finite when ŷ saturates.

The definitions follow torch.nn: half_sse is the notes' ½ Σₖ (ŷₖ − yₖ)², mse is MSELoss
(mean over every element), bce is BCEWithLogitsLoss on z(L) (mean over every element,
so ŷ = σ(z(L)) and the value is exact for any z), cross_entropy is CrossEntropyLoss on
z(L) (so ŷ = softmax(z(L))), with one-hot target rows.

Each `Loss` record holds everything about one loss: value and gradient, the fast path's
in-place kernels (core.nn.fused), the output activation it needs, its text for the trace
and its terms for the scalar graph (core.autodiff.mlp).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from backprop_tui.core.errors import BackpropError, UnknownNameError
from backprop_tui.core.nn.activations import Activation

Array = np.ndarray

# (ŷ, y, ∂ℓ/∂ŷ out, squares scratch, ℓ out): ℓᵢ and ∂ℓ/∂ŷ written into buffers.
GradKernel = Callable[[Array, Array, Array, Array, Array], None]
# (ŷ, y, out) -> δ(L) = ∂ℓ/∂z(L) written into out, for the loss's own output activation.
DeltaKernel = Callable[[Array, Array, Array], Array]
# (ŷ factors, y factors, z numbers) of one sample, formatted -> the right-hand side of ℓ.
SampleText = Callable[[Sequence[str], Sequence[str], Sequence[str]], str]
# (z(L), ŷ, y nodes of one sample) -> one node per output k: output k's term of ℓ.
ScalarTerms = Callable[[Sequence[Any], Sequence[Any], Sequence[Any]], list[Any]]


class OutputMismatchError(BackpropError, ValueError):
    """A loss paired with an output activation it is not defined with."""


def _sum_outputs(square: Array, out: Array) -> Array:
    """Σₖ over each row, as np.add.reduce(square, axis=-1) gives it bit for bit: one or
    two outputs (the usual case) take a copy or one addition instead of a reduction,
    which costs ~4 µs however small the rows."""
    k = square.shape[-1]
    if k == 1:
        np.copyto(out, square[:, 0])
        return out
    if k == 2:
        return np.add(square[:, 0], square[:, 1], out=out)
    return np.add.reduce(square, axis=-1, out=out)


def _squared_error_into(y_hat: Array, y: Array, diff: Array, square: Array, ps: Array) -> None:
    """diff = ŷ − y and ps = Σₖ (ŷₖ − yₖ)², in place."""
    np.subtract(y_hat, y, out=diff)
    np.square(diff, out=square)
    _sum_outputs(square, ps)


def _half_sse_into(y_hat: Array, y: Array, diff: Array, square: Array, ps: Array) -> None:
    # ℓ = ½ Σₖ (ŷₖ − yₖ)², ∂ℓ/∂ŷ = ŷ − y
    _squared_error_into(y_hat, y, diff, square, ps)
    np.multiply(0.5, ps, out=ps)


def _mse_into(y_hat: Array, y: Array, diff: Array, square: Array, ps: Array) -> None:
    """ℓ = mean over k and ∂ℓ/∂ŷ = 2(ŷ − y)/K in place, as the reference divides. For K a
    power of two, ×(1/K) is exactly ÷K, and 2d/K is exactly d×(2/K) (each is the correctly
    rounded d·2/K; 2d could only overflow where the loss already has); K = 2 leaves d."""
    _squared_error_into(y_hat, y, diff, square, ps)
    k = y_hat.shape[-1]
    if k == 1:  # x / 1 is x exactly
        np.multiply(2.0, diff, out=diff)
    elif k & (k - 1):
        np.divide(ps, np.intp(k), out=ps, casting="unsafe")
        np.multiply(2.0, diff, out=diff)
        np.divide(diff, k, out=diff)
    else:
        np.multiply(ps, 1.0 / k, out=ps)
        if k != 2:
            np.multiply(diff, 2.0 / k, out=diff)


def _squared_text(scale: Callable[[int], str]) -> SampleText:
    """'½ [(0.75 − 0)² + …]': the squared errors, scaled by `scale(K)`."""

    def text(y_hat: Sequence[str], y: Sequence[str], z: Sequence[str]) -> str:
        terms = [f"({yh} − {t})²" for yh, t in zip(y_hat, y, strict=True)]
        inner = terms[0] if len(terms) == 1 else "[" + " + ".join(terms) + "]"
        return scale(len(terms)) + inner

    return text


def _squared_terms(square: Callable[[Any], Any], label: str) -> ScalarTerms:
    """Each output's `square(ŷₖ − yₖ)`, labelled `label` with {e} the error's name."""

    def terms(z: Sequence[Any], y_hat: Sequence[Any], y: Sequence[Any]) -> list[Any]:
        out = []
        for output, target in zip(y_hat, y, strict=True):
            error = output - target
            error.label = f"{output.label} − {target.label}"
            term = square(error)
            term.label = label.format(e=error.label)
            out.append(term)
        return out

    return terms


def _bce_terms(z: Sequence[Any], y_hat: Sequence[Any], y: Sequence[Any]) -> list[Any]:
    """Each output's softplus(zₖ) − zₖ·yₖ, BCEWithLogitsLoss's term: softplus(z) is
    z + log(1 + e^−z) for z ≥ 0 and log(1 + e^z) below, so no e^z overflows and the
    slope is σ(z) − y to round-off at any z (also at z = 0)."""
    out = []
    for logit, target in zip(z, y, strict=True):
        name = logit.label
        if logit.value >= 0:
            power = (-logit).exp()
            power.parents[0].label, power.label = f"−{name}", f"e^−{name}"
            inner = 1.0 + power
            inner.label = f"1 + e^−{name}"
            softplus = logit + inner.log()
            softplus.parents[1].label = f"log({inner.label})"
        else:
            power = logit.exp()
            power.label = f"e^{name}"
            inner = 1.0 + power
            inner.label = f"1 + e^{name}"
            softplus = inner.log()
        softplus.label = f"softplus({logit.label})"
        product = logit * target
        product.label = f"{logit.label}·{target.label}"
        term = softplus - product
        term.label = f"bce({logit.label}, {target.label})"
        out.append(term)
    return out


def _cross_entropy_terms(z: Sequence[Any], y_hat: Sequence[Any], y: Sequence[Any]) -> list[Any]:
    """Each output's −yₖ·log ŷₖ with log ŷₖ = (zₖ − m) − log Σⱼ e^(zⱼ − m), m = max z,
    read from the logits as CrossEntropyLoss does (exact where ŷₖ rounds to 0)."""
    from backprop_tui.core.autodiff.node import shifted_exponentials  # it imports activations

    shifted, _, total = shifted_exponentials(list(z))
    log_total = total.log()
    out = []
    for k, (s, output, target) in enumerate(zip(shifted, y_hat, y, strict=True)):
        s.label = f"{z[k].label} − max z"
        log_output = s - log_total
        log_output.label = f"log {output.label}"
        product = target * log_output
        product.label = f"{target.label}·log {output.label}"
        term = -product
        term.label = f"−{product.label}"
        out.append(term)
    return out


def _bce(y_hat: Array, y: Array, z: Array) -> Array:
    # BCEWithLogitsLoss per element, −[y log σ(z) + (1 − y) log(1 − σ(z))], in the form
    # that is exact for any z: max(z, 0) − z·y + log(1 + e^−|z|).
    return (np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))).mean(axis=-1)


def _bce_grad(y_hat: Array, y: Array) -> Array:
    k = y_hat.shape[-1]
    return (y_hat - y) / np.maximum(y_hat * (1.0 - y_hat), 1e-12) / k


def _bce_delta(y_hat: Array, y: Array, out: Array) -> Array:
    # δ(L) = (σ(z) − y)/K: BCEWithLogitsLoss's gradient, per sample.
    np.subtract(y_hat, y, out=out)
    return np.divide(out, y_hat.shape[-1], out=out)


def _bce_text(y_hat: Sequence[str], y: Sequence[str], z: Sequence[str]) -> str:
    terms = [f"{t} · log σ({v}) + (1 − {t}) · log(1 − σ({v}))" for t, v in zip(y, z, strict=True)]
    if len(terms) == 1:
        return f"−[{terms[0]}]"
    return f"−(1/{len(terms)}) (" + " + ".join(f"[{t}]" for t in terms) + ")"


def _log_softmax(z: Array) -> Array:
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _cross_entropy_delta(y_hat: Array, y: Array, out: Array) -> Array:
    return np.subtract(y_hat, y, out=out)  # δ(L) = softmax(z) − y


def _cross_entropy_text(y_hat: Sequence[str], y: Sequence[str], z: Sequence[str]) -> str:
    return "−(" + " + ".join(f"{t} · log {yh}" for yh, t in zip(y_hat, y, strict=True)) + ")"


@dataclass(frozen=True)
class Loss:
    """One loss ℓ(ŷ, y), with its formula in the notes' notation.

    `per_sample(ŷ, y, z)` gives ℓᵢ (z = z(L), read by the losses on logits), `grad(ŷ, y)`
    ∂ℓ/∂ŷ. What the other parts read:
    - validation and the fused δ(L): `output_activation`, the output activation the loss
      needs (None: any), and `fused_delta(ŷ, y, out)`, δ(L) = ∂ℓ/∂z(L) with it;
    - the fast path: `grad_into(ŷ, y, grad, square, ℓ)` writes ℓᵢ and ∂ℓ/∂ŷ into buffers,
      the same numbers as `per_sample` and `grad` (None: the fast path calls them);
    - the trace: `formula` (with K outputs) and `single_formula` (one output, when it
      reads simpler), `grad_formula`, `fused_formula`; `grad_factor`, ∂ℓ/∂ŷ as written in
      δ(L) = ∂ℓ/∂ŷ ⊙ σ'(z) (None: "∂ℓ/∂ŷ" followed by `grad_formula`), with
      `grad_numbers` the same for one unit with `{diff}` = (ŷ − y) and `{K}` put in, and
      `grad_is_error` when ∂ℓ/∂ŷ is ŷ − y itself; `sample_text` writes one sample's ℓ with
      its numbers; `reads_logits` when ℓ is computed from z(L);
    - the scalar graph: `scalar_terms(z, ŷ, y)` builds, from one sample's nodes z(L), ŷ
      and y, one node per output: output k's term of ℓ (so that ℓ is their sum, or their
      mean when `mean_over_outputs`), labelled; `scalar_total` labels the sum (None: no
      scalar graph);
    `mean_over_outputs` when ℓ is a mean over the K outputs (mse, bce).
    """

    name: str
    per_sample: Callable[[Array, Array, Array], Array]
    grad: Callable[[Array, Array], Array]
    formula: str
    grad_formula: str
    single_formula: str | None = None
    output_activation: str | None = None
    fused_delta: DeltaKernel | None = None
    fused_formula: str | None = None
    grad_into: GradKernel | None = None
    grad_factor: str | None = None
    grad_numbers: str | None = None
    grad_is_error: bool = False
    sample_text: SampleText | None = None
    reads_logits: bool = False
    scalar_terms: ScalarTerms | None = None
    scalar_total: str = ""
    mean_over_outputs: bool = False

    def value(self, y_hat: Array, y: Array, z: Array) -> float:
        """The batch loss L = (1/B) Σᵢ ℓᵢ."""
        return float(self.per_sample(y_hat, y, z).sum()) / y_hat.shape[0]

    def formula_for(self, outputs: int) -> str:
        """ℓ in the notes' notation for a layer of `outputs` units."""
        return self.single_formula if outputs == 1 and self.single_formula else self.formula

    def mismatch(self, activation: str) -> str | None:
        """Why this loss cannot follow an output layer of `activation`, or None."""
        needed = self.output_activation
        if needed is None or needed == activation:
            return None
        return (
            f"{self.name} needs a {needed} output layer, but the last activation is {activation!r}"
        )

    def fuses_with(self, activation: Activation) -> bool:
        """Whether δ(L) has the exact fused form for this output activation."""
        return self.output_activation == activation.name

    def output_delta(self, z: Array, y_hat: Array, y: Array, activation: Activation) -> Array:
        """δ(L)ᵢ = ∂ℓᵢ/∂z(L)ᵢ (batch × outputs), per sample (not divided by B)."""
        problem = self.mismatch(activation.name)
        if problem:
            raise OutputMismatchError(problem)
        if self.fused_delta is not None:
            out = np.empty(np.shape(y_hat), dtype=np.result_type(y_hat, y))
            return self.fused_delta(y_hat, y, out)
        return activation.backward(z, y_hat, self.grad(y_hat, y))


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss(
            "half_sse",
            lambda y_hat, y, z: 0.5 * ((y_hat - y) ** 2).sum(axis=-1),
            lambda y_hat, y: y_hat - y,
            "ℓ = ½ Σₖ (ŷₖ − yₖ)²",
            "∂ℓ/∂ŷ = ŷ − y",
            grad_into=_half_sse_into,
            grad_factor="(ŷ − y)",
            grad_numbers="{diff}",
            grad_is_error=True,
            sample_text=_squared_text(lambda k: "½ "),
            scalar_terms=_squared_terms(lambda e: e.half_square(), "½({e})²"),
            scalar_total="Σₖ ½(ŷₖ − yₖ)²",
        ),
        Loss(
            "mse",
            lambda y_hat, y, z: ((y_hat - y) ** 2).mean(axis=-1),
            lambda y_hat, y: 2.0 * (y_hat - y) / y_hat.shape[-1],
            "ℓ = (1/K) Σₖ (ŷₖ − yₖ)²",
            "∂ℓ/∂ŷ = (2/K)(ŷ − y)",
            grad_into=_mse_into,
            grad_factor="(2/K)(ŷ − y)",
            grad_numbers="(2/{K}){diff}",
            sample_text=_squared_text(lambda k: "" if k == 1 else f"(1/{k}) "),
            scalar_terms=_squared_terms(lambda e: e**2, "({e})²"),
            scalar_total="Σₖ (ŷₖ − yₖ)²",
            mean_over_outputs=True,
        ),
        Loss(
            "bce",
            _bce,
            _bce_grad,
            "ℓ = −(1/K) Σₖ [yₖ log σ(zₖ) + (1 − yₖ) log(1 − σ(zₖ))]",
            "∂ℓ/∂ŷ = (ŷ − y) / (K ŷ (1 − ŷ))",
            single_formula="ℓ = −[y log σ(z) + (1 − y) log(1 − σ(z))]",
            output_activation="sigmoid",
            fused_delta=_bce_delta,
            fused_formula="δ(L) = (ŷ − y) / K",
            sample_text=_bce_text,
            reads_logits=True,
            scalar_terms=_bce_terms,
            scalar_total="Σₖ bce(zₖ, yₖ)",
            mean_over_outputs=True,
        ),
        Loss(
            "cross_entropy",
            lambda y_hat, y, z: -np.sum(y * _log_softmax(z), axis=-1),
            lambda y_hat, y: -y / np.maximum(y_hat, 1e-300),
            "ℓ = −Σₖ yₖ log ŷₖ",
            "∂ℓ/∂ŷ = −y / ŷ",
            output_activation="softmax",
            fused_delta=_cross_entropy_delta,
            fused_formula="δ(L) = ŷ − y",
            sample_text=_cross_entropy_text,
            reads_logits=True,
            scalar_terms=_cross_entropy_terms,
            scalar_total="−Σₖ yₖ log ŷₖ",
        ),
    )
}


def get_loss(name: str) -> Loss:
    """The loss called `name`; `UnknownNameError` (with close matches) otherwise."""
    try:
        return LOSSES[name]
    except KeyError:
        raise UnknownNameError("loss", name, LOSSES) from None

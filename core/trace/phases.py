"""The phases of a traced step: what each one computes, in the notes' notation and with
the numbers put in. `build_phases` is called by `core.trace.record.trace_step`; the classes
`Cell` and `Phase` are re-exported by `core.trace.record`.

Small layers (every dimension involved at most four, one sample) are written element by
element — "δ(1)₁ = (0.4 · 0.1391) · 0.2350 = 0.0131" — so a learner can redo each sum
by hand; larger ones one line per operand, each a matrix preview with its shape.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
from backprop_tui.core.format import fmt_array, fmt_factor, fmt_number, sub
from backprop_tui.core.nn.activations import Activation
from backprop_tui.core.nn.losses import Loss
from backprop_tui.core.nn.optimizers import Optimizer
from backprop_tui.core.trace.updates import update_equation, update_line

if TYPE_CHECKING:
    from backprop_tui.core.trace.record import LayerTrace, StepTrace

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


def with_outputs(equation: str, k: int) -> str:
    """`equation` with ", K = 2 outputs" after it when it uses K (the number of outputs)."""
    if re.search(r"\bK\b", equation) is None:
        return equation
    return f"{equation},  K = {k} output{'s' if k != 1 else ''}"


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


def build_phases(
    trace: StepTrace,
    loss: Loss,
    activations: Sequence[Activation],
    optimizer: Optimizer,
) -> list[Phase]:
    """The phases of `trace` in walking order (see core.trace.record). `optimizer` is the copy
    after its step (its t and hyper-parameters are shown in the update equations)."""
    return _Builder(trace, loss, activations, optimizer).build()


_SYMBOLS = {"sigmoid": "σ"}

# σ'(z) written through the activation a = σ(z), as the notes do for the sigmoid.
_DERIVATIVE_IN_A: dict[str, str] = {
    "sigmoid": "{A}(1 − {A})",
    "tanh": "1 − {A}²",
    "relu": "1 if z > 0, else 0",
    "leaky_relu": "1 if z > 0, else 0.01",
    "linear": "1",
}


@dataclass
class _Builder:
    trace: StepTrace
    loss: Loss
    acts: Sequence[Activation]
    opt: Optimizer

    def __post_init__(self) -> None:
        self.p = self.trace.precision
        self.B = self.trace.batch_size
        self.L = len(self.trace.layers)

    # -- formatting helpers -----------------------------------------------------------

    def n(self, value: Any) -> str:
        return fmt_number(value, self.p)

    def f(self, value: Any) -> str:
        return fmt_factor(value, self.p)

    def show(self, array: Any, batch: bool = True) -> str:
        """A value as a result: one sample's row as a vector, a 1-vector as a number."""
        arr = np.asarray(array)
        if batch and self.B == 1 and arr.ndim == 2:
            arr = arr[0]
        if arr.ndim == 1 and arr.size == 1:
            arr = arr[0]
        return fmt_number(arr, self.p) if arr.ndim == 0 else fmt_array(arr, self.p)

    def each(self) -> str:
        return "" if self.B == 1 else f",  for each sample i = 1 … {self.B}"

    def i(self) -> str:
        """The per-sample subscript used in batch equations."""
        return "" if self.B == 1 else "ᵢ"

    @staticmethod
    def a_name(k: int) -> str:
        """a(k) in the notes' notation; a(0) is the input x."""
        return "x" if k == 0 else f"a({k})"

    @staticmethod
    def sym(act: Activation) -> str:
        return _SYMBOLS.get(act.name, act.name)

    def unit(self, name: str, j: int, count: int) -> str:
        """'δ(1)₂' for unit j (0-based) of a layer with several units, 'δ(2)' for one."""
        return name if count == 1 else f"{name}{sub(j + 1)}"

    def phase(
        self,
        kind: str,
        layer: int | None,
        title: str,
        symbol: str,
        equation: str,
        lines: Sequence[str],
        result: str,
        reads: Sequence[Cell],
        writes: Sequence[Cell],
        values: Mapping[str, Any],
    ) -> Phase:
        return Phase(
            kind=kind,
            layer=layer,
            title=title,
            symbol=symbol,
            equation=equation,
            substituted="\n".join(lines),
            result=result,
            reads=tuple(reads),
            writes=tuple(writes),
            values=MappingProxyType({k: readonly(v) for k, v in values.items()}),
        )

    def prev_cell(self, l: int) -> Cell:
        """The cell a(l−1) of 1-based layer l: the input x for the first layer."""
        return Cell("x") if l == 1 else Cell("a", l - 1)

    # -- phases -----------------------------------------------------------------------

    def build(self) -> list[Phase]:
        phases: list[Phase] = []
        for l in range(1, self.L + 1):
            phases.append(self.forward_z(l))
            phases.append(self.forward_a(l))
        phases.append(self.loss_phase())
        phases.append(self.delta_output())
        for l in range(self.L - 1, 0, -1):
            phases.append(self.delta_hidden(l))
        for l in range(self.L, 0, -1):
            phases.append(self.grad_W(l))
            phases.append(self.grad_b(l))
        for l in range(self.L, 0, -1):
            phases.append(self.update(l, "W"))
            if self.trace.train_biases:
                phases.append(self.update(l, "b"))
        return phases

    def forward_z(self, l: int) -> Phase:
        lt = self.trace.layers[l - 1]
        ap, i = self.a_name(l - 1), self.i()
        equation = f"z({l}){i} = W({l}) {ap}{i} + b({l}){self.each()}"
        n_out, n_in = lt.W.shape
        if self.B == 1 and n_out <= 4 and n_in <= 4:
            lines = []
            for j in range(n_out):
                terms = " + ".join(
                    f"{self.f(lt.W[j, k])} · {self.f(lt.a_prev[0, k])}" for k in range(n_in)
                )
                lhs = self.unit(f"z({l})", j, n_out)
                lines.append(f"{lhs} = {terms} + {self.f(lt.b[j])} = {self.n(lt.z[0, j])}")
        else:
            lines = [
                f"{ap} = {self.show(lt.a_prev)}",
                f"W({l}) = {self.show(lt.W, False)}",
                f"b({l}) = {self.show(lt.b, False)}",
                f"z({l}) = {ap} W({l})ᵀ + b({l}) = {self.show(lt.z)}"
                + ("  (rows are samples)" if self.B > 1 else ""),
            ]
        return self.phase(
            "forward_z",
            l,
            f"z({l}) — weighted input of layer {l}",
            f"z({l})",
            equation,
            lines,
            self.show(lt.z),
            [self.prev_cell(l), Cell("W", l), Cell("b", l)],
            [Cell("z", l)],
            {ap: lt.a_prev, f"W({l})": lt.W, f"b({l})": lt.b, f"z({l})": lt.z},
        )

    def forward_a(self, l: int) -> Phase:
        lt, act = self.trace.layers[l - 1], self.acts[l - 1]
        s, last = self.sym(act), l == self.L
        equation = f"{'ŷ = ' if last else ''}a({l}) = {s}(z({l}))"
        if act.formula.strip() != f"{s}(z)":
            equation += f",  {act.formula}"
        n_units = lt.z.shape[1]
        if self.B == 1 and n_units <= 4:
            if act.elementwise:
                lines = [
                    f"{self.unit(f'a({l})', j, n_units)} = {s}({self.n(lt.z[0, j])})"
                    f" = {self.n(lt.a[0, j])}"
                    for j in range(n_units)
                ]
            else:
                lines = [f"a({l}) = {s}({self.show(lt.z)}) = {self.show(lt.a)}"]
        else:
            lines = [f"z({l}) = {self.show(lt.z)}", f"a({l}) = {self.show(lt.a)}"]
        writes = [Cell("a", l), Cell("y_hat")] if last else [Cell("a", l)]
        title = (
            f"a({l}) = ŷ — the network's output" if last else f"a({l}) — activation of layer {l}"
        )
        return self.phase(
            "forward_a",
            l,
            title,
            f"a({l})",
            equation,
            lines,
            self.show(lt.a),
            [Cell("z", l)],
            writes,
            {f"z({l})": lt.z, f"a({l})": lt.a},
        )

    def _sample_loss(self, lhs: str, y_hat: Array, y: Array, value: float) -> str:
        """ℓ for one sample with its numbers, or just its value for an unknown loss."""
        K, name = len(y), self.loss.name
        if name in ("half_sse", "mse"):
            terms = [f"({self.f(yh)} − {self.f(t)})²" for yh, t in zip(y_hat, y, strict=True)]
            inner = terms[0] if K == 1 else "[" + " + ".join(terms) + "]"
            scale = "½ " if name == "half_sse" else ("" if K == 1 else f"(1/{K}) ")
            body = scale + inner
        elif name == "bce":
            terms = [
                f"{self.f(t)} · log {self.f(yh)} + (1 − {self.f(t)}) · log(1 − {self.f(yh)})"
                for yh, t in zip(y_hat, y, strict=True)
            ]
            body = (
                f"−[{terms[0]}]"
                if K == 1
                else f"−(1/{K}) (" + " + ".join(f"[{t}]" for t in terms) + ")"
            )
        elif name == "cross_entropy":
            body = (
                "−("
                + " + ".join(
                    f"{self.f(t)} · log {self.f(yh)}" for yh, t in zip(y_hat, y, strict=True)
                )
                + ")"
            )
        else:
            return f"{lhs} = {self.n(value)}"
        return f"{lhs} = {body} = {self.n(value)}"

    def loss_phase(self) -> Phase:
        t = self.trace
        K = t.y.shape[1]
        if self.B == 1:
            equation = self.loss.formula.replace("ℓ =", "L =", 1)
        else:
            equation = f"L = (1/B) Σᵢ ℓᵢ,  {self.loss.formula},  B = {self.B}"
        equation = with_outputs(equation, K)
        if self.B == 1 and K <= 4:
            lines = [self._sample_loss("L", t.y_hat[0], t.y[0], t.loss)]
        elif self.B <= 4 and K <= 4:
            lines = [
                self._sample_loss(f"ℓ{sub(i + 1)}", t.y_hat[i], t.y[i], t.per_sample_loss[i])
                for i in range(self.B)
            ]
            terms = " + ".join(self.f(v) for v in t.per_sample_loss)
            lines.append(f"L = (1/{self.B}) ({terms}) = {self.n(t.loss)}")
        else:
            lines = [
                f"ŷ = {self.show(t.y_hat)}",
                f"y = {self.show(t.y)}",
                f"ℓ = {self.show(t.per_sample_loss, False)}",
                f"L = (1/{self.B}) Σᵢ ℓᵢ = {self.n(t.loss)}",
            ]
        reads = [Cell("y_hat"), Cell("y")]
        if self.loss.name == "cross_entropy":
            reads.append(Cell("z", self.L))
        return self.phase(
            "loss",
            None,
            f"L — the loss ({self.loss.name})",
            "L",
            equation,
            lines,
            self.n(t.loss),
            reads,
            [Cell("loss")],
            {"ŷ": t.y_hat, "y": t.y, "ℓ": t.per_sample_loss, "L": np.float64(t.loss)},
        )

    def _derivative_line(self, act: Activation, l: int, lt: LayerTrace, output: bool) -> str:
        """σ'(z(l)) with its formula in terms of a(l), and its values (one sample)."""
        name = f"{self.sym(act)}'(z({l}))"
        template = _DERIVATIVE_IN_A.get(act.name)
        if template is None:
            return f"{name} = {self.show(lt.dsigma)}"
        if template == "1":
            return f"{name} = 1"
        a_name = "ŷ" if output else f"a({l})"
        text = f"{name} = {template.format(A=a_name)}"
        if lt.a.shape[1] == 1 and act.name in ("sigmoid", "tanh"):
            a = self.f(lt.a[0, 0])
            text += f" = {a} · (1 − {a})" if act.name == "sigmoid" else f" = 1 − {a}²"
        return f"{text} = {self.show(lt.dsigma)}"

    def delta_output(self) -> Phase:
        L, t, loss = self.L, self.trace, self.loss
        lt, act = t.layers[-1], self.acts[-1]
        K = lt.z.shape[1]
        i = self.i()
        grad = loss.grad(np.asarray(t.y_hat, dtype=np.float64), np.asarray(t.y, np.float64))
        small = self.B == 1 and K <= 4
        values: dict[str, Any] = {"ŷ": t.y_hat, "y": t.y, f"z({L})": lt.z}
        reads = [Cell("y_hat"), Cell("y"), Cell("z", L)]
        lines: list[str] = []
        title = f"δ({L}) — output error"
        if t.fused:
            title += f" ({loss.name} with {act.name}: σ' cancels)"
            fused = (loss.fused_formula or "δ(L) = ∂ℓ/∂z(L)").replace("(L)", f"({L})")
            if i:
                fused = fused.replace("ŷ", "ŷᵢ").replace("− y", "− yᵢ")
            equation = fused.replace(f"δ({L})", f"δ({L}){i}", 1) + self.each()
            reads = [Cell("y_hat"), Cell("y")]
            if small:
                for j in range(K):
                    lhs = self.unit(f"δ({L})", j, K)
                    diff = f"{self.f(t.y_hat[0, j])} − {self.f(t.y[0, j])}"
                    body = f"({diff}) / {K}" if loss.name == "bce" else diff
                    lines.append(f"{lhs} = {body} = {self.n(lt.delta[0, j])}")
        elif act.elementwise:
            ds = f"{self.sym(act)}'(z({L}))"
            g_expr = {"half_sse": "(ŷ − y)", "mse": "(2/K)(ŷ − y)"}.get(loss.name, "∂ℓ/∂ŷ")
            g_expr = g_expr.replace("ŷ", f"ŷ{i}").replace("y)", f"y{i})")
            equation = f"δ({L}){i} = {g_expr} ⊙ {self.sym(act)}'(z({L}){i}){self.each()}"
            if loss.name not in ("half_sse", "mse"):
                equation += f",  {loss.grad_formula}"
            values[ds] = lt.dsigma
            if small:
                lines.append(self._derivative_line(act, L, lt, output=True))
                for j in range(K):
                    diff = f"({self.f(t.y_hat[0, j])} − {self.f(t.y[0, j])})"
                    g_sub = {"half_sse": diff, "mse": f"(2/{K}){diff}"}.get(
                        loss.name, self.f(grad[0, j])
                    )
                    lhs = self.unit(f"δ({L})", j, K)
                    lines.append(
                        f"{lhs} = {g_sub} · {self.f(lt.dsigma[0, j])} = {self.n(lt.delta[0, j])}"
                    )
            else:
                first = (
                    f"ŷ − y = {self.show(t.y_hat - t.y)}"
                    if loss.name == "half_sse"
                    else f"∂ℓ/∂ŷ = {self.show(grad)}"
                )
                lines = [first, f"{ds} = {self.show(lt.dsigma)}"]
        else:
            equation = (
                f"δ({L}){i} = ŷ{i} ⊙ (g − Σₖ ŷₖ gₖ),  g = ∂ℓ/∂ŷ{self.each()},  {loss.grad_formula}"
            )
            small = False
            lines = [f"g = ∂ℓ/∂ŷ = {self.show(grad)}"]
        equation = with_outputs(equation, K)
        values["∂ℓ/∂ŷ"] = grad
        values[f"δ({L})"] = lt.delta
        if not small:
            lines.append(f"δ({L}) = {self.show(lt.delta)}")
        return self.phase(
            "delta_output",
            L,
            title,
            f"δ({L})",
            equation,
            lines,
            self.show(lt.delta),
            reads,
            [Cell("delta", L)],
            values,
        )

    def delta_hidden(self, l: int) -> Phase:
        lt, nxt, act = self.trace.layers[l - 1], self.trace.layers[l], self.acts[l - 1]
        i, ds = self.i(), f"{self.sym(act)}'(z({l}))"
        upstream = np.dot(np.asarray(nxt.delta), np.asarray(nxt.W))  # as Network.backward
        u_name = f"W({l + 1})ᵀ δ({l + 1})"
        n_units, n_next = lt.z.shape[1], nxt.z.shape[1]
        if act.elementwise:
            equation = (
                f"δ({l}){i} = (W({l + 1})ᵀ δ({l + 1}){i}) ⊙ {self.sym(act)}'(z({l}){i})"
                + self.each()
            )
        else:
            equation = f"δ({l}){i} = a({l}){i} ⊙ (u − Σₖ a({l})ₖ uₖ),  u = {u_name}{i}{self.each()}"
        if act.elementwise and self.B == 1 and n_units <= 4 and n_next <= 4:
            lines = [self._derivative_line(act, l, lt, output=False)]
            for j in range(n_units):
                inner = " + ".join(
                    f"{self.f(nxt.W[k, j])} · {self.f(nxt.delta[0, k])}" for k in range(n_next)
                )
                lhs = self.unit(f"δ({l})", j, n_units)
                lines.append(
                    f"{lhs} = ({inner}) · {self.f(lt.dsigma[0, j])} = {self.n(lt.delta[0, j])}"
                )
        else:
            lines = [f"{u_name} = {self.show(upstream)}"]
            if act.elementwise:
                lines.append(f"{ds} = {self.show(lt.dsigma)}")
            else:
                lines.append(f"a({l}) = {self.show(lt.a)}")
            lines.append(f"δ({l}) = {self.show(lt.delta)}")
        return self.phase(
            "delta_hidden",
            l,
            f"δ({l}) — error of hidden layer {l}, from δ({l + 1})",
            f"δ({l})",
            equation,
            lines,
            self.show(lt.delta),
            [Cell("W", l + 1), Cell("delta", l + 1), Cell("z", l), Cell("a", l)],
            [Cell("delta", l)],
            {
                f"W({l + 1})": nxt.W,
                f"δ({l + 1})": nxt.delta,
                u_name: upstream,
                f"z({l})": lt.z,
                f"a({l})": lt.a,
                ds: lt.dsigma,
                f"δ({l})": lt.delta,
            },
        )

    def grad_W(self, l: int) -> Phase:
        lt, ap = self.trace.layers[l - 1], self.a_name(l - 1)
        B = self.B
        if B == 1:
            equation = f"∂L/∂W({l}) = δ({l}) {ap}ᵀ"
        else:
            equation = f"∂L/∂W({l}) = (1/B) Σᵢ δ({l})ᵢ {ap}ᵢᵀ,  B = {B}"
        n_out, n_in = lt.W.shape
        if B <= 4 and n_out <= 4 and n_in <= 4:
            lines = []
            for j in range(n_out):
                for k in range(n_in):
                    products = [
                        f"{self.f(lt.delta[s, j])} · {self.f(lt.a_prev[s, k])}" for s in range(B)
                    ]
                    body = products[0] if B == 1 else f"(1/{B}) (" + " + ".join(products) + ")"
                    lines.append(f"∂L/∂W({l}){sub(j + 1, k + 1)} = {body} = {self.n(lt.dW[j, k])}")
        else:
            scale = "" if B == 1 else f"(1/{B}) "
            lines = [
                f"δ({l}) = {self.show(lt.delta)}",
                f"{ap} = {self.show(lt.a_prev)}",
                f"∂L/∂W({l}) = {scale}δ({l})ᵀ {ap} = {self.show(lt.dW, False)}",
            ]
        return self.phase(
            "grad_W",
            l,
            f"∂L/∂W({l}) — weight gradient of layer {l}",
            f"∂L/∂W({l})",
            equation,
            lines,
            self.show(lt.dW, False),
            [Cell("delta", l), self.prev_cell(l)],
            [Cell("dW", l)],
            {f"δ({l})": lt.delta, ap: lt.a_prev, f"∂L/∂W({l})": lt.dW},
        )

    def grad_b(self, l: int) -> Phase:
        lt, B = self.trace.layers[l - 1], self.B
        equation = f"∂L/∂b({l}) = δ({l})"
        if B > 1:
            equation = f"∂L/∂b({l}) = (1/B) Σᵢ δ({l})ᵢ,  B = {B}"
        n_out = lt.b.shape[0]
        if B == 1:
            lines = [f"∂L/∂b({l}) = δ({l}) = {self.show(lt.db, False)}"]
        elif B <= 4 and n_out <= 4:
            lines = [
                f"{self.unit(f'∂L/∂b({l})', j, n_out)} = (1/{B}) ("
                + " + ".join(self.f(lt.delta[s, j]) for s in range(B))
                + f") = {self.n(lt.db[j])}"
                for j in range(n_out)
            ]
        else:
            lines = [
                f"δ({l}) = {self.show(lt.delta)}",
                f"∂L/∂b({l}) = (1/{B}) Σᵢ δ({l})ᵢ = {self.show(lt.db, False)}",
            ]
        return self.phase(
            "grad_b",
            l,
            f"∂L/∂b({l}) — bias gradient of layer {l}",
            f"∂L/∂b({l})",
            equation,
            lines,
            self.show(lt.db, False),
            [Cell("delta", l)],
            [Cell("db", l)],
            {f"δ({l})": lt.delta, f"∂L/∂b({l})": lt.db},
        )

    # -- updates ----------------------------------------------------------------------

    def update(self, l: int, which: str) -> Phase:
        lt = self.trace.layers[l - 1]
        if which == "W":
            theta, g, new = lt.W, lt.dW, lt.W_new
            st_before, st_after = lt.state_W_before, lt.state_W
        else:
            theta, g, new = lt.b, lt.db, lt.b_new
            st_before, st_after = lt.state_b_before, lt.state_b
        pname, gname = f"{which}({l})", f"∂L/∂{which}({l})"
        equation = update_equation(self.opt, pname, gname, self.p)
        if all(d <= 4 for d in theta.shape):
            lines = []
            for idx in np.ndindex(theta.shape):
                if which == "b" and theta.size == 1:
                    label = pname
                else:
                    label = pname + sub(*(k + 1 for k in idx))

                def before(key: str, idx: tuple[int, ...] = idx) -> float | None:
                    return float(st_before[key][idx]) if key in st_before else None

                def after(key: str, idx: tuple[int, ...] = idx) -> float:
                    return float(st_after[key][idx])

                lines.append(
                    update_line(
                        self.opt,
                        label,
                        (float(theta[idx]), float(g[idx]), float(new[idx])),
                        before,
                        after,
                        self.p,
                    )
                )
        else:
            lines = [f"{pname} = {self.show(theta, False)}", f"{gname} = {self.show(g, False)}"]
            lines += [f"{k} = {self.show(v, False)}" for k, v in st_after.items()]
            lines.append(f"{pname} ← {self.show(new, False)}")
        values: dict[str, Any] = {pname: theta, gname: g, "η": np.float64(self.opt.lr)}
        for k, v in st_before.items():
            values[f"{k} before"] = v
        values.update(st_after)
        values[f"{pname} after"] = new
        grad_quantity = "dW" if which == "W" else "db"
        return self.phase(
            f"update_{which}",
            l,
            f"{pname} — update ({self.opt.kind})",
            pname,
            equation,
            lines,
            self.show(new, False),
            [Cell(which, l), Cell(grad_quantity, l)],
            [Cell(which, l)],
            values,
        )

"""The loss and backward phases of a traced step: L, δ(L) (fused with the output
activation where the loss has that form), δ(l) from δ(l+1), and the gradients ∂L/∂W(l),
∂L/∂b(l). What differs between losses and activations is read from their records
(core.nn.losses, core.nn.activations)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from backprop_tui.core.format import entry_name, sub
from backprop_tui.core.nn.activations import Activation
from backprop_tui.core.trace.model import Cell, LayerTrace, Phase
from backprop_tui.core.trace.writer import PhaseWriter, with_outputs


class BackwardPhases(PhaseWriter):
    """The loss, the δ of every layer and the weight and bias gradients."""

    def _sample_loss(self, lhs: str, i: int, value: float) -> str:
        """ℓ of sample i with its numbers, or just its value for a loss without that text."""
        t, text = self.trace, self.loss.sample_text
        if text is None:
            return f"{lhs} = {self.n(value)}"
        body = text(
            [self.f(v) for v in t.y_hat[i]],
            [self.f(v) for v in t.y[i]],
            [self.n(v) for v in t.layers[-1].z[i]],
        )
        return f"{lhs} = {body} = {self.n(value)}"

    def loss_phase(self) -> Phase:
        t = self.trace
        K = t.y.shape[1]
        formula = self.loss.formula_for(K)
        if re.search(r"\bz", formula):  # the loss reads the logits: say which z
            formula += f",  z = z({self.L})"
        if self.B == 1:
            equation = formula.replace("ℓ =", "L =", 1)
        else:
            equation = f"L = (1/B) Σᵢ ℓᵢ,  {formula},  B = {self.B}"
        equation = with_outputs(equation, K)
        if self.B == 1 and K <= 4:
            lines = [self._sample_loss("L", 0, t.loss)]
        elif self.B <= 4 and K <= 4:
            lines = [
                self._sample_loss(f"ℓ{sub(i + 1)}", i, t.per_sample_loss[i]) for i in range(self.B)
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
        if self.loss.reads_logits:
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
        name = f"{act.symbol}'(z({l}))"
        template = act.derivative_in_a
        if template is None:
            return f"{name} = {self.show(lt.dsigma)}"
        if template == "1":
            return f"{name} = 1"
        a_name = "ŷ" if output else f"a({l})"
        text = f"{name} = {template.format(a=a_name)}"
        if lt.a.shape[1] == 1 and act.derivative_numbers:
            text += " = " + act.derivative_numbers.format(a=self.f(lt.a[0, 0]))
        return f"{text} = {self.show(lt.dsigma)}"

    def _loss_slope_line(self, grad: Any) -> str:
        """∂ℓ/∂ŷ on its own line, as the notes write it before δ(L): the loss record's
        formula ('∂ℓ/∂ŷ = ŷ − y' for half squared error) and its values."""
        return f"{self.loss.grad_formula} = {self.show(grad)}"

    def _notes_form_lines(self, l: int, upstream: Any) -> list[str]:
        """W(l+1)ᵀ δ(l+1) beside the notes' δ(l+1) W(l+1), and why they are the same."""
        return [
            f"W({l + 1})ᵀ δ({l + 1}) = δ({l + 1}) W({l + 1}) = {self.show(upstream)}",
            f"(the notes' δ({l + 1}) W({l + 1}) is the row δ({l + 1}) times W({l + 1}): "
            f"the same sums Σₖ δ({l + 1})ₖ W({l + 1})ₖ,ⱼ)",
        ]

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
                    body = f"({diff}) / {K}" if loss.mean_over_outputs else diff
                    lines.append(f"{lhs} = {body} = {self.n(lt.delta[0, j])}")
        elif act.elementwise:
            ds = f"{act.symbol}'(z({L}))"
            g_expr = (loss.grad_factor or "∂ℓ/∂ŷ").replace("ŷ", f"ŷ{i}").replace("y)", f"y{i})")
            equation = f"δ({L}){i} = {g_expr} ⊙ {act.symbol}'(z({L}){i}){self.each()}"
            if loss.grad_factor is None:
                equation += f",  {loss.grad_formula}"
            values[ds] = lt.dsigma
            if small:
                lines.append(self._loss_slope_line(grad))
                lines.append(self._derivative_line(act, L, lt, output=True))
                for j in range(K):
                    diff = f"({self.f(t.y_hat[0, j])} − {self.f(t.y[0, j])})"
                    g_sub = (
                        loss.grad_numbers.format(diff=diff, K=K)
                        if loss.grad_numbers
                        else self.f(grad[0, j])
                    )
                    lhs = self.unit(f"δ({L})", j, K)
                    lines.append(
                        f"{lhs} = {g_sub} · {self.f(lt.dsigma[0, j])} = {self.n(lt.delta[0, j])}"
                    )
            else:
                lines = [self._loss_slope_line(grad), f"{ds} = {self.show(lt.dsigma)}"]
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
        i, ds = self.i(), f"{act.symbol}'(z({l}))"
        upstream = np.dot(np.asarray(nxt.delta), np.asarray(nxt.W))  # as Network.backward
        u_name = f"W({l + 1})ᵀ δ({l + 1})"
        n_units, n_next = lt.z.shape[1], nxt.z.shape[1]
        if act.elementwise:
            equation = (
                f"δ({l}){i} = (W({l + 1})ᵀ δ({l + 1}){i}) ⊙ {act.symbol}'(z({l}){i})" + self.each()
            )
        else:
            equation = f"δ({l}){i} = a({l}){i} ⊙ (u − Σₖ a({l})ₖ uₖ),  u = {u_name}{i}{self.each()}"
        if act.elementwise and self.B == 1 and n_units <= 4 and n_next <= 4:
            lines = [self._derivative_line(act, l, lt, output=False)]
            lines += self._notes_form_lines(l, upstream)
            for j in range(n_units):
                inner = " + ".join(
                    f"{self.f(nxt.W[k, j])} · {self.f(nxt.delta[0, k])}" for k in range(n_next)
                )
                lhs = self.unit(f"δ({l})", j, n_units)
                lines.append(
                    f"{lhs} = ({inner}) · {self.f(lt.dsigma[0, j])} = {self.n(lt.delta[0, j])}"
                )
        else:
            lines = self._notes_form_lines(l, upstream)
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
                    name = entry_name(f"∂L/∂W({l})", (j, k), lt.dW.shape)
                    lines.append(f"{name} = {body} = {self.n(lt.dW[j, k])}")
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

"""The forward phases of a traced step: z(l) = W(l) a(l−1) + b(l) and a(l) = σ(z(l)),
with the numbers put in."""

from __future__ import annotations

from backprop_tui.core.trace.model import Cell, Phase
from backprop_tui.core.trace.writer import PhaseWriter


class ForwardPhases(PhaseWriter):
    """z(l) and a(l) for each layer l (1-based)."""

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
        s, last = act.symbol, l == self.L
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

"""The update phases: each optimizer's rule in the notes' notation and, per parameter
entry, the same rule with its numbers and optimizer state (torch.optim's order of
operations; see core.nn.optimizers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from backprop_tui.core.format import entry_name, fmt_factor, fmt_number
from backprop_tui.core.nn.optimizers import Optimizer
from backprop_tui.core.trace.model import Cell, Phase
from backprop_tui.core.trace.writer import PhaseWriter


def update_equation(opt: Optimizer, pname: str, gname: str, precision: int = 4) -> str:
    """The optimizer's rule for parameter `pname` (e.g. "W(2)") with gradient `gname`,
    followed by its hyper-parameters: "W(2) ← W(2) − η ∂L/∂W(2),  η = 0.5"."""

    def n(value: Any) -> str:
        return fmt_number(value, precision)

    wd = opt.weight_decay
    g = f"{gname} + λ {pname}" if wd else gname
    hyper = [f"η = {n(opt.lr)}"]
    if opt.kind == "sgd":
        rule = f"{pname} ← {pname} − η ({g})" if wd else f"{pname} ← {pname} − η {g}"
        return rule + ",  " + ", ".join(hyper + ([f"λ = {n(wd)}"] if wd else []))
    options = opt.hyperparameters()
    if opt.kind == "momentum":
        hyper.append(f"μ = {n(options['momentum'])}")
        if options.get("nesterov"):
            rule = f"v ← μ v + g;  {pname} ← {pname} − η (g + μ v)"
        else:
            rule = opt.rule.replace("θ", pname)
    else:
        rule = opt.rule.replace("θ", pname)
        if opt.kind == "adam":
            b1, b2 = options["betas"]
            hyper += [
                f"β₁ = {n(b1)}",
                f"β₂ = {n(b2)}",
                f"ε = {n(options['eps'])}",
                f"t = {opt.t}",
                "m̂ = m/(1 − β₁ᵗ)",
                "ŝ = s/(1 − β₂ᵗ)",
            ]
        elif opt.kind == "rmsprop":
            hyper += [f"α = {n(options['alpha'])}", f"ε = {n(options['eps'])}"]
    if wd:
        hyper.append(f"λ = {n(wd)}")
    return f"{rule},  g = {g},  " + ", ".join(hyper)


def update_line(
    opt: Optimizer,
    name: str,
    entry: tuple[float, float, float],
    before: Callable[[str], float | None],
    after: Callable[[str], float],
    precision: int = 4,
) -> str:
    """One parameter entry's update with its numbers, e.g. "W(2)₁,₁ = 0.4 − 0.5 · 0.0866 =
    0.3567". `entry` is (θ, ∂L/∂θ, θ after); `before(key)`/`after(key)` give this entry's
    optimizer state ("m", "s", "v") before (None when there was none) and after the step;
    `opt` is the optimizer after its step (its t counts this one)."""
    theta, g_raw, new = entry

    def n(value: Any) -> str:
        return fmt_number(value, precision)

    def f(value: Any) -> str:
        return fmt_factor(value, precision)

    wd = opt.weight_decay
    segments = []
    g = g_raw + wd * theta if wd else g_raw
    if wd:
        segments.append(f"g = {f(g_raw)} + {n(wd)} · {f(theta)} = {n(g)}")
    options = opt.hyperparameters()
    if opt.kind == "momentum":
        mu, v, v_old = options["momentum"], after("v"), before("v")
        if v_old is None:
            segments.append(f"v = g = {n(v)}")
        else:
            segments.append(f"v = {n(mu)} · {f(v_old)} + {f(g)} = {n(v)}")
        step = f"({f(g)} + {n(mu)} · {f(v)})" if options.get("nesterov") else f(v)
        segments.append(f"{name} = {f(theta)} − {n(opt.lr)} · {step} = {n(new)}")
    elif opt.kind == "adam":
        b1, b2 = options["betas"]
        m, s = after("m"), after("s")
        m_old, s_old = before("m") or 0.0, before("s") or 0.0
        m_hat, s_hat = m / (1.0 - b1**opt.t), s / (1.0 - b2**opt.t)
        segments += [
            f"m = {n(b1)} · {f(m_old)} + {n(1.0 - b1)} · {f(g)} = {n(m)}",
            f"s = {n(b2)} · {f(s_old)} + {n(1.0 - b2)} · {f(g)}² = {n(s)}",
            f"m̂ = {n(m_hat)}, ŝ = {n(s_hat)}",
            f"{name} = {f(theta)} − {n(opt.lr)} · {f(m_hat)} / (√{n(s_hat)} + "
            f"{n(options['eps'])}) = {n(new)}",
        ]
    elif opt.kind == "rmsprop":
        alpha, s, s_old = options["alpha"], after("s"), before("s") or 0.0
        segments += [
            f"s = {n(alpha)} · {f(s_old)} + {n(1.0 - alpha)} · {f(g)}² = {n(s)}",
            f"{name} = {f(theta)} − {n(opt.lr)} · {f(g)} / (√{n(s)} + "
            f"{n(options['eps'])}) = {n(new)}",
        ]
    else:
        segments.append(f"{name} = {f(theta)} − {n(opt.lr)} · {f(g)} = {n(new)}")
    return ";  ".join(segments)


class UpdatePhases(PhaseWriter):
    """W(l) ← … and b(l) ← … for each layer l (1-based)."""

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
                label = entry_name(pname, idx, theta.shape)

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

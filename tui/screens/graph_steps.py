"""The graph view's step panel: one step of the backward walk in words and numbers."""

from __future__ import annotations

from backprop_tui.core.autodiff.graph import BackwardStep, gradients
from backprop_tui.core.autodiff.node import Node, fmt
from backprop_tui.tui.widgets.graph_layout import formula
from rich.text import Text


def step_text(steps: list[BackwardStep], k: int, root: Node | None) -> Text:
    """The step panel at step `k` of the backward walk `steps` of the graph ending at
    `root`: the node, what it received, its chain-rule lines, and at the end every
    input's gradient."""
    step = steps[k]
    node = step.node
    text = Text()
    text.append(f"Step {k + 1} of {len(steps)}: ", style="dim")
    text.append(f"node {step.name}", style="bold bright_yellow")
    what = "an input" if node.op == "var" else f"{step.name} = {formula(node)}"
    text.append(f"\n{what}, value {fmt(node.value)}\n", style="dim")
    came = received(steps, k, node)
    if came:
        text.append(f"what {step.name} received:\n", style="dim")
        for line in came:
            text.append(f"  {line}\n")
    for i, line in enumerate(step.lines()):
        if i == 0 and came and len(came) == 1:
            continue
        text.append(line + "\n", style="bold" if i == 0 else "")
    if not step.terms and node.op == "var":
        text.append(f"{step.name} is an input: its gradient is final.\n", style="dim")
    if k == len(steps) - 1:
        text.append("\nBackward pass done. ", style="bold green")
        grads = gradients(root) if root is not None else {}
        shown = list(grads.items())[:12]
        text.append(", ".join(f"∂L/∂{k} = {fmt(v)}" for k, v in shown))
        if len(grads) > len(shown):
            text.append(f", … ({len(grads)} inputs)")
    return text


def received(steps: list[BackwardStep], k: int, node: Node) -> list[str]:
    """The chain-rule lines of earlier steps that added to ∂L/∂node."""
    found = []
    for step in steps[:k]:
        terms = [t for t in step.terms if t.parent.op != "const"]
        for term, line in zip(terms, step.lines()[1:], strict=True):
            if term.parent is node:
                found.append(line)
    return found

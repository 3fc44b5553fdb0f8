"""The walk over a scalar computation graph: order, names, the backward pass, its steps.

Every `Node` holds one float `value`, the operation `op` that made it, its `parents` in
order, and `local_grads`: the local derivative ∂node/∂parent for each parent, computed
in the forward pass beside the operation. `backward(root)` sets ∂L/∂L = 1 and walks the
nodes in reverse topological order, adding ∂L/∂parent += ∂L/∂node · ∂node/∂parent —
the chain rule, with `+=` so that a node used twice collects both contributions.
`backward_steps(root)` does the same walk and records each step with its numbers, for a
person to follow node by node. The expression parser that builds such graphs from text
is `core.autodiff.parse`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from backprop_tui.core.autodiff.node import (
    ExpressionError,
    Node,
    exp,
    fmt,
    local_formula,
    log,
    relu,
    sigmoid,
    sqrt,
    tanh,
)

__all__ = [
    "BackwardStep", "ChainTerm", "ExpressionError", "Node", "backward", "backward_steps",
    "depths", "exp", "fmt", "gradients", "log", "name_nodes", "relu", "seed_scalar_graph",
    "sigmoid", "sqrt", "tanh", "to_dict", "topological_order",
]  # fmt: skip


def topological_order(root: Node) -> list[Node]:
    """Every node `root` depends on, parents before children, `root` last; deterministic
    because parents are ordered (a depth-first walk, parents left to right)."""
    order: list[Node] = []
    seen: set[Node] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:  # iterative, so deep graphs do not hit the recursion limit
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))
            stack.extend((p, False) for p in reversed(node.parents) if p not in seen)
    return order


def name_nodes(root: Node, prefix: str = "z", root_name: str = "L") -> None:
    """Label the unnamed nodes as the notes do: z1, z2, … in topological order, the root L."""
    order = topological_order(root)
    taken = {n.label for n in order if n.label}
    counter = itertools.count(1)
    for node in order:
        if node.label or node.op == "const":
            continue
        if node is root and root_name not in taken:
            node.label = root_name
            continue
        node.label = next(f"{prefix}{k}" for k in counter if f"{prefix}{k}" not in taken)


@dataclass(frozen=True)
class ChainTerm:
    """One use of the chain rule: ∂L/∂parent += ∂L/∂node · ∂node/∂parent."""

    parent: Node
    parent_name: str
    local_grad: float  # ∂node/∂parent
    local_formula: str  # the same, in symbols (e.g. "x" for ∂(w·x)/∂w)
    product: float  # ∂L/∂node · ∂node/∂parent, the amount added
    total: float  # ∂L/∂parent after the addition
    accumulated: bool  # the parent had already received a contribution


@dataclass(frozen=True)
class BackwardStep:
    """The backward pass at one node: its gradient ∂L/∂node and what it sends each parent."""

    node: Node
    name: str
    root_name: str
    upstream: float  # ∂L/∂node, final when the step runs
    terms: tuple[ChainTerm, ...]

    def lines(self, digits: int = 4) -> list[str]:
        """The step as equations with numbers, one line per variable or intermediate parent."""
        L, n = _symbol(self.root_name), _symbol(self.name)

        def f(v: float) -> str:
            return fmt(v, digits)

        def factor(v: float) -> str:
            return f(v) if v >= 0 else f"({f(v)})"

        up = factor(self.upstream)
        out = [f"∂{L}/∂{n} = {f(self.upstream)}"]
        for t in self.terms:
            if t.parent.op == "const":
                continue
            p, local = _symbol(t.parent_name), f(t.local_grad)
            if self.name == self.root_name:
                # At the root ∂L/∂L = 1: the chain rule's "∂L/∂L · ∂L/∂p" would only
                # restate ∂L/∂p, so the local derivative is the whole step.
                symbolic = f"{t.local_formula} = " if t.local_formula != local else ""
                line = f"∂{L}/∂{p} {'+=' if t.accumulated else '='} {symbolic}{f(t.product)}"
                out.append(line + (f", so ∂{L}/∂{p} = {f(t.total)}" if t.accumulated else ""))
                continue
            symbolic = f"{up} · {_symbol(t.local_formula)} = " if t.local_formula != local else ""
            line = (
                f"∂{L}/∂{p} {'+=' if t.accumulated else '='} ∂{L}/∂{n} · ∂{n}/∂{p} = "
                f"{symbolic}{up} · {factor(t.local_grad)} = {f(t.product)}"
            )
            out.append(line + (f", so ∂{L}/∂{p} = {f(t.total)}" if t.accumulated else ""))
        return out

    def equation(self, digits: int = 4) -> str:
        """`lines` joined by newlines."""
        return "\n".join(self.lines(digits))


def _symbol(text: str) -> str:
    """`text` in parentheses when it is a compound like "ŷ − y", so that ∂L/∂(ŷ − y) reads."""
    return f"({text})" if any(c in text for c in "·+-−/^ ") else text


def _local_formulas(node: Node) -> tuple[str, ...]:
    names = [p.name for p in node.parents]
    a, b = [*names, "", ""][:2]
    op = node.op
    if op == "**" and node.parents[1].op == "const":
        e = node.parents[1].value - 1
        return (f"{b}·{a}" if e == 1 else f"{b}·{a}^{fmt(e)}", "0")
    activation = local_formula(node)  # an activation's record writes its own
    if activation is not None:
        return (activation,)
    table = {
        "+": ("1", "1"), "-": ("1", "-1"), "*": (b, a), "/": (f"1/{b}", f"−{a}/{b}²"),
        "**": (f"{b}·{a}^({b}−1)", f"{a}^{b}·ln({a})"), "neg": ("-1",), "exp": (f"exp({a})",),
        "log": (f"1/{a}",), "half_square": (a,),
    }  # fmt: skip
    return table.get(op, ("1",) * len(names))


def backward_steps(root: Node) -> list[BackwardStep]:
    """Run the backward pass from `root` and return one step per non-constant node, in the
    order the chain rule visits them (reverse topological order, root first).

    All gradients in the graph are reset first, so running it twice gives the same result.
    """
    order = topological_order(root)
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    reached: set[Node] = set()
    steps = []
    for node in reversed(order):
        terms = []
        for parent, local, formula in zip(
            node.parents, node.local_grads, _local_formulas(node), strict=True
        ):
            product = node.grad * local
            parent.grad += product
            if not math.isfinite(parent.grad):
                raise ExpressionError(f"the gradient ∂{root.name}/∂{parent.name} overflows")
            terms.append(
                ChainTerm(
                    parent, parent.name, local, formula, product, parent.grad, parent in reached
                )
            )
            reached.add(parent)
        if node.op != "const":
            steps.append(BackwardStep(node, node.name, root.name, node.grad, tuple(terms)))
    return steps


def backward(root: Node) -> None:
    """Set every node's `grad` to ∂root/∂node (reverse-mode chain rule, `+=` accumulation)."""
    backward_steps(root)


def gradients(root: Node) -> dict[str, float]:
    """∂root/∂v for every variable v in the graph, by label (after `backward`)."""
    return {n.name: n.grad for n in topological_order(root) if n.op == "var"}


def depths(root: Node) -> dict[Node, int]:
    """Each node's column in a left-to-right drawing: 0 for leaves, else 1 + its deepest
    parent's, so inputs sit on the left and the root on the right."""
    depth: dict[Node, int] = {}
    for node in topological_order(root):
        depth[node] = 1 + max((depth[p] for p in node.parents), default=-1)
    return depth


def to_dict(root: Node) -> dict:
    """A JSON-able description: `nodes` in topological order, each with its position as `id`
    (stable across runs, unlike `Node.id`), name, label, op, value, grad, parent ids and
    local gradients and depth (see `depths`); then the root's id and value and the
    variables' gradients."""
    order = topological_order(root)
    index = {node: k for k, node in enumerate(order)}
    depth = depths(root)
    nodes = [
        {
            "id": index[n], "name": n.name, "label": n.label, "op": n.op, "value": n.value,
            "grad": n.grad, "depth": depth[n], "parents": [index[p] for p in n.parents],
            "local_grads": list(n.local_grads),
        }
        for n in order
    ]  # fmt: skip
    return {"root": index[root], "value": root.value, "nodes": nodes, "gradients": gradients(root)}


def seed_scalar_graph(x: float = 2.0, w: float = 1.5, t: float = 5.0) -> Node:
    """The notes' graph: z1 = w·x, z2 = z1 − t, L = ½·z2²; returns L (not yet backward)."""
    w_, x_, t_ = Node(w, label="w"), Node(x, label="x"), Node(t, label="t")
    z1 = w_ * x_
    z1.label = "z1"
    z2 = z1 - t_
    z2.label = "z2"
    L = z2.half_square()
    L.label = "L"
    return L

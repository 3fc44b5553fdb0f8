"""A scalar computation graph drawn left to right: inputs on the left, the loss on the right.

Each node (constants are folded into their user's formula) is a box with its name, its
operation in terms of its parents, its value and its gradient ∂L/∂node so far:

    ╭ z1 ────────╮
    │ w · x      │
    │ val  3     │
    │ grad -2    │
    ╰────────────╯

Columns follow `core.autodiff.graph.depths` (a node sits right of all its parents), except
that an input is pulled right to sit just before its first use, so the notes' t sits
beside z1 rather than under w. An edge that still skips columns runs through a
one-row "pass-through" slot in each column it crosses. Within a column nodes are ordered
by their children's positions (right to left) and placed near the mean height of their
children, then of their parents, so each node sits between what it combines. Edges run
horizontally from a parent's right side to a channel in the gap, vertically to the
child's row and horizontally into the child ("─▶"); junctions and crossings are drawn
with box characters from the four directions meeting in each cell.

`layout_graph(root)` places the boxes (pure: no Textual but its `Region`);
`tui.widgets.graph_render.render_graph` draws them as a rich Text and
`tui.widgets.graph_diagram.GraphDiagram` is the widget that shows one step of a walk.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from backprop_tui.core.autodiff.graph import depths, topological_order
from backprop_tui.core.autodiff.node import Node, fmt
from textual.geometry import Region

BOX_HEIGHT = 5
MAX_BOX_WIDTH = 28
MIN_GAP = 5
V_GAP = 1

_OPS = {"+": "+", "-": "−", "*": "·", "/": "/"}
_FUNCTIONS = {"sigmoid": "σ", "leaky_relu": "leaky_relu"}


def _name(node: Node, wrap: bool = False) -> str:
    """The name a formula uses for `node`; compound names ('ŷ − y') in parentheses
    when `wrap`."""
    name = node.name
    if wrap and any(c in name for c in " +−-·/"):
        return f"({name})"
    return name


def formula(node: Node) -> str:
    """The node's operation in terms of its parents: 'w · x', 'σ(z(1)₁)', '½·z2²'."""
    op = node.op
    # A function's own parentheses already group its argument: log(1 + e^−z), not log((…)).
    wrapped = op in ("-", "*", "/", "**", "neg", "half_square")
    names = [_name(p, wrap=wrapped) for p in node.parents]
    if op == "var":
        return "input"
    if op == "const":
        return "constant"
    if op in _OPS and len(names) == 2:
        return f"{names[0]} {_OPS[op]} {names[1]}"
    if op == "**":
        return f"{names[0]} ** {names[1]}"
    if op == "neg":
        return f"−{names[0]}"
    if op == "half_square":
        return f"½·{names[0]}²"
    if op == "sum":
        return " + ".join(names)
    return f"{_FUNCTIONS.get(op, op)}({', '.join(names)})"


@dataclass
class Slot:
    """A node's box (or, when `node` is None, a one-row pass-through) in the drawing."""

    node: Node | None
    col: int
    y: int = 0
    height: int = BOX_HEIGHT
    key: int = 0

    @property
    def center(self) -> int:
        """The row where edges attach."""
        return self.y + (self.height // 2 if self.node is not None else 0)


@dataclass
class GraphLayout:
    """Where every node's box sits: columns (left to right) of slots, the unit edges
    between slots of neighbouring columns, and each column's x and width."""

    root: Node
    columns: list[list[Slot]]
    edges: list[tuple[Slot, Slot]]
    col_x: list[int] = field(default_factory=list)
    col_width: list[int] = field(default_factory=list)
    width: int = 0
    height: int = 0

    @property
    def slots(self) -> dict[Node, Slot]:
        """Each node's box (pass-throughs left out)."""
        return {s.node: s for col in self.columns for s in col if s.node is not None}

    def region_of(self, node: Node) -> Region | None:
        """The box of `node` in text coordinates, or None when it is not drawn."""
        slot = self.slots.get(node)
        if slot is None:
            return None
        return Region(self.col_x[slot.col], slot.y, self.col_width[slot.col], slot.height)


def layout_graph(root: Node) -> GraphLayout:
    """Place every non-constant node of the graph ending at `root` (see the module doc)."""
    order = [n for n in topological_order(root) if n.op != "const"]
    depth = depths(root)
    children: dict[Node, list[Node]] = {n: [] for n in order}
    for n in order:
        for p in n.parents:
            if p.op != "const" and n not in children[p]:
                children[p].append(n)
    col = {n: depth[n] for n in order}
    for n in order:
        if n.op == "var" and children[n]:
            col[n] = max(0, min(col[c] for c in children[n]) - 1)
    shift = min(col.values())
    col = {n: c - shift for n, c in col.items()}
    n_cols = max(col.values()) + 1

    columns: list[list[Slot]] = [[] for _ in range(n_cols)]
    slot_of: dict[Node, Slot] = {}
    counter = 0
    for n in order:
        slot_of[n] = Slot(n, col[n], key=counter)
        counter += 1
        columns[col[n]].append(slot_of[n])
    edges: list[tuple[Slot, Slot]] = []
    seen: set[tuple[int, int]] = set()
    for n in order:
        for p in n.parents:
            if p.op == "const" or (id(p), id(n)) in seen:
                continue
            seen.add((id(p), id(n)))
            prev = slot_of[p]
            for c in range(col[p] + 1, col[n]):
                through = Slot(None, c, height=1, key=counter)
                counter += 1
                columns[c].append(through)
                edges.append((prev, through))
                prev = through
            edges.append((prev, slot_of[n]))

    outgoing: dict[int, list[Slot]] = {}
    incoming: dict[int, list[Slot]] = {}
    for a, b in edges:
        outgoing.setdefault(id(a), []).append(b)
        incoming.setdefault(id(b), []).append(a)

    # Order each column by its children's positions, from the root leftwards.
    for c in range(n_cols - 2, -1, -1):
        rank = {id(s): i for i, s in enumerate(columns[c + 1])}

        def barycenter(s: Slot, rank: dict[int, int] = rank) -> tuple[float, int]:
            targets = [rank[id(t)] for t in outgoing.get(id(s), []) if id(t) in rank]
            return (sum(targets) / len(targets) if targets else len(rank), s.key)

        columns[c].sort(key=barycenter)

    def place(column: list[Slot], neighbours: Mapping[int, list[Slot]]) -> None:
        bottom = None
        for s in column:
            linked = neighbours.get(id(s), [])
            want = s.y
            if linked:
                mean = sum(t.center for t in linked) / len(linked)
                want = round(mean) - (s.center - s.y)
            if bottom is not None:
                want = max(want, bottom + V_GAP)
            s.y = want
            bottom = s.y + s.height

    for column in columns:
        y = 0
        for s in column:
            s.y = y
            y += s.height + V_GAP
    for c in range(n_cols - 2, -1, -1):
        place(columns[c], outgoing)
    for c in range(1, n_cols):
        place(columns[c], incoming)
    top = min(s.y for column in columns for s in column)
    for column in columns:
        for s in column:
            s.y -= top

    layout = GraphLayout(root, columns, edges)
    x = 0
    for c, column in enumerate(columns):
        width = max((box_width(s.node) for s in column if s.node is not None), default=3)
        layout.col_x.append(x)
        layout.col_width.append(width)
        targets = {id(b) for a, b in edges if a.col == c}
        x += width + max(MIN_GAP, len(targets) + 4)
    layout.width = layout.col_x[-1] + layout.col_width[-1]
    layout.height = max(s.y + s.height for column in columns for s in column)
    return layout


def box_width(node: Node) -> int:
    """Columns a node's box needs (borders included), at most MAX_BOX_WIDTH."""
    inner = max(
        len(node.name) + 2,
        len(formula(node)),
        len(f"val  {fmt(node.value)}"),
        len(f"grad {fmt(node.grad)} so far"),
        12,
    )
    return min(inner + 4, MAX_BOX_WIDTH)

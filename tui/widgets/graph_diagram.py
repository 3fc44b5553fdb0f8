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

`layout_graph(root)` is pure (no Textual) and `render_graph` returns a rich Text;
`GraphDiagram` is the widget that shows one step of a backward walk.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from backprop_tui.core.autodiff.graph import BackwardStep, depths, topological_order
from backprop_tui.core.autodiff.node import Node, fmt
from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.widgets import Static

BOX_HEIGHT = 5
MAX_BOX_WIDTH = 28
MIN_GAP = 5
V_GAP = 1

UP, DOWN, LEFT, RIGHT = 1, 2, 4, 8
LINES = {
    0: " ",
    LEFT: "─",
    RIGHT: "─",
    LEFT | RIGHT: "─",
    UP: "│",
    DOWN: "│",
    UP | DOWN: "│",
    DOWN | RIGHT: "┌",
    DOWN | LEFT: "┐",
    UP | RIGHT: "└",
    UP | LEFT: "┘",
    UP | DOWN | RIGHT: "├",
    UP | DOWN | LEFT: "┤",
    DOWN | LEFT | RIGHT: "┬",
    UP | LEFT | RIGHT: "┴",
    UP | DOWN | LEFT | RIGHT: "┼",
}

_OPS = {"+": "+", "-": "−", "*": "·", "/": "/"}
_FUNCTIONS = {"sigmoid": "σ", "leaky_relu": "leaky_relu"}
_PLAIN_OPS = {"*": "product", "+": "sum", "sum": "sum", "-": "difference", "/": "quotient"}

STYLE_BOX = Style(color="grey58")
STYLE_CURRENT = Style(color="bright_yellow", bold=True)
STYLE_PARENT = Style(color="bright_cyan", bold=True)
STYLE_EDGE = Style(color="grey42")
STYLE_EDGE_ACTIVE = Style(color="bright_cyan", bold=True)
STYLE_DONE = Style(color="green", bold=True)
STYLE_PARTIAL = Style(color="cyan")
STYLE_UNKNOWN = Style(color="grey42")


def _name(node: Node, wrap: bool = False) -> str:
    """The name a formula uses for `node`; compound names ('ŷ − y') in parentheses
    when `wrap`."""
    name = node.name
    if wrap and any(c in name for c in " +−-·/"):
        return f"({name})"
    return name


def formula(node: Node) -> str:
    """The node's operation in terms of its parents: 'w · x', 'σ(z(1)_1)', '½·z2²'."""
    op = node.op
    names = [_name(p, wrap=op not in ("sum", "+")) for p in node.parents]
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


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


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


@dataclass(frozen=True)
class WalkState:
    """What the drawing shows at one step of the backward walk: the current node, the
    parents it sends gradient to, and the gradient each node has so far."""

    current: Node | None
    parents: frozenset[Node]
    done: frozenset[Node]
    grads: Mapping[Node, float]

    @classmethod
    def at(cls, steps: list[BackwardStep], k: int) -> WalkState:
        """After steps[0 … k] of `core.autodiff.graph.backward_steps` (k = −1: none yet)."""
        grads: dict[Node, float] = {}
        done: set[Node] = set()
        for step in steps[: k + 1]:
            done.add(step.node)
            grads[step.node] = step.upstream
            for term in step.terms:
                if term.parent not in done:
                    grads[term.parent] = term.total
        current = steps[k].node if 0 <= k < len(steps) else None
        parents = (
            frozenset(t.parent for t in steps[k].terms if t.parent.op != "const")
            if current is not None
            else frozenset()
        )
        return cls(current, parents, frozenset(done), grads)


class _Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.chars = [[" "] * width for _ in range(height)]
        self.styles: list[list[Style | None]] = [[None] * width for _ in range(height)]
        self.bits = [[0] * width for _ in range(height)]
        self.line_style: list[list[Style | None]] = [[None] * width for _ in range(height)]

    def put(self, x: int, y: int, text: str, style: Style | None) -> None:
        for i, ch in enumerate(text):
            if 0 <= x + i < self.width and 0 <= y < self.height:
                self.chars[y][x + i] = ch
                self.styles[y][x + i] = style

    def link(self, x: int, y: int, bits: int, style: Style) -> None:
        if 0 <= x < self.width and 0 <= y < self.height:
            self.bits[y][x] |= bits
            if self.line_style[y][x] is not STYLE_EDGE_ACTIVE:
                self.line_style[y][x] = style

    def hline(self, x0: int, x1: int, y: int, style: Style) -> None:
        lo, hi = sorted((x0, x1))
        for x in range(lo, hi + 1):
            self.link(x, y, (LEFT if x > lo else 0) | (RIGHT if x < hi else 0), style)

    def vline(self, x: int, y0: int, y1: int, style: Style) -> None:
        lo, hi = sorted((y0, y1))
        for y in range(lo, hi + 1):
            self.link(x, y, (UP if y > lo else 0) | (DOWN if y < hi else 0), style)

    def to_text(self) -> Text:
        text = Text(no_wrap=True, overflow="ignore")
        for y in range(self.height):
            if y:
                text.append("\n")
            run, run_style = "", None
            for x in range(self.width):
                ch, style = self.chars[y][x], self.styles[y][x]
                if ch == " " and self.bits[y][x]:
                    ch, style = LINES[self.bits[y][x]], self.line_style[y][x]
                if style is not run_style and run:
                    text.append(run, style=run_style)
                    run = ""
                run_style = style
                run += ch
            text.append(run.rstrip() if run_style is None else run, style=run_style)
        return text


def render_graph(layout: GraphLayout, state: WalkState | None = None) -> Text:
    """The drawing of `layout`, with the walk `state` (current node, gradients so far)."""
    state = state or WalkState(None, frozenset(), frozenset(), {})
    canvas = _Canvas(layout.width + 1, layout.height)
    active = {id(state.current)} if state.current is not None else set()

    for a, b in layout.edges:
        x0 = layout.col_x[a.col] + layout.col_width[a.col]
        x_child = layout.col_x[b.col]
        gap_targets = sorted(
            {id(t): t for s, t in layout.edges if s.col == a.col}.values(),
            key=lambda t: t.center,
        )
        channel = x0 + 2 + [id(t) for t in gap_targets].index(id(b))
        hot = id(b) in active and a.node in state.parents
        hot = hot or _feeds(layout, a, b, state)
        style = STYLE_EDGE_ACTIVE if hot else STYLE_EDGE
        if a.node is None:
            canvas.hline(layout.col_x[a.col], x0, a.center, style)
        if a.center == b.center:
            canvas.hline(x0, x_child - 1, a.center, style)
        else:
            canvas.hline(x0, channel, a.center, style)
            canvas.vline(channel, a.center, b.center, style)
            canvas.hline(channel, x_child - 1, b.center, style)
        if b.node is not None:
            canvas.put(x_child - 1, b.center, "▶", style)
        else:
            canvas.hline(x_child, x_child + layout.col_width[b.col], b.center, style)

    for column in layout.columns:
        for slot in column:
            if slot.node is not None:
                _draw_box(canvas, layout, slot, state)
    return canvas.to_text()


def _feeds(layout: GraphLayout, a: Slot, b: Slot, state: WalkState) -> bool:
    """Whether the unit edge a → b is part of a pass-through chain from a parent of the
    current node into it (so the whole long edge lights up)."""
    if state.current is None:
        return False
    start = a
    while start.node is None:
        start = next(s for s, t in layout.edges if t is start)
    end = b
    while end.node is None:
        end = next(t for s, t in layout.edges if s is end)
    return end.node is state.current and start.node in state.parents


def _draw_box(canvas: _Canvas, layout: GraphLayout, slot: Slot, state: WalkState) -> None:
    node = slot.node
    assert node is not None
    x, y, w = layout.col_x[slot.col], slot.y, layout.col_width[slot.col]
    inner = w - 4
    if node is state.current:
        border = STYLE_CURRENT
    elif node in state.parents:
        border = STYLE_PARENT
    else:
        border = STYLE_BOX
    title = _clip(node.name, w - 5)
    canvas.put(x, y, "╭ ", border)
    canvas.put(x + 2, y, title, Style(bold=True) + border if border is not STYLE_BOX else None)
    canvas.put(x + 2 + len(title), y, " " + "─" * (w - 4 - len(title)) + "╮", border)
    op_text = formula(node)
    if op_text.replace(" ", "") == node.name.replace(" ", ""):
        op_text = _PLAIN_OPS.get(node.op, node.op)
    if node in state.done:
        grad, grad_style = fmt(state.grads[node]), STYLE_DONE
    elif node in state.grads:
        grad, grad_style = fmt(state.grads[node]) + " so far", STYLE_PARTIAL
    else:
        grad, grad_style = "?", STYLE_UNKNOWN
    rows: list[tuple[str, Style | None]] = [
        (_clip(op_text, inner), Style(italic=True)),
        (_clip(f"val  {fmt(node.value)}", inner), None),
        (_clip(f"grad {grad}", inner), grad_style),
    ]
    for i, (content, style) in enumerate(rows, start=1):
        canvas.put(x, y + i, "│ ", border)
        canvas.put(x + 2, y + i, content.ljust(inner), style)
        canvas.put(x + w - 2, y + i, " │", border)
    canvas.put(x, y + BOX_HEIGHT - 1, "╰" + "─" * (w - 2) + "╯", border)


class GraphDiagram(Static):
    """The drawing of one graph at one step of its backward walk; `plain` is its text."""

    DEFAULT_CSS = """
    GraphDiagram {
        width: auto;
        height: auto;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes)
        self.layout_: GraphLayout | None = None
        self.plain = ""

    def set_graph(self, root: Node) -> GraphLayout:
        """Lay out the graph ending at `root` (drawn by the next `show_step`)."""
        self.layout_ = layout_graph(root)
        return self.layout_

    def show_step(self, steps: list[BackwardStep], k: int) -> None:
        """Draw the graph after steps[0 … k] of the backward walk."""
        if self.layout_ is None:
            return
        text = render_graph(self.layout_, WalkState.at(steps, k))
        self.plain = text.plain
        self.update(text)

    def current_region(self, nodes: Iterable[Node]) -> Region | None:
        """The text region covering the boxes of `nodes` (for scrolling them into view)."""
        if self.layout_ is None:
            return None
        regions = [r for n in nodes if (r := self.layout_.region_of(n)) is not None]
        if not regions:
            return None
        return Region.union_all(regions) if hasattr(Region, "union_all") else regions[0]

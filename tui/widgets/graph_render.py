"""A laid-out computation graph drawn as text: boxes, edges with box-drawing junctions,
and the state of a backward walk (the current node, the parents it sends gradient to,
each node's gradient so far). `render_graph` is pure: a `GraphLayout` in, a rich Text out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from backprop_tui.core.autodiff.graph import BackwardStep
from backprop_tui.core.autodiff.node import Node, fmt
from backprop_tui.tui.widgets.graph_layout import BOX_HEIGHT, GraphLayout, Slot, formula
from rich.style import Style
from rich.text import Text

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

_PLAIN_OPS = {"*": "product", "+": "sum", "sum": "sum", "-": "difference", "/": "quotient"}

STYLE_BOX = Style(color="grey58")
STYLE_CURRENT = Style(color="bright_yellow", bold=True)
STYLE_PARENT = Style(color="bright_cyan", bold=True)
STYLE_EDGE = Style(color="grey42")
STYLE_EDGE_ACTIVE = Style(color="bright_cyan", bold=True)
STYLE_DONE = Style(color="green", bold=True)
STYLE_PARTIAL = Style(color="cyan")
STYLE_UNKNOWN = Style(color="grey42")


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


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

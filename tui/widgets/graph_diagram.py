"""The computation-graph drawing as a widget: one graph (`tui.widgets.graph_layout`) at one
step of its backward walk (`tui.widgets.graph_render`)."""

from __future__ import annotations

from collections.abc import Iterable

from backprop_tui.core.autodiff.graph import BackwardStep
from backprop_tui.core.autodiff.node import Node
from backprop_tui.tui.widgets.graph_layout import GraphLayout, layout_graph
from backprop_tui.tui.widgets.graph_render import WalkState, render_graph
from textual.geometry import Region
from textual.widgets import Static


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

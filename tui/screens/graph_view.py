"""The computation-graph view: the chain rule node by node, the notes' second half.

`GraphScreen` draws a scalar graph left to right (`GraphDiagram`) and walks its backward
pass one node at a time: at each node the gradient ∂L/∂node, and for each parent the
local derivative and the chain-rule product (`core.autodiff.graph.BackwardStep.lines`), the
current node and its parents highlighted. Two sources:

- an expression typed in the field, with its variables ("0.5 * (w * x - t) ** 2",
  "w=1.5, x=2, t=5"); a rejected one shows its `ExpressionError` message in place and the
  previous graph stays. The notes' expression is drawn as the notes' graph
  (z1 = w·x, z2 = z1 − t, L = ½·z2²), ending with ∂L/∂w = −4;
- a small network (seed-toy, two-two-two): the loss of one training row, or of one
  output's term, built unit by unit by `core.autodiff.mlp.mlp_output_graph`, so its
  gradients are the step-through's ∂W and ∂b for that row.

Entry points: `GraphScreen(expression, variables)`, `GraphScreen.for_preset(preset,
context=None, snapshot=None)`, `open_graph_view(app, …)` (the dashboard's g and
`backprop-tui graph PRESET`), `StandaloneGraphApp` for `backprop-tui graph EXPR`. The
screen dismisses with None.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from backprop_tui.core.autodiff.graph import (
    BackwardStep,
    ExpressionError,
    backward_steps,
)
from backprop_tui.core.autodiff.mlp import (
    MLPGraph,
    mlp_output_graph,
)
from backprop_tui.core.autodiff.node import Node
from backprop_tui.core.autodiff.parse import parse_assignments
from backprop_tui.core.errors import BackpropError
from backprop_tui.core.format import fmt_array, sub
from backprop_tui.core.nn.network import Network
from backprop_tui.tui.screens import STYLES
from backprop_tui.tui.screens.graph_keys import GRAPH_BINDINGS, GraphKeys
from backprop_tui.tui.screens.graph_sources import (
    NOTES_EXPRESSION,
    NOTES_VARIABLES,
    build_expression_graph,
    format_assignments,
    network_supported,
)
from backprop_tui.tui.screens.graph_steps import step_text
from backprop_tui.tui.widgets.graph_diagram import GraphDiagram
from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, ScrollableContainer, Vertical, VerticalScroll
from textual.events import Resize
from textual.geometry import Region
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label, Select, Static

if TYPE_CHECKING:
    from backprop_tui.core.config.presets import Preset
    from backprop_tui.core.data.dataset import Dataset
    from backprop_tui.core.training.trainer import Snapshot
    from backprop_tui.tui.widgets.context import ViewContext

__all__ = ["GraphScreen", "StandaloneGraphApp", "open_graph_view"]

WIDE = 130
"""From this many columns the step panel may sit beside the drawing (`beside`)."""

STEP_PANEL = 53
"""Columns the step panel takes beside the drawing: 52 and its rule (graph_view.tcss)."""


class GraphScreen(GraphKeys, Screen[None]):
    """A scalar computation graph and its backward pass, node by node."""

    AUTO_FOCUS = ""
    """Nothing has focus at first, so the letter keys step through the graph."""

    CSS_PATH = STYLES / "graph_view.tcss"

    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = []
    """No width classes from the width alone (the dashboard's would apply otherwise): the
    step panel's place (-wide: beside) depends on the drawing too, see `beside`."""
    VERTICAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = []
    BINDINGS: ClassVar[list[BindingType]] = GRAPH_BINDINGS

    def __init__(
        self,
        expression: str | None = None,
        variables: str | Mapping[str, float] | None = None,
        *,
        network: Network | None = None,
        data: Dataset | None = None,
        loss: str | None = None,
        sample: int = 0,
        output: int | None = None,
        prefer_network: bool = False,
        title: str = "",
        name: str | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id)
        if isinstance(variables, str):
            variables_text = variables
        else:
            variables_text = format_assignments(variables or {})
        if expression is None:
            expression = NOTES_EXPRESSION
            variables_text = variables_text or format_assignments(NOTES_VARIABLES)
        self.expression = expression
        self.variables_text = variables_text
        self.network = network
        self.data = data
        self.loss = loss
        self.sample = sample
        self.output = output
        self.network_problem = (
            None if network is None or loss is None else network_supported(network, loss)
        )
        if network is not None and (data is None or loss is None):
            self.network_problem = "no training data to draw the network's graph from"
        self.prefer_network = prefer_network and self.network_problem is None
        self.root: Node | None = None
        self.steps: list[BackwardStep] = []
        self.k = 0
        """The current step of the backward walk (from 0)."""
        self.mlp_graph: MLPGraph | None = None
        """The network's graph, when that is what is drawn."""
        self.error = ""
        """The message in the error line ('' when the last input was accepted)."""
        self._step_plain = ""
        self.title = "Computation graph"
        self.sub_title = title

    # -- construction ----------------------------------------------------------------

    @classmethod
    def for_preset(
        cls,
        preset: Preset,
        *,
        context: ViewContext | None = None,
        snapshot: Snapshot | None = None,
    ) -> GraphScreen:
        """The preset's [graph] expression when it has one (seed-scalar), else its
        network's graph for training row 0 (with the snapshot's weights when given)."""
        from backprop_tui.core.config.presets import build_network, load_data
        from backprop_tui.core.training.snapshot import restore_network

        if snapshot is not None:
            network = restore_network(snapshot, preset.activations)
        else:
            network = build_network(preset)
        data = context.train if context is not None else load_data(preset)[0]
        graph = preset.graph
        return cls(
            graph["expression"] if graph else None,
            graph["variables"] if graph else None,
            network=network,
            data=data,
            loss=preset.loss,
            prefer_network=graph is None,
            title=preset.name,
        )

    # -- layout ----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="graph-inputs"):
            yield Label("L =")
            yield Input(
                self.expression, placeholder="0.5 * (w * x - t) ** 2", id="expression", compact=True
            )
            yield Label("with")
            yield Input(
                self.variables_text, placeholder="w=1.5, x=2, t=5", id="variables", compact=True
            )
        yield Static("", id="graph-error")
        with Horizontal(id="graph-network"):
            yield Label("network graph for")
            yield Select(
                self._sample_options(),
                value=self.sample,
                allow_blank=False,
                type_to_search=False,
                compact=True,
                id="graph-sample",
            )
            yield Select(
                self._output_options(),
                value=-1 if self.output is None else self.output,
                allow_blank=False,
                type_to_search=False,
                compact=True,
                id="graph-output",
            )
        with Vertical(id="graph-main"):
            with ScrollableContainer(id="graph-scroll", can_focus=False):
                yield GraphDiagram(id="diagram")
            with VerticalScroll(id="graph-step", can_focus=False):
                yield Static("", id="step-text")
        yield Footer()

    def on_mount(self) -> None:
        self.set_class(self.network is not None and self.network_problem is None, "-has-network")
        if self.prefer_network:
            self.show_network(self.sample, self.output)
        else:
            self.submit(self.expression, self.variables_text)
            if self.network is not None and self.network_problem is not None:
                self.notify(f"Network graph unavailable: {self.network_problem}", timeout=6)

    def _sample_options(self) -> list[tuple[str, int]]:
        if self.data is None:
            return [("row 1", 0)]
        return [
            (f"row {i + 1}: x = {fmt_array(self.data.X[i], 3)}", i)
            for i in range(min(len(self.data), 200))
        ]

    def _output_options(self) -> list[tuple[str, int]]:
        n_out = self.network.sizes[-1] if self.network is not None else 1
        if n_out == 1:
            return [("the output ŷ", -1)]
        return [("all outputs: L", -1)] + [
            (f"output {k + 1}: L{sub(k + 1)}", k) for k in range(n_out)
        ]

    # -- graphs ----------------------------------------------------------------------

    def submit(self, expression: str, variables_text: str) -> bool:
        """Parse and draw `expression` with `variables_text`; on a rejected input show the
        message in place, keep the previous graph and return False."""
        try:
            variables = parse_assignments(variables_text)
            root = build_expression_graph(expression, variables)
        except ExpressionError as err:
            self._set_error(f"✗ {err}")
            return False
        self.expression, self.variables_text = expression, variables_text
        self.mlp_graph = None
        self._set_error("")
        self._set_graph(root)
        return True

    def show_network(self, sample: int = 0, output: int | None = None) -> bool:
        """Draw the network's graph for training row `sample` and output `output`
        (None: the whole loss); False with a message when it cannot."""
        if self.network is None or self.data is None or self.loss is None:
            self._set_error("✗ no network here: open the graph view from a preset")
            return False
        if self.network_problem is not None:
            self._set_error(f"✗ {self.network_problem}")
            return False
        try:
            graph = mlp_output_graph(
                self.network, self.data.X[sample], self.data.Y[sample], self.loss, output
            )
        except BackpropError as err:
            self._set_error(f"✗ {err}")
            return False
        self.sample, self.output, self.mlp_graph = sample, output, graph
        self._set_error("")
        self._set_graph(graph.root)
        return True

    def _set_error(self, message: str) -> None:
        self.error = message
        self.query_one("#graph-error", Static).update(message)
        self.set_class(bool(message), "-error")

    def _set_graph(self, root: Node) -> None:
        self.root = root
        self.steps = backward_steps(root)
        self.query_one(GraphDiagram).set_graph(root)
        self.k = 0
        self._place_step_panel()
        self._show()

    def on_resize(self, event: Resize) -> None:
        self._place_step_panel(event.size.width)

    def _place_step_panel(self, width: int | None = None) -> None:
        layout = self.query_one(GraphDiagram).layout_
        drawing = 0 if layout is None else layout.width
        self.set_class(beside(width or self.size.width, drawing), "-wide")

    # -- drawing ---------------------------------------------------------------------

    @property
    def step_text(self) -> str:
        """The step panel's text (tests read it)."""
        return self._step_plain

    @property
    def diagram_text(self) -> str:
        """The drawing's text (tests read it)."""
        return self.query_one(GraphDiagram).plain

    def _show(self) -> None:
        diagram = self.query_one(GraphDiagram)
        diagram.show_step(self.steps, self.k)
        text = step_text(self.steps, self.k, self.root)
        self._step_plain = text.plain
        self.query_one("#step-text", Static).update(text)
        step = self.steps[self.k]
        region = diagram.current_region([step.node, *(t.parent for t in step.terms)])
        if region is not None:
            # The drawing is the scroll area's only child; its left padding is 1.
            self.call_after_refresh(self._scroll_into_view, region.translate((1, 0)))

    def _scroll_into_view(self, region: Region) -> None:
        """Scroll so that `region` shows, moving as little as that takes, and then on to
        the next column's left edge if a box would be cut there ("val  1.5" shown as
        ".5" read as 0.5)."""
        scroll = self.query_one("#graph-scroll", ScrollableContainer)
        scroll.scroll_to_region(region.grow((1, 2, 1, 2)), animate=False, immediate=True)
        layout = self.query_one(GraphDiagram).layout_
        x = round(scroll.scroll_x)
        if layout is None or x <= 0:
            return
        # Scrolled to a column's x, its boxes start one cell in (the drawing's padding).
        stops = layout.col_x
        if x in stops:
            return
        later = [c for c in stops if x < c < region.x and c <= scroll.max_scroll_x]
        # Else back to the column before: the box cut on the right keeps its numbers.
        earlier = [c for c in stops if c < x and region.x < c + scroll.size.width]
        target = later[0] if later else earlier[-1] if earlier else None
        if target is not None:
            scroll.scroll_to(x=target, animate=False, immediate=True)


def beside(width: int, drawing: int) -> bool:
    """Whether the step panel sits beside a drawing `drawing` cells wide in a screen
    `width` wide: from `WIDE` columns, when the whole drawing still fits beside it
    (with its padding and scrollbar); below it otherwise, where the drawing has the full
    width (beside, the notes' own graph lost its w and x boxes at 130 columns)."""
    return width >= WIDE and drawing + 3 <= width - STEP_PANEL


def open_graph_view(
    app: App[Any],
    preset: Preset | None = None,
    *,
    context: ViewContext | None = None,
    snapshot: Snapshot | None = None,
    expression: str | None = None,
    variables: str | Mapping[str, float] | None = None,
) -> GraphScreen:
    """Push the graph view: of `expression` when given, else of `preset` (its [graph]
    expression or its network, with the snapshot's weights), else the notes' example."""
    if expression is None and preset is not None:
        screen = GraphScreen.for_preset(preset, context=context, snapshot=snapshot)
    else:
        screen = GraphScreen(expression, variables)
    app.push_screen(screen)
    return screen


class StandaloneGraphApp(App[None]):
    """`backprop-tui graph EXPR`: the graph view of an expression alone (no preset, no
    dashboard below it); escape quits. `build_app` makes it."""

    TITLE = "backprop-tui"

    def __init__(
        self,
        expression: str | None = None,
        variables: str | Mapping[str, float] | None = None,
    ) -> None:
        super().__init__()
        self.expression = expression
        self.variables = variables

    def compose(self) -> ComposeResult:
        yield Static("")

    def on_mount(self) -> None:
        self.push_screen(GraphScreen(self.expression, self.variables), lambda _: self.exit())

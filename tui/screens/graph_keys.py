"""The graph view's keys and what they do: walk the backward pass node by node, type an
expression, draw the network's graph, leave. `GraphKeys` is mixed into `GraphScreen`
(tui/screens/graph_view.py), which holds the walk and draws it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backprop_tui.core.autodiff.graph import BackwardStep
from backprop_tui.core.autodiff.mlp import MLPGraph
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Input, Select

GRAPH_BINDINGS: list[BindingType] = [
    Binding(
        "right,n",
        "next_node",
        "Next node",
        key_display="→/n",
        tooltip="Go one node back through the graph (the next chain-rule step)",
    ),
    Binding(
        "left,b",
        "previous_node",
        "Previous",
        key_display="←/b",
        tooltip="Undo the last chain-rule step",
    ),
    Binding("home", "first_node", "First", show=False, tooltip="Start of the backward pass"),
    Binding("end", "last_node", "Last", show=False, tooltip="End of the backward pass"),
    Binding("e", "edit", "Expression", tooltip="Type an expression and its variables"),
    Binding("m", "network_graph", "Network", tooltip="The network's graph for one training row"),
    Binding("escape", "close", "Close", tooltip="Leave the graph view"),
]


class GraphKeys:
    """The graph view's actions (see `GRAPH_BINDINGS`). Mixed into `GraphScreen`, which
    provides the state below and the Screen's own methods."""

    steps: list[BackwardStep]
    k: int
    sample: int
    output: int | None
    mlp_graph: MLPGraph | None
    network_problem: str | None
    prefer_network: bool
    focused: Widget | None
    is_mounted: bool
    _show: Callable[[], None]
    submit: Callable[[str, str], bool]
    show_network: Callable[[int, int | None], bool]
    query_one: Callable[..., Any]
    set_focus: Callable[..., Any]
    dismiss: Callable[..., Any]

    def go_to(self, k: int) -> None:
        """Show step `k` (clamped) of the backward walk."""
        k = max(0, min(k, len(self.steps) - 1))
        if k != self.k:
            self.k = k
            self._show()

    def action_next_node(self) -> None:
        """One chain-rule step further back through the graph."""
        self.go_to(self.k + 1)

    def action_previous_node(self) -> None:
        """One chain-rule step undone."""
        self.go_to(self.k - 1)

    def action_first_node(self) -> None:
        """The start of the backward pass (∂L/∂L = 1)."""
        self.go_to(0)

    def action_last_node(self) -> None:
        """The end of the backward pass."""
        self.go_to(len(self.steps) - 1)

    def action_edit(self) -> None:
        """Put the cursor in the expression field."""
        self.query_one("#expression", Input).focus()

    def action_network_graph(self) -> None:
        """Draw the network's graph for the chosen row and output."""
        if self.show_network(self.sample, self.output):
            self.set_focus(None)

    def action_close(self) -> None:
        """Leave the field being edited, or the graph view."""
        if isinstance(self.focused, Input):
            self.set_focus(None)
            return
        self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        expression = self.query_one("#expression", Input).value
        variables = self.query_one("#variables", Input).value
        if self.submit(expression, variables):
            self.set_focus(None)

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id not in ("graph-sample", "graph-output") or not self.is_mounted:
            return
        event.stop()
        sample = self.query_one("#graph-sample", Select).value
        output = self.query_one("#graph-output", Select).value
        if sample is Select.BLANK or output is Select.BLANK:
            return
        chosen = (int(sample), None if int(output) < 0 else int(output))  # type: ignore[arg-type]
        if self.mlp_graph is not None and chosen == (self.sample, self.output):
            return
        if self.network_problem is None and (self.mlp_graph is not None or self.prefer_network):
            self.show_network(*chosen)
        else:
            self.sample, self.output = chosen

"""What the graph view draws: a typed expression (the notes' own one becomes the notes'
graph) or a small network unit by unit, and why a network cannot be drawn. No Textual."""

from __future__ import annotations

import re
from collections.abc import Mapping

from backprop_tui.core.autodiff.graph import seed_scalar_graph
from backprop_tui.core.autodiff.mlp import GRAPH_ACTIVATIONS, GRAPH_LOSSES
from backprop_tui.core.autodiff.node import Node, fmt
from backprop_tui.core.autodiff.parse import parse_expression
from backprop_tui.core.nn.network import Network

NOTES_EXPRESSION = "0.5 * (w * x - t) ** 2"
NOTES_VARIABLES = {"w": 1.5, "x": 2.0, "t": 5.0}

_NOTES_FORMS = {"0.5*(w*x-t)**2", "(w*x-t)**2/2", "(w*x-t)**2*0.5", "0.5*(x*w-t)**2"}

MAX_NETWORK_PARAMETERS = 60
"""Networks with more weights and biases than this are not drawn unit by unit."""


def build_expression_graph(expression: str, variables: Mapping[str, float]) -> Node:
    """The graph of `expression` (not yet walked). The notes' expression with exactly the
    variables w, x, t becomes the notes' graph, where ½·z2² is one node; anything else
    is parsed by `core.autodiff.parse.parse_expression`. Raises `ExpressionError`."""
    compact = re.sub(r"\s+", "", expression)
    if compact in _NOTES_FORMS and set(variables) == {"w", "x", "t"}:
        return seed_scalar_graph(
            x=float(variables["x"]), w=float(variables["w"]), t=float(variables["t"])
        )
    return parse_expression(expression, variables)


def format_assignments(variables: Mapping[str, float]) -> str:
    """'w=1.5, x=2, t=5'."""
    return ", ".join(f"{k}={fmt(float(v), 6)}" for k, v in variables.items())


def network_supported(network: Network, loss: str) -> str | None:
    """Why `network` cannot be drawn unit by unit, or None when it can."""
    if loss not in GRAPH_LOSSES:
        return f"the scalar graph covers the losses {', '.join(GRAPH_LOSSES)}, not {loss}"
    for act in network.activations:
        if act.name not in GRAPH_ACTIVATIONS:
            return f"the scalar graph does not cover the {act.name} activation"
    n = sum(w.size + b.size for w, b in zip(network.W, network.b, strict=True))
    if n > MAX_NETWORK_PARAMETERS:
        return (
            f"the network has {n} weights and biases; the graph is drawn unit by unit "
            f"for up to {MAX_NETWORK_PARAMETERS}"
        )
    return None

"""One sample's loss through a small MLP, as a scalar computation graph in the notes' notation.

Each weight W(l)ᵢ,ⱼ and bias b(l)ᵢ becomes a variable node, and for one sample x
(n0,) the graph repeats the network's forward pass unit by unit:
z(l)ᵢ = Σⱼ W(l)ᵢ,ⱼ·a(l−1)ⱼ + b(l)ᵢ,  a(l)ᵢ = σ(z(l)ᵢ),  ŷ = a(L).
The loss node L is the sum (or mean) of the terms the loss's record builds: ½(ŷₖ − yₖ)²
for half_sse, (ŷₖ − yₖ)² for mse, and, read from the logits z(L) as torch does,
softplus(zₖ) − zₖ·yₖ for bce and −yₖ·log ŷₖ for cross_entropy (a softmax layer's units
come from its record's layer rule; every other activation has a scalar rule). Running
`core.autodiff.graph.backward` on it gives ∂L/∂W(l)ᵢ,ⱼ and ∂L/∂b(l)ᵢ one scalar at a time;
they equal `Network.backward`'s dW and db for a batch of this one sample. Labels use
1-based subscripts as the notes and the trace do (x₁, z(1)₂, W(2)₁,₂); a layer of one
unit drops the index (z(2), ŷ).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from backprop_tui.core.autodiff.node import ACTIVATION_OPS, Node
from backprop_tui.core.errors import ShapeError, UnknownNameError
from backprop_tui.core.format import shape_words, sub
from backprop_tui.core.nn.activations import ACTIVATIONS
from backprop_tui.core.nn.losses import LOSSES, Loss, OutputMismatchError
from backprop_tui.core.nn.network import Network

GRAPH_ACTIVATIONS = tuple(
    sorted(name for name, act in ACTIVATIONS.items() if name in ACTIVATION_OPS or act.scalar_layer)
)
GRAPH_LOSSES = tuple(name for name, loss in LOSSES.items() if loss.scalar_terms is not None)


@dataclass(frozen=True)
class MLPGraph:
    """The graph's root (the loss) and its nodes by position, 0-based like `Network`.

    `W[l][i][j]` is the node of W(l+1)[i+1,j+1]; `b[l][i]`, `z[l][i]` and `a[l][i]`
    likewise; `a[-1]` holds ŷ; `x` and `y` are the input and target nodes. When the graph
    is one output's term of the loss, nodes outside it keep gradient 0.
    """

    root: Node
    x: tuple[Node, ...]
    y: tuple[Node, ...]
    W: tuple[tuple[tuple[Node, ...], ...], ...]
    b: tuple[tuple[Node, ...], ...]
    z: tuple[tuple[Node, ...], ...]
    a: tuple[tuple[Node, ...], ...]
    output_index: int | None

    @property
    def y_hat(self) -> tuple[Node, ...]:
        """The output nodes ŷ = a(L)."""
        return self.a[-1]

    def dW(self) -> list[np.ndarray]:
        """∂L/∂W(l) per layer, shape (out × in), read from the nodes after `backward`."""
        return [np.array([[n.grad for n in row] for row in layer]) for layer in self.W]

    def db(self) -> list[np.ndarray]:
        """∂L/∂b(l) per layer, shape (out,), read from the nodes after `backward`."""
        return [np.array([n.grad for n in layer]) for layer in self.b]


def _indexed(name: str, k: int, count: int) -> str:
    return name if count == 1 else f"{name}{sub(k + 1)}"


def _unit(name: str, layer: int, i: int, count: int) -> str:
    return _indexed(f"{name}({layer})", i, count)


def _as_vector(values: np.ndarray, size: int, what: str) -> list[float]:
    vector = np.asarray(values, dtype=float)
    if vector.size != size or (vector.ndim == 2 and vector.shape[0] != 1) or vector.ndim > 2:
        raise ShapeError(
            f"{what} is {shape_words(vector.shape)}; expected a vector of {size} or 1 × {size}"
        )
    return [float(v) for v in vector.reshape(-1)]


def mlp_output_graph(
    network: Network,
    x: np.ndarray,
    y: np.ndarray,
    loss_name: str | Loss,
    output_index: int | None = None,
) -> MLPGraph:
    """The scalar graph of one sample's loss ℓ(ŷ, y), or of output k's term of it.

    `x` is one sample, shape (n0,) or (1 × n0); `y` its target, (nL,) or (1 × nL).
    With `output_index` k (0-based) the root is only output k's term, e.g. ½(ŷₖ − yₖ)²
    for half_sse or (1/K)(ŷₖ − yₖ)² for mse, labelled L with the subscript k + 1 (L alone
    when there is one output).
    Values are computed; call `core.autodiff.graph.backward(graph.root)` for the gradients.
    """
    name = loss_name.name if isinstance(loss_name, Loss) else loss_name
    if name not in GRAPH_LOSSES:
        raise UnknownNameError("loss for the scalar graph", name, GRAPH_LOSSES)
    loss = LOSSES[name]
    assert loss.scalar_terms is not None  # GRAPH_LOSSES holds only losses with them
    for act in network.activations:
        if act.name not in GRAPH_ACTIVATIONS:
            raise UnknownNameError("activation for the scalar graph", act.name, GRAPH_ACTIVATIONS)
    problem = loss.mismatch(network.activations[-1].name)
    if problem:
        raise OutputMismatchError(problem)
    sizes = network.sizes
    n_out = sizes[-1]
    if output_index is not None and not 0 <= output_index < n_out:
        raise ShapeError(f"output {output_index + 1} is outside 1 … {n_out} (counting from 1)")

    x_nodes = tuple(
        Node(v, label=_indexed("x", j, sizes[0]))
        for j, v in enumerate(_as_vector(x, sizes[0], "the input"))
    )
    a_prev, Ws, bs, zs, acts = x_nodes, [], [], [], []
    for l, (W, b, act) in enumerate(zip(network.W, network.b, network.activations, strict=True)):
        layer, last = l + 1, l == len(network.W) - 1
        W_nodes = tuple(
            tuple(
                Node(float(W[i, j]), label=f"W({layer}){sub(i + 1, j + 1)}")
                for j in range(W.shape[1])
            )
            for i in range(W.shape[0])
        )
        b_nodes = tuple(
            Node(float(b[i]), label=_indexed(f"b({layer})", i, W.shape[0]))
            for i in range(W.shape[0])
        )
        z_layer = []
        for i, (row, bias) in enumerate(zip(W_nodes, b_nodes, strict=True)):
            products = []
            for w, a in zip(row, a_prev, strict=True):
                product = w * a
                product.label = f"{w.label}·{a.label}"
                products.append(product)
            z_layer.append(Node.sum([*products, bias], label=_unit("z", layer, i, len(W_nodes))))
        if act.scalar_layer is not None:
            a_layer = act.scalar_layer(z_layer)
        else:
            a_layer = [z.activation(act.name) for z in z_layer]
        for i, a in enumerate(a_layer):
            a.label = _indexed("ŷ", i, n_out) if last else _unit("a", layer, i, len(W_nodes))
        Ws.append(W_nodes)
        bs.append(b_nodes)
        zs.append(tuple(z_layer))
        acts.append(tuple(a_layer))
        a_prev = tuple(a_layer)

    y_nodes = tuple(
        Node.const(v, label=_indexed("y", k, n_out))
        for k, v in enumerate(_as_vector(y, n_out, "the target"))
    )
    every = loss.scalar_terms(zs[-1], a_prev, y_nodes)
    terms = every if output_index is None else [every[output_index]]
    root = terms[0] if len(terms) == 1 else Node.sum(terms, label=loss.scalar_total)
    if loss.mean_over_outputs and n_out > 1:
        root = root * Node.const(1.0 / n_out, label=f"1/{n_out}")
    root.label = "L" if output_index is None or n_out == 1 else f"L{sub(output_index + 1)}"
    return MLPGraph(
        root, x_nodes, y_nodes, tuple(Ws), tuple(bs), tuple(zs), tuple(acts), output_index
    )

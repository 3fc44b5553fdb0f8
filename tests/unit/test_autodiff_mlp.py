"""The scalar graph of an MLP's loss agrees with the network's own backward pass."""

import itertools
import math

import numpy as np
import pytest
from backprop_tui.core.autodiff.graph import backward, backward_steps, topological_order
from backprop_tui.core.autodiff.mlp import GRAPH_ACTIVATIONS, mlp_output_graph
from backprop_tui.core.autodiff.node import ACTIVATION_OPS, Node
from backprop_tui.core.errors import ShapeError, UnknownNameError
from backprop_tui.core.nn.losses import OutputMismatchError, get_loss
from backprop_tui.core.nn.network import Network
from hypothesis import given, settings
from hypothesis import strategies as st


def assert_graph_matches_network(network, x, y, loss, output_index=None):
    graph = mlp_output_graph(network, x, y, loss, output_index)
    backward(graph.root)
    fwd, bwd = network.gradients(np.atleast_2d(x), np.atleast_2d(y), get_loss(loss))
    for got, want in zip(graph.dW(), bwd.dW, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    for got, want in zip(graph.db(), bwd.db, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    for nodes, z in zip(graph.z, fwd.z, strict=True):
        np.testing.assert_allclose([n.value for n in nodes], z[0], rtol=1e-12, atol=1e-12)
    return graph, bwd


def test_seed_toy_graph_agrees_with_network_backward(seed_toy):
    graph, bwd = assert_graph_matches_network(seed_toy(), [1.0], [0.0], "half_sse")
    assert graph.root.value == pytest.approx(bwd.loss, rel=1e-15)
    assert graph.root.value == pytest.approx(0.2870, abs=5e-5)
    assert graph.y_hat[0].value == pytest.approx(0.7576, abs=5e-5)


def test_seed_toy_graph_is_labelled_in_the_notes_notation(seed_toy):
    graph = mlp_output_graph(seed_toy(), np.array([[1.0]]), np.array([[0.0]]), "half_sse")
    names = {n.name for n in topological_order(graph.root)}
    expected = {"x", "W(1)₁,₁", "W(1)₂,₁", "b(1)₁", "b(1)₂", "z(1)₁", "z(1)₂"}
    expected |= {"a(1)₁", "a(1)₂", "W(2)₁,₁", "W(2)₁,₂", "b(2)", "z(2)", "ŷ", "L"}
    assert expected <= names
    assert graph.W[1][0][1].name == "W(2)₁,₂" and graph.root.op == "half_square"


def test_seed_toy_backward_steps_show_the_step_through_deltas(seed_toy):
    steps = {
        s.name: s for s in backward_steps(mlp_output_graph(seed_toy(), [1], [0], "half_sse").root)
    }
    assert steps["z(2)"].upstream == pytest.approx(0.1391, abs=5e-5)
    assert steps["z(1)₁"].upstream == pytest.approx(0.0131, abs=5e-5)
    assert steps["z(1)₂"].upstream == pytest.approx(0.0143, abs=5e-5)
    assert steps["ŷ"].lines()[1] == "∂L/∂z(2) = ∂L/∂ŷ · ∂ŷ/∂z(2) = " + (
        "0.7576 · (σ(z(2))(1 − σ(z(2)))) = 0.7576 · 0.1836 = 0.1391"
    )


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    sizes=st.lists(st.integers(1, 3), min_size=2, max_size=4),
    activations=st.lists(st.sampled_from(GRAPH_ACTIVATIONS), min_size=3, max_size=3),
    loss=st.sampled_from(["half_sse", "mse", "bce", "cross_entropy"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_random_small_networks_agree_with_network_backward(sizes, activations, loss, seed):
    rng = np.random.default_rng(seed)
    W = [rng.normal(size=(n_out, n_in)) for n_in, n_out in itertools.pairwise(sizes)]
    b = [rng.normal(size=n_out) for n_out in sizes[1:]]
    activations = activations[: len(W)]
    y = rng.normal(size=sizes[-1])
    if loss == "bce":
        activations[-1], y = "sigmoid", rng.uniform(size=sizes[-1])
    elif loss == "cross_entropy":
        activations[-1], y = "softmax", np.eye(sizes[-1])[rng.integers(sizes[-1])]
    assert_graph_matches_network(Network(W, b, activations), rng.normal(size=sizes[0]), y, loss)


@pytest.mark.parametrize("scale", [1.0, 40.0, 900.0])
@pytest.mark.parametrize(
    ("loss", "output", "outputs"),
    [("bce", "sigmoid", 1), ("bce", "sigmoid", 3), ("cross_entropy", "softmax", 3)],
)
def test_losses_on_logits_agree_with_network_backward_also_saturated(loss, output, outputs, scale):
    """z(L) up to ±900·…: e^z overflows in a naive form, σ and softmax round to 0 and 1;
    the graph reads the logits as torch does, so its gradients stay the fused δ(L)'s."""
    rng = np.random.default_rng(11)
    network = Network(
        [rng.normal(size=(3, 2)), scale * rng.normal(size=(outputs, 3))],
        [rng.normal(size=3), scale * rng.normal(size=outputs)],
        ["tanh", output],
    )
    y = np.eye(outputs)[0] if loss == "cross_entropy" else rng.integers(0, 2, outputs) * 1.0
    graph, bwd = assert_graph_matches_network(network, [0.3, -0.8], y, loss)
    assert graph.root.value == pytest.approx(bwd.loss, rel=1e-12, abs=1e-15)
    fwd = network.forward(np.array([[0.3, -0.8]]))
    np.testing.assert_allclose(
        [n.value for n in graph.y_hat], fwd.y_hat[0], rtol=1e-12, atol=1e-300
    )


def test_logit_losses_are_labelled_as_torch_computes_them():
    bce_net = Network([np.array([[0.5, -1.0]])], [np.array([0.25])], ["sigmoid"])
    graph = mlp_output_graph(bce_net, [1.0, 2.0], [1.0], "bce")
    names = {n.name for n in topological_order(graph.root)}
    assert {"softplus(z(1))", "z(1)·y", "e^z(1)", "L"} <= names
    assert graph.y_hat[0] not in set(topological_order(graph.root))  # read from z(1)
    ce_net = Network([np.array([[0.5], [-1.0]])], [np.zeros(2)], ["softmax"])
    graph = mlp_output_graph(ce_net, [1.0], [0.0, 1.0], "cross_entropy")
    names = {n.name for n in topological_order(graph.root)}
    assert {"log ŷ₂", "−y₂·log ŷ₂", "Σⱼ e^(zⱼ − max z)", "L"} <= names
    assert graph.root.value == pytest.approx(math.log(1 + math.exp(1.5)), rel=1e-15)


@pytest.mark.parametrize("loss", ["half_sse", "mse"])
def test_one_output_term_agrees_when_the_other_outputs_are_on_target(loss):
    rng = np.random.default_rng(7)
    network = Network(
        [rng.normal(size=(3, 2)), rng.normal(size=(2, 3))],
        [rng.normal(size=3), rng.normal(size=2)],
        ["tanh", "sigmoid"],
    )
    x = rng.normal(size=2)
    y = network.predict(x[None, :])[0].copy()
    y[1] += 0.5  # only output 2 misses, so the whole loss's gradient is that term's
    graph, _ = assert_graph_matches_network(network, x, y, loss, output_index=1)
    assert graph.root.name == "L₂"
    assert graph.W[1][0][0] not in set(topological_order(graph.root))


def test_unknown_loss_and_a_mismatched_output_are_named(seed_toy):
    with pytest.raises(UnknownNameError, match=r"'hinge'.*bce, cross_entropy"):
        mlp_output_graph(seed_toy(), [1.0], [0.0], "hinge")
    with pytest.raises(OutputMismatchError, match="cross_entropy needs a softmax output layer"):
        mlp_output_graph(seed_toy(), [1.0], [0.0], "cross_entropy")


def test_wrong_shapes_and_output_index_are_rejected(seed_toy):
    with pytest.raises(
        ShapeError, match=r"the input is a vector of 2; expected a vector of 1 or 1 × 1"
    ):
        mlp_output_graph(seed_toy(), [1.0, 2.0], [0.0], "half_sse")
    with pytest.raises(ShapeError, match=r"output 2 is outside 1 … 1 \(counting from 1\)"):
        mlp_output_graph(seed_toy(), [1.0], [0.0], "half_sse", output_index=1)


# -- activations come from their records ------------------------------------------------


@pytest.mark.parametrize("name", ACTIVATION_OPS)
@pytest.mark.parametrize("point", [-25.0, -1.3, -0.2, 0.4, 2.0, 19.5, 20.5, 30.0])
def test_every_activation_node_has_the_finite_difference_slope(name, point):
    node = Node(point, label="z")
    out = node.activation(name)
    assert out.op == name
    backward(out)
    h = 1e-6
    estimate = (Node(point + h).activation(name).value - Node(point - h).activation(name).value) / (
        2 * h
    )
    assert node.grad == pytest.approx(estimate, rel=1e-6, abs=1e-9)


def test_elu_and_softplus_nodes_take_torchs_values_by_hand():
    assert Node(-1.0).activation("elu").value == pytest.approx(math.exp(-1.0) - 1.0, rel=1e-15)
    assert Node(-1.0).activation("elu").local_grads == (pytest.approx(math.exp(-1.0)),)
    assert Node(0.0).activation("elu").local_grads == (1.0,)
    assert Node(0.0).activation("softplus").value == pytest.approx(math.log(2.0), rel=1e-15)
    assert Node(0.0).activation("softplus").local_grads == (0.5,)
    assert Node(30.0).activation("softplus").value == 30.0  # linear above the threshold 20
    assert Node(-1000.0).activation("elu").value == -1.0
    assert Node(-1000.0).activation("softplus").value == 0.0


def test_an_activation_without_a_scalar_rule_is_refused_by_name():
    with pytest.raises(UnknownNameError, match=r"'softmax'.*elu"):
        Node(1.0).activation("softmax")


@pytest.mark.parametrize("name", ["elu", "softplus"])
def test_elu_and_softplus_networks_agree_with_network_backward_and_name_their_slope(name):
    network = Network(
        [np.array([[0.8, -0.5], [-1.2, 0.3]]), np.array([[0.7, -0.4]])],
        [np.array([0.1, -0.2]), np.array([0.05])],
        [name, name],
    )
    graph, _ = assert_graph_matches_network(network, [0.5, 1.5], [0.2], "mse")
    steps = {s.name: s for s in backward_steps(graph.root)}
    formula = {
        "elu": "1 if z(1)₂ > 0 else exp(z(1)₂)",
        "softplus": "σ(z(1)₂) if z(1)₂ ≤ 20 else 1",
    }[name]
    assert "∂L/∂z(1)₂ = ∂L/∂a(1)₂ · ∂a(1)₂/∂z(1)₂ = " in steps["a(1)₂"].lines()[1]
    assert f"({formula})" in steps["a(1)₂"].lines()[1]

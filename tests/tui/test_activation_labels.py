"""What the dashboard says about an activation comes from its record: the label over a
layer's column, whether the output plot spans 0 … 1, and which trace values have one row
per sample. So a new activation (elu, softplus) needs no change here."""

from __future__ import annotations

import numpy as np
import pytest
from backprop_tui.core.nn.activations import ACTIVATIONS
from backprop_tui.core.nn.network import Network
from backprop_tui.core.nn.optimizers import make_optimizer
from backprop_tui.core.trace.record import trace_step
from backprop_tui.tui.widgets.equation_panel import rows_are_samples
from backprop_tui.tui.widgets.network_view import short_activation
from backprop_tui.tui.widgets.output_map import value_range


def test_each_layer_is_labelled_with_its_activations_short_name():
    labels = {name: short_activation(name) for name in ACTIVATIONS}
    assert labels == {
        "sigmoid": "σ",
        "tanh": "tanh",
        "relu": "relu",
        "leaky_relu": "lrelu",
        "linear": "lin",
        "elu": "elu",
        "softplus": "softplus",
        "softmax": "softmax",
    }


def test_the_prediction_plot_spans_0_to_1_only_for_outputs_that_are_probabilities():
    targets, y_hat = np.array([2.0]), np.array([2.5, 3.5])
    for name, act in ACTIVATIONS.items():
        low, high = value_range(targets, y_hat, name)
        assert (low < 0.0 < 1.0 < high) == act.probabilities, name


@pytest.mark.parametrize("name", sorted(n for n, a in ACTIVATIONS.items() if a.elementwise))
def test_every_activations_derivative_in_a_batch_trace_has_one_row_per_sample(name):
    W = [np.array([[0.5], [-1.0]]), np.array([[0.3, 0.2]])]
    net = Network(W, [np.zeros(2), np.zeros(1)], [name, "linear"])
    x, y = np.array([[1.0], [2.0], [-1.0]]), np.zeros((3, 1))
    t = trace_step(net, "half_sse", make_optimizer("sgd", 0.1), x, y)
    delta = t.phases[t.phase_index("delta_hidden", 1)]
    derivative = f"{ACTIVATIONS[name].symbol}'(z(1))"
    assert rows_are_samples(derivative, np.asarray(delta.values[derivative]), 3)

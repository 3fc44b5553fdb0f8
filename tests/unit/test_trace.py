"""The step trace: phases in the notes' order, correct numbers, and the trainer's update."""

import json
import re

import numpy as np
import pytest
from backprop_tui.core.data.dataset import from_arrays
from backprop_tui.core.errors import BackpropError
from backprop_tui.core.format import MINUS, fmt_array, fmt_number
from backprop_tui.core.nn.losses import get_loss
from backprop_tui.core.nn.network import Network
from backprop_tui.core.nn.optimizers import make_optimizer
from backprop_tui.core.trace.record import Cell, TraceError, trace_step, trace_trainer
from backprop_tui.core.training.trainer import Trainer


def two_two_two() -> Network:
    return Network(
        [np.array([[0.15, 0.20], [0.25, 0.30]]), np.array([[0.40, 0.45], [0.50, 0.55]])],
        [np.array([0.35, 0.35]), np.array([0.60, 0.60])],
        ["sigmoid", "sigmoid"],
    )


def phase(trace, kind, layer=None):
    return trace.phases[trace.phase_index(kind, layer)]


def small_trainer(kind="sgd", batch_size=2, **options) -> Trainer:
    rng = np.random.default_rng(3)
    net = Network(
        [rng.normal(size=(3, 2)), rng.normal(size=(2, 3))],
        [rng.normal(size=3), rng.normal(size=2)],
        ["tanh", "softmax"],
    )
    data = from_arrays(rng.normal(size=(6, 2)), np.eye(2)[[0, 1, 1, 0, 1, 0]])
    return Trainer(
        net,
        get_loss("cross_entropy"),
        make_optimizer(kind, 0.1, **options),
        data,
        batch_size=batch_size,
        seed=7,
    )


# -- seed-toy ------------------------------------------------------------------------


def test_seed_toy_phases_come_in_the_notes_order(seed_toy_trace):
    kinds = [(p.kind, p.layer) for p in seed_toy_trace().phases]
    assert kinds == [
        ("forward_z", 1),
        ("forward_a", 1),
        ("forward_z", 2),
        ("forward_a", 2),
        ("loss", None),
        ("delta_output", 2),
        ("delta_hidden", 1),
        ("grad_W", 2),
        ("grad_b", 2),
        ("grad_W", 1),
        ("grad_b", 1),
        ("update_W", 2),
        ("update_b", 2),
        ("update_W", 1),
        ("update_b", 1),
    ]


def test_seed_toy_arrays_hold_the_corrected_worked_example(seed_toy_trace):
    t = seed_toy_trace()
    first, second = t.layers
    close = dict(rtol=0, atol=5e-5)
    np.testing.assert_allclose(first.z, [[0.5, 0.6]], **close)
    np.testing.assert_allclose(first.a, [[0.6225, 0.6457]], **close)
    np.testing.assert_allclose(second.z, [[1.1395]], **close)
    np.testing.assert_allclose(t.y_hat, [[0.7576]], **close)
    assert t.loss == pytest.approx(0.2870, abs=5e-5)
    np.testing.assert_allclose(second.delta, [[0.1391]], **close)
    np.testing.assert_allclose(first.delta, [[0.0131, 0.0143]], **close)
    np.testing.assert_allclose(second.W_new, [[0.3567, 0.4051]], **close)
    np.testing.assert_allclose(first.W_new, [[0.1435], [0.2428]], **close)
    np.testing.assert_allclose(second.b_new, [0.5304], **close)


def test_seed_toy_phase_values_match_the_layer_arrays(seed_toy_trace):
    t = seed_toy_trace()
    values = phase(t, "delta_hidden", 1).values
    np.testing.assert_array_equal(values["δ(1)"], t.layers[0].delta)
    np.testing.assert_array_equal(values["δ(2)"], t.layers[1].delta)
    np.testing.assert_allclose(values["σ'(z(1))"], t.layers[0].a * (1 - t.layers[0].a))
    assert float(phase(t, "loss").values["L"]) == t.loss


def test_seed_toy_substituted_equations_carry_four_decimal_numbers(seed_toy_trace):
    t = seed_toy_trace()
    assert phase(t, "forward_z", 1).substituted.splitlines() == [
        "z(1)₁ = 0.15 · 1 + 0.35 = 0.5",
        "z(1)₂ = 0.25 · 1 + 0.35 = 0.6",
    ]
    assert "0.4 · 0.6225 + 0.45 · 0.6457 + 0.6 = 1.1395" in phase(t, "forward_z", 2).substituted
    assert "σ(1.1395) = 0.7576" in phase(t, "forward_a", 2).substituted
    assert phase(t, "loss").substituted == "L = ½ (0.7576 − 0)² = 0.2870"
    delta2 = phase(t, "delta_output", 2)
    assert delta2.equation == "δ(2) = (ŷ − y) ⊙ σ'(z(2))"
    assert "δ(2) = (0.7576 − 0) · 0.1836 = 0.1391" in delta2.substituted.splitlines()
    delta1 = phase(t, "delta_hidden", 1)
    assert "δ(1)₁ = (0.4 · 0.1391) · 0.2350 = 0.0131" in delta1.substituted
    assert "δ(1)₂ = (0.45 · 0.1391) · 0.2288 = 0.0143" in delta1.substituted
    assert delta1.result == "[0.0131, 0.0143]"
    update2 = phase(t, "update_W", 2)
    assert update2.substituted.splitlines() == [
        "W(2)₁₁ = 0.4 − 0.5 · 0.0866 = 0.3567",
        "W(2)₁₂ = 0.45 − 0.5 · 0.0898 = 0.4051",
    ]
    assert phase(t, "update_W", 1).result == "[[0.1435], [0.2428]]"
    assert phase(t, "update_b", 2).substituted == "b(2) = 0.6 − 0.5 · 0.1391 = 0.5304"


def test_precision_sets_the_decimals_of_the_equations(seed_toy_trace):
    t = seed_toy_trace(precision=6)
    assert phase(t, "delta_output", 2).result == "0.139129"


def test_phases_name_the_cells_they_read_and_write(seed_toy_trace):
    t = seed_toy_trace()
    z1 = phase(t, "forward_z", 1)
    assert set(z1.reads) == {Cell("x"), Cell("W", 1), Cell("b", 1)}
    assert z1.writes == (Cell("z", 1),)
    assert Cell("y_hat") in phase(t, "forward_a", 2).writes
    delta1 = phase(t, "delta_hidden", 1)
    assert {Cell("W", 2), Cell("delta", 2), Cell("z", 1)} <= set(delta1.reads)
    assert delta1.writes == (Cell("delta", 1),)
    assert phase(t, "grad_W", 1).reads == (Cell("delta", 1), Cell("x"))
    assert phase(t, "grad_W", 2).reads == (Cell("delta", 2), Cell("a", 1))
    assert phase(t, "update_b", 2).writes == (Cell("b", 2),)


def test_a_cell_rejects_an_unknown_quantity():
    with pytest.raises(ValueError, match="unknown quantity"):
        Cell("weights", 1)


def test_every_array_of_a_trace_is_read_only(seed_toy_trace):
    t = seed_toy_trace()
    with pytest.raises(ValueError):
        t.layers[0].W[0, 0] = 1.0
    with pytest.raises(ValueError):
        t.y_hat[0, 0] = 1.0
    with pytest.raises(ValueError):
        phase(t, "delta_output", 2).values["δ(2)"][0, 0] = 1.0
    with pytest.raises(TypeError):
        phase(t, "loss").values["L"] = np.zeros(1)


def test_new_parameters_are_the_updated_weights_and_biases_first_layer_first(seed_toy_trace):
    W_new, b_new = seed_toy_trace().new_parameters()
    assert [w.shape for w in W_new] == [(2, 1), (1, 2)]
    assert b_new[1][0] == pytest.approx(0.5304, abs=5e-5)


# -- two-two-two ---------------------------------------------------------------------


def test_two_two_two_with_fixed_biases_reproduces_the_published_step():
    t = trace_step(
        two_two_two(),
        "half_sse",
        make_optimizer("sgd", 0.5),
        [0.05, 0.10],
        [0.01, 0.99],
        train_biases=False,
    )
    assert t.loss == pytest.approx(0.298371109, abs=1e-9)
    assert t.loss_after == pytest.approx(0.291027774, abs=1e-9)
    np.testing.assert_allclose(
        t.layers[1].W_new, [[0.35891648, 0.40866619], [0.51130127, 0.56137012]], atol=1e-8
    )
    assert not [p for p in t.phases if p.kind == "update_b"]
    for layer in t.layers:
        np.testing.assert_array_equal(layer.b_new, layer.b)
    assert "fixed" in t.to_text()


# -- copies and the trainer ------------------------------------------------------------


def test_tracing_changes_neither_the_network_nor_the_optimizer():
    trainer = small_trainer("adam")
    trainer.step()
    net, opt = trainer.network, trainer.optimizer
    W, b = [w.copy() for w in net.W], [v.copy() for v in net.b]
    state = [{k: v.copy() for k, v in st.items()} for st in opt.state]
    t_before = opt.t
    trace_step(net, trainer.loss, opt, trainer.train_data.X[:2], trainer.train_data.Y[:2])
    assert opt.t == t_before
    for old, new in zip(W + b, net.W + net.b, strict=True):
        np.testing.assert_array_equal(old, new)
    for old, new in zip(state, opt.state, strict=True):
        for key in old:
            np.testing.assert_array_equal(old[key], new[key])


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("sgd", {}),
        ("sgd", {"weight_decay": 0.01}),
        ("momentum", {}),
        ("momentum", {"nesterov": True}),
        ("adam", {}),
        ("rmsprop", {}),
    ],
)
def test_the_traced_update_is_exactly_the_trainers_next_step(kind, options):
    trainer = small_trainer(kind, **options)
    trainer.step()
    trainer.step()
    t = trace_trainer(trainer)
    np.testing.assert_array_equal(t.sample_indices, trainer.next_batch())
    trainer.step()
    W_new, b_new = t.new_parameters()
    for traced, real in zip(W_new + b_new, trainer.network.W + trainer.network.b, strict=True):
        np.testing.assert_array_equal(traced, real)
    assert t.optimizer_t == trainer.optimizer.t


def test_a_traced_sample_is_what_train_on_that_sample_does():
    trainer = small_trainer("momentum")
    trainer.step()
    t = trace_trainer(trainer, sample=4)
    assert t.sample_indices == (4,)
    assert t.batch_size == 1
    trainer.train_on(np.array(t.sample_indices))
    for traced, real in zip(t.new_parameters()[0], trainer.network.W, strict=True):
        np.testing.assert_array_equal(traced, real)


def test_tracing_the_trainer_does_not_consume_its_batch():
    trainer = small_trainer()
    before = trainer.next_batch().copy()
    trace_trainer(trainer)
    np.testing.assert_array_equal(trainer.next_batch(), before)
    assert trainer.global_step == 0


def test_trace_step_given_a_trainer_traces_its_next_batch():
    trainer = small_trainer()
    assert trace_step(trainer).sample_indices == trace_trainer(trainer).sample_indices


def test_a_sample_out_of_range_says_the_valid_range():
    trainer = small_trainer()
    with pytest.raises(TraceError, match="numbered 0 to 5") as info:
        trace_trainer(trainer, sample=6)
    assert isinstance(info.value, BackpropError)
    with pytest.raises(TraceError):
        trace_trainer(trainer, sample=-1)


# -- batches, fused deltas, optimizers, large layers -------------------------------------


def test_batch_gradients_are_the_mean_of_per_sample_outer_products():
    rng = np.random.default_rng(0)
    net = Network(
        [rng.normal(size=(3, 2)), rng.normal(size=(1, 3))],
        [np.zeros(3), np.zeros(1)],
        ["sigmoid", "linear"],
    )
    x, y = rng.normal(size=(3, 2)), rng.normal(size=(3, 1))
    t = trace_step(net, "mse", make_optimizer("sgd", 0.1), x, y)
    for layer in t.layers:
        outer = [np.outer(layer.delta[i], layer.a_prev[i]) for i in range(3)]
        np.testing.assert_allclose(layer.dW, np.mean(outer, axis=0), rtol=1e-13)
        np.testing.assert_allclose(layer.db, layer.delta.mean(axis=0), rtol=1e-13)
    grad = phase(t, "grad_W", 2)
    assert grad.equation == "∂L/∂W(2) = (1/B) Σᵢ δ(2)ᵢ a(1)ᵢᵀ,  B = 3"
    assert grad.substituted.startswith("∂L/∂W(2)₁₁ = (1/3) (")
    assert "(1/3)" in phase(t, "loss").substituted


def test_fused_output_deltas_show_the_fused_formula():
    net = Network([np.array([[0.5, -0.3], [0.2, 0.8]])], [np.zeros(2)], ["softmax"])
    t = trace_step(net, "cross_entropy", make_optimizer("sgd", 0.1), [1.0, 2.0], [0.0, 1.0])
    delta = phase(t, "delta_output", 1)
    assert delta.equation == "δ(1) = ŷ − y"
    assert "σ'" not in delta.substituted
    np.testing.assert_allclose(t.layers[0].delta, t.y_hat - t.y)
    sig = Network([np.array([[0.5, -0.3]])], [np.zeros(1)], ["sigmoid"])
    t = trace_step(sig, "bce", make_optimizer("sgd", 0.1), [1.0, 2.0], [1.0])
    delta = phase(t, "delta_output", 1)
    assert delta.equation == "δ(1) = (ŷ − y) / K,  K = 1 output"  # K said
    assert delta.substituted.endswith(f"/ 1 = {fmt_number(t.layers[0].delta[0, 0])}")


@pytest.mark.parametrize(
    ("kind", "state"), [("momentum", "v = "), ("adam", "m = "), ("rmsprop", "s = ")]
)
def test_other_optimizers_show_their_rule_and_state(kind, state):
    trainer = small_trainer(kind)
    trainer.step()
    t = trace_trainer(trainer)
    update = phase(t, "update_W", 2)
    assert update.equation.startswith(t.optimizer_rule.split(";")[0])
    assert "W(2)" in update.equation
    assert all(state in line for line in update.substituted.splitlines())
    name = state.split()[0]
    np.testing.assert_array_equal(update.values[name], t.layers[1].state_W[name])
    assert f"{name} before" in update.values


def test_large_layers_are_summarised_as_matrices_with_shapes():
    rng = np.random.default_rng(1)
    net = Network(
        [rng.normal(size=(8, 5)), rng.normal(size=(3, 8))],
        [np.zeros(8), np.zeros(3)],
        ["relu", "softmax"],
    )
    x, y = rng.normal(size=(10, 5)), np.eye(3)[rng.integers(0, 3, 10)]
    t = trace_step(net, "cross_entropy", make_optimizer("adam", 0.01), x, y)
    z1 = phase(t, "forward_z", 1)
    assert "(10 × 8)" in z1.substituted and "(10 × 8)" in z1.result
    assert len(z1.substituted.splitlines()) <= 5
    assert "(8 × 5)" in phase(t, "update_W", 1).result


def test_a_float32_network_is_traced_in_float32_and_reads_its_inputs_as_given(seed_toy):
    t = trace_step(seed_toy(np.float32), "half_sse", make_optimizer("sgd", 0.5), [1.0], [0.0])
    assert t.layers[0].dW.dtype == np.float32
    assert phase(t, "forward_z", 1).substituted.startswith("z(1)₁ = 0.15 · 1 + 0.35 = 0.5")
    assert phase(t, "delta_output", 2).result == "0.1391"


# -- output formats ------------------------------------------------------------------------


def test_json_has_the_contract_keys_and_round_trips(seed_toy_trace):
    t = seed_toy_trace()
    document = json.loads(json.dumps(t.to_json(), allow_nan=False))
    assert {"input", "target", "output", "loss", "layers", "phases"} <= set(document)
    assert document["input"] == [[1.0]] and document["target"] == [[0.0]]
    assert document["loss"] == t.loss
    first = document["layers"][0]
    for key in ("W", "b", "z", "a", "delta", "dW", "db", "W_new", "b_new"):
        np.testing.assert_array_equal(np.array(first[key]), getattr(t.layers[0], key))
    assert [p["kind"] for p in document["phases"]] == [p.kind for p in t.phases]
    assert {"kind", "layer", "title", "equation", "substituted", "result"} <= set(
        document["phases"][0]
    )
    assert json.loads(t.to_json_text())["layers"][1]["W_new"] == t.layers[1].W_new.tolist()


def test_json_of_a_diverged_step_is_still_strict_json():
    net = Network([np.array([[1e200]])], [np.zeros(1)], ["linear"])
    t = trace_step(net, "half_sse", make_optimizer("sgd", 1.0), [1e200], [0.0])
    assert json.loads(t.to_json_text())["loss"] is None


def test_markdown_for_seed_toy_has_the_correct_numbers_and_not_the_notes_slips(seed_toy_trace):
    md = seed_toy_trace().to_markdown()
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Initialization",
        "## Forward pass",
        "## Loss",
        "## Backward pass",
        "## Update",
    ]
    for number in (
        "1.1395",
        "0.7576",
        "0.2870",
        "0.1391",
        "0.0131",
        "0.0143",
        "0.3567",
        "0.4051",
        "0.1435",
        "0.2428",
        "0.5304",
    ):
        assert number in md
    for slip in ("0.751", "1.105", "0.282"):
        assert not re.search(rf"(?<![\d.]){re.escape(slip)}(?!\d)", md), slip
    assert "$" not in md and "\\frac" not in md


def test_text_reads_section_by_section_with_every_phase(seed_toy_trace):
    t = seed_toy_trace()
    text = t.to_text()
    positions = [
        text.index(s)
        for s in ("Initialization", "Forward pass", "Loss\n", "Backward pass", "Update")
    ]
    assert positions == sorted(positions)
    for number, p in enumerate(t.phases, start=1):
        assert f"{number}. {p.title}" in text
    assert "→ W(2) ← [[0.3567, 0.4051]]" in text


# -- number formatting ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.7575931, "0.7576"),
        (-0.0130783, f"{MINUS}0.0131"),
        (0.28697, "0.2870"),
        (0.15, "0.15"),
        (np.float32(0.15), "0.15"),
        (0.6000000000000001, "0.6"),
        (0.0, "0"),
        (1e-8, "1e−8"),
        (6.539e-4, "6.539e−4"),
        (float("inf"), "∞"),
    ],
)
def test_numbers_are_written_with_four_decimals_and_a_real_minus(value, text):
    assert fmt_number(value) == text


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [
        (0.25, 4, "0.25"),
        (-1.5, 4, "-1.5"),
        (-0.0, 4, "0"),
        (1e-7, 4, "1.000e-07"),
        (2.0, 4, "2"),
        (0.1234567, 4, "0.1235"),
        (0.1234567, 6, "0.123457"),
        (1234567.0, 4, "1.235e+06"),
        (-4e-4, 4, "-4.000e-04"),
        (float("inf"), 4, "inf"),
    ],
)
def test_the_plain_style_writes_numbers_as_the_scalar_graph_does(value, digits, text):
    # The graph's numbers are typed back into expressions: an ASCII minus, Python's
    # scientific notation, no trailing zeros.
    from backprop_tui.core.autodiff.node import fmt

    assert fmt_number(value, digits, style="plain") == text
    assert fmt(value, digits) == text


def test_large_arrays_are_previewed_with_their_shape():
    assert fmt_array(np.zeros((10, 5))) == "[[0, 0, 0, …], [0, 0, 0, …], [0, 0, 0, …], …] (10 × 5)"
    assert fmt_array(np.array([[0.15], [0.25]])) == "[[0.15], [0.25]]"


# -- what each loss and activation record writes ---------------------------------------


def test_bce_loss_is_written_on_the_logits_with_their_numbers():
    net = Network([np.array([[0.5, -0.3]])], [np.zeros(1)], ["sigmoid"])
    t = trace_step(net, "bce", make_optimizer("sgd", 0.1), [1.0, 2.0], [1.0])
    loss = phase(t, "loss")
    assert loss.equation == "L = −[y log σ(z) + (1 − y) log(1 − σ(z))],  z = z(1)"
    z = fmt_number(t.layers[0].z[0, 0])
    assert loss.substituted == (
        f"L = −[1 · log σ({z}) + (1 − 1) · log(1 − σ({z}))] = {fmt_number(t.loss)}"
    )
    assert Cell("z", 1) in loss.reads


def test_bce_with_several_outputs_and_samples_states_the_mean_over_outputs():
    net = Network([np.array([[0.5, -0.3], [0.1, 0.2]])], [np.zeros(2)], ["sigmoid"])
    t = trace_step(net, "bce", make_optimizer("sgd", 0.1), [[1.0, 2.0]] * 2, [[1.0, 0.0]] * 2)
    loss = phase(t, "loss")
    assert loss.equation == (
        "L = (1/B) Σᵢ ℓᵢ,  ℓ = −(1/K) Σₖ [yₖ log σ(zₖ) + (1 − yₖ) log(1 − σ(zₖ))],  "
        "z = z(1),  B = 2,  K = 2 outputs"
    )
    assert loss.substituted.startswith("ℓ₁ = −(1/2) ([1 · log σ(")


def test_a_saturated_bce_step_traces_the_exact_loss_and_its_slope():
    # z(1) = 1000 against a target of 0: the loss is 1000 (not the clamped 100) and δ = 1.
    net = Network([np.array([[1000.0]])], [np.zeros(1)], ["sigmoid"])
    t = trace_step(net, "bce", make_optimizer("sgd", 0.1), [1.0], [0.0])
    assert t.loss == 1000.0
    assert phase(t, "loss").substituted.endswith("= 1000")
    np.testing.assert_array_equal(t.layers[0].delta, [[1.0]])
    np.testing.assert_array_equal(t.layers[0].dW, [[1.0]])


@pytest.mark.parametrize(
    ("name", "formula", "derivative"),
    [
        ("elu", "elu(z) = z if z > 0 else e^z − 1", "elu'(z(1)) = 1 if z > 0, else a(1) + 1"),
        (
            "softplus",
            "softplus(z) = log(1 + e^z), or z if z > 20",
            "softplus'(z(1)) = σ(z) if z ≤ 20, else 1",
        ),
    ],
)
def test_elu_and_softplus_layers_are_traced_with_their_formulas(name, formula, derivative):
    net = Network(
        [np.array([[0.5], [-1.5]]), np.array([[0.4, 0.45]])],
        [np.array([0.1, 0.2]), np.array([0.3])],
        [name, "linear"],
    )
    t = trace_step(net, "half_sse", make_optimizer("sgd", 0.1), [1.0], [0.0])
    a1 = phase(t, "forward_a", 1)
    assert a1.equation == f"a(1) = {name}(z(1)),  {formula}"
    z = t.layers[0].z[0]
    assert a1.substituted.splitlines()[1] == (
        f"a(1)₂ = {name}({fmt_number(z[1])}) = {fmt_number(t.layers[0].a[0, 1])}"
    )
    delta = phase(t, "delta_hidden", 1)
    assert delta.equation == f"δ(1) = (W(2)ᵀ δ(2)) ⊙ {name}'(z(1))"
    assert delta.substituted.splitlines()[0] == (
        f"{derivative} = {fmt_array(t.layers[0].dsigma[0])}"
    )
    assert f"{name}'(z(1))" in delta.values


def test_sigmoid_and_tanh_derivatives_of_one_unit_are_written_with_their_number():
    for name, numbers in (("sigmoid", "{a} · (1 − {a})"), ("tanh", "1 − {a}²")):
        net = Network([np.array([[0.5]]), np.array([[0.4]])], [np.zeros(1)] * 2, [name, "linear"])
        t = trace_step(net, "half_sse", make_optimizer("sgd", 0.1), [1.0], [0.0])
        a = fmt_number(t.layers[0].a[0, 0])
        first = phase(t, "delta_hidden", 1).substituted.splitlines()[0]
        assert f" = {numbers.format(a=a)} = " in first


# -- the modules of core.trace ----------------------------------------------------------


def test_the_trace_modules_import_each_other_without_a_cycle_and_the_model_imports_none():
    import ast
    from pathlib import Path

    import backprop_tui.core.trace as package

    folder = Path(package.__file__).parent
    prefix = "backprop_tui.core.trace."
    graph = {}
    for path in folder.glob("*.py"):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(prefix):
                names.add(node.module.removeprefix(prefix))
            elif isinstance(node, ast.Import):
                names |= {
                    a.name.removeprefix(prefix) for a in node.names if a.name.startswith(prefix)
                }
        graph[path.stem] = names
    assert graph["model"] == set()
    assert "record" not in set().union(*(graph[m] for m in graph if m != "record"))
    assert "phases" not in graph["render"] | graph["model"]
    visiting, done = set(), set()

    def visit(module):
        assert module not in visiting, f"import cycle through {module}"
        if module in done:
            return
        visiting.add(module)
        for other in graph.get(module, ()):
            visit(other)
        visiting.discard(module)
        done.add(module)

    for module in graph:
        visit(module)
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in folder.glob("*.py")}
    assert max(sizes.values()) <= 400, sizes

"""The engine against PyTorch, to float64 round-off.

The reference numbers were computed once by tests/make_torch_fixtures.py (see its
docstring to regenerate them) and are stored in tests/fixtures/torch_*.json, so these
tests never need torch. Every comparison is rtol = 1e-12, with atol = 1e-14 for values
that are zero or close to it (relu's dead units, the far tail of a sigmoid). bce is
nn.BCEWithLogitsLoss on z(L), elu nn.ELU (α = 1), softplus nn.Softplus (β = 1,
threshold 20).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from backprop_tui.core.data.dataset import from_arrays
from backprop_tui.core.nn.activations import get_activation
from backprop_tui.core.nn.losses import get_loss
from backprop_tui.core.nn.network import Network
from backprop_tui.core.nn.optimizers import make_optimizer
from backprop_tui.core.training.trainer import Trainer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
RTOL, ATOL = 1e-12, 1e-14


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


FORWARD_BACKWARD = load("torch_forward_backward.json")
OPTIMIZERS = load("torch_optimizers.json")
SEED_TOY = load("torch_seed_toy.json")
SATURATION = load("torch_saturation.json")


def assert_close(actual, expected, what: str) -> None:
    np.testing.assert_allclose(
        np.asarray(actual),
        np.asarray(expected, dtype=np.float64),
        rtol=RTOL,
        atol=ATOL,
        err_msg=what,
    )


def network_from(fixture: dict, activations=None) -> Network:
    return Network(
        [np.array(w, dtype=np.float64) for w in fixture["W"]],
        [np.array(v, dtype=np.float64) for v in fixture["b"]],
        activations or fixture["activations"],
    )


def by_id(cases: list[dict]):
    return pytest.mark.parametrize("case", cases, ids=[c["id"] for c in cases])


# -- forward and backward per activation × loss ------------------------------------------


def test_the_fixtures_cover_every_output_activation_with_every_loss_it_allows():
    pairs = {(c["loss"], c["activations"][-1]) for c in FORWARD_BACKWARD["cases"]}
    outputs = ("sigmoid", "tanh", "relu", "leaky_relu", "linear", "elu", "softplus", "softmax")
    expected = {(loss, out) for loss in ("half_sse", "mse") for out in outputs}
    expected |= {("bce", "sigmoid"), ("cross_entropy", "softmax")}
    assert pairs == expected
    hidden = {(c["loss"], c["activations"][0]) for c in FORWARD_BACKWARD["cases"]}
    losses = ("half_sse", "mse", "bce", "cross_entropy")
    assert {(loss, added) for loss in losses for added in ("elu", "softplus")} <= hidden
    assert FORWARD_BACKWARD["dtype"] == "float64"


def test_cross_entropy_fixtures_store_class_indices_and_their_one_hot_rows():
    for case in FORWARD_BACKWARD["cases"]:
        if case["loss"] == "cross_entropy":
            one_hot = np.eye(len(case["y"][0]))[case["targets"]]
            np.testing.assert_array_equal(one_hot, case["y"])


@by_id(FORWARD_BACKWARD["cases"])
def test_forward_pass_gives_torchs_z_and_a_in_every_layer(case):
    fwd = network_from(case).forward(np.array(case["x"]))
    for l in range(2):
        assert_close(fwd.z[l], case["z"][l], f"z({l + 1})")
        assert_close(fwd.a[l], case["a"][l], f"a({l + 1})")


@by_id(FORWARD_BACKWARD["cases"])
def test_batch_loss_and_per_sample_losses_equal_torchs(case):
    _, bwd = network_from(case).gradients(
        np.array(case["x"]), np.array(case["y"]), get_loss(case["loss"])
    )
    assert_close(bwd.loss, case["loss_value"], "batch loss")
    assert_close(bwd.per_sample_loss, case["per_sample_loss"], "per-sample loss")


@by_id(FORWARD_BACKWARD["cases"])
def test_per_sample_deltas_equal_torchs_autograd_of_each_samples_loss(case):
    _, bwd = network_from(case).gradients(
        np.array(case["x"]), np.array(case["y"]), get_loss(case["loss"])
    )
    for l in range(2):
        assert_close(bwd.delta[l], case["delta"][l], f"δ({l + 1})")


@by_id(FORWARD_BACKWARD["cases"])
def test_weight_and_bias_gradients_equal_torchs_grad(case):
    _, bwd = network_from(case).gradients(
        np.array(case["x"]), np.array(case["y"]), get_loss(case["loss"])
    )
    for l in range(2):
        assert bwd.dW[l].shape == np.shape(case["dW"][l])
        assert_close(bwd.dW[l], case["dW"][l], f"∂L/∂W({l + 1})")
        assert_close(bwd.db[l], case["db"][l], f"∂L/∂b({l + 1})")


# -- the tails: activations and bce at |z| up to 1000 --------------------------------------


@pytest.mark.parametrize("name", sorted(SATURATION["activations"]))
def test_activations_far_out_on_their_tails_equal_torchs_values_and_slopes(name):
    act, expected = get_activation(name), SATURATION["activations"][name]
    z = np.array([SATURATION["z"]])
    a = act.forward(z)
    assert_close(a[0], expected["a"], f"{name}(z)")
    assert_close(act.derivative(z, a)[0], expected["slope"], f"{name}'(z)")


@pytest.mark.parametrize("case", SATURATION["bce"], ids=["y=0", "y=1", "two-outputs"])
def test_bce_at_saturated_logits_equals_torchs_bce_with_logits_in_value_and_gradient(case):
    bce, sigmoid = get_loss("bce"), get_activation("sigmoid")
    z, y = np.array(case["z"]), np.array(case["y"])
    y_hat = sigmoid.forward(z)
    assert_close(bce.value(y_hat, y, z), case["loss"], "L")
    assert_close(bce.per_sample(y_hat, y, z), np.mean(case["elementwise"], axis=1), "ℓᵢ")
    # z.grad of the batch mean is δ(L)ᵢ / B.
    grad = bce.output_delta(z, y_hat, y, sigmoid) / z.shape[0]
    assert_close(grad, case["z_grad"], "∂L/∂z(L)")


# -- optimizer sequences ------------------------------------------------------------------


def optimizer_trainer(case: dict) -> Trainer:
    network = network_from(OPTIMIZERS, OPTIMIZERS["network"]["activations"])
    return Trainer(
        network,
        get_loss(OPTIMIZERS["network"]["loss"]),
        make_optimizer(case["kind"], **case["options"]),
        from_arrays(OPTIMIZERS["x"], OPTIMIZERS["y"], task="regression"),
        batch_size=0,
        shuffle=False,
        train_biases=case["train_biases"],
    )


@by_id(OPTIMIZERS["cases"])
def test_trainer_follows_torchs_optimizer_step_by_step(case):
    trainer = optimizer_trainer(case)
    for step in range(OPTIMIZERS["steps"]):
        loss = trainer.step()
        assert_close(loss, case["loss"][step], f"loss before step {step + 1}")
        for l in range(2):
            assert_close(trainer.network.W[l], case["W"][step][l], f"W({l + 1}) after {step + 1}")
            assert_close(trainer.network.b[l], case["b"][step][l], f"b({l + 1}) after {step + 1}")


@by_id(OPTIMIZERS["cases"])
def test_optimizer_state_after_the_last_step_equals_torchs(case):
    trainer = optimizer_trainer(case)
    for _ in range(OPTIMIZERS["steps"]):
        trainer.step()
    state = trainer.optimizer.state
    assert len(state) == len(case["state"]) == (4 if case["train_biases"] else 2)
    for i, (ours, theirs) in enumerate(zip(state, case["state"], strict=True)):
        assert set(ours) == set(theirs) == set(trainer.optimizer.STATE_NAMES)
        for name, value in theirs.items():
            assert_close(ours[name], value, f"state {name!r} of parameter {i}")
    assert trainer.optimizer.t == OPTIMIZERS["steps"]


@by_id(OPTIMIZERS["cases"])
def test_optimizer_step_on_the_bare_parameter_list_follows_torch(case):
    network = network_from(OPTIMIZERS, OPTIMIZERS["network"]["activations"])
    optimizer = make_optimizer(case["kind"], **case["options"])
    loss = get_loss(OPTIMIZERS["network"]["loss"])
    x, y = np.array(OPTIMIZERS["x"]), np.array(OPTIMIZERS["y"])
    biases = case["train_biases"]
    params = [
        p for W, b in zip(network.W, network.b, strict=True) for p in ((W, b) if biases else (W,))
    ]
    for _ in range(OPTIMIZERS["steps"]):
        _, bwd = network.gradients(x, y, loss)
        grads = [
            g
            for dW, db in zip(bwd.dW, bwd.db, strict=True)
            for g in ((dW, db) if biases else (dW,))
        ]
        optimizer.step(params, grads)
    final = OPTIMIZERS["steps"] - 1
    for l in range(2):
        assert_close(network.W[l], case["W"][final][l], f"final W({l + 1})")
        assert_close(network.b[l], case["b"][final][l], f"final b({l + 1})")


def test_fixed_biases_stay_at_their_initial_values_as_in_torch():
    for case in OPTIMIZERS["cases"]:
        if not case["train_biases"]:
            trainer = optimizer_trainer(case)
            trainer.train(1)
            for l in range(2):
                np.testing.assert_array_equal(trainer.network.b[l], OPTIMIZERS["b"][l])
                np.testing.assert_array_equal(case["b"][-1][l], OPTIMIZERS["b"][l])


# -- the notes' training loop on the seed-toy weights -------------------------------------


def seed_toy_trainer() -> Trainer:
    return Trainer(
        network_from(SEED_TOY),
        get_loss(SEED_TOY["loss"]),
        make_optimizer("sgd", lr=SEED_TOY["lr"]),
        from_arrays(SEED_TOY["x"], SEED_TOY["y"], task="regression"),
        shuffle=False,
    )


def test_seed_toy_loop_gives_torchs_loss_in_every_one_of_500_epochs():
    trainer = seed_toy_trainer()
    history = trainer.train(SEED_TOY["epochs"])
    assert_close([r.train_loss for r in history], SEED_TOY["epoch_loss"], "epoch losses")
    for epoch, value in SEED_TOY["printed_epochs"].items():
        assert_close(history[int(epoch)].train_loss, value, f"epoch {epoch}")


def test_seed_toy_loop_ends_with_torchs_weights_and_prediction():
    trainer = seed_toy_trainer()
    trainer.train(SEED_TOY["epochs"])
    for l in range(2):
        assert_close(trainer.network.W[l], SEED_TOY["final_W"][l], f"final W({l + 1})")
        assert_close(trainer.network.b[l], SEED_TOY["final_b"][l], f"final b({l + 1})")
    prediction = trainer.network.predict(np.array(SEED_TOY["x"]))[0, 0]
    assert_close(prediction, SEED_TOY["final_prediction"], "final prediction")


# -- defaults -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "torch_class"),
    [("sgd", "SGD"), ("adam", "Adam"), ("rmsprop", "RMSprop")],
)
def test_make_optimizer_defaults_equal_torchs_constructor_defaults(kind, torch_class):
    defaults = OPTIMIZERS["defaults"][torch_class]
    hyper = make_optimizer(kind).hyperparameters()
    assert hyper["learning_rate"] == defaults["lr"]
    assert hyper["weight_decay"] == defaults["weight_decay"]
    for name in ("betas", "eps", "alpha"):
        if name in defaults:
            assert hyper[name] == defaults[name]


def test_momentum_defaults_to_torchs_plain_momentum_without_nesterov():
    defaults = OPTIMIZERS["defaults"]["SGD"]
    hyper = make_optimizer("momentum").hyperparameters()
    assert hyper["nesterov"] == defaults["nesterov"]
    assert hyper["weight_decay"] == defaults["weight_decay"]

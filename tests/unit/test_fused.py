"""The trainer's fused step against the reference Network.gradients and Optimizer.step:
the same numbers to the last bit, for every activation, loss, optimizer and dtype."""

import numpy as np
import pytest
from backprop_tui.core.data.dataset import Dataset
from backprop_tui.core.nn.activations import ACTIVATIONS
from backprop_tui.core.nn.fused import FusedStep, ParameterVector
from backprop_tui.core.nn.init import init_parameters
from backprop_tui.core.nn.losses import get_loss
from backprop_tui.core.nn.network import Network
from backprop_tui.core.nn.optimizers import make_optimizer
from backprop_tui.core.training.trainer import Trainer
from hypothesis import given, settings
from hypothesis import strategies as st

HIDDEN = sorted(a for a in ACTIVATIONS if a != "softmax")
# Output activation and loss pairs the presets use, plus unfused ones (the fallbacks).
OUTPUTS = [
    ("linear", "mse"),
    ("linear", "half_sse"),
    ("sigmoid", "half_sse"),
    ("sigmoid", "mse"),
    ("sigmoid", "bce"),
    ("softmax", "cross_entropy"),
    ("tanh", "mse"),
    ("relu", "half_sse"),
    ("leaky_relu", "mse"),
    ("softmax", "mse"),
    ("elu", "half_sse"),
    ("softplus", "mse"),
]
OPTIMIZERS = [
    ("sgd", {}),
    ("sgd", {"weight_decay": 0.01}),
    ("momentum", {"momentum": 0.9}),
    ("momentum", {"momentum": 0.8, "nesterov": True, "weight_decay": 0.001}),
    ("adam", {}),
    ("rmsprop", {"weight_decay": 0.01}),
]


def make_case(sizes, hidden, output, loss_name, batch, dtype, seed):
    rng = np.random.default_rng(seed)
    W, b = init_parameters(sizes, "xavier", seed=seed, dtype=dtype)
    acts = [hidden] * (len(sizes) - 2) + [output]
    x = rng.normal(size=(batch, sizes[0])).astype(dtype)
    if loss_name == "cross_entropy":
        y = np.eye(sizes[-1], dtype=dtype)[rng.integers(0, sizes[-1], batch)]
    elif loss_name == "bce":
        y = rng.integers(0, 2, size=(batch, sizes[-1])).astype(dtype)
    else:
        y = rng.normal(size=(batch, sizes[-1])).astype(dtype)
    return Network(W, b, acts), get_loss(loss_name), x, y


def assert_identical(actual, expected, what):
    assert actual.dtype == expected.dtype, what
    np.testing.assert_array_equal(actual, expected, err_msg=what, strict=True)


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 6), min_size=2, max_size=4),
    hidden=st.sampled_from(HIDDEN),
    output=st.sampled_from(OUTPUTS),
    batch=st.integers(1, 9),
    dtype=st.sampled_from([np.float64, np.float32]),
    seed=st.integers(0, 2**16),
)
def test_fused_forward_and_backward_equal_the_reference_bit_for_bit(
    sizes, hidden, output, batch, dtype, seed
):
    act, loss_name = output
    if act == "softmax" and sizes[-1] == 1:
        sizes = [*sizes[:-1], 2]
    net, loss, x, y = make_case(sizes, hidden, act, loss_name, batch, dtype, seed)
    ref_fwd, ref_bwd = net.copy().gradients(x, y, loss)
    fused = FusedStep(ParameterVector(net, train_biases=True), loss)
    for _ in range(2):  # the second call reuses the buffers
        fwd, bwd = fused.run(x, y)
        assert bwd.loss == ref_bwd.loss
        assert_identical(bwd.per_sample_loss, ref_bwd.per_sample_loss, "per-sample loss")
        for l in range(len(net.W)):
            assert_identical(fwd.z[l], ref_fwd.z[l], f"z({l + 1})")
            assert_identical(fwd.a[l], ref_fwd.a[l], f"a({l + 1})")
            assert_identical(bwd.delta[l], ref_bwd.delta[l], f"δ({l + 1})")
            assert_identical(bwd.dW[l], ref_bwd.dW[l], f"∂W({l + 1})")
            assert_identical(bwd.db[l], ref_bwd.db[l], f"∂b({l + 1})")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fused_equals_the_reference_on_a_wide_batch(dtype):
    """Sizes where numpy takes its SIMD and BLAS paths, not the tiny-array ones."""
    net, loss, x, y = make_case([30, 64, 48, 10], "relu", "softmax", "cross_entropy", 100, dtype, 3)
    ref_fwd, ref_bwd = net.copy().gradients(x, y, loss)
    fwd, bwd = FusedStep(ParameterVector(net, train_biases=True), loss).run(x, y)
    for l in range(3):
        assert_identical(fwd.a[l], ref_fwd.a[l], f"a({l + 1})")
        assert_identical(bwd.dW[l], ref_bwd.dW[l], f"∂W({l + 1})")
        assert_identical(bwd.db[l], ref_bwd.db[l], f"∂b({l + 1})")


@pytest.mark.parametrize("tiny", [False, True])
@pytest.mark.parametrize("outputs", range(1, 9))
@pytest.mark.parametrize("loss_name", ["mse", "half_sse"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_squared_error_outputs_equal_the_reference_for_every_output_count(
    outputs, loss_name, dtype, tiny
):
    """One or two outputs skip the reduction, and powers of two scale by 1/K: the same
    bits as the reference's sum and division, subnormal differences (tiny) included."""
    net, loss, x, y = make_case([3, 4, outputs], "tanh", "linear", loss_name, 200, dtype, outputs)
    if tiny:  # ŷ = 0 and y a few subnormals: every ŷ − y, and 2(ŷ − y)/K, is subnormal
        net.W[-1][:] = 0
        net.b[-1][:] = 0
        y = np.finfo(dtype).smallest_subnormal * np.arange(y.size, dtype=dtype).reshape(y.shape)
    _, ref = net.copy().gradients(x, y, loss)
    _, bwd = FusedStep(ParameterVector(net, train_biases=True), loss).run(x, y)
    assert bwd.loss == ref.loss
    assert_identical(bwd.per_sample_loss, ref.per_sample_loss, "per-sample loss")
    for l in range(2):
        assert_identical(bwd.delta[l], ref.delta[l], f"δ({l + 1})")
        assert_identical(bwd.dW[l], ref.dW[l], f"∂W({l + 1})")
        assert_identical(bwd.db[l], ref.db[l], f"∂b({l + 1})")
    if tiny:
        assert np.count_nonzero(bwd.delta[-1]) > 0  # the subnormals did not all flush to 0


def test_binding_keeps_the_values_and_makes_w_and_b_views_of_one_vector():
    net, *_ = make_case([2, 3, 1], "tanh", "linear", "mse", 1, np.float64, 0)
    before = [w.copy() for w in net.W] + [v.copy() for v in net.b]
    flat = ParameterVector(net, train_biases=False)
    for arr, old in zip([*net.W, *net.b], before, strict=True):
        assert_identical(arr, old, "a bound parameter")
        assert np.shares_memory(arr, flat.theta)
    assert flat.trained.size == sum(w.size for w in net.W)
    net.W[0] = np.zeros((3, 2))  # someone replaces an array: the next run re-binds
    flat.ensure_bound()
    assert np.shares_memory(net.W[0], flat.theta)
    assert not flat.theta[:6].any()


@pytest.mark.parametrize(("kind", "options"), OPTIMIZERS)
@pytest.mark.parametrize("train_biases", [True, False])
def test_trainer_steps_equal_the_reference_loop_bit_for_bit(kind, options, train_biases):
    net, loss, x, y = make_case([3, 5, 4, 2], "sigmoid", "linear", "mse", 10, np.float64, 7)
    ref_net, ref_opt = net.copy(), make_optimizer(kind, 0.05, **options)
    opt = make_optimizer(kind, 0.05, **options)
    trainer = Trainer(
        net, loss, opt, Dataset(x, y), batch_size=4, seed=5, train_biases=train_biases
    )
    rng = np.random.default_rng(5)
    for _ in range(3):  # epochs of 4, 4 and 2 rows, shuffled as the trainer shuffles
        order = rng.permutation(10)
        for start in range(0, 10, 4):
            rows = order[start : start + 4]
            _, bwd = ref_net.gradients(x[rows], y[rows], loss)
            params, grads = [], []
            for l in range(len(ref_net.W)):
                params.append(ref_net.W[l])
                grads.append(bwd.dW[l])
                if train_biases:
                    params.append(ref_net.b[l])
                    grads.append(bwd.db[l])
            ref_opt.step(params, grads)
    trainer.train(3)
    for l in range(len(net.W)):
        assert_identical(trainer.network.W[l], ref_net.W[l], f"W({l + 1})")
        assert_identical(trainer.network.b[l], ref_net.b[l], f"b({l + 1})")
    assert len(trainer.optimizer.state) == len(ref_opt.state)
    for mine, theirs in zip(trainer.optimizer.state, ref_opt.state, strict=True):
        assert mine.keys() == theirs.keys()
        for name in theirs:
            assert_identical(mine[name], theirs[name], f"optimizer state {name}")


def test_a_clone_steps_per_parameter_without_touching_the_flat_state():
    net, loss, x, y = make_case([2, 3, 1], "tanh", "linear", "mse", 4, np.float64, 1)
    trainer = Trainer(net, loss, make_optimizer("adam", 0.1), Dataset(x, y))
    trainer.step()
    twin = trainer.optimizer.clone()
    m_before = trainer.optimizer.state[0]["m"].copy()
    twin.step([np.ones((3, 2))], [np.ones((3, 2))])
    assert_identical(trainer.optimizer.state[0]["m"], m_before, "the original's m")
    trainer.step()  # and the original goes on from its own state
    assert not np.array_equal(trainer.optimizer.state[0]["m"], m_before)


def test_state_set_from_outside_is_adopted_by_the_next_flat_step():
    net, loss, x, y = make_case([2, 3, 1], "tanh", "linear", "mse", 4, np.float64, 2)
    reference = make_optimizer("momentum", 0.1)
    trainer = Trainer(
        net.copy(), loss, make_optimizer("momentum", 0.1), Dataset(x, y), shuffle=False
    )
    trainer.step()
    # A copy of the state, as a step-through session restores it from a snapshot.
    reference.t = trainer.optimizer.t
    reference.state = [{k: v.copy() for k, v in st.items()} for st in trainer.optimizer.state]
    trainer.optimizer.state = [{k: v.copy() for k, v in st.items()} for st in reference.state]
    params = [trainer.network.W[0].copy(), trainer.network.b[0].copy()]
    params += [trainer.network.W[1].copy(), trainer.network.b[1].copy()]
    _, bwd = Network(params[::2], params[1::2], net.activations).gradients(x, y, loss)
    reference.step(params, [bwd.dW[0], bwd.db[0], bwd.dW[1], bwd.db[1]])
    trainer.step()
    assert_identical(trainer.network.W[1], params[2], "W(2) after the adopted state")
    assert_identical(trainer.optimizer.state[2]["v"], reference.state[2]["v"], "v of W(2)")


def test_a_non_finite_update_restores_the_last_finite_weights_exactly():
    net, loss, x, y = make_case([1, 2, 1], "sigmoid", "linear", "mse", 2, np.float64, 0)
    net.W[1][:] = 1e308
    before = [w.copy() for w in net.W] + [v.copy() for v in net.b]
    trainer = Trainer(net, loss, make_optimizer("sgd", 1e300), Dataset(x, y))
    with pytest.raises(ArithmeticError):
        trainer.step()
    for arr, old in zip([*trainer.network.W, *trainer.network.b], before, strict=True):
        assert_identical(arr, old, "a parameter after divergence")

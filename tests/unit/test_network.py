"""The network's forward and backward passes against hand-computed values."""

import numpy as np
import pytest
from backprop_tui.core.data.dataset import from_arrays
from backprop_tui.core.nn.losses import get_loss
from backprop_tui.core.nn.network import Network
from backprop_tui.core.nn.optimizers import make_optimizer
from backprop_tui.core.training.trainer import Trainer


def test_seed_toy_forward_matches_hand_computation(seed_toy):
    fwd = seed_toy().forward(np.array([[1.0]]))
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    a1 = sig(np.array([0.5, 0.6]))
    z2 = 0.4 * a1[0] + 0.45 * a1[1] + 0.6
    np.testing.assert_allclose(fwd.z[0], [[0.5, 0.6]], rtol=0, atol=1e-15)
    np.testing.assert_allclose(fwd.a[0], [a1], rtol=1e-15)
    np.testing.assert_allclose(fwd.z[1], [[z2]], rtol=1e-15)
    assert fwd.z[1][0, 0] == pytest.approx(1.1395, abs=5e-5)
    assert fwd.y_hat[0, 0] == pytest.approx(0.7576, abs=5e-5)


def test_seed_toy_backward_matches_hand_computation(seed_toy):
    fwd, bwd = seed_toy().gradients(np.array([[1.0]]), np.array([[0.0]]), get_loss("half_sse"))
    y_hat = fwd.y_hat[0, 0]
    delta2 = (y_hat - 0.0) * y_hat * (1 - y_hat)
    a1 = fwd.a[0][0]
    delta1 = delta2 * np.array([0.4, 0.45]) * a1 * (1 - a1)
    assert bwd.loss == pytest.approx(0.5 * y_hat**2, rel=1e-15)
    assert bwd.loss == pytest.approx(0.2870, abs=5e-5)
    np.testing.assert_allclose(bwd.delta[1], [[delta2]], rtol=1e-14)
    np.testing.assert_allclose(bwd.delta[0], [delta1], rtol=1e-14)
    np.testing.assert_allclose(bwd.dW[1], [delta2 * a1], rtol=1e-14)
    np.testing.assert_allclose(bwd.dW[0], [[delta1[0]], [delta1[1]]], rtol=1e-14)
    np.testing.assert_allclose(bwd.delta[0], [[0.0131, 0.0143]], atol=5e-5)


def _toy_trainer(network: Network, **kw):
    from backprop_tui.core.data.dataset import from_arrays
    from backprop_tui.core.nn.optimizers import make_optimizer
    from backprop_tui.core.training.trainer import Trainer

    return Trainer(
        network,
        get_loss("half_sse"),
        make_optimizer("sgd", 0.5),
        from_arrays([[1.0], [0.5]], [[0.0], [1.0]]),
        batch_size=1,
        **kw,
    )


def test_trainer_step_advances_one_batch_and_epochs_roll_over(seed_toy):
    t = _toy_trainer(seed_toy())
    t.step()
    assert (t.epoch, t.step_in_epoch, t.global_step) == (0, 1, 1)
    t.step()
    assert (t.epoch, t.step_in_epoch, t.global_step) == (1, 0, 2)
    assert len(t.history) == 1


def test_trainer_train_on_a_chosen_sample_is_a_step_in_place_of_the_next_batch(seed_toy):
    t, order = _toy_trainer(seed_toy()), _toy_trainer(seed_toy())
    order.step()
    after = order.next_batch().copy()  # the epoch's second batch
    t.train_on([1])
    assert (t.epoch, t.step_in_epoch, t.global_step) == (0, 1, 1)
    np.testing.assert_array_equal(t.next_batch(), after)


def test_snapshot_arrays_are_read_only_copies(seed_toy):
    t = _toy_trainer(seed_toy())
    t.step()
    snap = t.snapshot()
    assert not snap.W[0].flags.writeable
    assert snap.W[0] is not t.network.W[0]
    t.network.W[0][0, 0] = 99.0
    assert snap.W[0][0, 0] != 99.0


def test_divergence_stops_training_and_keeps_the_last_finite_weights():
    from backprop_tui.core.data.dataset import from_arrays
    from backprop_tui.core.errors import DivergedError
    from backprop_tui.core.nn.optimizers import make_optimizer
    from backprop_tui.core.training.trainer import Trainer

    net = Network(
        [np.array([[1.0]]), np.array([[1.0]])], [np.zeros(1), np.zeros(1)], ["linear"] * 2
    )
    t = Trainer(net, get_loss("mse"), make_optimizer("sgd", 10.0), from_arrays([[3.0]], [[1.0]]))
    with pytest.raises(DivergedError) as caught:
        for _ in range(10_000):
            t.step()
    assert all(np.isfinite(w).all() for w in t.network.W)
    assert t.diverged is caught.value
    assert f"epoch {caught.value.epoch}, step 1" in str(caught.value)
    with pytest.raises(DivergedError):
        t.step()
    t.resume()
    assert t.diverged is None


@pytest.mark.parametrize(("w", "y"), [(1000.0, 0.0), (-1000.0, 1.0), (40.0, 0.0), (-40.0, 1.0)])
def test_a_saturated_bce_network_has_a_loss_and_gradient_that_agree(w, y):
    # One sigmoid unit with z = w·x on x = 1 and bce (BCEWithLogitsLoss on z): loss |z|,
    # slope ±1, and the trainer's fused step takes the same numbers.
    network = Network([np.array([[w]])], [np.zeros(1)], ["sigmoid"])
    x, target, bce = np.array([[1.0]]), np.array([[y]]), get_loss("bce")
    _, bwd = network.gradients(x, target, bce)
    assert bwd.loss == pytest.approx(abs(w), rel=1e-15)

    def loss_at(v: float) -> float:
        return (
            Network([np.array([[v]])], [np.zeros(1)], ["sigmoid"]).gradients(x, target, bce)[1].loss
        )

    h = 1e-3 * abs(w)
    numeric = (loss_at(w + h) - loss_at(w - h)) / (2 * h)
    assert bwd.dW[0][0, 0] == pytest.approx(numeric, rel=1e-9)
    assert bwd.dW[0][0, 0] == pytest.approx(np.sign(w), rel=1e-15)
    trainer = Trainer(network, bce, make_optimizer("sgd", lr=0.5), from_arrays(x, target))
    assert trainer.step() == bwd.loss
    assert trainer.network.W[0][0, 0] == w - 0.5 * bwd.dW[0][0, 0]

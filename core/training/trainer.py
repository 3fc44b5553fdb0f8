"""The training loop: one network, one loss, one optimizer, the data and the counters.

`step()` trains on one batch (forward, backward, update — what one iteration of the
notes' PyTorch loop does), `epoch()` finishes the current epoch, and `snapshot()`
returns an immutable copy of everything a viewer may show. When the loss or a
parameter becomes NaN or infinite the trainer keeps the last finite weights and raises
`DivergedError`. Unless told not to (`watch_health=False`), `health` keeps per-layer
gradient-health records as it trains (`core.training.health`); it changes no number.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from backprop_tui.core.data.dataset import Dataset, accuracy, epoch_order
from backprop_tui.core.errors import DivergedError
from backprop_tui.core.nn.fused import FusedStep, ParameterVector
from backprop_tui.core.nn.losses import Loss
from backprop_tui.core.nn.network import BackwardPass, ForwardPass, Network
from backprop_tui.core.nn.optimizers import Optimizer
from backprop_tui.core.training.health import HealthMonitor
from backprop_tui.core.training.history import EMPTY, EpochRecord, History
from backprop_tui.core.training.run import Goal, train
from backprop_tui.core.training.snapshot import Snapshot, frozen, optimizer_options

__all__ = ["Snapshot", "Trainer", "frozen"]

Array = np.ndarray


@dataclass
class Trainer:
    """Owns network, loss, optimizer, data, counters and history.

    `epoch` counts completed epochs; `step_in_epoch` the steps taken in the current one;
    `global_step` every update so far. `train_biases=False` keeps b fixed. An epoch
    visits the training rows once, in an order drawn (seeded) at its first step, in
    consecutive batches of `batch_size` rows (0: the whole set; the last may be short);
    a new batch size applies from the next step on, to the rest of the epoch.
    `health` is the gradient-health bookkeeping (None with `watch_health=False`; set it
    to None to stop it, or to a new `HealthMonitor(network)` to start it).
    """

    network: Network
    loss: Loss
    optimizer: Optimizer
    train_data: Dataset
    test_data: Dataset | None = None
    batch_size: int = 0
    shuffle: bool = True
    seed: int = 0
    train_biases: bool = True
    epoch: int = 0
    step_in_epoch: int = 0
    global_step: int = 0
    history: History = field(default_factory=History)
    last_forward: ForwardPass | None = None
    last_backward: BackwardPass | None = None
    last_batch: Array | None = None
    diverged: DivergedError | None = None
    measured: EpochRecord | None = None
    watch_health: bool = True
    health: HealthMonitor | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        dtype = self.network.dtype.type
        self.train_data = self.train_data.astype(dtype)
        if self.test_data is not None:
            self.test_data = self.test_data.astype(dtype)
        self._rng = np.random.default_rng(self.seed)
        # The current epoch's row order and its X and Y rows in that order (None before
        # its first step), and how many of those rows its steps have taken.
        self._epoch_rows: tuple[Array, Array, Array] | None = None
        self._taken = 0
        self._epoch_loss = 0.0
        self._epoch_correct = 0.0
        self._epoch_seen = 0
        # W and b become views of one flat vector (two, in turn): one optimizer pass and
        # one finiteness check per step, whatever the number of layers.
        self._flat = ParameterVector(self.network, self.train_biases)
        self._fused = FusedStep(self._flat, self.loss)
        self._scratch = np.empty_like(self._flat.trained)
        if self.watch_health:
            self.health = HealthMonitor(self.network)

    # -- parameters -----------------------------------------------------------------

    def parameters(self) -> list[Array]:
        """The trained parameters in optimizer order: W(1), b(1), W(2), b(2), …"""
        params: list[Array] = []
        for W, b in zip(self.network.W, self.network.b, strict=True):
            params.append(W)
            if self.train_biases:
                params.append(b)
        return params

    @property
    def batch_rows(self) -> int:
        """Rows in a full batch at the current batch size (the whole set for 0)."""
        n, size = len(self.train_data), self.batch_size
        return n if size <= 0 else min(size, n)

    @property
    def steps_per_epoch(self) -> int:
        """The current epoch's steps: those taken and the rest at the current batch size."""
        left = len(self.train_data) - self._taken
        return self.step_in_epoch + -(-left // max(self.batch_rows, 1))

    @property
    def is_classification(self) -> bool:
        return self.train_data.task == "classification"

    def next_batch(self) -> Array:
        """The row indices of the batch the next `step()` will train on. Changes nothing:
        before an epoch's first step its order is drawn from a copy of the generator."""
        if self._epoch_rows is None:
            order = self._order(copy.deepcopy(self._rng))
        else:
            order = self._epoch_rows[0]
        return order[self._taken : self._taken + self.batch_rows]

    def _order(self, rng: np.random.Generator) -> Array:
        n = len(self.train_data)
        order, _ = epoch_order(n, self.batch_size, rng if self.shuffle else None)
        return np.arange(n) if order is None else order

    def _start_epoch(self) -> None:
        data = self.train_data
        order = self._order(self._rng)
        # One gather per epoch; each batch is then a slice of it (the same rows).
        # np.take is X[order] without fancy indexing's overhead (~5× faster).
        if self.shuffle:
            X, Y = np.take(data.X, order, axis=0), np.take(data.Y, order, axis=0)
        else:
            X, Y = data.X, data.Y
        self._epoch_rows = (order, X, Y)

    # -- training -------------------------------------------------------------------

    def step(self) -> float:
        """Train on the next batch of the epoch; returns its loss (before the update)."""
        if self.diverged is not None:
            raise self.diverged
        if self._epoch_rows is None:
            self._start_epoch()
        assert self._epoch_rows is not None
        at, size = self._taken, self.batch_rows
        index, X, Y = (rows[at : at + size] for rows in self._epoch_rows)
        return self._train(index, X, Y, len(index))

    def train_on(self, index: Array) -> float:
        """One update on the training rows `index` (a sample chosen in the step-through)
        in place of the epoch's next batch: a step like any other (its loss counts in the
        epoch's), after which the epoch goes on from the batch after that one."""
        if self.diverged is not None:
            raise self.diverged
        index = np.asarray(index).reshape(-1)
        if self._epoch_rows is None:
            self._start_epoch()
        slot = min(self.batch_rows, len(self.train_data) - self._taken)
        data = self.train_data
        return self._train(index, data.X[index], data.Y[index], slot)

    def _train(self, index: Array, X: Array, Y: Array, slot: int) -> float:
        """Update on rows `index` (X, Y) as the epoch's step that takes `slot` rows."""
        # Overflow is detected below and reported as divergence, not as numpy warnings.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            fwd, bwd = self._update(X, Y)
        health = self.health
        if health is not None and health.watching:
            health.observe(fwd)
        self.last_forward, self.last_backward, self.last_batch = fwd, bwd, index
        self.measured = None
        self.global_step += 1
        self.step_in_epoch += 1
        self._taken += slot
        self._epoch_loss += bwd.loss * len(index)
        self._epoch_seen += len(index)
        if self.is_classification:
            self._epoch_correct += accuracy(fwd.y_hat, Y) * len(index)
        if self._taken >= len(self.train_data):
            self._finish_epoch()
        return bwd.loss

    def _update(self, X: Array, Y: Array) -> tuple[ForwardPass, BackwardPass]:
        # What network.gradients(X, Y, loss) gives, into buffers (core.nn.fused).
        fwd, bwd = self._fused.run(X, Y)
        if not math.isfinite(bwd.loss):
            self._diverge(bwd.loss)
        flat = self._flat
        # θ − Δ goes to the spare vector: the network's weights stay the last finite ones
        # until the new ones are known to be finite.
        new = flat.spare
        self.optimizer.step_flat(flat.trained, flat.trained_grad, flat.layout, new, self._scratch)
        # A NaN or ±inf anywhere makes θ·θ non-finite (a finite θ·θ can only overflow
        # when the values are huge, so then look element by element).
        if not math.isfinite(np.dot(new, new)) and not np.isfinite(new).all():
            self.optimizer.reset()
            self._diverge(float("inf"))
        flat.swap()
        return fwd, bwd

    def _diverge(self, loss: float) -> None:
        self.diverged = DivergedError(self.epoch + 1, self.step_in_epoch + 1, loss)
        raise self.diverged

    def _finish_epoch(self) -> None:
        steps = self.step_in_epoch
        self.epoch += 1
        self.step_in_epoch = 0
        self._epoch_rows, self._taken = None, 0
        seen = max(self._epoch_seen, 1)
        test_loss = test_acc = None
        if self.test_data is not None and len(self.test_data):
            test_loss, test_acc = self.evaluate(self.test_data)
        self.history.append(
            EpochRecord(
                self.epoch,
                self._epoch_loss / seen,
                test_loss,
                self._epoch_correct / seen if self.is_classification else None,
                test_acc,
            )
        )
        self._epoch_loss = self._epoch_correct = 0.0
        self._epoch_seen = 0
        if self.health is not None:
            self.health.end_epoch(self.epoch, steps, self._health_weights)

    def _health_weights(self) -> tuple[Array, Array, Array]:
        """∂W, W and W before the last update, flat (W(1) … W(L)): the update wrote the
        new weights into the spare vector and swapped, so the other one holds the old."""
        flat = self._flat
        n = flat.slices[len(self.network.W) - 1].stop
        return flat.grad[:n], flat.theta[:n], flat.spare[:n]

    def run_epoch(self) -> EpochRecord:
        """Train the remaining batches of the current epoch; returns its record."""
        target = self.epoch + 1
        while self.epoch < target:
            self.step()
        last = self.history.last
        assert last is not None
        return last

    def train(
        self,
        epochs: int,
        on_epoch: Callable[[EpochRecord], None] | None = None,
    ) -> History:
        """Train `epochs` more epochs; `on_epoch` is called after each one. Raises
        `DivergedError` when the loss or a parameter becomes NaN or infinite."""
        outcome = train(self, Goal(self.epoch + epochs), on_epoch)
        if outcome.diverged is not None:
            raise outcome.diverged
        return self.history

    def set_parameter(
        self, layer: int, quantity: str, index: tuple[int, ...], value: float
    ) -> None:
        """Set one weight W(layer)[i, j] or bias b(layer)[i] (layer 1-based), between
        steps; `measured` then holds the loss and accuracy of the weights so changed."""
        if quantity not in ("W", "b"):
            raise ValueError(f"quantity must be 'W' or 'b', not {quantity!r}")
        if not np.isfinite(value):
            raise ValueError(f"a parameter must be a finite number, not {value}")
        arrays = self.network.W if quantity == "W" else self.network.b
        arrays[layer - 1][index] = value
        self.measured = self.measure()

    def resume(self) -> None:
        """Clear a divergence so training can go on (after, say, lowering the rate)."""
        self.diverged = None

    # -- reading --------------------------------------------------------------------

    def evaluate(self, data: Dataset) -> tuple[float, float | None]:
        """Batch loss and (for classification) accuracy of the current network on `data`."""
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            fwd = self.network.forward(data.X)
            loss = self.loss.value(fwd.y_hat, data.Y, fwd.z[-1])
        acc = accuracy(fwd.y_hat, data.Y) if data.task == "classification" else None
        return loss, acc

    def measure(self) -> EpochRecord:
        """The loss and accuracy of the weights as they are, on the whole training set
        (and the test set), as a record of the current epoch count."""
        train_loss, train_acc = self.evaluate(self.train_data)
        test_loss = test_acc = None
        if self.test_data is not None and len(self.test_data):
            test_loss, test_acc = self.evaluate(self.test_data)
        return EpochRecord(self.epoch, train_loss, test_loss, train_acc, test_acc)

    def snapshot(self, with_history: bool = True, with_batch: bool = True) -> Snapshot:
        """An immutable copy of the state; the batch arrays are optional (they can be
        big). Taking one changes nothing in the trainer."""
        fwd, bwd = self.last_forward, self.last_backward
        batch: dict = {}
        if with_batch and fwd is not None and bwd is not None:
            idx = self.last_batch
            batch = dict(
                dW=tuple(map(frozen, bwd.dW)),
                db=tuple(map(frozen, bwd.db)),
                x=frozen(fwd.x),
                y=frozen(self.train_data.Y[idx]),
                z=tuple(map(frozen, fwd.z)),
                a=tuple(map(frozen, fwd.a)),
                delta=tuple(map(frozen, bwd.delta)),
            )
        return Snapshot(
            epoch=self.epoch,
            step=self.step_in_epoch,
            global_step=self.global_step,
            steps_per_epoch=self.steps_per_epoch,
            lr=self.optimizer.lr,
            W=tuple(map(frozen, self.network.W)),
            b=tuple(map(frozen, self.network.b)),
            batch_loss=bwd.loss if bwd is not None else None,
            history=self.history.view() if with_history else EMPTY,
            diverged=str(self.diverged) if self.diverged is not None else None,
            optimizer_state=tuple(
                {k: frozen(v) for k, v in st.items()} for st in self.optimizer.state
            ),
            optimizer_t=self.optimizer.t,
            next_batch=frozen(self.next_batch()),
            activations=tuple(act.name for act in self.network.activations),
            optimizer=self.optimizer.kind,
            optimizer_options=optimizer_options(self.optimizer),
            train_biases=self.train_biases,
            measured=self.measured,
            health=self.health.latest if self.health is not None else None,
            health_warnings=self.health.warnings() if self.health is not None else (),
            **batch,
        )

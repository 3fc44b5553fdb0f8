"""A what-if step: one update traced on private copies of a network and its optimizer.

A `StepSession` is built from a `Trainer` (copies of it) or from a `Snapshot` and the
training data (what a viewer holds). It never touches the training network: every
trace runs on copies, and "apply" comes back as a `StepResult` naming exactly one
trainer update (the rows traced, and whether they are the next batch), which the owner
of the real trainer carries out.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from backprop_tui.core.data.dataset import Dataset
from backprop_tui.core.nn.losses import Loss, get_loss
from backprop_tui.core.nn.network import Network
from backprop_tui.core.nn.nudge import DEFAULT_EPS, Nudge, nudge
from backprop_tui.core.nn.optimizers import Optimizer, make_optimizer
from backprop_tui.core.trace.record import SampleRangeError, StepTrace, trace_step
from backprop_tui.core.training.settings import optimizer_for
from backprop_tui.core.training.snapshot import Snapshot, restore_network, restore_optimizer
from backprop_tui.core.training.trainer import Trainer

Array = np.ndarray

NOT_YET = np.zeros((0, 0))
"""What `StepSession.snapshot_for` gives for a quantity not computed yet."""


@dataclass(frozen=True, eq=False)
class StepResult:
    """What "apply" asks of the training network: exactly one update.

    `indices` are the training rows traced (0-based). When `next_batch` is True they are
    the batch the trainer's next `step()` trains on, so the update is `trainer.step()`;
    otherwise it is `trainer.train_on(indices)`, a step on those rows in place of the
    next batch. `W_new` / `b_new` (first layer first) are what that update produces, bit
    for bit; `loss` is the batch loss before it and `loss_after` on the same rows after.
    """

    indices: tuple[int, ...]
    next_batch: bool
    W_new: tuple[Array, ...]
    b_new: tuple[Array, ...]
    loss: float
    loss_after: float

    def apply_to(self, trainer: Trainer) -> float:
        """Perform the update on `trainer`; returns the batch loss the trainer reports."""
        if self.next_batch:
            return trainer.step()
        return trainer.train_on(np.asarray(self.indices, dtype=np.intp))


class StepSession:
    """A network, loss and optimizer copy plus the training data: everything a trace needs.

    `network` and `optimizer` are private copies (never the trainer's); `data` is the
    training set (read only); `next_batch` the row numbers (batch,) the trainer will train
    on next. `title` names the preset for headers and file names.
    """

    result_type: type[StepResult] = StepResult

    def __init__(
        self,
        network: Network,
        loss: Loss | str,
        optimizer: Optimizer,
        data: Dataset,
        next_batch: Sequence[int] | Array,
        *,
        train_biases: bool = True,
        title: str = "",
    ) -> None:
        self.network = network.copy()
        self.loss = get_loss(loss) if isinstance(loss, str) else loss
        self.optimizer = optimizer.clone()
        self.data = data
        self.next_batch = tuple(int(i) for i in np.asarray(next_batch).reshape(-1))
        self.train_biases = train_biases
        self.title = title

    @property
    def n_samples(self) -> int:
        """Rows in the training set."""
        return len(self.data)

    @classmethod
    def from_trainer(cls, trainer: Trainer, title: str = "") -> StepSession:
        """A session on copies of `trainer`'s network and optimizer, at its next batch."""
        return cls(
            trainer.network,
            trainer.loss,
            trainer.optimizer,
            trainer.train_data,
            trainer.next_batch(),
            train_biases=trainer.train_biases,
            title=title,
        )

    @classmethod
    def restore(
        cls,
        snapshot: Snapshot,
        data: Dataset,
        loss: Loss | str,
        *,
        activations: Sequence[str] | None = None,
        optimizer: str | Optimizer | None = None,
        optimizer_options: dict[str, Any] | None = None,
        preset: Any = None,
        train_biases: bool | None = None,
        title: str = "",
    ) -> StepSession:
        """The trainer's state rebuilt from `snapshot` and its training `data`.

        The network is `restore_network(snapshot)` (`activations` for a snapshot that
        does not name them). The optimizer is `optimizer` when it is an instance; else
        the snapshot's own (`restore_optimizer`) when `optimizer` is None or its kind;
        else one of the kind named at the snapshot's η, as the trainer would switch to it
        (`optimizer_for` the `preset`). `optimizer_options` replace its settings (the
        snapshot's state still applies to its own kind). `train_biases` defaults to the
        snapshot's. The next batch is
        `snapshot.next_batch` (the first batch of the preset's size when it has none).
        """
        network = restore_network(snapshot, None if snapshot.activations else activations)
        if isinstance(optimizer, Optimizer):
            opt = optimizer.clone()
        else:
            kind = str(optimizer or snapshot.optimizer or getattr(preset, "optimizer", "sgd"))
            if kind == snapshot.optimizer and optimizer_options is None:
                opt = restore_optimizer(snapshot)
            else:
                if optimizer_options is not None:
                    opt = make_optimizer(kind, snapshot.lr, **optimizer_options)
                else:
                    opt = optimizer_for(kind, snapshot.lr, preset)
                if kind == (snapshot.optimizer or kind):  # the same rule: its state goes on
                    opt = restore_optimizer(snapshot, opt)
        batch = snapshot.next_batch
        if batch is None:
            size = int(getattr(preset, "batch_size", 0) or 0)
            batch = np.arange(len(data) if size <= 0 else min(size, len(data)))
        return cls(
            network,
            loss,
            opt,
            data,
            batch,
            train_biases=snapshot.train_biases if train_biases is None else train_biases,
            title=title,
        )

    def rows(self, sample: int | None) -> tuple[int, ...]:
        """The training rows traced: the next batch (None) or one sample."""
        if sample is None:
            return self.next_batch
        if not 0 <= sample < self.n_samples:
            raise SampleRangeError(sample, self.n_samples)
        return (int(sample),)

    def trace(self, sample: int | None = None, precision: int = 4) -> StepTrace:
        """One forward / backward / update on copies: the next batch, or row `sample`;
        `precision` decimals in the phases' text."""
        rows = np.asarray(self.rows(sample), dtype=np.intp)
        return trace_step(
            self.network,
            self.loss,
            self.optimizer,
            self.data.X[rows],
            self.data.Y[rows],
            self.train_biases,
            precision=precision,
        )

    def nudge(
        self,
        layer: int,
        quantity: str,
        index: tuple[int, ...],
        eps: float = DEFAULT_EPS,
        sample: int | None = None,
    ) -> Nudge:
        """The nudge probe (`core.nn.nudge`) on entry `index` (0-based) of W(`layer`) or
        b(`layer`), for the loss of the rows `trace` would take (the next batch, or row
        `sample`), with the network's own ∂L/∂θ; on a copy, like everything here."""
        rows = np.asarray(self.rows(sample), dtype=np.intp)
        return nudge(
            self.network,
            self.loss,
            self.data.X[rows],
            self.data.Y[rows],
            layer,
            quantity,
            index,
            eps,
        )

    def result(self, trace: StepTrace, sample: int | None) -> StepResult:
        """The `StepResult` that applies `trace`'s update to the training network."""
        W_new, b_new = trace.new_parameters()
        return self.result_type(
            indices=self.rows(sample),
            next_batch=sample is None,
            W_new=tuple(W_new),
            b_new=tuple(b_new),
            loss=float(trace.loss),
            loss_after=float(trace.loss_after),
        )

    def snapshot_for(
        self,
        trace: StepTrace,
        updated: Sequence[tuple[int, str]] = (),
        computed: Collection[tuple[str, int]] | None = None,
    ) -> Snapshot:
        """A `Snapshot` of the traced step: W and b before the update except for the
        (layer, "W" | "b") pairs in `updated` (1-based layers), which hold their new
        values; z, a, δ, ∂W, ∂b of the traced batch. With `computed`, only the
        (quantity, layer) pairs in it have values ("z", 1), ("delta", 2), ("dW", 1), …;
        the others are `NOT_YET` (not computed yet at this phase of a walk)."""
        done = set(updated)
        W = tuple(lt.W_new if (lt.layer, "W") in done else lt.W for lt in trace.layers)
        b = tuple(lt.b_new if (lt.layer, "b") in done else lt.b for lt in trace.layers)

        def known(quantity: str) -> tuple[Array, ...]:
            values = tuple(getattr(lt, quantity) for lt in trace.layers)
            if computed is None:
                return values
            return tuple(
                v if (quantity, lt.layer) in computed else NOT_YET
                for v, lt in zip(values, trace.layers, strict=True)
            )

        return Snapshot(
            epoch=0,
            step=0,
            global_step=0,
            steps_per_epoch=1,
            lr=float(trace.lr),
            W=W,
            b=b,
            dW=known("dW"),
            db=known("db"),
            x=trace.x,
            y=trace.y,
            z=known("z"),
            a=known("a"),
            delta=known("delta"),
            batch_loss=float(trace.loss),
        )

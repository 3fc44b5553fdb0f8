"""What a step-through works on: a private copy of the network, its optimizer and the data.

A `StepSession` is built from what the dashboard already holds (a `ViewContext` and a
`Snapshot`: W, b, the optimizer's state and step count, the next batch's row numbers)
or from a `Trainer` (the standalone `backprop-tui step PRESET`). It never touches the
training network: every trace runs on copies, and "apply" comes back as a
`StepResult` naming exactly one trainer update (the rows traced, and whether they are
the next batch), which the owner of the real trainer carries out.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from backprop_tui.core.nn.losses import Loss, get_loss
from backprop_tui.core.nn.network import Network
from backprop_tui.core.nn.optimizers import Optimizer, make_optimizer
from backprop_tui.core.trace.record import StepTrace, trace_step
from backprop_tui.core.training.trainer import Snapshot, Trainer
from backprop_tui.tui.worker.commands import Step, TrainOn

if TYPE_CHECKING:
    from backprop_tui.core.data.dataset import Dataset
    from backprop_tui.tui.widgets.context import ViewContext

Array = np.ndarray

PRECISIONS = (4, 9)
"""Decimals in the equations: 4 reads like the notes; 9 shows the published digits of
worked examples such as two-two-two (0.298371109)."""

NOT_YET = np.zeros((0, 0))
"""What a table shows for a quantity the step-through has not computed yet."""


@dataclass(frozen=True, eq=False)
class StepResult:
    """What "apply" asks of the training network: exactly one update.

    `indices` are the training rows traced (0-based). When `next_batch` is True they are
    the batch the trainer's next `step()` trains on, so the update is `trainer.step()`
    (the `tui.worker.commands.Step` command); otherwise it is `trainer.train_on(indices)` (the
    `TrainOn(indices)` command), which counts as a step but not toward the epoch.
    `W_new` / `b_new` (first layer first) are what that update produces, bit for bit;
    `loss` is the batch loss before it and `loss_after` on the same rows after it.
    """

    indices: tuple[int, ...]
    next_batch: bool
    W_new: tuple[Array, ...]
    b_new: tuple[Array, ...]
    loss: float
    loss_after: float

    def command(self) -> Step | TrainOn:
        """The controller command that performs this update."""
        return Step() if self.next_batch else TrainOn(self.indices)

    def apply_to(self, trainer: Trainer) -> float:
        """Perform the update on `trainer` (the standalone app and tests); returns the
        batch loss the trainer reports."""
        if self.next_batch:
            return trainer.step()
        return trainer.train_on(np.asarray(self.indices, dtype=np.intp))


class StepSession:
    """A network, loss and optimizer copy plus the training data: everything a trace needs.

    `network` and `optimizer` are private copies (never the trainer's); `data` is the
    training set (read only); `next_batch` the row numbers (batch,) the trainer will train
    on next. `title` names the preset for headers and file names.
    """

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
    def from_snapshot(
        cls,
        context: ViewContext,
        snapshot: Snapshot,
        *,
        optimizer: str | Optimizer | None = None,
        optimizer_options: dict[str, Any] | None = None,
        train_biases: bool | None = None,
    ) -> StepSession:
        """Rebuild the trainer's state from what the dashboard holds.

        W and b come from `snapshot`, activations, loss and data from `context`. The
        optimizer is `optimizer` when it is an instance; else the kind named (default:
        the preset's) with the preset's options (or `optimizer_options`) and the
        snapshot's learning rate, its state set from `snapshot.optimizer_state` and
        `snapshot.optimizer_t`. `train_biases` defaults to the preset's. The next batch
        is `snapshot.next_batch` (the first `batch_size` rows when the snapshot has none).
        """
        preset = context.preset
        network = Network(
            [np.array(w, copy=True) for w in snapshot.W],
            [np.array(v, copy=True) for v in snapshot.b],
            list(context.activations),
        )
        if isinstance(optimizer, Optimizer):
            opt = optimizer.clone()
        else:
            kind = optimizer or getattr(preset, "optimizer", "sgd")
            options = optimizer_options
            if options is None:
                same = preset is not None and kind == getattr(preset, "optimizer", None)
                options = dict(getattr(preset, "optimizer_options", {})) if same else {}
            opt = make_optimizer(kind, snapshot.lr, **dict(options))
            opt.t = int(snapshot.optimizer_t)
            opt.state = [
                {k: np.array(v, copy=True) for k, v in st.items()}
                for st in snapshot.optimizer_state
            ]
        if train_biases is None:
            train_biases = bool(getattr(preset, "train_biases", True))
        batch = snapshot.next_batch
        if batch is None:
            size = int(getattr(preset, "batch_size", 0) or 0)
            n = len(context.train)
            batch = np.arange(n if size <= 0 else min(size, n))
        return cls(
            network,
            context.loss,
            opt,
            context.train,
            batch,
            train_biases=train_biases,
            title=context.name,
        )

    def rows(self, sample: int | None) -> tuple[int, ...]:
        """The training rows traced: the next batch (None) or one sample."""
        if sample is None:
            return self.next_batch
        if not 0 <= sample < self.n_samples:
            raise IndexError(f"sample {sample} is outside 0 … {self.n_samples - 1}")
        return (int(sample),)

    def trace(self, sample: int | None = None, precision: int = PRECISIONS[0]) -> StepTrace:
        """One forward / backward / update on copies: the next batch, or row `sample`."""
        rows = np.asarray(self.rows(sample), dtype=np.intp)
        trace = trace_step(
            self.network,
            self.loss,
            self.optimizer,
            self.data.X[rows],
            self.data.Y[rows],
            self.train_biases,
            precision=precision,
        )
        return trace

    def result(self, trace: StepTrace, sample: int | None) -> StepResult:
        """The `StepResult` that applies `trace`'s update to the training network."""
        W_new, b_new = trace.new_parameters()
        return StepResult(
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
        """A `Snapshot` of the traced step for the layer tables: W and b before the update
        except for the (layer, "W" | "b") pairs in `updated` (1-based layers), which show
        their new values; z, a, δ, ∂W, ∂b of the traced batch. With `computed`, only the
        (quantity, layer) pairs in it have values ("z", 1), ("delta", 2), ("dW", 1), …;
        the others are empty (not computed yet at this phase)."""
        done = set(updated)
        W = tuple(lt.W_new if (lt.layer, "W") in done else lt.W for lt in trace.layers)
        b = tuple(lt.b_new if (lt.layer, "b") in done else lt.b for lt in trace.layers)

        def known(quantity: str) -> tuple[np.ndarray, ...]:
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

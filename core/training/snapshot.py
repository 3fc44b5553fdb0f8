"""What crosses from a trainer to any viewer: an immutable `Snapshot`, and the network
and optimizer rebuilt from one (`restore_network`, `restore_optimizer`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from backprop_tui.core.nn.network import Network
from backprop_tui.core.nn.optimizers import Optimizer, make_optimizer
from backprop_tui.core.training.history import EMPTY, EpochRecord, HistoryView

if TYPE_CHECKING:
    from backprop_tui.core.training.health import EpochHealth, HealthWarning

Array = np.ndarray


def frozen(array: Array) -> Array:
    """A read-only copy: what crosses from the trainer to any viewer."""
    out = np.array(array, copy=True)
    out.flags.writeable = False
    return out


@dataclass(frozen=True)
class Snapshot:
    """An immutable picture of the trainer between two steps. Every array is a read-only
    copy; `z`, `a`, `delta`, `dW`, `db` belong to the last batch trained (empty before
    the first step). `history` is a view of the epochs so far, whose rows are never
    written again (records given as a tuple or list are turned into one).

    `steps_per_epoch` counts the current epoch's steps as the batch size now makes them;
    `next_batch` holds the rows the next step trains on. `activations`, `optimizer`
    (its kind), `optimizer_options` (its settings but η, which is `lr`),
    `optimizer_state` and `optimizer_t` are what `restore_network` and
    `restore_optimizer` rebuild from. `measured` holds the loss and accuracy of the
    weights as they are, when they changed outside a step (an edited weight); None once
    a step has trained on them.

    `health` is the newest measured epoch's gradient health (`core.training.health`:
    per layer ‖∂W‖, ‖ΔW‖ / ‖W‖, saturated and dead shares; None before the first, or
    when the trainer keeps none) and `health_warnings` what the newest records warn of,
    in words; both immutable."""

    epoch: int
    step: int
    global_step: int
    steps_per_epoch: int
    lr: float
    W: tuple[Array, ...]
    b: tuple[Array, ...]
    dW: tuple[Array, ...] = ()
    db: tuple[Array, ...] = ()
    x: Array | None = None
    y: Array | None = None
    z: tuple[Array, ...] = ()
    a: tuple[Array, ...] = ()
    delta: tuple[Array, ...] = ()
    batch_loss: float | None = None
    history: HistoryView = field(default_factory=lambda: EMPTY)
    diverged: str | None = None
    optimizer_state: tuple[dict[str, Array], ...] = ()
    optimizer_t: int = 0
    next_batch: Array | None = None
    activations: tuple[str, ...] = ()
    optimizer: str = ""
    optimizer_options: dict[str, Any] = field(default_factory=dict)
    train_biases: bool = True
    measured: EpochRecord | None = None
    health: EpochHealth | None = None
    health_warnings: tuple[HealthWarning, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.history, HistoryView):
            object.__setattr__(self, "history", HistoryView.of(self.history))

    @property
    def latest(self) -> EpochRecord | None:
        """The figures that describe the weights shown: `measured` when they changed
        outside a step, else the last epoch's (None before the first epoch)."""
        if self.measured is not None:
            return self.measured
        return self.history[-1] if self.history.epochs else None

    @property
    def nbytes(self) -> int:
        """The bytes of its arrays (W, b, the batch's, the optimizer's; not the history)."""
        return sum(
            _nbytes(getattr(self, name)) for name in self.__dataclass_fields__ if name != "history"
        )


def _nbytes(value: object) -> int:
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, tuple):
        return sum(_nbytes(item) for item in value)
    if isinstance(value, dict):
        return sum(_nbytes(item) for item in value.values())
    return 0


def restore_network(snapshot: Snapshot, activations: Sequence[str] | None = None) -> Network:
    """A network with copies of the snapshot's W and b (its own dtype) and its
    activations (or `activations`, for a snapshot that does not name them)."""
    names = tuple(activations) if activations is not None else snapshot.activations
    if not names:
        raise ValueError("the snapshot does not name its activations")
    return Network(
        [np.array(w, copy=True) for w in snapshot.W],
        [np.array(v, copy=True) for v in snapshot.b],
        list(names),
    )


def restore_optimizer(snapshot: Snapshot, optimizer: Optimizer | None = None) -> Optimizer:
    """The snapshot's optimizer: its kind, η and settings, its step count t and copies of
    its state, so the next update is the one the trainer would make. With `optimizer`
    (one of the same kind, other settings), that one takes the step count and state."""
    if optimizer is None:
        if not snapshot.optimizer:
            raise ValueError("the snapshot does not name its optimizer")
        options = dict(snapshot.optimizer_options)
        optimizer = make_optimizer(snapshot.optimizer, snapshot.lr, **options)
    optimizer.t = int(snapshot.optimizer_t)
    optimizer.state = [
        {k: np.array(v, copy=True) for k, v in st.items()} for st in snapshot.optimizer_state
    ]
    return optimizer


def optimizer_options(optimizer: Optimizer) -> dict[str, Any]:
    """An optimizer's settings but η, as `make_optimizer` takes them."""
    options = optimizer.hyperparameters()
    options.pop("learning_rate", None)
    return options

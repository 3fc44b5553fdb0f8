"""Gradient health while training: whether gradient reaches every layer, and how big
each update is next to the weights it changes.

Per measured epoch and per weight layer l (1 … L), a `LayerHealth` holds
- ‖∂W(l)‖ = √(Σᵢⱼ ∂W(l)ᵢⱼ²), the Frobenius norm of the epoch's last step's gradient;
- ‖ΔW(l)‖ / ‖W(l)‖, that step's update next to the weights it changed (ΔW = W after −
  W before, ‖W‖ before it); about 1e-3 is the common rule of thumb;
- for a hidden layer whose σ saturates (sigmoid, tanh, elu, softplus): the share of the
  epoch's (sample, unit) values with σ'(z) below 1 % of its peak
  (`Activation.saturated`, `core.nn.activations.SATURATION`);
- for a hidden layer of relu: the share of its units whose σ'(z) was 0 (a = 0) on every
  sample of the epoch, dead units (`Activation.silent`), and the epoch since which every
  one of them has been dead at each measured epoch.
The output layer has neither share: a(L) is the prediction, saturated when confident,
and bce and cross-entropy take δ(L) = ŷ − y without σ'.

Cost: `HealthMonitor` measures an epoch only when it ends at least `EVERY` steps after
the last measured one (so every epoch of `EVERY` steps or more; one in `EVERY` of
one-step epochs). During a measured epoch each step counts saturated values and silent
units of the hidden layers that have them; at its end come one subtraction over the
weights and three dot products per layer. It only reads what the trainer computed, so
the trainer's numbers are the same with and without it. Its records are kept bounded
(`HealthLog`); what they warn of is `core.training.health_warnings`.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
from backprop_tui.core.nn.network import ForwardPass, Network
from backprop_tui.core.training.health_warnings import WINDOW, HealthWarning, health_warnings

__all__ = [
    "CAPACITY",
    "EVERY",
    "EpochHealth",
    "HealthLog",
    "HealthMonitor",
    "HealthWarning",
    "LayerHealth",
    "health_warnings",
]

Array = np.ndarray

EVERY = 16
"""Steps at least from one measured epoch's end to the next one's."""

CAPACITY = 1024
"""Records a `HealthLog` keeps at most."""


@dataclass(frozen=True)
class LayerHealth:
    """Layer `layer`'s (1-based) health at the end of one measured epoch.

    `size` counts W's weights (out × in); `grad_norm` is ‖∂W‖ and `update_ratio`
    ‖ΔW‖ / ‖W‖ of the epoch's last step (None when ‖W‖ was 0). `saturated` is the share
    of the epoch's (sample, unit) values with σ'(z) < 1 % of its peak; `dead` the share
    of units with σ'(z) = 0 on every sample of the epoch and `dead_since` the epoch since
    which every one of them has been dead (None when none is); both None where they do
    not apply (the output layer, or a σ that does not saturate or cannot die)."""

    layer: int
    activation: str
    size: int
    grad_norm: float
    update_ratio: float | None
    saturated: float | None = None
    dead: float | None = None
    dead_since: int | None = None

    @property
    def grad_rms(self) -> float:
        """‖∂W‖ / √size: the typical weight's gradient, comparable across layers."""
        return self.grad_norm / math.sqrt(self.size) if self.size else 0.0

    def as_dict(self) -> dict[str, Any]:
        """Plain values, the shares and `dead_since` only where they apply."""
        out: dict[str, Any] = {
            "layer": self.layer,
            "activation": self.activation,
            "grad_norm": self.grad_norm,
            "update_ratio": self.update_ratio,
        }
        if self.saturated is not None:
            out["saturated"] = self.saturated
        if self.dead is not None:
            out["dead"] = self.dead
            out["dead_since"] = self.dead_since
        return out


@dataclass(frozen=True)
class EpochHealth:
    """Every layer's health at the end of measured epoch `epoch` (1-based, as the
    history counts), over its `steps` steps and `samples` samples; `layers[l - 1]` is
    layer l's."""

    epoch: int
    steps: int
    samples: int
    layers: tuple[LayerHealth, ...]

    def rows(self) -> list[dict[str, Any]]:
        """One flat dict per layer, each with the epoch: `train --json`'s "health"."""
        return [{"epoch": self.epoch, **layer.as_dict()} for layer in self.layers]


class HealthLog(Sequence[EpochHealth]):
    """The measured epochs of a run, oldest first, at most `capacity` of them.

    When full it keeps every other record (the first among them) and from then on
    keeps one measured epoch in `stride`, twice as many as before: the whole run, evenly
    thinned, in bounded memory. `latest` is always the newest record, kept or not."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = max(capacity, 2)
        self.stride = 1
        self.offered = 0
        self.latest: EpochHealth | None = None
        self._records: list[EpochHealth] = []

    def append(self, record: EpochHealth) -> None:
        """Add the newest measured epoch."""
        self.latest = record
        if self.offered % self.stride == 0:
            if len(self._records) == self.capacity:
                self._records = self._records[::2]
                self.stride *= 2
            if self.offered % self.stride == 0:
                self._records.append(record)
        self.offered += 1

    def after(self, epoch: int) -> tuple[EpochHealth, ...]:
        """The records kept of the epochs after `epoch` (what a viewer holding the
        records up to `epoch` lacks)."""
        return tuple(record for record in self._records if record.epoch > epoch)

    def column(self, name: str, layer: int) -> Array:
        """One figure of layer `layer` (1-based) over the records kept, as floats (NaN
        where it is None): "grad_norm", "grad_rms", "update_ratio", "saturated", "dead"."""
        values = (getattr(record.layers[layer - 1], name) for record in self._records)
        return np.array([np.nan if v is None else v for v in values], dtype=float)

    @property
    def epochs(self) -> Array:
        """The epoch of each record kept (ints)."""
        return np.array([record.epoch for record in self._records], dtype=int)

    def __len__(self) -> int:
        return len(self._records)

    @overload
    def __getitem__(self, index: int) -> EpochHealth: ...

    @overload
    def __getitem__(self, index: slice) -> list[EpochHealth]: ...

    def __getitem__(self, index: int | slice) -> EpochHealth | list[EpochHealth]:
        return self._records[index]

    def __iter__(self) -> Iterator[EpochHealth]:
        return iter(self._records)


class HealthMonitor:
    """The bookkeeping behind the records, fed by a trainer (`Trainer.health`).

    `watching` says whether the current epoch is measured; while it is, the trainer
    calls `observe(fwd)` after each step, and after every epoch `end_epoch`. `log` holds
    the records, `latest` the newest, `warnings()` what the newest ones warn of. `every`
    is the least number of steps from one measured epoch's end to the next one's (1:
    every epoch)."""

    def __init__(self, network: Network, every: int = EVERY, capacity: int = CAPACITY) -> None:
        self.every = max(int(every), 1)
        self.log = HealthLog(capacity)
        self.watching = True
        self._names = tuple(act.name for act in network.activations)
        self._sizes = tuple(int(W.size) for W in network.W)
        offsets = np.cumsum((0, *self._sizes)).tolist()
        self._bounds = tuple(itertools.pairwise(offsets))
        self.n_weights = int(offsets[-1])
        hidden = list(enumerate(network.activations))[:-1]
        self._saturating = tuple((l, act) for l, act in hidden if act.derivative_peak is not None)
        self._dying = tuple((l, act.activity) for l, act in hidden if act.activity is not None)
        self._units = units = tuple(network.sizes[1:])
        # Per unit, Σ over the epoch's samples of σ's activity (0: dead throughout), and
        # the epoch its current streak of dead measured epochs began in (0: alive).
        self._activity = {l: np.zeros(units[l], dtype=network.dtype) for l, _ in self._dying}
        self._since = {l: np.zeros(units[l], dtype=int) for l, _ in self._dying}
        self._ones: dict[int, Array] = {}
        self._saturated = dict.fromkeys((l for l, _ in self._saturating), 0)
        self._samples = 0
        self._steps_since = 0
        self._delta: Array | None = None
        self._recent: deque[EpochHealth] = deque(maxlen=2 * WINDOW)
        self._warnings: tuple[HealthWarning, ...] | None = ()

    @property
    def latest(self) -> EpochHealth | None:
        """The newest measured epoch's record (None before the first)."""
        return self.log.latest

    def warnings(self) -> tuple[HealthWarning, ...]:
        """What the newest records warn of (`health_warnings`), worked out once per record."""
        if self._warnings is None:
            self._warnings = health_warnings(tuple(self._recent))
        return self._warnings

    def observe(self, fwd: ForwardPass) -> None:
        """Count one step's saturated values and silent units (each step of a watched
        epoch, before the next step reuses fwd's buffers)."""
        z, a = fwd.z, fwd.a
        for l, act in self._saturating:
            self._saturated[l] += int(np.count_nonzero(act.saturated(z[l], a[l])))
        batch = fwd.x.shape[0]
        if self._dying:
            ones = self._ones.get(batch)
            if ones is None:
                ones = self._ones[batch] = np.ones(batch, dtype=z[0].dtype)
            for l, activity in self._dying:
                # Σᵢ as 1ᵀ·activity: one BLAS product, cheaper than a reduction.
                total = self._activity[l]
                np.add(total, np.dot(ones, activity(z[l], a[l])), out=total)
        self._samples += batch

    def end_epoch(
        self, epoch: int, steps: int, weights: Callable[[], tuple[Array, Array, Array]]
    ) -> EpochHealth | None:
        """After epoch `epoch` of `steps` steps: record it when it was watched, and
        watch the next one when, as long as this one, it ends at least `every` steps
        after the last measured one. `weights()` gives ∂W, W and W before the last
        update as flat vectors (W(1) … W(L), each raveled row by row, concatenated:
        `n_weights` values); it is called only for a watched epoch. Returns the new
        record, or None."""
        record = None
        if self.watching:
            record = self._record(epoch, steps, *weights())
            self._steps_since = 0
        else:
            self._steps_since += steps
        if self._steps_since + steps >= self.every:
            self._watch()
        else:
            self.watching = False
        return record

    def _watch(self) -> None:
        """Measure the next epoch: start its counts afresh."""
        self.watching = True
        for total in self._activity.values():
            total.fill(0)
        self._saturated = dict.fromkeys(self._saturated, 0)
        self._samples = 0

    def _record(self, epoch: int, steps: int, dW: Array, W: Array, before: Array) -> EpochHealth:
        if self._delta is None or self._delta.dtype != W.dtype:
            self._delta = np.empty(self.n_weights, dtype=W.dtype)
        # Both weight vectors passed the trainer's finiteness check (|θ|² finite), so
        # their difference cannot overflow; np.dot (BLAS) raises no floating-point flags.
        delta = np.subtract(W, before, out=self._delta)
        dot, sqrt = np.dot, math.sqrt
        layers = []
        for l, (start, stop) in enumerate(self._bounds):
            g, w, d = dW[start:stop], before[start:stop], delta[start:stop]
            norm = sqrt(dot(w, w))
            layers.append(
                LayerHealth(
                    l + 1,
                    self._names[l],
                    self._sizes[l],
                    sqrt(dot(g, g)),
                    sqrt(dot(d, d)) / norm if norm > 0 else None,
                    *self._unit_shares(l, epoch),
                )
            )
        record = EpochHealth(epoch, steps, self._samples, tuple(layers))
        self.log.append(record)
        self._recent.append(record)
        self._warnings = None
        return record

    def _unit_shares(self, l: int, epoch: int) -> tuple[float | None, float | None, int | None]:
        """Layer l's (0-based) saturated share, dead share and dead-since epoch."""
        saturated = dead = since = None
        if l in self._saturated:
            saturated = self._saturated[l] / max(self._samples * self._units[l], 1)
        if l in self._activity:
            now, streak = self._activity[l] == 0, self._since[l]
            count = int(np.count_nonzero(now))
            dead = count / now.size
            if count:
                # A unit's streak starts at the first measured epoch it is dead in and
                # ends at the first it is not.
                np.copyto(streak, np.where(now, np.where(streak > 0, streak, epoch), 0))
                since = int(streak[now].max())
            else:
                streak.fill(0)
        return saturated, dead, since

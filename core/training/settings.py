"""The settings a person may change while a preset trains, and how a trainer takes them.

`Settings` holds η, the batch size, the epoch target, the optimizer's kind and the
stop-at loss; `apply_settings` gives them to a trainer between two steps. Switching the
optimizer follows one rule (`optimizer_for`): the preset's own options for the preset's
kind, torch's defaults (with the preset's weight decay) for any other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from backprop_tui.core.nn.optimizers import OPTIMIZERS, Optimizer, make_optimizer
from backprop_tui.core.training.run import Goal

if TYPE_CHECKING:
    from backprop_tui.core.training.trainer import Trainer

OPTIMIZER_KINDS = tuple(OPTIMIZERS)
"""The optimizers a person can choose."""


@dataclass(frozen=True)
class Settings:
    """The training settings a person can change while a preset is loaded."""

    lr: float
    batch_size: int
    epochs: int
    optimizer: str
    stop_loss: float | None = None

    @classmethod
    def of(cls, trainer: Trainer, preset: Any) -> Settings:
        """A freshly built trainer's settings, with the preset's epochs and stop-at loss."""
        return cls(
            lr=trainer.optimizer.lr,
            batch_size=trainer.batch_size,
            epochs=preset.epochs,
            optimizer=trainer.optimizer.kind,
            stop_loss=preset.stop_loss,
        )

    @property
    def goal(self) -> Goal:
        """When a run with these settings stops."""
        return Goal(self.epochs, self.stop_loss)

    def check(self) -> None:
        """Raise ValueError naming the first setting that cannot be used."""
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"learning rate must be a positive number, not {self.lr}")
        if self.batch_size < 0:
            raise ValueError(f"batch size must be 0 (whole set) or more, not {self.batch_size}")
        if self.epochs < 1:
            raise ValueError(f"epochs must be at least 1, not {self.epochs}")
        if self.optimizer not in OPTIMIZER_KINDS:
            kinds = ", ".join(OPTIMIZER_KINDS)
            raise ValueError(f"optimizer must be one of {kinds}, not {self.optimizer!r}")
        stop = self.stop_loss
        if stop is not None and not (math.isfinite(stop) and stop >= 0):
            raise ValueError(f"stop-at loss must be a number ≥ 0 or empty, not {stop}")


def optimizer_for(kind: str, lr: float, preset: Any) -> Optimizer:
    """A fresh optimizer of `kind` with η = `lr`: the preset's own options when `kind` is
    the preset's optimizer; otherwise torch's defaults with the preset's weight decay
    (a person who switches optimizer keeps the decay the preset asked for)."""
    options = dict(getattr(preset, "optimizer_options", None) or {})
    if kind == getattr(preset, "optimizer", None):
        return make_optimizer(kind, lr, **options)
    return make_optimizer(kind, lr, weight_decay=options.get("weight_decay", 0.0))


def apply_settings(trainer: Trainer, settings: Settings, preset: Any) -> None:
    """Give `settings` to `trainer` between two steps: η and the batch size from the next
    step on (the rest of the current epoch is cut into batches of the new size), a new
    optimizer (`optimizer_for`, its state starting afresh) when the kind changes."""
    if settings.optimizer != trainer.optimizer.kind:
        trainer.optimizer = optimizer_for(settings.optimizer, settings.lr, preset)
    trainer.optimizer.lr = settings.lr
    trainer.batch_size = settings.batch_size

"""When a run stops: the one rule every loop that trains a preset follows.

A run stops after an epoch in which either the epoch target is reached (`epochs` in
all, counted from the trainer's first) or the epoch's train loss is at or below the
stop-at loss; it also stops when the loss or a parameter becomes NaN or infinite, and
when the caller interrupts it between two steps. `Goal.reached` is the rule (the app's
training worker asks it after each epoch, between its own paced steps); `train` runs
it step by step to the end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from backprop_tui.core.errors import DivergedError
from backprop_tui.core.training.history import EpochRecord

if TYPE_CHECKING:
    from backprop_tui.core.training.trainer import Trainer

Reached = Literal["epochs", "stop_loss"]
Stopped = Literal["epochs", "stop_loss", "diverged", "interrupted"]


@dataclass(frozen=True)
class Goal:
    """Train until epoch `epochs` (counted from the run's start), or until an epoch's
    train loss is ≤ `stop_loss` (None: no such goal)."""

    epochs: int
    stop_loss: float | None = None

    @classmethod
    def of(cls, preset: Any, epochs: int | None = None) -> Goal:
        """A preset's goal (its `epochs` and `stop_loss`); `epochs` replaces its target."""
        return cls(preset.epochs if epochs is None else epochs, preset.stop_loss)

    def reached(self, trainer: Trainer) -> Reached | None:
        """Why the run stops now ("stop_loss" before "epochs" when both hold), or None.
        Asked after an epoch ends: the stop-at loss is the last epoch's train loss."""
        last = trainer.history.last
        if self.stop_loss is not None and last is not None and last.train_loss <= self.stop_loss:
            return "stop_loss"
        if trainer.epoch >= self.epochs:
            return "epochs"
        return None


@dataclass(frozen=True)
class Outcome:
    """Why a run stopped, and the divergence when that was why."""

    stopped: Stopped
    diverged: DivergedError | None = None


def train(
    trainer: Trainer,
    goal: Goal,
    on_epoch: Callable[[EpochRecord], None] | None = None,
    interrupted: Callable[[], bool] | None = None,
) -> Outcome:
    """Train `trainer` one step at a time until `goal` is reached (checked after every
    epoch, and once before the first step, so a goal already met trains nothing),
    the loss diverges (the trainer keeps its last finite weights) or `interrupted()`
    turns true between two steps. `on_epoch(record)` follows every epoch, before the
    goal is checked."""
    try:
        if trainer.epoch >= goal.epochs:
            return Outcome("epochs")
        while True:
            epoch = trainer.epoch
            trainer.step()
            if trainer.epoch != epoch:
                if on_epoch is not None:
                    last = trainer.history.last
                    assert last is not None
                    on_epoch(last)
                reached = goal.reached(trainer)
                if reached is not None:
                    return Outcome(reached)
            if interrupted is not None and interrupted():
                return Outcome("interrupted")
    except DivergedError as error:
        return Outcome("diverged", error)

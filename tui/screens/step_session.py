"""The step-through's session: `core.training.session` on what the dashboard holds.

`StepSession.from_snapshot(context, snapshot)` rebuilds the trainer's state from the
dashboard's `ViewContext` and newest `Snapshot`; a `StepResult` also names the worker
command that applies it (`command()`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from backprop_tui.core.nn.optimizers import Optimizer
from backprop_tui.core.training import session
from backprop_tui.core.training.session import NOT_YET
from backprop_tui.core.training.snapshot import Snapshot
from backprop_tui.tui.worker.commands import Step, TrainOn

if TYPE_CHECKING:
    from backprop_tui.tui.widgets.context import ViewContext

__all__ = ["NOT_YET", "PRECISIONS", "StepResult", "StepSession"]

PRECISIONS = (4, 9)
"""Decimals in the equations: 4 reads like the notes; 9 shows the published digits of
worked examples such as two-two-two (0.298371109)."""


class StepResult(session.StepResult):
    """`core.training.session.StepResult`, and the worker command that performs it."""

    def command(self) -> Step | TrainOn:
        """`Step()` for the next batch, `TrainOn(indices)` for rows chosen instead."""
        return Step() if self.next_batch else TrainOn(self.indices)


class StepSession(session.StepSession):
    """`core.training.session.StepSession`, whose results name their command."""

    result_type = StepResult

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
        """The session of the dashboard's state: `snapshot`'s weights and optimizer, the
        data, loss and preset of `context` (see `core.training.session.StepSession.restore`
        for `optimizer`, `optimizer_options` and `train_biases`)."""
        restored = cls.restore(
            snapshot,
            context.train,
            context.loss,
            activations=context.activations,
            optimizer=optimizer,
            optimizer_options=optimizer_options,
            preset=context.preset,
            train_biases=train_biases,
            title=context.name,
        )
        assert isinstance(restored, StepSession)
        return restored

"""What the controller hands the UI, as plain records (no Textual here: the app wraps
each in the Textual message of the same name, `tui.messages`)."""

from __future__ import annotations

from dataclasses import dataclass

from backprop_tui.core.training.trainer import Snapshot
from backprop_tui.tui.worker.commands import Status


@dataclass(frozen=True)
class SnapshotReady:
    """The newest picture of the trainer (read-only arrays, full history) and its status."""

    snapshot: Snapshot
    status: Status


@dataclass(frozen=True)
class TrainingFinished:
    """The epoch target or the stop-at loss was reached."""

    text: str
    token: int


@dataclass(frozen=True)
class TrainingDiverged:
    """The loss became NaN or infinite; training paused with the last finite weights."""

    text: str
    token: int


@dataclass(frozen=True)
class CommandFailed:
    """The worker could not apply a command and goes on with what it had."""

    text: str
    command: str


@dataclass(frozen=True)
class WorkerStopped:
    """The training worker ended without being asked to."""

    text: str


Event = SnapshotReady | TrainingFinished | TrainingDiverged | CommandFailed | WorkerStopped

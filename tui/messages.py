"""Every message the training controller posts to the app, one small dataclass each.

Each wraps the plain worker event of the same name (`tui.worker.events`,
which imports no Textual); `to_message` makes one from the other. `SnapshotReady` arrives
many times a second and overrides `can_replace`, so a burst of them reaches the handlers
as only the newest (as toolong does with its scan progress).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from backprop_tui.core.training.trainer import Snapshot
from backprop_tui.tui.worker import events
from backprop_tui.tui.worker.commands import Status
from textual.message import Message


@dataclass
class SnapshotReady(Message):
    """The newest picture of the trainer (read-only arrays, full history) and its status."""

    snapshot: Snapshot
    status: Status

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SnapshotReady)


@dataclass
class TrainingFinished(Message):
    """The epoch target or the stop-at loss was reached."""

    text: str
    token: int


@dataclass
class TrainingDiverged(Message):
    """The loss became NaN or infinite; training paused with the last finite weights."""

    text: str
    token: int


@dataclass
class CommandFailed(Message):
    """The worker could not apply a command and goes on with what it had."""

    text: str
    command: str


@dataclass
class WorkerStopped(Message):
    """The training worker ended without being asked to."""

    text: str


_MESSAGES: dict[type, type[Message]] = {
    events.SnapshotReady: SnapshotReady,
    events.TrainingFinished: TrainingFinished,
    events.TrainingDiverged: TrainingDiverged,
    events.CommandFailed: CommandFailed,
    events.WorkerStopped: WorkerStopped,
}


def to_message(event: events.Event) -> Message:
    """The Textual message that carries `event` to the app's handlers."""
    return _MESSAGES[type(event)](**{f.name: getattr(event, f.name) for f in fields(event)})

"""What the UI and the training worker say to each other, as plain picklable records.

Commands travel UI → worker and take effect between two training steps; events travel
worker → UI. Nothing here imports Textual, so the worker process stays light: the
controller turns events into Textual messages (`tui.messages`) on the UI side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from backprop_tui.core.training.history import HistoryView
from backprop_tui.core.training.settings import OPTIMIZER_KINDS as OPTIMIZER_KINDS
from backprop_tui.core.training.settings import Settings as Settings
from backprop_tui.core.training.snapshot import Snapshot

RunState = Literal["running", "paused", "finished", "diverged"]
"""running: training (at the pace) · paused: waiting for a command · finished: the epoch
target or the stop-at loss was reached · diverged: the loss became NaN or infinite."""


PACES = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0)
"""The training paces (steps a second) the < and > keys step through; one past the last
is full speed (None)."""

WATCH_SECONDS = 10.0
"""How long a preset's configured run takes at its default pace."""


def default_pace(total_steps: int, seconds: float = WATCH_SECONDS) -> float | None:
    """The slowest pace at which `total_steps` take at most `seconds`: a run a person can
    watch (every shipped preset reaches its goal within its epochs). None, full speed,
    when even the fastest pace would take longer."""
    for pace in PACES:
        if total_steps <= pace * seconds:
            return pace
    return None


def faster(pace: float | None) -> float | None:
    """The next pace up; after the last, full speed (None), which stays."""
    if pace is None:
        return None
    quicker = [p for p in PACES if p > pace]
    return quicker[0] if quicker else None


def slower(pace: float | None) -> float:
    """The next pace down (from full speed: the fastest pace); the slowest stays."""
    if pace is None:
        return PACES[-1]
    gentler = [p for p in PACES if p < pace]
    return gentler[-1] if gentler else PACES[0]


@dataclass(frozen=True)
class Status:
    """The worker's state beside a snapshot. `steps_per_second` is None unless running;
    `pace` is the cap on it (None: full speed)."""

    state: RunState
    settings: Settings
    seed: int
    token: int
    preset_name: str
    steps_per_second: float | None = None
    message: str = ""
    pace: float | None = None


# -- commands (UI → worker) ------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """Train (at the pace) until paused, finished or diverged."""


@dataclass(frozen=True)
class Pause:
    """Stop training after the current step."""


@dataclass(frozen=True)
class Step:
    """Train exactly one batch, then pause."""


@dataclass(frozen=True)
class Epoch:
    """Train the rest of the current epoch, then pause."""


@dataclass(frozen=True)
class Reset:
    """Back to the initial weights of the current seed, step 0, empty history."""


@dataclass(frozen=True)
class Reinit:
    """Draw new initial weights from a new seed (the next one when `seed` is None)."""

    seed: int | None = None


@dataclass(frozen=True)
class SetLearningRate:
    """η ← lr, from the next step on."""

    lr: float


@dataclass(frozen=True)
class ScaleLearningRate:
    """η ← η · factor (the + and − keys), from the next step on."""

    factor: float


@dataclass(frozen=True)
class SetPace:
    """Train at most `steps_per_second` steps a second while running (None: full speed)."""

    steps_per_second: float | None


@dataclass(frozen=True)
class SetOptions:
    """Replace every setting at once; an invalid one rejects the whole command."""

    settings: Settings


@dataclass(frozen=True)
class EditCell:
    """W(layer)[index] or b(layer)[index] ← value (layer is 1-based)."""

    layer: int
    quantity: str
    index: tuple[int, ...]
    value: float


@dataclass(frozen=True)
class TrainOn:
    """One step on the chosen training rows in place of the epoch's next batch (the
    step-through's "apply" of a chosen sample)."""

    indices: tuple[int, ...]


@dataclass(frozen=True)
class LoadPreset:
    """Replace the trainer with one built from `preset`; `token` tags its snapshots."""

    preset: Any
    token: int


@dataclass(frozen=True)
class Quit:
    """Stop the worker."""


Command = (
    Run
    | Pause
    | Step
    | Epoch
    | Reset
    | Reinit
    | SetLearningRate
    | ScaleLearningRate
    | SetPace
    | SetOptions
    | EditCell
    | TrainOn
    | LoadPreset
    | Quit
)


# -- events (worker → UI) -------------------------------------------------------------


@dataclass(frozen=True)
class Update:
    """A snapshot without its history, plus the history rows the UI has not seen: the
    full history is `history[:history_start]` followed by `history_new`."""

    snapshot: Snapshot
    status: Status
    history_start: int
    history_new: HistoryView


@dataclass(frozen=True)
class Notice:
    """Something the person should be told once: training finished or diverged."""

    kind: Literal["finished", "diverged"]
    text: str
    token: int


@dataclass(frozen=True)
class Failure:
    """A command could not be applied; the worker goes on with what it had."""

    text: str
    command: str

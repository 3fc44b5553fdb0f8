"""Whether a step's task is done, as pure functions of what the app reports.

The app reports two things. Every snapshot it shows becomes an `Observation` (epochs
trained, η, the last epoch's training loss, the run's state), folded into the step's
`Progress`: epochs trained in the step (a reset does not take them back), η when the step
began and when it last changed, whether the loss diverged since. Features that end in a
result rather than a number report a `TaskEvent(kind, detail)`:

    TaskEvent("predict", {"level": "backward", "asked": 10, "right": 8})
        a predict session ended: `asked` phases at `level`, `right` of them answered
        correct or close (first or second try; a phase shown is not right)
    TaskEvent("hunt", {"bug": "no-transpose", "solved": True})
        the learner named a planted bug; `solved` when the name was right

`check(task, progress, events)` says whether the task is done and how far it is, in one
line; `TaskState` keeps a step's task, progress and events, and latches done.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from backprop_tui.core.format import fmt_number
from backprop_tui.core.lessons.records import (
    HUNT,
    PREDICT,
    HuntTask,
    LearningRateTask,
    PredictTask,
    Task,
    TrainTask,
)

DIVERGED = "diverged"


@dataclass(frozen=True)
class Observation:
    """One snapshot as a task reads it: `epoch` (epochs completed), η (`lr`), `loss` (the
    latest epoch's training loss, None before the first) and the run's `state`
    (running, paused, finished or diverged)."""

    epoch: int
    lr: float
    loss: float | None = None
    state: str = "paused"


@dataclass(frozen=True)
class TaskEvent:
    """A result a feature reports to the lesson: `kind` ("predict" or "hunt") and its
    `detail` (see the module's docstring)."""

    kind: str
    detail: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def predicted(cls, level: str, asked: int, right: int) -> TaskEvent:
        """A predict session at `level` ended with `right` of `asked` phases right."""
        return cls(PREDICT, {"level": level, "asked": asked, "right": right})

    @classmethod
    def hunted(cls, bug: str, solved: bool) -> TaskEvent:
        """The learner named the planted `bug`: rightly when `solved`."""
        return cls(HUNT, {"bug": bug, "solved": solved})


@dataclass(frozen=True)
class Progress:
    """A step's progress so far: η when it began (`start_lr`) and now (`lr`); the last
    epoch seen; `epochs` trained in the step; `loss`, the last epoch's training loss
    once the step has trained one (None before, and after a reset); `lr_epochs`, the
    value of `epochs` when η last changed (None: not changed); `diverged`, whether the
    run diverged since η last changed (since the start, before)."""

    start_lr: float
    lr: float
    epoch: int
    state: str
    epochs: int = 0
    loss: float | None = None
    lr_epochs: int | None = None
    diverged: bool = False

    @classmethod
    def start(cls, first: Observation) -> Progress:
        return cls(first.lr, first.lr, first.epoch, first.state)

    def seen(self, now: Observation) -> Progress:
        """The progress after the observation `now`."""
        trained = max(now.epoch - self.epoch, 0)
        epochs = self.epochs + trained
        changed = now.lr != self.lr
        became_diverged = now.state == DIVERGED and self.state != DIVERGED
        return replace(
            self,
            lr=now.lr,
            epoch=now.epoch,
            state=now.state,
            epochs=epochs,
            loss=now.loss if epochs > 0 else None,
            lr_epochs=epochs if changed else self.lr_epochs,
            diverged=became_diverged or (self.diverged and not changed),
        )


@dataclass(frozen=True)
class Check:
    """Whether a task is `done`, and `status`: one line on how far it is."""

    done: bool
    status: str


def _epochs(n: int) -> str:
    return f"{n} epoch{'' if n == 1 else 's'}"


def _loss(loss: float | None) -> str:
    return "no epoch yet" if loss is None else f"L = {fmt_number(loss)}"


def check(task: Task, progress: Progress | None, events: tuple[TaskEvent, ...] = ()) -> Check:
    """Whether `task` is done after `progress` (None: nothing observed yet) and `events`."""
    if isinstance(task, PredictTask):
        return _check_predict(task, events)
    if isinstance(task, HuntTask):
        return _check_hunt(task, events)
    if progress is None:
        return Check(False, "waiting for the network")
    if isinstance(task, TrainTask):
        return _check_train(task, progress)
    return _check_learning_rate(task, progress)


def _check_train(task: TrainTask, p: Progress) -> Check:
    enough = p.epochs >= max(task.epochs, 1)
    low = task.loss_below is None or (
        p.loss is not None and math.isfinite(p.loss) and p.loss < task.loss_below
    )
    return Check(enough and low, f"{_epochs(p.epochs)} trained, {_loss(p.loss)}")


def _check_learning_rate(task: LearningRateTask, p: Progress) -> Check:
    within = (task.at_least is None or p.lr >= task.at_least) and (
        task.at_most is None or p.lr <= task.at_most
    )
    changed = p.lr != p.start_lr and p.lr_epochs is not None
    since = p.epochs - p.lr_epochs if p.lr_epochs is not None else 0
    status = f"η = {fmt_number(p.lr, 6)} (was {fmt_number(p.start_lr, 6)})"
    if changed:
        status += f", {_epochs(since)} since"
    status += f", {_loss(p.loss)}"
    if task.diverge:
        status += ", diverged" if p.diverged else ", not diverged"
    done = changed and within and since >= task.epochs and (p.diverged or not task.diverge)
    return Check(done, status)


def _level_rank(level: object) -> int:
    from backprop_tui.core.learn.targets import LEVELS

    names = list(LEVELS)
    return names.index(level) if level in names else -1


def _check_predict(task: PredictTask, events: tuple[TaskEvent, ...]) -> Check:
    sessions = [
        e.detail
        for e in events
        if e.kind == PREDICT and _level_rank(e.detail.get("level")) >= _level_rank(task.level)
    ]
    for detail in sessions:
        asked, right = int(detail.get("asked", 0)), int(detail.get("right", 0))
        if asked > 0 and right >= math.ceil(task.min_right * asked - 1e-9):
            return Check(True, f"{right}/{asked} right")
    if sessions:
        last = sessions[-1]
        return Check(False, f"{last.get('right', 0)}/{last.get('asked', 0)} right; try again")
    return Check(False, f"not yet predicted at level {task.level}")


def _check_hunt(task: HuntTask, events: tuple[TaskEvent, ...]) -> Check:
    named = [e.detail for e in events if e.kind == HUNT]
    for detail in named:
        if detail.get("solved") and (task.bug is None or detail.get("bug") == task.bug):
            return Check(True, f"found: {detail.get('bug')}")
    return Check(False, "not named yet" if not named else "not that one; look again")


@dataclass(frozen=True)
class TaskState:
    """A step's task (None: no task), its progress, the events reported in the step, and
    whether it is done (once done, it stays done)."""

    task: Task | None
    progress: Progress | None = None
    events: tuple[TaskEvent, ...] = ()
    done: bool = False

    def seen(self, now: Observation) -> TaskState:
        progress = Progress.start(now) if self.progress is None else self.progress.seen(now)
        return self._settled(replace(self, progress=progress))

    def reported(self, event: TaskEvent) -> TaskState:
        return self._settled(replace(self, events=(*self.events, event)))

    def _settled(self, state: TaskState) -> TaskState:
        if state.task is None or state.done:
            return state
        return replace(state, done=check(state.task, state.progress, state.events).done)

    @property
    def status(self) -> str:
        """How far the task is, in one line ("" without a task)."""
        if self.task is None:
            return ""
        line = check(self.task, self.progress, self.events).status
        return f"done · {line}" if self.done else line

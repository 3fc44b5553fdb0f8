"""A lesson as typed records: its title, its ordered steps and each step's task.

    Lesson   title, description, steps, key (its name), path (its file)
    Step     title, text (Markdown), preset (a shipped name or a path; None: go on with
             the network already loaded), task (or None)
    tasks    PredictTask(level, min_right) · TrainTask(loss_below, epochs)
             LearningRateTask(at_least, at_most, epochs, diverge) · HuntTask(bug)

The records hold what the file says, checked (`core.lessons.schema`); what a task asks
for, in words, is `task_words`; whether it is done, `core.lessons.checks`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

from backprop_tui.core.format import fmt_number as fmt

PREDICT = "predict"
TRAIN = "train"
LEARNING_RATE = "learning_rate"
HUNT = "hunt"
TASK_KINDS = (PREDICT, TRAIN, LEARNING_RATE, HUNT)
"""The kinds of task a step may set, as a lesson file names them."""


@dataclass(frozen=True)
class PredictTask:
    """Predict the numbers of one traced step in the step-through's predict mode, at
    `level` (`core.learn.LEVELS`: updates, gradients, backward, all) or a level that
    asks more; done when a session ends with at least `min_right` of its asked phases
    right (correct or close; 0: finishing is enough)."""

    level: str
    min_right: float = 0.0
    kind: str = PREDICT


@dataclass(frozen=True)
class TrainTask:
    """Train: done once `epochs` epochs were trained in this step (at least one) and,
    with `loss_below`, the last epoch's training loss L is under it."""

    loss_below: float | None = None
    epochs: int = 0
    kind: str = TRAIN


@dataclass(frozen=True)
class LearningRateTask:
    """Change η: done once η differs from the step's starting η and lies within
    [`at_least`, `at_most`] (either may be None), `epochs` epochs have been trained since
    that change, and, with `diverge`, the loss has become NaN or infinite after it."""

    at_least: float | None = None
    at_most: float | None = None
    epochs: int = 0
    diverge: bool = False
    kind: str = LEARNING_RATE


@dataclass(frozen=True)
class HuntTask:
    """Find the planted bug (`backprop-tui hunt`): done when the learner names it right;
    `bug` is a catalogue mistake's name (`core.learn.MISTAKES`), or None for any."""

    bug: str | None = None
    kind: str = HUNT


Task: TypeAlias = PredictTask | TrainTask | LearningRateTask | HuntTask


@dataclass(frozen=True)
class Step:
    """One step: its `title`, `text` (Markdown shown beside the app), the `preset` it
    loads (a shipped name, or an absolute path; None: go on with the current network)
    and its `task` (None: read, then go on)."""

    title: str
    text: str
    preset: str | None = None
    task: Task | None = None


@dataclass(frozen=True)
class Lesson:
    """A lesson: `title`, `description` (a line or two), its `steps` in order; `key` is
    its name (the file's stem) and `path` its file."""

    title: str
    steps: tuple[Step, ...]
    description: str = ""
    key: str = ""
    path: Path | None = None


@dataclass(frozen=True)
class LessonSummary:
    """What `backprop-tui lessons` lists: name, title, number of steps, file."""

    key: str
    title: str
    steps: int
    path: Path


def task_words(task: Task) -> str:
    """What `task` asks, in one sentence of the notes' notation."""
    if isinstance(task, PredictTask):
        from backprop_tui.core.learn.targets import LEVEL_WORDS

        words = f"Predict {LEVEL_WORDS[task.level]} in the step-through's predict mode"
        if task.min_right > 0:
            words += f", at least {task.min_right:.0%} right"
        return words + "."
    if isinstance(task, TrainTask):
        parts = []
        if task.epochs:
            parts.append(f"for {task.epochs} epoch{'s' if task.epochs != 1 else ''}")
        if task.loss_below is not None:
            parts.append(f"until the training loss L is under {fmt(task.loss_below)}")
        return "Train " + " and ".join(parts or ["one epoch"]) + "."
    if isinstance(task, LearningRateTask):
        bounds = []
        if task.at_least is not None:
            bounds.append(f"η ≥ {fmt(task.at_least)}")
        if task.at_most is not None:
            bounds.append(f"η ≤ {fmt(task.at_most)}")
        words = "Change η" + (f" to {' and '.join(bounds)}" if bounds else "")
        if task.epochs:
            words += f", then train {task.epochs} epoch{'s' if task.epochs != 1 else ''}"
        if task.diverge:
            words += ", then train until the loss diverges"
        return words + "."
    return "Find the planted bug and name it" + (f" ({task.bug})" if task.bug else "") + "."

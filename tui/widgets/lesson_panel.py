"""The lesson beside the dashboard: the current step's title and Markdown text, its task
with whether it is done, and the keys that move between steps.

`TaskReported(event)` is how a feature that ends in a result tells the lesson: predict
mode posts `TaskReported(TaskEvent.predicted(level, asked, right))` to the app when a
session ends, the bug hunt `TaskReported(TaskEvent.hunted(bug, solved))` when the
learner names a bug (`core.lessons.checks` says what the details mean). An app without a
lesson ignores the message; the lesson app (`tui.lesson_app`) checks the step's task.
"""

from __future__ import annotations

from backprop_tui.core.lessons import Lesson, TaskEvent, TaskState, task_words
from backprop_tui.core.lessons.records import (
    HuntTask,
    LearningRateTask,
    PredictTask,
    Task,
    TrainTask,
)
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Markdown, Static

KEYS = "N next step · P previous step"


class TaskReported(Message):
    """A result for the lesson's task, posted to the app (see the module's docstring)."""

    def __init__(self, event: TaskEvent) -> None:
        super().__init__()
        self.event = event


def task_hint(task: Task) -> str:
    """Which keys do the task."""
    if isinstance(task, PredictTask):
        return f"d opens the step-through; turn on its predict mode at level {task.level}."
    if isinstance(task, TrainTask):
        return "space runs and pauses, n trains one batch, e one epoch."
    if isinstance(task, LearningRateTask):
        return "+ doubles η, − halves it, f sets it; space runs."
    assert isinstance(task, HuntTask)
    return "The bug hunt (backprop-tui hunt) reports here when it runs in a lesson."


class LessonPanel(Vertical):
    """The lesson's current step. `show_step(index, state)` when the step changes,
    `show_task(state)` when its task's progress does."""

    def __init__(self, lesson: Lesson, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lesson = lesson
        self.index = 0
        self._task_text = ""

    def compose(self) -> ComposeResult:
        step = self.lesson.steps[0]
        yield Static(self._heading(), id="lesson-heading", markup=False)
        with VerticalScroll(id="lesson-scroll"):
            yield Markdown(step.text, id="lesson-text")
        yield Static("", id="lesson-task", markup=False)
        yield Static(KEYS, id="lesson-keys", markup=False)

    def on_mount(self) -> None:
        self.border_title = self.lesson.title
        self.show_task(TaskState(self.lesson.steps[0].task))

    def _heading(self) -> str:
        step = self.lesson.steps[self.index]
        return f"Step {self.index + 1}/{len(self.lesson.steps)} · {step.title}"

    def show_step(self, index: int, state: TaskState) -> None:
        """Show step `index` (0-based) from its top, with its task's `state`."""
        self.index = index
        self.query_one("#lesson-heading", Static).update(self._heading())
        self.query_one("#lesson-text", Markdown).update(self.lesson.steps[index].text)
        self.query_one("#lesson-scroll", VerticalScroll).scroll_home(animate=False)
        self.show_task(state)

    def show_task(self, state: TaskState) -> None:
        """The task line: what it asks, ☐ or ☑ and how far it is, and its keys."""
        task = state.task
        if task is None:
            text = "No task: read, try things, then N for the next step."
        else:
            mark = "☑" if state.done else "☐"
            text = f"{mark} {task_words(task)}\n  {state.status}\n  {task_hint(task)}"
        if text != self._task_text:
            self._task_text = text
            widget = self.query_one("#lesson-task", Static)
            widget.update(text)
            widget.set_class(state.done, "-done")

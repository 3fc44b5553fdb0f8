"""A lesson run in the dashboard (`backprop-tui lesson NAME|PATH`): the app with the lesson
beside it, its steps' presets loaded as the learner moves on, its tasks checked.

`LessonApp` is the dashboard (`BackpropApp`) plus a `LessonPanel`, the keys N and P
(next and previous step, on the dashboard only) and two inputs to the step's task:
every snapshot the app shows (as a `core.lessons.Observation`) and every
`TaskReported` message a feature posts. A step's preset is loaded with the app's own
off-UI-thread `load_preset`; its task counts only snapshots of the preset loaded for
the step (load tokens are issued in order, so the first token after the step began is
its preset's) or, for a step that goes on with the current network, from the snapshot
shown when it began.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from functools import partial
from pathlib import PurePath
from typing import Any, ClassVar

from backprop_tui.core.config.presets import load
from backprop_tui.core.learn import CLOSE, CORRECT
from backprop_tui.core.lessons import Lesson, Observation, TaskEvent, TaskState
from backprop_tui.tui.app import BackpropApp
from backprop_tui.tui.bindings import DASHBOARD_BINDINGS, PANEL_BINDINGS
from backprop_tui.tui.commands import DashboardCommands, key_label
from backprop_tui.tui.messages import SnapshotReady
from backprop_tui.tui.recovery import CrashGuard
from backprop_tui.tui.screens import STYLES
from backprop_tui.tui.screens.predict import PredictFinished
from backprop_tui.tui.widgets.lesson_panel import LessonPanel, TaskReported
from backprop_tui.tui.worker.controller import ControllerFactory
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen

LESSON_BINDINGS: list[Binding] = [
    Binding(
        "N",
        "lesson_step(1)",
        "Next step",
        show=False,
        id="lesson-next",
        tooltip="The lesson's next step (its preset is loaded)",
    ),
    Binding(
        "P",
        "lesson_step(-1)",
        "Previous step",
        show=False,
        id="lesson-previous",
        tooltip="The lesson's previous step (its preset is loaded again)",
    ),
]

PANEL_WIDTH = 46
"""Columns the lesson takes (styles/lesson.tcss); the dashboard shows one panel at a time
below 110 columns of its own."""


class LessonCommands(DashboardCommands):
    """The dashboard's commands and the lesson's, in the command palette."""

    def _commands(self) -> Iterator[tuple[str, str, partial]]:
        for binding in (*DASHBOARD_BINDINGS, *PANEL_BINDINGS, *LESSON_BINDINGS):
            run = partial(self.app.run_action, binding.action)
            yield binding.description, f"{key_label(binding)} · {binding.tooltip}", run


class LessonApp(BackpropApp):
    """The dashboard with `lesson` beside it, opened on its first step's preset."""

    CSS_PATH: ClassVar[list[str | PurePath]] = [*BackpropApp.CSS_PATH, STYLES / "lesson.tcss"]
    COMMANDS = (BackpropApp.COMMANDS - {DashboardCommands}) | {LessonCommands}
    BINDINGS: ClassVar[list[BindingType]] = [*BackpropApp.BINDINGS, *LESSON_BINDINGS]
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [
        (0, "-narrow"),
        (110 + PANEL_WIDTH, "-wide"),
    ]

    def __init__(
        self, lesson: Lesson, controller_factory: ControllerFactory | None = None, **options: Any
    ) -> None:
        first = lesson.steps[0].preset
        assert first is not None, "a lesson's first step names a preset (core.lessons.schema)"
        super().__init__(load(first), controller_factory, **options)
        self.lesson = lesson
        self.step_index = 0
        self.task_state = TaskState(lesson.steps[0].task)
        self._first_token = 0  # snapshots with an older load token belong to another step

    def compose(self) -> Any:
        yield from super().compose()
        yield LessonPanel(self.lesson, id="lesson")

    @property
    def lesson_panel(self) -> LessonPanel:
        return self.query_one(LessonPanel)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """N and P act on the dashboard only, as its other keys do."""
        if action == "lesson_step":
            return not any(not isinstance(s, ModalScreen) for s in self.screen_stack[1:])
        return super().check_action(action, parameters)

    # -- moving between steps ---------------------------------------------------------

    def action_lesson_step(self, delta: int) -> None:
        index = self.step_index + delta
        if not 0 <= index < len(self.lesson.steps):
            where = "last" if delta > 0 else "first"
            self.notify(f"this is the lesson's {where} step", timeout=3)
            return
        self.go_to_step(index)

    def go_to_step(self, index: int) -> None:
        """Show step `index` (0-based) and load its preset, or go on with the network."""
        step = self.lesson.steps[index]
        self.step_index = index
        self.task_state = TaskState(step.task)
        if step.preset is not None:
            issued = self.controller.token if self.controller is not None else 0
            self._first_token = issued + 1
            self.load_preset(step.preset)
        else:
            self._first_token = self.token
            if self.snapshot is not None and self.status is not None:
                self.task_state = self.task_state.seen(observation(self.snapshot, self.status))
        self.lesson_panel.show_step(index, self.task_state)

    # -- what the task reads ----------------------------------------------------------

    def on_snapshot_ready(self, message: SnapshotReady) -> None:
        super().on_snapshot_ready(message)
        message.prevent_default()  # the dashboard's own handler has just run
        if self.snapshot is not message.snapshot or self.status is None:
            return  # a stale snapshot the dashboard dropped
        if self.status.token >= self._first_token:
            self._update_task(self.task_state.seen(observation(self.snapshot, self.status)))

    def on_predict_finished(self, message: PredictFinished) -> None:
        """A predict session ended in the step-through: a phase counts as right when its
        last try was correct or close (one whose answer was shown does not)."""
        summary = message.summary
        right = sum(item.outcome in (CORRECT, CLOSE) for item in summary.items)
        event = TaskEvent.predicted(message.level, summary.asked, right)
        self._update_task(self.task_state.reported(event))

    def on_task_reported(self, message: TaskReported) -> None:
        self._update_task(self.task_state.reported(message.event))

    def _update_task(self, state: TaskState) -> None:
        newly_done = state.done and not self.task_state.done
        self.task_state = state
        self.lesson_panel.show_task(state)
        if newly_done:
            last = self.step_index == len(self.lesson.steps) - 1
            more = "that was the lesson's last step" if last else "N for the next step"
            self.notify(f"task done — {more}", title=f"step {self.step_index + 1}", timeout=5)


def observation(snapshot: Any, status: Any) -> Observation:
    """A snapshot and its status as a task reads them."""
    latest = snapshot.latest
    loss = latest.train_loss if latest is not None else None
    return Observation(snapshot.epoch, float(snapshot.lr), loss, status.state)


def build_lesson_app(
    lesson: Lesson, controller_factory: ControllerFactory | None = None, **options: Any
) -> LessonApp:
    """The lesson app, for the command line and the tests (`options` as `BackpropApp`'s)."""
    return LessonApp(lesson, controller_factory, **options)


def run_lesson(lesson: Lesson, debug: bool = False) -> int:
    """Run `lesson` until the person quits; the exit code, as `tui.app.run_app`'s."""
    app = build_lesson_app(lesson, tune_gc=True)
    guard = CrashGuard(app, show_traceback=debug)
    app.run()
    if guard.message is not None:
        print(guard.message, file=sys.stderr)
    return app.return_code or 0

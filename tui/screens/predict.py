"""Predict mode of the step-through: the learner types each asked phase's result before
seeing it (core.learn's `Quiz`, two tries a phase).

`t` opens `LevelPicker` (the updates; gradients and updates; the whole backward pass;
everything — or stop). Each asked phase is shown without its result (`question_parts`
in the equation panel, its result cells blank in the tables); enter checks the typed
answer; a wrong first try marks the cells off and lights the inputs in the tables (the
hint); ctrl+r shows the answer. When the last asked phase ends, the summary replaces the
feedback, `m` writes it as Markdown, and the screen posts `PredictFinished`.

`PredictKeys` is mixed into `StepThroughScreen`, which holds the trace and draws it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from backprop_tui.core.atomic import WriteError, write_text_atomic
from backprop_tui.core.learn import WRONG, AnswerError, Quiz, QuizSummary
from backprop_tui.core.learn.targets import LEVEL_WORDS
from backprop_tui.tui.palette import ListedCommands
from backprop_tui.tui.screens import DIALOGS_CSS
from backprop_tui.tui.screens.trace_export import ExportPathDialog
from backprop_tui.tui.widgets.predict_panel import (
    LEVEL_CHOICES,
    PredictPanel,
    feedback,
    right_text,
    status_text,
    summary_text,
)
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

if TYPE_CHECKING:
    from backprop_tui.core.trace.record import StepTrace
    from backprop_tui.tui.screens.step_session import StepSession

TRIES = 2
"""Answers a phase takes in predict mode before its answer is shown."""

STOP = "stop"
"""The picker's choice that ends predict mode."""


@dataclass
class PredictFinished(Message):
    """A predict session ended: every asked phase answered or shown. `level` is one of
    core.learn.LEVELS ("updates", "gradients", "backward", "all"); `summary` the
    session's `QuizSummary` (`right_first_time`, `asked`, `mistakes`, `to_markdown()`).
    Posted by the step-through screen; it bubbles to the app."""

    level: str
    summary: QuizSummary


class LevelPicker(ModalScreen[str | None]):
    """Which phases to predict; dismisses with a level, STOP, or None (escape)."""

    CSS_PATH = DIALOGS_CSS

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without changing anything"),
    ]

    def __init__(self, predicting: bool) -> None:
        super().__init__()
        self.predicting = predicting

    def compose(self) -> ComposeResult:
        options = [Option(f"Predict {LEVEL_WORDS[level]}", id=level) for level in LEVEL_CHOICES]
        if self.predicting:
            options.append(Option("Stop predicting", id=STOP))
        with Vertical(classes="dialog"):
            yield Label("Predict mode: which phases do you work out?")
            yield OptionList(*options, id="predict-levels")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class PredictCommands(ListedCommands):
    """The command palette's predict mode: one command per level, and stop."""

    def _commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        screen = self.screen
        commands: list[tuple[str, str, Callable[[], Any]]] = [
            ("Predict mode…", "t · pick which phases to predict", partial(_run, screen, "predict"))
        ]
        for level in LEVEL_CHOICES:
            run = partial(getattr(screen, "start_predicting", _ignore), level)
            commands.append((f"Predict {LEVEL_WORDS[level]}", "predict mode at this level", run))
        if getattr(screen, "predicting", False):
            commands.append(("Stop predicting", "show every result again", screen.stop_predicting))
        return commands


def _run(screen: Any, action: str) -> None:
    screen.run_action(action)


def _ignore(*_: object) -> None:
    return None


class PredictKeys:
    """Predict mode's state and actions. Mixed into `StepThroughScreen`."""

    session: StepSession
    trace: StepTrace
    index: int
    app: App[Any]
    go_to: Callable[[int], None]
    _show: Callable[[], None]
    query_one: Callable[..., Any]
    set_class: Callable[[bool, str], Any]
    notify: Callable[..., None]
    post_message: Callable[[Message], bool]
    refresh_bindings: Callable[[], None]

    quiz: Quiz | None = None
    """The session under way (or finished, its summary shown); None when not predicting."""
    hint = False
    """Whether the tables light what the asked phase reads (after a wrong try)."""
    last_predict_export: Path | None = None

    @property
    def predicting(self) -> bool:
        return self.quiz is not None

    def hides_result(self, index: int) -> bool:
        """Whether phase `index` is asked and not yet answered: its result stays hidden."""
        quiz = self.quiz
        return quiz is not None and index in quiz.asked[quiz.question - 1 :]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "predict_reveal":
            return self.quiz is not None and not self.quiz.finished
        if action == "predict_export":
            return self.quiz is not None and self.quiz.finished
        return True

    def action_predict(self) -> None:
        """Choose which phases to predict (or stop predicting)."""
        self.app.push_screen(LevelPicker(self.predicting), self._picked)

    def _picked(self, choice: str | None) -> None:
        if choice is None:
            return
        if choice == STOP:
            self.stop_predicting()
        else:
            self.start_predicting(choice)

    def start_predicting(self, level: str) -> None:
        """Begin a session at `level` on the trace shown."""
        self.quiz = Quiz(self.trace, level, tries=TRIES)
        self.hint = False
        self.set_class(True, "-predict")
        self._ask()

    def stop_predicting(self) -> None:
        """Leave predict mode: every result shows again."""
        self.quiz = None
        self.hint = False
        self.set_class(False, "-predict")
        self.refresh_bindings()
        self._show()

    def retraced(self) -> None:
        """The trace changed (other rows, other digits): a session starts over on it."""
        if self.quiz is not None:
            level = self.quiz.level
            self.start_predicting(level)
            self.notify(f"Predicting {LEVEL_WORDS[level]} again, on the new trace", timeout=4)

    def _ask(self) -> None:
        """Go to the asked phase and wait for its answer."""
        quiz = self.quiz
        assert quiz is not None and quiz.current is not None
        panel = self.query_one(PredictPanel)
        panel.answer.value = ""
        panel.answer.disabled = False
        panel.show(
            status_text(quiz),
            "Work out the result from the inputs above; ctrl+r shows it.",
            placeholder="the numbers, row by row (spaces or commas); enter checks",
        )
        self._go(quiz.current)
        panel.answer.focus()
        self.refresh_bindings()

    def _go(self, index: int) -> None:
        if index == self.index:
            self._show()
        else:
            self.go_to(index)

    def predict_submit(self, text: str) -> None:
        """Enter in the answer box: check the answer, or go on after a phase ended."""
        quiz = self.quiz
        if quiz is None or quiz.finished:
            return
        if self.index != quiz.current:  # the last phase ended: on to the next question
            self.hint = False
            self._ask()
            return
        if not text.strip():
            self.query_one(PredictPanel).show(
                status_text(quiz), "Type the numbers first, or ctrl+r to be shown the answer."
            )
            return
        try:
            result = quiz.answer(text)
        except AnswerError as err:
            self.query_one(PredictPanel).show(status_text(quiz), f"Cannot read that: {err}")
            return
        message = feedback(self.trace, result, quiz.tries_left if quiz.current == self.index else 0)
        self.hint = result.grade == WRONG and quiz.current == self.index
        self._after(message)

    def action_predict_reveal(self) -> None:
        """Show me: the asked phase's answer, the phase counted as not right first time."""
        quiz = self.quiz
        if quiz is None or quiz.finished or quiz.current != self.index:
            return
        phase = quiz.reveal()
        self.hint = False
        self._after(f"Shown: {phase.symbol} = {right_text(self.trace, phase)}")

    def _after(self, message: Text | str) -> None:
        """Redraw after a try or a reveal: the result shows once the phase has ended."""
        quiz = self.quiz
        assert quiz is not None
        panel = self.query_one(PredictPanel)
        self._show()
        if quiz.finished:
            summary = quiz.summary()
            text = Text(message) if isinstance(message, str) else message.copy()
            text.append("\n\n")
            text.append_text(summary_text(summary))
            panel.show(status_text(quiz), text)
            panel.answer.value = ""
            panel.answer.disabled = True
            self.refresh_bindings()
            self.post_message(PredictFinished(quiz.level, summary))
            return
        ended = quiz.current != self.index
        panel.show(
            status_text(quiz),
            message,
            placeholder="enter: the next question" if ended else "change the cells off; enter",
        )
        if ended:
            panel.answer.value = ""
        self.refresh_bindings()

    def default_predict_path(self) -> str:
        """predict-<preset>-<level>.md in the current folder."""
        level = self.quiz.level if self.quiz is not None else "session"
        slug = re.sub(r"[^a-z0-9]+", "-", self.session.title.lower()).strip("-") or "trace"
        return f"predict-{slug}-{level}.md"

    def action_predict_export(self) -> None:
        """Ask for a path and write the session's summary there as Markdown."""
        if self.quiz is None or not self.quiz.finished:
            return
        dialog = ExportPathDialog(
            self.default_predict_path(), "Export your predictions as Markdown"
        )
        self.app.push_screen(dialog, self._export_predictions)

    def _export_predictions(self, path: str | None) -> None:
        if path is None or self.quiz is None:
            return
        try:
            written = write_text_atomic(path, self.quiz.summary().to_markdown())
        except WriteError as err:
            self.notify(str(err), title="Export failed", severity="error")
            return
        self.last_predict_export = written
        self.notify(f"Wrote {written}", title="Exported")

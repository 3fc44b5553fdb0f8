"""What predict mode draws: a phase asked without its result, the learner's answer box,
the feedback on each try, and the summary at the end.

`question_parts` is the equation panel's content for an asked phase: the equation, the
values it reads with their numbers (`core.learn.phase_inputs`), and "δ(1) = ?" with the
count of numbers to type. `PredictPanel` sits under the equation: a status line, the
feedback (grade, the cells that are off marked, the mistake named beside the right
equation) and an `Input` where the answer is typed row by row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from backprop_tui.core.learn import CLOSE, CORRECT, LEVELS, cell_label, count_text, phase_inputs
from backprop_tui.core.learn.targets import LEVEL_WORDS, per_sample, phase_value, value_text
from rich.columns import Columns
from rich.console import Group, RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Static

if TYPE_CHECKING:
    from backprop_tui.core.learn import Assessment, Quiz, QuizSummary
    from backprop_tui.core.trace.record import Phase, StepTrace

MARK_ROWS = 8
MARK_COLS = 8
"""The most rows and columns of a typed answer drawn with its wrong cells marked."""

OFF_STYLE = "bold white on red"
SLIP_STYLE = "bold black on yellow"

GRADE_MARKS = {CORRECT: "✓ Correct", CLOSE: "≈ Close", "wrong": "✗ Wrong"}


def question_parts(
    trace: StepTrace, index: int, width: int | None = None
) -> tuple[list[tuple[str, RenderableType]], str]:
    """The equation panel's rows for phase `index` asked without its result: the
    equation, the values it reads (scalars on a line each, arrays as bracketed blocks no
    wider than `width`), and the result as "?" with how many numbers to type."""
    from backprop_tui.tui.widgets.equation_panel import matrix_block

    phase = trace.phases[index]
    precision = trace.precision
    rows: list[tuple[str, RenderableType]] = [("equation", Text(phase.equation, "bold cyan"))]
    plain = [phase.equation]
    scalars: list[RenderableType] = []
    blocks: list[Text] = []
    for given in phase_inputs(trace, index):
        value = np.asarray(given.value)
        samples = given.per_sample and trace.batch_size > 1
        block = matrix_block(given.name, value, precision, samples, width)
        (scalars if value.size == 1 else blocks).append(block)
        plain.append(block.plain)
    inputs: list[RenderableType] = list(scalars)
    if blocks:
        inputs.append(Columns(blocks, padding=(1, 3), expand=False))
    rows.append(("inputs", Group(*inputs)))
    arrow = "←" if phase.kind.startswith("update") else "="
    result = Text()
    result.append(phase.symbol, style="bold reverse")
    result.append(f" {arrow} ?  ", style="bold")
    result.append(f"({count_text(trace, index)})", style="dim")
    rows.append(("result", result))
    plain.append(result.plain)
    return rows, "\n".join(plain)


def right_text(trace: StepTrace, phase: Phase) -> str:
    """The right value of `phase` as the trace writes it."""
    return value_text(trace, phase_value(trace, phase), per_sample(phase.kind))


def marked_answer(trace: StepTrace, result: Assessment) -> Text:
    """The typed numbers in the value's layout, wrong cells on red, close ones on yellow
    (at most MARK_ROWS × MARK_COLS drawn), and a line naming the wrong cells."""
    verdict = result.verdict
    text = Text()
    if verdict is None:
        return text
    given, off, slips = (_as_rows(a) for a in (verdict.given, verdict.off, verdict.slips))
    rows, cols = given.shape
    cells = [
        [f"{float(given[r, c]):.6g}" for c in range(min(cols, MARK_COLS))]  # as typed
        for r in range(min(rows, MARK_ROWS))
    ]
    width = max((len(s) for row in cells for s in row), default=1)
    text.append("your answer", style="dim")
    for r, row in enumerate(cells):
        text.append("\n  ")
        for c, cell in enumerate(row):
            style = OFF_STYLE if off[r, c] else SLIP_STYLE if slips[r, c] else ""
            text.append(cell.rjust(width), style=style)
            text.append(" ")
        if cols > MARK_COLS:
            text.append("…", style="dim")
    if rows > MARK_ROWS:
        text.append("\n  ⋮", style="dim")
    # The first few wrong cells only: a 128 × 784 answer may have 100 352 of them.
    n_wrong = int(np.count_nonzero(verdict.off))
    if n_wrong:
        first = np.flatnonzero(verdict.off)[:6]
        indices = [tuple(int(i) for i in np.unravel_index(k, verdict.off.shape)) for k in first]
        names = [cell_label(trace, result.position, index) for index in indices]
        more = f" and {n_wrong - 6} more" if n_wrong > 6 else ""
        text.append(f"\noff: {', '.join(names)}{more}", style="bold red")
    return text


def _as_rows(array: np.ndarray) -> np.ndarray:
    """A scalar or vector as one row, a matrix as it is."""
    return array.reshape(1, -1) if array.ndim < 2 else array.reshape(array.shape[0], -1)


def feedback(trace: StepTrace, result: Assessment, tries_left: int) -> Text:
    """What a try says: its grade, the cells off, the mistake named beside the right
    equation, and the hint or the answer."""
    phase = result.phase
    text = Text()
    text.append(GRADE_MARKS[result.grade], style="bold")
    if result.grade == CORRECT:
        text.append(f": {phase.symbol} = {right_text(trace, phase)}")
        return text
    if result.grade == CLOSE:
        text.append(": a rounding slip, within 1 % but not to the digits you typed. ")
        text.append(f"{phase.symbol} = {right_text(trace, phase)}")
        return text
    if result.problem:
        text.append(f": {result.problem}")
    for match in result.mistakes:
        text.append("\n")
        text.append(f"[{match.name}] ", style="bold magenta")
        text.append(match.message)
    if result.mistakes:
        text.append("\nthe right equation: ", style="dim")
        text.append(phase.equation, style="cyan")
    marks = marked_answer(trace, result)
    if marks.plain:
        text.append("\n")
        text.append_text(marks)
    if tries_left > 0:
        names = ", ".join(given.name for given in phase_inputs(trace, result.position))
        text.append("\nhint: ", style="bold")
        text.append(f"the equation reads {names} (lit in the tables). Try once more.")
    else:
        text.append(f"\nthe answer: {phase.symbol} = {right_text(trace, phase)}", style="bold")
    return text


def summary_text(summary: QuizSummary) -> Text:
    """The end of a session: the tally, each asked phase's outcome, the mistakes made."""
    text = Text()
    text.append(f"Predicted {LEVEL_WORDS[summary.level]}: ", style="bold")
    text.append(summary.tally(), style="bold green")
    marks = {CORRECT: "✓", CLOSE: "≈", "wrong": "✗"}
    for item in summary.items:
        first = "right first time" if item.right_first_time else item.outcome
        text.append(f"\n {marks.get(item.outcome, '·')} {item.number:>2} {item.phase.symbol}  ")
        text.append(first, style="green" if item.right_first_time else "yellow")
        if item.mistakes:
            text.append("  [" + ", ".join(item.mistakes) + "]", style="magenta")
    if summary.mistakes:
        text.append("\nmistakes made: ", style="bold")
        text.append(", ".join(summary.mistakes), style="magenta")
    text.append("\nm: export as Markdown · t: predict again or stop", style="dim")
    return text


def status_text(quiz: Quiz) -> str:
    """'Predicting the updates · question 2/4 · 2 tries left', or the end."""
    words = LEVEL_WORDS[quiz.level]
    if quiz.finished:
        return f"Predicting {words} · done"
    tries = "1 try left" if quiz.tries_left == 1 else f"{quiz.tries_left} tries left"
    return f"Predicting {words} · question {quiz.question}/{len(quiz.asked)} · {tries}"


LEVEL_CHOICES = tuple(LEVELS)
"""The levels in the order the picker lists them (fading from the end backwards)."""


class AnswerInput(Input):
    """The answer box: an Input that lets the screen's `t` (the level picker) through,
    since an answer is numbers and never needs a t."""

    PASSED_ON = frozenset({"t"})

    def check_consume_key(self, key: str, character: str | None) -> bool:
        if key in self.PASSED_ON:
            return False
        return super().check_consume_key(key, character)


class PredictPanel(Vertical):
    """Predict mode's part of the step-through: status, feedback, answer box."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.status = Static("", id="predict-status")
        self.feedback = Static("", id="predict-feedback")
        self.answer = AnswerInput(
            placeholder="the numbers, row by row (spaces or commas); enter checks",
            id="predict-answer",
            select_on_focus=False,
        )
        self.plain = ""
        """The status and feedback as plain text (tests read it)."""

    def compose(self) -> ComposeResult:
        yield self.status
        with VerticalScroll(id="predict-scroll"):
            yield self.feedback
        yield self.answer

    def show(self, status: str, message: Text | str = "", placeholder: str | None = None) -> None:
        """Set the status line and the feedback; `placeholder` for the answer box."""
        message = Text(message) if isinstance(message, str) else message
        self.status.update(status)
        self.feedback.update(message)
        self.plain = status + "\n" + message.plain
        if placeholder is not None:
            self.answer.placeholder = placeholder

"""Learning by doing: a learner predicts each phase's numbers and is told how close they
are and, when wrong, which classic mistake they made.

The API a front end uses (the headless `quiz` command, the step-through's predict mode,
`compare` for a learner's own backprop):

- `Quiz(trace, level, tries)`: the session; `answer(text)`, `reveal()`, `stop()`,
  `summary()` → `QuizSummary` (`tally()`, `to_markdown()`).
- `assess(trace, phase, answer)` → `Assessment`: grade, `Verdict` (cells off), the
  mistakes matched (`Match`: name, description, message).
- `check(right, answer)` → `Verdict`; `parse_answer(text | cells)` → `Answer`;
  `Answer.from_values(numbers, rtol)` for numbers from code.
- `diagnose(trace, phase, answer)` → names; `CATALOGUE`, `get_mistake(name)`.
- `phase_value`, `phase_inputs`, `asked_phases`, `LEVELS`, `cell_label`, `count_text`.

`phase` is a position in `trace.phases`, a `Phase`, or a `PhaseKey(kind, layer)`.
"""

from backprop_tui.core.learn.answer import Answer, AnswerError, parse_answer
from backprop_tui.core.learn.check import CLOSE, CORRECT, WRONG, Verdict, check
from backprop_tui.core.learn.diagnose import (
    Assessment,
    Match,
    assess,
    diagnose,
    matching_mistakes,
)
from backprop_tui.core.learn.markdown import quiz_markdown
from backprop_tui.core.learn.mistakes import CATALOGUE, MISTAKES, Form, Mistake, get_mistake
from backprop_tui.core.learn.quiz import Quiz, QuizError, QuizItem, QuizSummary
from backprop_tui.core.learn.targets import (
    DEFAULT_LEVEL,
    LEVELS,
    Input,
    PhaseKey,
    asked_phases,
    cell_label,
    count_text,
    phase_inputs,
    phase_value,
)

__all__ = [
    "CATALOGUE",
    "CLOSE",
    "CORRECT",
    "DEFAULT_LEVEL",
    "LEVELS",
    "MISTAKES",
    "WRONG",
    "Answer",
    "AnswerError",
    "Assessment",
    "Form",
    "Input",
    "Match",
    "Mistake",
    "PhaseKey",
    "Quiz",
    "QuizError",
    "QuizItem",
    "QuizSummary",
    "Verdict",
    "asked_phases",
    "assess",
    "cell_label",
    "check",
    "count_text",
    "diagnose",
    "get_mistake",
    "matching_mistakes",
    "parse_answer",
    "phase_inputs",
    "phase_value",
    "quiz_markdown",
]

"""A predict-the-numbers session over one traced step: the phases a level asks, in walking
order, each answered (up to `tries` times), revealed, or left unanswered.

    quiz = Quiz(trace, "backward", tries=2)
    while not quiz.finished:
        phase = quiz.phase                  # equation, and phase_inputs(trace, phase)
        result = quiz.answer(typed_text)    # an Assessment: grade, cells off, mistakes
        # or quiz.reveal() for "show me"
    print(quiz.summary().tally())           # "7/10 right first time"
    quiz.summary().to_markdown()

A phase ends when its answer is correct or close, when its last try is wrong, or when it
is revealed. The headless `quiz` command gives one try; the step-through's predict mode
two.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from backprop_tui.core.errors import BackpropError
from backprop_tui.core.learn.answer import Answer, AnswerError
from backprop_tui.core.learn.check import CORRECT, WRONG
from backprop_tui.core.learn.diagnose import Assessment, assess, unreadable
from backprop_tui.core.learn.targets import DEFAULT_LEVEL, asked_phases

if TYPE_CHECKING:
    from backprop_tui.core.trace.record import Phase, StepTrace

REVEALED = "revealed"
NOT_ANSWERED = "not answered"


class QuizError(BackpropError):
    """A quiz was asked for something it cannot do (an answer after its end)."""


@dataclass(frozen=True, eq=False)
class QuizItem:
    """One asked phase: its position in `trace.phases` (0-based), the tries made, and
    whether the learner asked to be shown the answer."""

    position: int
    phase: Phase
    tries: tuple[Assessment, ...] = ()
    revealed: bool = False

    @property
    def number(self) -> int:
        """The phase's 1-based number, as `backprop-tui trace` numbers it."""
        return self.position + 1

    @property
    def right_first_time(self) -> bool:
        return bool(self.tries) and self.tries[0].grade == CORRECT

    @property
    def outcome(self) -> str:
        """The last try's grade (correct, close, wrong), else revealed or not answered."""
        if self.tries:
            return self.tries[-1].grade
        return REVEALED if self.revealed else NOT_ANSWERED

    @property
    def mistakes(self) -> tuple[str, ...]:
        """The names of the mistakes its tries matched, first made first."""
        return tuple(dict.fromkeys(name for t in self.tries for name in t.names))


@dataclass(frozen=True, eq=False)
class QuizSummary:
    """A finished (or stopped) quiz: every asked phase's item, in walking order."""

    trace: StepTrace
    level: str
    items: tuple[QuizItem, ...]

    @property
    def asked(self) -> int:
        return len(self.items)

    @property
    def right_first_time(self) -> int:
        return sum(item.right_first_time for item in self.items)

    @property
    def not_answered(self) -> int:
        return sum(item.outcome == NOT_ANSWERED for item in self.items)

    @property
    def mistakes(self) -> dict[str, tuple[QuizItem, ...]]:
        """Each mistake made → the items where it was made, first made first."""
        made: dict[str, list[QuizItem]] = {}
        for item in self.items:
            for name in item.mistakes:
                made.setdefault(name, []).append(item)
        return {name: tuple(items) for name, items in made.items()}

    def tally(self) -> str:
        """ "N/M right first time"."""
        return f"{self.right_first_time}/{self.asked} right first time"

    def to_markdown(self) -> str:
        """The session in Markdown: see core.learn.markdown."""
        from backprop_tui.core.learn.markdown import quiz_markdown

        return quiz_markdown(self)


@dataclass(eq=False)
class Quiz:
    """The state of one learner's pass over `trace` at `level` (see LEVELS), with `tries`
    answers allowed per phase."""

    trace: StepTrace
    level: str = DEFAULT_LEVEL
    tries: int = 1
    asked: tuple[int, ...] = field(init=False)
    _items: list[QuizItem] = field(init=False, repr=False)
    _index: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.tries < 1:
            raise QuizError(f"a quiz needs at least one try per phase, not {self.tries}")
        self.asked = asked_phases(self.trace, self.level)
        self._items = [QuizItem(p, self.trace.phases[p]) for p in self.asked]

    @property
    def finished(self) -> bool:
        return self._index >= len(self._items)

    @property
    def current(self) -> int | None:
        """The position in `trace.phases` of the phase being asked; None at the end."""
        return None if self.finished else self._items[self._index].position

    @property
    def phase(self) -> Phase | None:
        """The phase being asked; None at the end."""
        return None if self.finished else self._items[self._index].phase

    @property
    def question(self) -> int:
        """The 1-based number of the question being asked (len(asked) + 1 at the end)."""
        return self._index + 1

    @property
    def tries_left(self) -> int:
        return 0 if self.finished else self.tries - len(self._items[self._index].tries)

    @property
    def items(self) -> tuple[QuizItem, ...]:
        return tuple(self._items)

    def answer(
        self, typed: str | Sequence[str] | Answer, *, unreadable_is_wrong: bool = False
    ) -> Assessment:
        """Check an answer to the current phase and record it as a try. The quiz moves on
        when it is correct or close, or when it was the last try.

        An answer that cannot be read raises `AnswerError` and is not recorded, unless
        `unreadable_is_wrong`: then it is a wrong try whose `problem` says why.
        """
        item = self._current_item()
        try:
            result = assess(self.trace, item.position, typed)
        except AnswerError as err:
            if not unreadable_is_wrong:
                raise
            if isinstance(typed, Answer):
                text = typed.text
            else:
                text = typed if isinstance(typed, str) else "  ".join(map(str, typed))
            result = unreadable(self.trace, item.position, text, str(err))
        item = QuizItem(item.position, item.phase, (*item.tries, result), item.revealed)
        self._items[self._index] = item
        if result.grade != WRONG or len(item.tries) >= self.tries:
            self._index += 1
        return result

    def reveal(self) -> Phase:
        """Show the current phase's answer ("show me"): the phase ends, not right first
        time. Returns the phase, whose `result` is the value."""
        item = self._current_item()
        self._items[self._index] = QuizItem(item.position, item.phase, item.tries, True)
        self._index += 1
        return item.phase

    def stop(self) -> None:
        """End the quiz here: the phases not reached count as not answered."""
        self._index = len(self._items)

    def summary(self) -> QuizSummary:
        return QuizSummary(self.trace, self.level, tuple(self._items))

    def _current_item(self) -> QuizItem:
        if self.finished:
            raise QuizError("the quiz is over: every asked phase has been answered")
        return self._items[self._index]

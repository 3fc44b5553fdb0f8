"""Naming the mistake behind a wrong answer, and assessing one answer to one phase.

`diagnose(trace, phase, answer)` compares an answer that is not right with what every
catalogue mistake gives at that phase (core.learn.mistakes), within the same tolerance
that makes an answer correct; it returns the names of all that match (two mistakes can
give the same numbers; then both are named) and never names a right answer.

`assess` is what a quiz calls for each answer: the verdict (core.learn.check) and the
mistakes named, with one rule on top: a close answer that is exactly what a mistake
gives is wrong (W + η ∂W is within 1 % of W − η ∂W when η is small, but it is not a
rounding slip).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from backprop_tui.core.learn.answer import Answer, as_answer
from backprop_tui.core.learn.check import CORRECT, WRONG, Grade, Verdict, check
from backprop_tui.core.learn.mistakes import CATALOGUE
from backprop_tui.core.learn.targets import PhaseLike, find_phase, phase_position, phase_value

if TYPE_CHECKING:
    from backprop_tui.core.trace.record import Phase, StepTrace

Array = np.ndarray


@dataclass(frozen=True)
class Match:
    """A catalogue mistake an answer matches: its name, its one-line description, and
    the sentence that says what the answer did at this phase, e.g. "this is (W(2)ᵀ δ(2))
    without ⊙ σ'(z(1)): the activation's slope is missing"."""

    name: str
    description: str
    message: str


def matching_mistakes(
    trace: StepTrace, phase: PhaseLike | int, answer: Answer | str | object
) -> tuple[Match, ...]:
    """The catalogue mistakes whose value at `phase` the answer matches, in catalogue
    order; () for a right answer or one with another count of numbers."""
    key = find_phase(trace, phase)
    parsed = as_answer(answer)  # type: ignore[arg-type]
    right = phase_value(trace, key)
    if parsed.size != right.size or parsed.matches(right).all():
        return ()
    found = []
    for mistake in CATALOGUE:
        for form in mistake.forms(trace, key):
            if np.size(form.value) == right.size and parsed.matches(form.value).all():
                found.append(Match(mistake.name, mistake.description, form.message))
                break
    return tuple(found)


def diagnose(
    trace: StepTrace, phase: PhaseLike | int, answer: Answer | str | object
) -> tuple[str, ...]:
    """The names of the catalogue mistakes whose value at `phase` matches `answer`
    (typed text, one text per cell, an `Answer`, or numbers from code, which match within
    a relative 1e-6; see `Answer.from_values` for another tolerance)."""
    return tuple(m.name for m in matching_mistakes(trace, phase, answer))


@dataclass(frozen=True, eq=False)
class Assessment:
    """One answer to one phase, checked.

    `position` is the phase's 0-based place in `trace.phases`; `typed` the answer as
    given; `grade` correct, close or wrong (wrong, too, when the answer could not be read:
    then `verdict` is None and `problem` says why); `mistakes` the catalogue mistakes it
    matches (empty unless wrong).
    """

    phase: Phase
    position: int
    typed: str
    grade: Grade
    verdict: Verdict | None
    mistakes: tuple[Match, ...] = ()
    problem: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """The names of the mistakes matched."""
        return tuple(m.name for m in self.mistakes)


def assess(trace: StepTrace, phase: PhaseLike | int, answer: Answer | str | object) -> Assessment:
    """Check `answer` to `phase` and name its mistake. Raises `AnswerError` when the
    answer cannot be read (a word that is not a number, the wrong count of numbers)."""
    found = find_phase(trace, phase)
    position = phase_position(trace, phase)
    parsed = as_answer(answer)  # type: ignore[arg-type]
    verdict = check(phase_value(trace, found), parsed)
    typed = parsed.text or " ".join(f"{v:g}" for v in parsed.values)
    if verdict.grade == CORRECT:
        return Assessment(found, position, typed, CORRECT, verdict)
    mistakes = matching_mistakes(trace, found, parsed)
    grade: Grade = WRONG if mistakes else verdict.grade
    return Assessment(found, position, typed, grade, verdict, mistakes)


def unreadable(trace: StepTrace, phase: PhaseLike | int, typed: str, problem: str) -> Assessment:
    """An answer that could not be read, recorded as wrong with the reason."""
    found = find_phase(trace, phase)
    return Assessment(found, phase_position(trace, phase), typed, WRONG, None, problem=str(problem))

"""Checking an answer against the right value: correct, close or wrong, cell by cell.

- **correct**: every number within one unit of its last digit typed, with at least three
  significant digits, or exactly the value: 0.1391 and 0.139 are right for 0.13912877.
- **close**: not correct, but every number within 1 % of the value: a rounding slip
  (0.14, or 0.138, for 0.13912877).
- **wrong**: any number further off; `Verdict.off` marks those cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from backprop_tui.core.learn.answer import Answer, AnswerError, as_answer

Array = np.ndarray

Grade = Literal["correct", "close", "wrong"]
CORRECT: Grade = "correct"
CLOSE: Grade = "close"
WRONG: Grade = "wrong"

CLOSE_RTOL = 0.01
"""Within this relative distance of the value a number is close (a rounding slip)."""


@dataclass(frozen=True, eq=False)
class Verdict:
    """The grade of an answer and of each of its cells.

    right: the right value (any shape; a 0-d array for a scalar); given: the answer's
    numbers in right's shape; off: cells that are wrong, slips: cells that are close
    (bool arrays in right's shape); answer: the parsed answer.
    """

    grade: Grade
    right: Array
    given: Array
    off: Array
    slips: Array
    answer: Answer

    @property
    def off_cells(self) -> list[tuple[int, ...]]:
        """The 0-based numpy indices of the wrong cells, row by row."""
        return [tuple(int(i) for i in index) for index in np.argwhere(self.off)]

    @property
    def slip_cells(self) -> list[tuple[int, ...]]:
        """The 0-based numpy indices of the close cells, row by row."""
        return [tuple(int(i) for i in index) for index in np.argwhere(self.slips)]


def check(right: object, answer: Answer | str | object) -> Verdict:
    """Grade `answer` (typed text, one text per cell, an `Answer`, or numbers) against
    the right value `right` (a scalar, vector or matrix; the answer lists it row by row).

    Raises `AnswerError` when the answer has another count of numbers than `right`.
    """
    value = np.asarray(right)
    parsed = as_answer(answer)  # type: ignore[arg-type]
    if parsed.size != value.size:
        raise AnswerError(_count_message(value, parsed.size))
    e = value.astype(np.float64, copy=False).ravel()
    correct = parsed.matches(value)
    with np.errstate(invalid="ignore"):
        close = ~correct & (np.abs(parsed.values - e) <= CLOSE_RTOL * np.abs(e) * (1 + 1e-9))
    off = ~(correct | close)
    grade: Grade = WRONG if off.any() else CLOSE if close.any() else CORRECT
    shape = value.shape
    return Verdict(
        grade=grade,
        right=value,
        given=parsed.values.reshape(shape),
        off=off.reshape(shape),
        slips=close.reshape(shape),
        answer=parsed,
    )


def _count_message(value: Array, got: int) -> str:
    n = value.size
    expected = f"{n} number" + ("" if n == 1 else "s")
    if value.ndim == 2 and min(value.shape) > 1:
        expected += f" ({value.shape[0]} × {value.shape[1]}, row by row)"
    return f"expected {expected}, got {got}"

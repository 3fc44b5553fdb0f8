"""A learner's typed answer, read: its numbers and how precisely each one was typed.

A number typed says how precisely it is meant: "0.139" means 0.139 to within one unit of
its last digit (0.001) and has three significant digits (1, 3, 9); "1e-3" has one, with
a unit of 0.001; "-4" one, with a unit of 1. An answer is *correct* for a value when
every number is within one unit of its last digit and has at least three significant
digits, or equals the value exactly (so "0.5" is right for z = 0.5 and "0" for a dead
ReLU's 0).

Accepted: "0.139", "-4", "+.5", "1e-3", "6.539e−4" and "−0.5" with the notes' minus sign
(U+2212), "nan", "inf", "∞"; numbers separated by spaces, commas or semicolons; square
brackets are ignored, so a value copied from the trace, "[[0.0866, 0.0898]]", reads as
two numbers.

Long answers (a 128 × 784 ∂W is 100 352 numbers) are read with array operations on the
text's bytes rather than one `float()` per number: checking an answer stays well under
50 ms on a 784-128-10 network (bench/bench_check.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from backprop_tui.core.errors import BackpropError
from backprop_tui.core.text import shown

Array = np.ndarray

MIN_DIGITS = 3
"""Significant digits a typed number needs to be correct without being exact."""

CODE_DIGITS = 17
"""The significant digits recorded for numbers that come from code, not from typing."""

# The relative difference below which a typed number *is* the value: the stored value's
# own rounding (fmt_number writes such a value as the short decimal, "0.5", too).
EXACT_RTOL = {np.dtype(np.float32): 1e-6, np.dtype(np.float16): 1e-3}
EXACT_RTOL_DEFAULT = 1e-12

# Floating-point slack on "within one unit": 0.139 and 0.140 are 0.0010000000000000009
# apart in binary.
_SLACK = 1.0 + 1e-9

_SEPARATORS = str.maketrans({",": " ", ";": " ", "[": " ", "]": " ", "\N{MINUS SIGN}": "-"})
_NUMBER = re.compile(r"([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?")
_SPECIAL = {"nan": np.nan, "inf": np.inf, "infinity": np.inf, "∞": np.inf}

_ALLOWED = np.zeros(256, dtype=bool)
_ALLOWED[np.frombuffer(b"0123456789.eE+- ", dtype=np.uint8)] = True


class AnswerError(BackpropError, ValueError):
    """Typed text that is not an answer: a word that is not a number, or the wrong count."""


@dataclass(frozen=True, eq=False)
class Answer:
    """Numbers given for a phase's result, flattened row by row (C order), with how close
    to a value each must be to count as that value.

    values (n,) float64; tolerance (n,): within this (absolute) of a value a number is
    that value — one unit of its last digit when it has at least MIN_DIGITS significant
    digits, else 0 (exact only); digits (n,): significant digits typed; text: the answer
    as typed ("" for numbers from code).
    """

    values: Array
    tolerance: Array
    digits: Array
    text: str = ""

    @property
    def size(self) -> int:
        return int(self.values.size)

    @classmethod
    def from_values(cls, values: object, rtol: float = 1e-6) -> Answer:
        """Numbers computed rather than typed (a learner's own backprop): each is taken to
        mean itself within the relative tolerance `rtol`."""
        v = np.asarray(values, dtype=np.float64).ravel()
        return cls(v, rtol * np.abs(v), np.full(v.shape, CODE_DIGITS), "")

    def exact(self, expected: object) -> Array:
        """Which numbers equal `expected` (flattened) up to its storage's rounding."""
        e = np.asarray(expected)
        rtol = EXACT_RTOL.get(e.dtype, EXACT_RTOL_DEFAULT)
        e = e.astype(np.float64).ravel()
        v = self.values
        with np.errstate(invalid="ignore"):
            return (np.abs(v - e) <= rtol * np.abs(e)) | (v == e) | (np.isnan(v) & np.isnan(e))

    def matches(self, expected: object) -> Array:
        """Which numbers stand for `expected` (any shape, flattened row by row): within one
        unit of the last digit typed (with MIN_DIGITS digits), or exact. Shape (n,)."""
        e = np.asarray(expected).astype(np.float64, copy=False).ravel()
        with np.errstate(invalid="ignore"):
            near = np.abs(self.values - e) <= self.tolerance * _SLACK
        return near | self.exact(expected)


def parse_answer(typed: str | Sequence[str]) -> Answer:
    """Read an answer: one text with every number (row by row), or one text per cell.

    Raises `AnswerError` naming the first word that is not a number, or the cell that
    does not hold exactly one number. The count is not checked here (`check` does).
    """
    if isinstance(typed, str):
        return _parse_text(typed)
    cells = list(typed)
    for number, cell in enumerate(cells, start=1):
        words = str(cell).translate(_SEPARATORS).split()
        if len(words) != 1:
            what = "is empty" if not words else f"holds {len(words)} numbers"
            raise AnswerError(f"cell {number} {what}; type one number in each cell")
    answer = _parse_text(" ".join(str(c) for c in cells))
    return Answer(answer.values, answer.tolerance, answer.digits, "  ".join(map(str, cells)))


def as_answer(answer: Answer | str | Sequence[str] | Array) -> Answer:
    """An `Answer` from typed text (or cells), or from numbers computed in code."""
    if isinstance(answer, Answer):
        return answer
    if isinstance(answer, str):
        return parse_answer(answer)
    if isinstance(answer, np.ndarray) or (
        isinstance(answer, Sequence) and all(isinstance(v, int | float) for v in answer)
    ):
        return Answer.from_values(answer)
    return parse_answer(answer)


def _parse_text(text: str) -> Answer:
    normalized = text.translate(_SEPARATORS)
    if normalized.isascii():
        raw = normalized.encode("ascii")
        codes = np.frombuffer(raw, dtype=np.uint8)
        codes = np.where((codes == 9) | (codes == 10) | (codes == 13), 32, codes)
        if _ALLOWED[codes].all():
            fast = _parse_bytes(codes)
            if fast is not None:
                values, digits, unit = fast
                return _answer(values, digits, unit, text)
    return _parse_words(normalized.split(), text)


def _answer(values: Array, digits: Array, unit: Array, text: str) -> Answer:
    tolerance = np.where(digits >= MIN_DIGITS, unit, 0.0)
    return Answer(values, tolerance, digits, text)


def _parse_words(words: list[str], text: str) -> Answer:
    """The reference reader, one word at a time (also reads nan, inf and ∞)."""
    values, digits, unit = [], [], []
    for number, word in enumerate(words, start=1):
        special = _SPECIAL.get(word.lower().lstrip("+-"))
        if special is not None:
            values.append(-special if word.startswith("-") else special)
            digits.append(0)
            unit.append(0.0)
            continue
        match = _NUMBER.fullmatch(word)
        if match is None or not (match[2] or match[3]):
            raise AnswerError(f"{_quoted(word)} (number {number}) is not a number")
        whole, fraction, exponent = match[2], match[3] or "", int(match[4] or 0)
        values.append(float(word))
        digits.append(len((whole + fraction).lstrip("0")))
        unit.append(10.0 ** (exponent - len(fraction)) if abs(exponent) < 300 else 0.0)
    return _answer(
        np.array(values, dtype=np.float64),
        np.array(digits, dtype=np.int64),
        np.array(unit, dtype=np.float64),
        text,
    )


def _quoted(word: str) -> str:
    return repr(shown(word, 40))


def _occurrences(mask: Array, starts: Array) -> tuple[Array, Array]:
    """For each word (given by its start positions): how many of `mask`'s positions fall
    in it, and the first of them (−1 when none)."""
    n = starts.size
    positions = np.flatnonzero(mask)
    owner = np.searchsorted(starts, positions, side="right") - 1
    first = np.full(n, -1, dtype=np.int64)
    if positions.size == 0:
        return np.zeros(n, dtype=np.int64), first
    leading = np.concatenate(([True], owner[1:] != owner[:-1]))
    first[owner[leading]] = positions[leading]
    return np.bincount(owner, minlength=n), first


def _parse_bytes(codes: Array) -> tuple[Array, Array, Array] | None:
    """Numbers, significant digits and units of the last digit from ASCII bytes that hold
    only digits, '.', 'e', 'E', '+', '-' and spaces; None when a word is not a number or
    is beyond the exact fast path (over 15 digits, exponents past ±22): the reference
    reader then decides, and says which word.

    The work per character is a few comparisons and the positions of the rare ones
    ('.', 'e', signs); the rest is per word: a loop over the digit places (at most 15).
    """
    edges = np.diff(np.concatenate(([0], codes != 32, [0])).astype(np.int8))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)  # one past each word's last character
    n = starts.size
    if n == 0:
        return np.zeros(0), np.zeros(0, dtype=np.int64), np.zeros(0)
    n_dot, dot = _occurrences(codes == 46, starts)
    n_e, e_at = _occurrences((codes | 32) == 101, starts)
    has_dot, has_e = n_dot > 0, n_e > 0

    sign_at = np.flatnonzero((codes == 43) | (codes == 45))
    owner = np.searchsorted(starts, sign_at, side="right") - 1
    placed = (sign_at == starts[owner]) | (has_e[owner] & (sign_at == e_at[owner] + 1))
    lead = (codes[starts] == 43) | (codes[starts] == 45)
    mantissa_end = np.where(has_e, e_at, ends)
    n_mantissa = mantissa_end - starts - lead - has_dot
    after_e = codes[np.minimum(e_at + 1, codes.size - 1)]
    exp_start = e_at + 1 + (has_e & ((after_e == 43) | (after_e == 45)))
    n_exp = np.where(has_e, ends - exp_start, 0)
    valid = (
        (n_dot <= 1)
        & (n_e <= 1)
        & (n_mantissa >= 1)
        & (~has_e | (n_exp >= 1))
        & (~has_dot | ~has_e | (dot < e_at))
    )
    if not valid.all() or not placed.all() or n_mantissa.max() > 15 or n_exp.max() > 2:
        return None

    last = codes.size - 1
    whole = np.zeros(n)
    digits = np.zeros(n, dtype=np.int64)
    started = np.zeros(n, dtype=bool)
    first_digit = starts + lead
    for j in range(int(n_mantissa.max())):
        at = first_digit + j
        at = at + (has_dot & (at >= dot))
        live = j < n_mantissa
        digit = codes[np.minimum(at, last)].astype(np.int64) - 48
        whole = np.where(live, whole * 10 + digit, whole)
        started |= live & (digit != 0)
        digits += started & live
    exponent = np.zeros(n)
    for j in range(int(n_exp.max())):
        live = j < n_exp
        digit = codes[np.minimum(exp_start + j, last)].astype(np.int64) - 48
        exponent = np.where(live, exponent * 10 + digit, exponent)
    exponent = np.where(has_e & (after_e == 45), -exponent, exponent)
    fraction = np.where(has_dot, mantissa_end - dot - 1, 0)
    shift = exponent - fraction
    if np.abs(shift).max() > 22:
        return None
    # An integer below 2⁵³ times or over an exact power of ten is rounded once, as float()
    # rounds the decimal.
    values = np.where(shift >= 0, whole * 10.0 ** np.maximum(shift, 0), 0.0)
    values = np.where(shift < 0, whole / 10.0 ** np.maximum(-shift, 0), values)
    values = np.where(codes[starts] == 45, -values, values)
    return values, digits, 10.0**shift

"""Numbers, vectors and matrices written the way the notes write them.

Every number the engine writes goes through `fmt_number`, in one of two named styles:

- "math" (the trace): values that are short decimals (the inputs 0.15, 1, 0) are written
  as given, computed values get `precision` decimals (0.7576, 0.2870), tiny and huge ones
  scientific notation (6.539e−4). Negative numbers carry a real minus sign, U+2212, so
  text reads like typeset math; infinities are ∞.
- "plain" (the scalar graph, whose names and numbers are also typed back in as
  expressions): at most `precision` decimals with trailing zeros dropped (0.25, -1.5),
  Python's scientific notation outside 0.001 … 10⁶ (1.235e+06), an ASCII minus.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np

Array = np.ndarray
NumberStyle = Literal["math", "plain"]

MINUS = "\N{MINUS SIGN}"
_SUBSCRIPTS = str.maketrans("0123456789-", "₀₁₂₃₄₅₆₇₈₉₋")
_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")

# Arrays up to this many rows and columns are written out in full; larger ones are
# previewed (first rows and columns, then …) with their shape.
SMALL = 4


def sub(*indices: int) -> str:
    """Unicode subscripts for 1-based indices, a comma between two or more: sub(2) == '₂',
    sub(1, 11) == '₁,₁₁' (run together, (1, 11) and (11, 1) would both read '₁₁₁')."""
    return ",".join(str(i).translate(_SUBSCRIPTS) for i in indices)


def entry_name(symbol: str, index: tuple[int, ...] | int, shape: tuple[int, ...]) -> str:
    """The name of one entry of the array `symbol` of `shape`, from its 0-based numpy
    `index`, counting from 1 as the notes do: 'W(2)₁,₁₁' for a matrix, 'b(1)₂' for a
    vector, 'b(2)' alone for a vector of one entry (a 1 × 1 matrix keeps its 'W(1)₁,₁')."""
    if tuple(shape) == (1,):
        return symbol
    at = (index,) if isinstance(index, int) else tuple(index)
    return symbol + sub(*(int(i) + 1 for i in at))


def sup(text: int | str) -> str:
    """Unicode superscript digits: sup(2) == '²'."""
    return str(text).translate(_SUPERSCRIPTS)


def _is_short(v: float, precision: int, tolerance: float) -> bool:
    """Whether v is a decimal with at most `precision` places (an input such as 0.15),
    up to the relative rounding `tolerance` of the type it was stored in."""
    short = round(v, precision)
    return short != 0.0 and abs(v - short) <= tolerance * abs(v)


def fmt_number(value: Any, precision: int = 4, style: NumberStyle = "math") -> str:
    """One number (a float or a 0-d array) in `style` (see the module docstring).

    "math": '0.15', '1', '0.7576', '−0.0131', '6.539e−4', '0', '∞'.
    "plain": '0.15', '1', '0.7576', '-0.0131', '6.539e-04', '0', 'inf'.
    """
    if style == "plain":
        return _plain(float(value), precision)
    v = float(value)
    # A float32 input such as 0.15 is 0.15000000596…; it should still read 0.15.
    tolerance = 1e-7 if getattr(value, "dtype", None) == np.float32 else 1e-12
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "∞" if v > 0 else f"{MINUS}∞"
    if v == 0.0:
        return "0"
    if _is_short(v, precision, tolerance):
        text = f"{round(v, precision):.{precision}f}".rstrip("0").rstrip(".")
    elif 10.0 ** -(precision - 1) <= abs(v) < 1e5:
        text = f"{v:.{precision}f}"
    else:
        mantissa, exponent = f"{v:.{max(precision - 1, 0)}e}".split("e")
        if abs(float(f"{mantissa}e{exponent}") - v) <= 1e-12 * abs(v):
            mantissa = mantissa.rstrip("0").rstrip(".")
        text = f"{mantissa}e{int(exponent)}"
    return text.replace("-", MINUS)


def _plain(v: float, digits: int) -> str:
    if v != 0 and not 1e-3 <= abs(v) < 1e6:  # also nan and ±inf, as Python writes them
        return f"{v:.{digits - 1}e}"
    text = f"{v:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fmt_factor(value: Any, precision: int = 4) -> str:
    """A number as an operand: negative ones in parentheses, '(−0.3)'."""
    text = fmt_number(value, precision)
    return f"({text})" if text.startswith(MINUS) else text


def shape_words(shape: tuple[int, ...]) -> str:
    """A shape as an error message writes it: '8 × 2', 'a vector of 8', 'a number'
    (never numpy's '(8,)', which reads as a tuple, not a size)."""
    if len(shape) == 0:
        return "a number"
    if len(shape) == 1:
        return f"a vector of {shape[0]}"
    return " × ".join(str(n) for n in shape)


def fmt_shape(shape: tuple[int, ...]) -> str:
    """'(200 × 2)' for a matrix, '(8 × 1)' for a vector (a column, as in the notes)."""
    if len(shape) == 1:
        return f"({shape[0]} × 1)"
    return "(" + " × ".join(str(n) for n in shape) + ")"


def _fmt_row(row: Array, precision: int, max_cols: int) -> str:
    items = [fmt_number(v, precision) for v in row[:max_cols]]
    if len(row) > max_cols:
        items.append("…")
    return "[" + ", ".join(items) + "]"


def is_small(array: Array, limit: int = SMALL) -> bool:
    """Whether every dimension of `array` is at most `limit`."""
    return all(n <= limit for n in np.shape(array))


def fmt_array(array: Array | float, precision: int = 4, limit: int = SMALL) -> str:
    """A scalar, vector or matrix: '0.1391', '[0.5, 0.6]', '[[0.15], [0.25]]'.

    Arrays with a dimension above `limit` are previewed (the first `limit − 1` rows and
    columns, then …) and followed by their shape: '[[0.1, 0.2, 0.3, …], …] (200 × 8)'.
    """
    arr = np.asarray(array)
    if arr.ndim == 0:
        return fmt_number(arr, precision)
    small = is_small(arr, limit)
    keep = limit if small else max(limit - 1, 1)
    if arr.ndim == 1:
        text = _fmt_row(arr, precision, keep)
    else:
        rows = [_fmt_row(r, precision, keep) for r in arr.reshape(arr.shape[0], -1)[:keep]]
        if arr.shape[0] > keep:
            rows.append("…")
        text = "[" + ", ".join(rows) + "]"
    return text if small else f"{text} {fmt_shape(arr.shape)}"

"""How much a data set may hold, checked before anything is allocated.

A preset or a notebook can ask for any number of rows or classes; without a bound a
typing slip (`n_samples = 10000000000`, `classes = 100000`) ends in a MemoryError or a
machine that swaps. The limits are generous: a 10 MB CSV file loads, and so does data
for a 784-512-512-10 network. Every refusal says how much was asked and what the limit
is (`over_limit`).

| what                                             | limit        |
| ------------------------------------------------ | ------------ |
| rows (samples) in a data set                     | 5,000,000    |
| classes of a classification target              | 1,000        |
| values in a data set, rows × (inputs + targets)  | 50,000,000   |
| size of a CSV file                               | 32 MB        |
"""

from __future__ import annotations

MAX_SAMPLES = 5_000_000
"""Rows in one data set (a generator's n_samples, a CSV file's data rows)."""

MAX_CLASSES = 1_000
"""Classes of a classification target (one output unit and one-hot column each)."""

MAX_DATA_VALUES = 50_000_000
"""Numbers in X and Y together, rows × (inputs + target columns): 400 MB as float64."""

MAX_CSV_BYTES = 32_000_000
"""Bytes of a CSV file."""

FLOAT_BYTES = 8
"""Bytes of one float64, the width every estimate below uses."""


def count(n: int) -> str:
    """A whole number with thousands separators: 10,000,000."""
    return f"{n:,}"


def size(n_bytes: int) -> str:
    """A byte count in decimal units, as a person reads it: 80 MB, 2.4 GB, 221 EB."""
    value = float(n_bytes)
    for unit in ("bytes", "kB", "MB", "GB", "TB", "PB", "EB"):
        if value < 1000 or unit == "EB":
            break
        value /= 1000
    if unit == "bytes":
        return f"{n_bytes} bytes"
    return f"{value:.3g} {unit}" if value < 1000 else f"{value:,.0f} {unit}"


def over_limit(amount: int, what: str, limit: int, *, values: bool = False) -> str | None:
    """None when `amount` ≤ `limit`; else why not, e.g. "90,001,500,001 parameters
    (720 GB as float64); the limit is 10,000,000 (80 MB)". `values` adds the float64
    sizes to both numbers."""
    if amount <= limit:
        return None
    if values:
        return (
            f"{count(amount)} {what} ({size(amount * FLOAT_BYTES)} as float64); "
            f"the limit is {count(limit)} ({size(limit * FLOAT_BYTES)})"
        )
    return f"{count(amount)} {what}; the limit is {count(limit)}"

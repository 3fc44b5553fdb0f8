"""How much a preset may ask for, checked before anything is allocated.

`core.data.limits` bounds the data set (rows, classes, values, CSV size); this module
bounds the rest of what a preset file can make the engine allocate:

| what                                                        | limit       |
| ----------------------------------------------------------- | ----------- |
| size of a preset file                                       | 64 MB       |
| tables and arrays nested inside each other                  | 16          |
| parameters, Σₗ sizes[l]·sizes[l−1] + sizes[l]               | 10,000,000  |
| activations of one pass over the whole data set,            | 50,000,000  |
| rows × (sizes[0] + sizes[1] + … + sizes[L])                 |             |

A 784-512-512-10 network has 669,706 parameters; saved with its weights it is a 15 MB
preset; a 10 MB CSV file of 785 columns has at most about 6,400 rows, 11.6 million
activations through that network.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any

from backprop_tui.core.data.limits import over_limit

MAX_PRESET_BYTES = 64_000_000
"""Bytes of a preset TOML file."""

MAX_NESTING = 16
"""Tables and arrays inside each other (a preset's weights need 4: [network], the list
of layers, a matrix, a row)."""

MAX_PARAMETERS = 10_000_000
"""Weights and biases of the network together: 80 MB as float64."""

MAX_ACTIVATIONS = 50_000_000
"""Numbers one pass over the whole data set computes: rows × every layer's units."""


def parameter_count(sizes: Sequence[int]) -> int:
    """Weights and biases: Σₗ sizes[l]·sizes[l−1] + sizes[l], l = 1 … L."""
    return sum(o * i + o for i, o in pairwise(sizes))


def too_many_parameters(sizes: Sequence[int]) -> str | None:
    """Why a network of `sizes` is refused, or None when it fits."""
    return over_limit(parameter_count(sizes), "parameters", MAX_PARAMETERS, values=True)


def too_many_activations(rows: int, sizes: Sequence[int]) -> str | None:
    """Why `rows` rows through a network of `sizes` are refused, or None."""
    units = sum(sizes)
    amount = over_limit(rows * units, "activations", MAX_ACTIVATIONS, values=True)
    return None if amount is None else f"{rows:,} rows × {units:,} units are {amount}"


def too_deep(document: dict[str, Any], limit: int = MAX_NESTING) -> tuple[str, int] | None:
    """The key (as messages name it, "[network] sizes") of the most deeply nested value
    and its depth when that is more than `limit` tables and arrays; else None. Walks
    with a stack, not recursion, so any depth is measured."""
    worst = ("", 0)
    stack: list[tuple[Any, int, str]] = [(document, 0, "")]
    while stack:
        value, depth, key = stack.pop()
        if depth > worst[1]:
            worst = (key, depth)
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for name, child in items:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1, _child_key(key, depth, value, name, child)))
    return worst if worst[1] > limit else None


def _child_key(key: str, depth: int, parent: Any, name: Any, child: Any) -> str:
    """How a message names `child`: "[table]", "[table] key", "[table] key.inner"; an
    array's items go by the array's name."""
    if not isinstance(parent, dict):
        return key
    if depth == 0:
        return f"[{name}]" if isinstance(child, dict) else str(name)
    return f"{key} {name}" if depth == 1 else f"{key}.{name}"

"""Weight initialization: W(l) (out × in) and b(l) (out,), drawn from one seeded generator.

| scheme  | W(l)                                            | b(l)             |
| ------- | ----------------------------------------------- | ---------------- |
| xavier  | U(−r, r), r = √(6 / (fan_in + fan_out)) (Glorot) | 0                |
| he      | N(0, 2 / fan_in) (Kaiming normal, for relu)      | 0                |
| uniform | U(−1/√fan_in, 1/√fan_in) (torch.nn.Linear)       | same as W        |
| normal  | N(0, 1 / fan_in) (LeCun normal)                  | 0                |
| zeros   | 0                                               | 0                |
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from backprop_tui.core.errors import UnknownNameError

Array = np.ndarray

INIT_SCHEMES = ("xavier", "he", "uniform", "normal", "zeros")


def init_parameters(
    sizes: Sequence[int], scheme: str = "xavier", seed: int = 0, dtype: type = np.float64
) -> tuple[list[Array], list[Array]]:
    """Weights and biases for layer sizes [n0, n1, …, nL], reproducible from `seed`."""
    if scheme not in INIT_SCHEMES:
        raise UnknownNameError("init scheme", scheme, INIT_SCHEMES)
    rng = np.random.default_rng(seed)
    weights: list[Array] = []
    biases: list[Array] = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        b = np.zeros(fan_out)
        if scheme == "xavier":
            r = np.sqrt(6.0 / (fan_in + fan_out))
            W = rng.uniform(-r, r, (fan_out, fan_in))
        elif scheme == "he":
            W = rng.normal(0.0, np.sqrt(2.0 / fan_in), (fan_out, fan_in))
        elif scheme == "uniform":
            r = 1.0 / np.sqrt(fan_in)
            W = rng.uniform(-r, r, (fan_out, fan_in))
            b = rng.uniform(-r, r, fan_out)
        elif scheme == "normal":
            W = rng.normal(0.0, np.sqrt(1.0 / fan_in), (fan_out, fan_in))
        else:
            W = np.zeros((fan_out, fan_in))
        weights.append(W.astype(dtype))
        biases.append(b.astype(dtype))
    return weights, biases

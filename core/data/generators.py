"""Seeded toy data sets: xor, circles, moons, spiral, gaussians and sine.

Every function returns a `core.data.dataset.Dataset`: inputs X (n × inputs) and targets
Y (n × outputs), float64. Classification targets follow one rule throughout:

- two classes → a single 0/1 column (so one sigmoid output with bce fits), unless
  one-hot rows are asked for (`one_hot=True`);
- three or more classes → one-hot rows (softmax output with cross_entropy).

Generators (`generate(name, n_samples, noise, seed, **options)`):

| name      | inputs | task           | shape of the data                                 |
| --------- | ------ | -------------- | ------------------------------------------------- |
| xor       | 2      | classification | the 4 corners of the unit square, y = x1 XOR x2   |
| circles   | 2      | classification | two concentric circles, radii 1 and `factor`      |
| moons     | 2      | classification | two interleaving half circles (sklearn make_moons) |
| spiral    | 2      | classification | `classes` interleaved arms (TensorFlow Playground) |
| gaussians | 2      | classification | `classes` round blobs on a circle of `radius`     |
| sine      | 1      | regression     | y = sin(x) + noise · N(0, 1), x ~ U(−π, π)        |

All randomness comes from `np.random.default_rng(seed)`: the same arguments give the
same arrays, bit for bit. `noise` is the standard deviation of gaussian noise added to
each coordinate (to the target for sine). The rows, the classes and the values of the
result are bounded (`core.data.limits`) before anything is drawn.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from numbers import Integral, Real
from types import MappingProxyType
from typing import Any

import numpy as np
from backprop_tui.core.data.dataset import Dataset, one_hot_rows
from backprop_tui.core.data.files import DataError
from backprop_tui.core.data.limits import (
    MAX_CLASSES,
    MAX_DATA_VALUES,
    MAX_SAMPLES,
    count,
    over_limit,
)
from backprop_tui.core.errors import UnknownNameError
from backprop_tui.core.text import did_you_mean, quoted

Array = np.ndarray

__all__ = ["GENERATORS", "Generator", "OptionError", "generate", "target_columns"]


class OptionError(DataError):
    """An argument of `generate` that cannot be used; `option` names it (n_samples,
    noise, seed, classes, …)."""

    def __init__(self, option: str, message: str) -> None:
        self.option = option
        super().__init__(message)


# A maker draws n samples from `rng` and returns the inputs X (n × 2 or n × 1) and
# either integer class labels (n,) or regression targets (n × 1).
Maker = Callable[..., tuple[Array, Array]]


@dataclass(frozen=True)
class Generator:
    """One named toy problem.

    `options` maps each option the generator accepts to its default; `default_n_samples`
    is used when `generate` gets `n_samples=None`.
    """

    name: str
    description: str
    task: str
    n_inputs: int
    default_n_samples: int
    options: Mapping[str, Any]
    make: Maker = field(repr=False)

    def __call__(
        self, n_samples: int | None = None, noise: float = 0.1, seed: int = 0, **options: Any
    ) -> Dataset:
        return generate(self.name, n_samples, noise, seed, **options)


_XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
_XOR_LABELS = np.array([0, 1, 1, 0])


def _class_sizes(n: int, classes: int) -> list[int]:
    """n split as evenly as possible: the first n mod k classes get one more sample."""
    return [n // classes + (1 if k < n % classes else 0) for k in range(classes)]


def _make_xor(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    if n <= 4:
        return _XOR_X.copy(), _XOR_LABELS.copy()
    corner = np.arange(n) % 4
    X = _XOR_X[corner] + noise * rng.standard_normal((n, 2))
    return X, _XOR_LABELS[corner]


def _make_circles(
    n: int, noise: float, rng: np.random.Generator, factor: float
) -> tuple[Array, Array]:
    # As sklearn.datasets.make_circles: outer circle (radius 1) is class 0, inner
    # (radius factor) class 1, points evenly spaced in angle before the noise.
    n_outer = n // 2
    n_inner = n - n_outer
    t_outer = np.linspace(0.0, 2.0 * np.pi, n_outer, endpoint=False)
    t_inner = np.linspace(0.0, 2.0 * np.pi, n_inner, endpoint=False)
    X = np.vstack(
        [
            np.column_stack([np.cos(t_outer), np.sin(t_outer)]),
            factor * np.column_stack([np.cos(t_inner), np.sin(t_inner)]),
        ]
    )
    labels = np.repeat([0, 1], [n_outer, n_inner])
    return X + noise * rng.standard_normal(X.shape), labels


def _make_moons(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    # As sklearn.datasets.make_moons: the upper moon is class 0, the lower one, shifted
    # right by 1 and down by ½, class 1.
    n_outer = n // 2
    n_inner = n - n_outer
    t_outer = np.linspace(0.0, np.pi, n_outer)
    t_inner = np.linspace(0.0, np.pi, n_inner)
    X = np.vstack(
        [
            np.column_stack([np.cos(t_outer), np.sin(t_outer)]),
            np.column_stack([1.0 - np.cos(t_inner), 0.5 - np.sin(t_inner)]),
        ]
    )
    labels = np.repeat([0, 1], [n_outer, n_inner])
    return X + noise * rng.standard_normal(X.shape), labels


def _make_spiral(
    n: int, noise: float, rng: np.random.Generator, classes: int, turns: float
) -> tuple[Array, Array]:
    # TensorFlow Playground's spiral, scaled to radius 1: arm k at sample i of m has
    # r = i / m and angle t = turns · 2π · i / m + 2π k / classes.
    points, labels = [], []
    for k, m in enumerate(_class_sizes(n, classes)):
        fraction = np.arange(m) / max(m, 1)
        t = turns * 2.0 * np.pi * fraction + 2.0 * np.pi * k / classes
        points.append(np.column_stack([fraction * np.sin(t), fraction * np.cos(t)]))
        labels.append(np.full(m, k))
    X = np.vstack(points)
    return X + noise * rng.standard_normal(X.shape), np.concatenate(labels)


def _make_gaussians(
    n: int, noise: float, rng: np.random.Generator, classes: int, radius: float
) -> tuple[Array, Array]:
    # Blob k is centred at angle π/4 + 2πk/classes on a circle of `radius`, so two
    # classes sit on the diagonal as in TensorFlow Playground; `noise` is the blob's σ.
    angles = np.pi / 4 + 2.0 * np.pi * np.arange(classes) / classes
    centres = radius * np.column_stack([np.cos(angles), np.sin(angles)])
    labels = np.repeat(np.arange(classes), _class_sizes(n, classes))
    X = centres[labels] + noise * rng.standard_normal((n, 2))
    return X, labels


def _make_sine(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    x = rng.uniform(-np.pi, np.pi, (n, 1))
    return x, np.sin(x) + noise * rng.standard_normal((n, 1))


def _registry(*generators: Generator) -> dict[str, Generator]:
    return {g.name: g for g in generators}


GENERATORS: dict[str, Generator] = _registry(
    Generator(
        "xor",
        "XOR: the 4 corners of the unit square (n_samples ≤ 4), or noisy clouds around them",
        "classification",
        2,
        4,
        MappingProxyType({"one_hot": False}),
        _make_xor,
    ),
    Generator(
        "circles",
        "two concentric circles (radii 1 and factor); inner one is class 1",
        "classification",
        2,
        200,
        MappingProxyType({"factor": 0.5, "one_hot": False}),
        _make_circles,
    ),
    Generator(
        "moons",
        "two interleaving half circles",
        "classification",
        2,
        200,
        MappingProxyType({"one_hot": False}),
        _make_moons,
    ),
    Generator(
        "spiral",
        "interleaved spiral arms, one per class (TensorFlow Playground, radius 1)",
        "classification",
        2,
        200,
        MappingProxyType({"classes": 2, "turns": 1.75, "one_hot": False}),
        _make_spiral,
    ),
    Generator(
        "gaussians",
        "round gaussian blobs, one per class, on a circle of the given radius",
        "classification",
        2,
        200,
        MappingProxyType({"classes": 2, "radius": 1.0, "one_hot": False}),
        _make_gaussians,
    ),
    Generator(
        "sine",
        "y = sin(x) + noise, x uniform in [−π, π] (regression)",
        "regression",
        1,
        200,
        MappingProxyType({}),
        _make_sine,
    ),
)


def _check_options(gen: Generator, options: Mapping[str, Any]) -> dict[str, Any]:
    """The generator's defaults updated with `options`, each one checked."""
    for key in options:
        if key not in gen.options:
            if not gen.options:
                raise OptionError(
                    key, f"generator {gen.name!r} takes no options, got {quoted(key)}"
                )
            raise OptionError(
                key,
                f"generator {gen.name!r} has no option {quoted(key)}"
                f"{did_you_mean(key, gen.options)}; its options: {', '.join(gen.options)}",
            )
    values = {**gen.options, **options}
    where = f"generator {gen.name!r}:"
    if "classes" in values:
        classes = values["classes"]
        if not _is_int(classes) or classes < 2:
            raise OptionError(
                "classes", f"{where} classes must be a whole number ≥ 2, got {quoted(classes)}"
            )
        if classes > MAX_CLASSES:
            raise OptionError(
                "classes",
                f"{where} classes must be at most {count(MAX_CLASSES)}, got {count(classes)}",
            )
        values["classes"] = int(classes)
    if "one_hot" in values and not isinstance(values["one_hot"], bool | np.bool_):
        raise OptionError(
            "one_hot", f"{where} one_hot must be true or false, got {quoted(values['one_hot'])}"
        )
    if "factor" in values:
        factor = values["factor"]
        if not _is_real(factor) or not 0.0 < factor < 1.0:
            raise OptionError(
                "factor", f"{where} factor must be between 0 and 1, got {quoted(factor)}"
            )
    for key in ("turns", "radius"):
        if key in values:
            value = values[key]
            if not _is_real(value) or not value > 0.0:
                raise OptionError(
                    key, f"{where} {key} must be a positive number, got {quoted(value)}"
                )
    return values


def target_columns(gen: Generator, values: Mapping[str, Any]) -> int:
    """How many target columns `gen` makes with the checked option `values`: one for
    regression and for two classes as a 0/1 column, else one per class."""
    if gen.task == "regression":
        return 1
    classes = int(values.get("classes", 2))
    return 1 if classes == 2 and not values.get("one_hot") else classes


def _is_int(value: object) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool | np.bool_)


def _is_real(value: object) -> bool:
    return (
        isinstance(value, Real)
        and not isinstance(value, bool | np.bool_)
        and math.isfinite(float(value))
    )


def _label_targets(labels: Array, classes: int, one_hot: bool) -> Array:
    """Integer labels (n,) as targets: a 0/1 column for two classes, else one-hot rows."""
    if classes == 2 and not one_hot:
        return labels.astype(np.float64)[:, None]
    return one_hot_rows(labels, classes)


def generate(
    name: str,
    n_samples: int | None = None,
    noise: float = 0.1,
    seed: int = 0,
    **options: Any,
) -> Dataset:
    """A seeded toy data set.

    n_samples: number of rows; None means the generator's default (200, and 4 for xor,
    whose n_samples ≤ 4 always gives the four exact corners in the order 00, 01, 10, 11).
    noise: σ of the gaussian noise (≥ 0). seed: for `np.random.default_rng`.
    options: per generator, see `GENERATORS[name].options` (classes, one_hot, factor,
    turns, radius). Rows are shuffled (except the four exact xor points) so that any
    batch mixes the classes.

    Returns X (n × 2, or n × 1 for sine) and Y as described in the module docstring;
    `meta` records the arguments. Raises UnknownNameError for an unknown name,
    `OptionError` (a ValueError) for an unknown option, a bad value or more rows,
    classes or values than `core.data.limits` allows.
    """
    if name not in GENERATORS:
        raise UnknownNameError("generator", name, GENERATORS)
    gen = GENERATORS[name]
    if n_samples is None:
        n_samples = gen.default_n_samples
    if not _is_int(n_samples) or n_samples < 1:
        raise OptionError(
            "n_samples", f"n_samples must be a whole number ≥ 1, got {quoted(n_samples)}"
        )
    if n_samples > MAX_SAMPLES:
        raise OptionError(
            "n_samples",
            f"n_samples must be at most {count(MAX_SAMPLES)} rows, got {count(n_samples)}",
        )
    if not _is_real(noise) or noise < 0:
        raise OptionError("noise", f"noise must be a finite number ≥ 0, got {quoted(noise)}")
    if not _is_int(seed) or seed < 0:
        raise OptionError("seed", f"seed must be a whole number ≥ 0, got {quoted(seed)}")
    values = _check_options(gen, options)
    width = gen.n_inputs + target_columns(gen, values)
    too_big = over_limit(int(n_samples) * width, "values", MAX_DATA_VALUES, values=True)
    if too_big is not None:
        raise OptionError(
            "n_samples",
            f"n_samples: {count(n_samples)} rows × {count(width)} columns are {too_big}",
        )
    n, noise, seed = int(n_samples), float(noise), int(seed)
    rng = np.random.default_rng(seed)
    make_options = {key: value for key, value in values.items() if key != "one_hot"}
    X, targets = gen.make(n, noise, rng, **make_options)
    meta = {"generator": name, "n_samples": len(X), "noise": noise, "seed": seed, **values}

    if gen.task == "regression":
        return Dataset(X, targets, "regression", ("x",), (), name, meta)

    classes = values.get("classes", 2)
    Y = _label_targets(targets, classes, values["one_hot"])
    if not (name == "xor" and n <= 4):
        order = rng.permutation(len(X))
        X, Y = X[order], Y[order]
    class_names = tuple(str(k) for k in range(classes))
    return Dataset(X, Y, "classification", ("x1", "x2"), class_names, name, meta)

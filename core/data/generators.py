"""Where the data comes from: seeded toy generators and CSV files.

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
each coordinate (to the target for sine).
"""

from __future__ import annotations

import csv
import difflib
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from numbers import Integral, Real
from types import MappingProxyType
from typing import Any

import numpy as np
from backprop_tui.core.data.dataset import TASKS, Dataset
from backprop_tui.core.errors import BackpropError, UnknownNameError

Array = np.ndarray

__all__ = [
    "GENERATORS",
    "DataError",
    "Generator",
    "check_finite",
    "generate",
    "load_csv",
]


class DataError(BackpropError, ValueError):
    """Data that cannot be used: a missing file or column, a cell that is not a number,
    NaN or infinity. The message names the file, line and column where it can."""


# ---------------------------------------------------------------------------
# Generators
# ---------------------------------------------------------------------------

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
                raise ValueError(f"generator {gen.name!r} takes no options, got {key!r}")
            raise ValueError(
                f"generator {gen.name!r} has no option {key!r}{_did_you_mean(key, gen.options)}"
                f"; its options: {', '.join(gen.options)}"
            )
    values = {**gen.options, **options}
    where = f"generator {gen.name!r}:"
    if "classes" in values:
        classes = values["classes"]
        if not _is_int(classes) or classes < 2:
            raise ValueError(f"{where} classes must be a whole number ≥ 2, got {classes!r}")
        values["classes"] = int(classes)
    if "one_hot" in values and not isinstance(values["one_hot"], bool | np.bool_):
        raise ValueError(f"{where} one_hot must be true or false, got {values['one_hot']!r}")
    if "factor" in values:
        factor = values["factor"]
        if not _is_real(factor) or not 0.0 < factor < 1.0:
            raise ValueError(f"{where} factor must be between 0 and 1, got {factor!r}")
    for key in ("turns", "radius"):
        if key in values:
            value = values[key]
            if not _is_real(value) or not value > 0.0:
                raise ValueError(f"{where} {key} must be a positive number, got {value!r}")
    return values


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
    return np.eye(classes)[labels]


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
    `meta` records the arguments. Raises UnknownNameError for an unknown name, ValueError
    for an unknown option or a bad value.
    """
    if name not in GENERATORS:
        raise UnknownNameError("generator", name, GENERATORS)
    gen = GENERATORS[name]
    if n_samples is None:
        n_samples = gen.default_n_samples
    if not _is_int(n_samples) or n_samples < 1:
        raise ValueError(f"n_samples must be a whole number ≥ 1, got {n_samples!r}")
    if not _is_real(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number ≥ 0, got {noise!r}")
    if not _is_int(seed) or seed < 0:
        raise ValueError(f"seed must be a whole number ≥ 0, got {seed!r}")
    values = _check_options(gen, options)
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


# ---------------------------------------------------------------------------
# CSV files and inline data
# ---------------------------------------------------------------------------


def _did_you_mean(name: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _parse_number(cell: str, where: str) -> float:
    """A finite float from a CSV cell, or a DataError saying what was there."""
    text = cell.strip()
    if not text:
        raise DataError(f"{where}: expected a number, got an empty cell")
    try:
        value = float(text)
    except ValueError:
        raise DataError(f"{where}: expected a number, got {cell!r}") from None
    if not math.isfinite(value):
        raise DataError(f"{where}: expected a finite number, got {cell!r}")
    return value


def _read_rows(path: str | os.PathLike[str]) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the data rows with their 1-based line numbers; blank lines skipped."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header: list[str] | None = None
            rows: list[tuple[int, list[str]]] = []
            for row in reader:
                if not row or all(not cell.strip() for cell in row):
                    continue
                if header is None:
                    header = [cell.strip() for cell in row]
                    header_line = reader.line_num
                    continue
                if len(row) != len(header):
                    raise DataError(
                        f"{path}, line {reader.line_num}: expected {len(header)} fields "
                        f"as in the header (line {header_line}), got {len(row)}"
                    )
                rows.append((reader.line_num, row))
    except FileNotFoundError:
        raise DataError(f"CSV file not found: {path}") from None
    except IsADirectoryError:
        raise DataError(f"{path} is a directory, not a CSV file") from None
    except PermissionError:
        raise DataError(f"cannot read {path}: permission denied") from None
    except UnicodeDecodeError as error:
        raise DataError(f"{path}: not a UTF-8 text file ({error.reason})") from None
    except csv.Error as error:
        raise DataError(f"{path}, line {reader.line_num}: malformed CSV ({error})") from None
    if header is None:
        raise DataError(f"{path}: the file is empty; expected a header row of column names")
    if not rows:
        raise DataError(f"{path}: no data rows after the header")
    for index, column in enumerate(header):
        if not column:
            raise DataError(f"{path}, line {header_line}: column {index + 1} has no name")
        if column in header[:index]:
            raise DataError(f"{path}, line {header_line}: column {column!r} appears twice")
    return header, rows


def _column_index(path: object, header: list[str], column: str, role: str) -> int:
    if column in header:
        return header.index(column)
    raise DataError(
        f"{path}: no {role} column {column!r}{_did_you_mean(column, header)}; "
        f"the header has: {', '.join(header)}"
    )


def load_csv(
    path: str | os.PathLike[str],
    target: str,
    features: Sequence[str] | None = None,
    standardize: bool = True,
    task: str | None = None,
    one_hot: bool | None = None,
) -> Dataset:
    """A data set from a CSV file with a header row.

    target: the column that holds y. features: the input columns, in this order
    (default: every other column, in file order); they must hold finite numbers.
    task: None decides from the target column: all numbers → regression (Y n × 1),
    anything else → classification. task="classification" also accepts numeric labels.
    Classes are numbered in sorted order (numerically when every label is a number,
    alphabetically otherwise) so that shuffling the file does not renumber them;
    `class_names` holds them. Targets follow the module's rule: one-hot rows for three
    or more classes, a 0/1 column for two unless one_hot=True.
    standardize: z-score each feature, x' = (x − mean) / std (population std; a
    constant column keeps std 1 so it becomes 0). `meta` holds "feature_mean" and
    "feature_std" so x = x' · std + mean undoes it.

    Raises DataError naming the file, the line (1-based, header = line 1 when it is the
    first line) and the column for every problem.
    """
    if task is not None and task not in TASKS:
        raise ValueError(f"task must be one of {TASKS} or None, not {task!r}")
    header, rows = _read_rows(path)
    target_index = _column_index(path, header, target, "target")
    if features is None:
        features = [column for column in header if column != target]
        if not features:
            raise DataError(f"{path}: no feature columns besides the target {target!r}")
    else:
        features = list(features)
        if not features:
            raise DataError(f"{path}: features is empty; name at least one input column")
        for column in features:
            if column == target:
                raise DataError(f"{path}: column {target!r} is the target; it cannot be a feature")
            if features.count(column) > 1:
                raise DataError(f"{path}: feature column {column!r} is listed twice")
    feature_index = [_column_index(path, header, column, "feature") for column in features]

    X = np.empty((len(rows), len(features)))
    for i, (line, row) in enumerate(rows):
        for j, (column, k) in enumerate(zip(features, feature_index, strict=True)):
            X[i, j] = _parse_number(row[k], f"{path}, line {line}, column {column!r}")

    labels = [(line, row[target_index].strip()) for line, row in rows]
    for line, label in labels:
        if not label:
            raise DataError(f"{path}, line {line}, column {target!r}: the target cell is empty")
    numeric = _numeric_targets(labels)
    if task is None:
        task = "regression" if numeric is not None else "classification"

    meta: dict[str, Any] = {"source": str(path), "target": target, "standardized": standardize}
    if standardize:
        mean = X.mean(axis=0)
        std = X.std(axis=0)
        # A constant column carries no information; dividing by 1 keeps it finite (all 0).
        std = np.where(std > 0.0, std, 1.0)
        X = (X - mean) / std
        meta["feature_mean"] = tuple(float(v) for v in mean)
        meta["feature_std"] = tuple(float(v) for v in std)

    name = os.path.splitext(os.path.basename(os.fspath(path)))[0]
    if task == "regression":
        if numeric is None:
            line, label = next((ln, lb) for ln, lb in labels if _to_float(lb) is None)
            raise DataError(
                f"{path}, line {line}, column {target!r}: expected a number for a "
                f"regression target, got {label!r}"
            )
        return Dataset(X, numeric[:, None], "regression", tuple(features), (), name, meta)

    if numeric is not None:
        values = sorted(set(numeric.tolist()))
        class_names = tuple(f"{v:g}" for v in values)
        index_of = {v: k for k, v in enumerate(values)}
        label_index = np.array([index_of[v] for v in numeric.tolist()])
    else:
        class_names = tuple(sorted({label for _, label in labels}))
        index_of = {c: k for k, c in enumerate(class_names)}
        label_index = np.array([index_of[label] for _, label in labels])
    if len(class_names) < 2:
        raise DataError(
            f"{path}, column {target!r}: only one class ({class_names[0]!r}); "
            "a classifier needs at least two"
        )
    one_hot = bool(one_hot) or len(class_names) > 2
    Y = _label_targets(label_index, len(class_names), one_hot)
    return Dataset(X, Y, "classification", tuple(features), class_names, name, meta)


def _to_float(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _numeric_targets(labels: list[tuple[int, str]]) -> Array | None:
    """The target column as floats when every cell is a finite number, else None."""
    values = [_to_float(label) for _, label in labels]
    if any(v is None for v in values):
        return None
    return np.array(values, dtype=np.float64)


def _first_bad(value: object, index: tuple[int, ...] = ()) -> tuple[str, object] | None:
    """Where the first entry that is not a finite real number sits ("[2][1]"), and what
    it is; None when every entry is one."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "iuf":
        bad = np.argwhere(~np.isfinite(value))
        if len(bad) == 0:
            return None
        at = tuple(int(i) for i in bad[0])
        return "".join(f"[{i}]" for i in (*index, *at)), value[at]
    if isinstance(value, list | tuple | np.ndarray):
        for i, item in enumerate(value):
            found = _first_bad(item, (*index, i))
            if found is not None:
                return found
        return None
    if _is_real(value):
        return None
    return "".join(f"[{i}]" for i in index), value


def check_finite(
    X: Sequence[Sequence[float]] | Array,
    Y: Sequence[Sequence[float]] | Array,
    where: str,
) -> tuple[Array, Array]:
    """Inline inputs and targets as float64 arrays, or a DataError naming the entry.

    where: the location for the message, e.g. "xor.toml, [data]". An entry that is not
    a number (strings and booleans included), NaN or ±inf is reported as e.g.
    "xor.toml, [data]: inputs[2][1] is nan; data must be finite numbers". Rows of
    different lengths are reported too. Shapes are left as given.
    """
    arrays = []
    for label, value in (("inputs", X), ("targets", Y)):
        found = _first_bad(value)
        if found is not None:
            position, bad = found
            shown = f"{bad:g}" if _is_float(bad) else repr(bad)
            raise DataError(f"{where}: {label}{position} is {shown}; data must be finite numbers")
        try:
            arrays.append(np.asarray(value, dtype=np.float64))
        except ValueError:
            raise DataError(
                f"{where}: {label} must be rows of equal length (a rectangular table)"
            ) from None
    return arrays[0], arrays[1]


def _is_float(value: object) -> bool:
    return isinstance(value, float | np.floating)

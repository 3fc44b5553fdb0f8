"""The data a network trains on: inputs X (n × inputs) and targets Y (n × outputs).

Classification targets are one-hot rows (or a single 0/1 column for one sigmoid
output); `task` says which kind of problem it is so accuracy is reported where it means
something. Splitting and batching draw from seeded `np.random.Generator`s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from backprop_tui.core.errors import ShapeError
from backprop_tui.core.format import shape_words

Array = np.ndarray

TASKS = ("classification", "regression")


@dataclass(frozen=True)
class Dataset:
    """X (n × inputs) and Y (n × outputs), float arrays with the same number of rows."""

    X: Array
    Y: Array
    task: str = "regression"
    feature_names: tuple[str, ...] = ()
    class_names: tuple[str, ...] = ()
    name: str = ""
    meta: dict = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.X.ndim != 2 or self.Y.ndim != 2:
            raise ShapeError(
                f"inputs and targets must be 2-D (rows × columns); "
                f"got {shape_words(self.X.shape)} and {shape_words(self.Y.shape)}"
            )
        if self.X.shape[0] != self.Y.shape[0]:
            raise ShapeError(f"{self.X.shape[0]} input rows but {self.Y.shape[0]} target rows")
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {TASKS}, not {self.task!r}")

    def __len__(self) -> int:
        return self.X.shape[0]

    @property
    def n_inputs(self) -> int:
        return self.X.shape[1]

    @property
    def n_outputs(self) -> int:
        return self.Y.shape[1]

    def subset(self, index: Array) -> Dataset:
        """The rows at `index`, same metadata."""
        return Dataset(
            self.X[index],
            self.Y[index],
            self.task,
            self.feature_names,
            self.class_names,
            self.name,
            self.meta,
        )

    def astype(self, dtype: npt.DTypeLike) -> Dataset:
        """The same rows with X and Y converted to `dtype` (copies)."""
        return Dataset(
            self.X.astype(dtype),
            self.Y.astype(dtype),
            self.task,
            self.feature_names,
            self.class_names,
            self.name,
            self.meta,
        )


def one_hot_rows(labels: Array, classes: int) -> Array:
    """Class indices (n,) in 0 … classes−1 as one-hot rows (n × classes), float64.

    The same numbers as `np.eye(classes)[labels]`, without the classes × classes table.
    """
    rows = np.zeros((len(labels), classes))
    rows[np.arange(len(labels)), labels] = 1.0
    return rows


def from_arrays(
    inputs: Sequence[Sequence[float]] | Array,
    targets: Sequence[Sequence[float]] | Array,
    task: str | None = None,
    name: str = "inline",
) -> Dataset:
    """A dataset from nested lists; `task` defaults to classification when every target
    is 0 or 1, regression otherwise."""
    X = np.asarray(inputs, dtype=np.float64)
    Y = np.asarray(targets, dtype=np.float64)
    if Y.ndim == 1:
        Y = Y[:, None]
    if task is None:
        task = "classification" if np.isin(Y, (0.0, 1.0)).all() else "regression"
    return Dataset(X, Y, task, name=name)


def split(data: Dataset, test_fraction: float, seed: int = 0) -> tuple[Dataset, Dataset | None]:
    """A seeded shuffle, then the last ⌈test_fraction · n⌉ rows as the test set."""
    if not 0.0 <= test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in [0, 1), not {test_fraction}")
    n_test = int(np.ceil(test_fraction * len(data)))
    if n_test == 0:
        return data, None
    order = np.random.default_rng(seed).permutation(len(data))
    return data.subset(order[: len(data) - n_test]), data.subset(order[len(data) - n_test :])


def epoch_order(
    n: int, batch_size: int, rng: np.random.Generator | None
) -> tuple[Array | None, int]:
    """The epoch's row order (None for 0 … n−1, unshuffled) and its batch size; the
    batches are the consecutive slices of that order.

    batch_size 0 (or ≥ n) means the whole set as one batch; the last batch may be short,
    as with torch's DataLoader (drop_last=False).
    """
    size = n if batch_size <= 0 else min(batch_size, n)
    return (rng.permutation(n) if rng is not None else None), size


def accuracy(y_hat: Array, y: Array) -> float:
    """Fraction of rows classified right: argmax for several outputs, ŷ > ½ for one."""
    # A count over n: the mean of the 0/1 hits, exactly.
    if y.shape[1] == 1:
        return np.count_nonzero((y_hat[:, 0] > 0.5) == (y[:, 0] > 0.5)) / y.shape[0]
    return np.count_nonzero(np.argmax(y_hat, axis=1) == np.argmax(y, axis=1)) / y.shape[0]

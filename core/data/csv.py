"""Data sets from CSV files with a header row.

`load_csv(path, target, features, standardize, task)` reads the file once, row by row:
its cost grows with the number of cells (columns are found through a dict, never by
scanning the header), and it holds floats, not the cells' text. The file must be a
regular file of at most `MAX_CSV_BYTES`; it may hold at most `MAX_SAMPLES` rows and
`MAX_CLASSES` classes. Every problem is a `DataError` naming the file, the line
(1-based, the header is line 1 when it is the first line) and the column; text from
the file is echoed through `core.text` (escaped, cut).
"""

from __future__ import annotations

import csv
import io
import math
import os
from array import array
from collections.abc import Callable, Iterator, Sequence
from operator import itemgetter
from typing import Any

import numpy as np
from backprop_tui.core.data.dataset import TASKS, Dataset, one_hot_rows
from backprop_tui.core.data.files import DataError, read_regular_file
from backprop_tui.core.data.limits import (
    MAX_CLASSES,
    MAX_CSV_BYTES,
    MAX_DATA_VALUES,
    MAX_SAMPLES,
    count,
    over_limit,
)
from backprop_tui.core.text import PATH_LIMIT, did_you_mean, quoted, shown

Array = np.ndarray

__all__ = ["load_csv"]


def _header_list(header: Sequence[str]) -> str:
    """The header's names for a message: the first few, then how many there are."""
    names = ", ".join(header)
    return shown(names, 200) + (f" ({count(len(header))} columns)" if len(names) > 200 else "")


class _Reader:
    """The file's rows, read once: `header`, then `rows()` yields (line, cells)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = path
        self.where = shown(os.fspath(path), PATH_LIMIT)
        data = read_regular_file(path, MAX_CSV_BYTES)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise DataError(f"{self.where}: not a UTF-8 text file ({error.reason})") from None
        self.reader = csv.reader(io.StringIO(text, newline=""))
        header = self._next()
        if header is None:
            raise DataError(
                f"{self.where}: the file is empty; expected a header row of column names"
            )
        self.header_line = self.reader.line_num
        self.header = [cell.strip() for cell in header]
        self.index: dict[str, int] = {}
        for i, column in enumerate(self.header):
            at = f"{self.where}, line {self.header_line}"
            if not column:
                raise DataError(f"{at}: column {i + 1} has no name")
            if column in self.index:
                raise DataError(f"{at}: column {quoted(column)} appears twice")
            self.index[column] = i

    def _next(self) -> list[str] | None:
        """The next row that is not blank, or None at the end."""
        try:
            for row in self.reader:
                if row and any(cell.strip() for cell in row):
                    return row
        except csv.Error as error:
            where = f"{self.where}, line {self.reader.line_num}"
            raise DataError(f"{where}: malformed CSV ({shown(error)})") from None
        return None

    def column(self, name: str, role: str) -> int:
        """The index of column `name`, or a DataError with a "did you mean"."""
        if name in self.index:
            return self.index[name]
        raise DataError(
            f"{self.where}: no {role} column {quoted(name)}{did_you_mean(name, self.header)}; "
            f"the header has: {_header_list(self.header)}"
        )

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(line number, cells) for every data row, each checked against the header."""
        n = 0
        while (row := self._next()) is not None:
            line = self.reader.line_num
            if len(row) != len(self.header):
                raise DataError(
                    f"{self.where}, line {line}: expected {len(self.header)} fields "
                    f"as in the header (line {self.header_line}), got {len(row)}"
                )
            n += 1
            if n > MAX_SAMPLES:
                raise DataError(
                    f"{self.where}: more data rows than the limit of {count(MAX_SAMPLES)}"
                )
            yield line, row


def _picker(indexes: list[int]) -> Callable[[list[str]], tuple[str, ...]]:
    """A function that takes the cells at `indexes` from a row, as a tuple."""
    if len(indexes) == 1:
        (k,) = indexes
        return lambda row: (row[k],)
    return itemgetter(*indexes)


def _cell_error(cell: str, where: str) -> DataError:
    """Why `cell`, which does not read as a finite number, is refused."""
    text = cell.strip()
    if not text:
        return DataError(f"{where}: expected a number, got an empty cell")
    try:
        float(text)
    except ValueError:
        return DataError(f"{where}: expected a number, got {quoted(cell)}")
    return DataError(f"{where}: expected a finite number, got {quoted(cell)}")


def _features(
    reader: _Reader, target: str, features: Sequence[str] | None
) -> tuple[list[str], list[int]]:
    """The feature columns' names and indexes, every name checked."""
    where = reader.where
    if features is None:
        names = [column for column in reader.header if column != target]
        if not names:
            raise DataError(f"{where}: no feature columns besides the target {quoted(target)}")
    else:
        names = list(features)
        if not names:
            raise DataError(f"{where}: features is empty; name at least one input column")
        seen: set[str] = set()
        for column in names:
            if column == target:
                raise DataError(
                    f"{where}: column {quoted(target)} is the target; it cannot be a feature"
                )
            if column in seen:
                raise DataError(f"{where}: feature column {quoted(column)} is listed twice")
            seen.add(column)
    return names, [reader.column(column, "feature") for column in names]


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
    `class_names` holds them. Targets: one-hot rows for three or more classes, a 0/1
    column for two unless one_hot=True.
    standardize: z-score each feature, x' = (x − mean) / std (population std; a
    constant column keeps std 1 so it becomes 0). `meta` holds "feature_mean" and
    "feature_std" so x = x' · std + mean undoes it.

    Raises DataError naming the file, the line and the column for every problem, the
    first in file order.
    """
    if task is not None and task not in TASKS:
        raise ValueError(f"task must be one of {TASKS} or None, not {task!r}")
    reader = _Reader(path)
    where = reader.where
    target_index = reader.column(target, "target")
    names, feature_index = _features(reader, target, features)

    values = array("d")
    labels: list[tuple[int, str]] = []
    pick = _picker(feature_index)
    for line, row in reader.rows():
        cells = pick(row)
        try:
            parsed = list(map(float, cells))
        except ValueError:
            parsed = [math.nan]
        if not all(map(math.isfinite, parsed)):
            for column, cell in zip(names, cells, strict=True):
                if not math.isfinite(_to_float(cell)):
                    raise _cell_error(cell, f"{where}, line {line}, column {quoted(column)}")
        values.extend(parsed)
        label = row[target_index].strip()
        if not label:
            at = f"{where}, line {line}, column {quoted(target)}"
            raise DataError(f"{at}: the target cell is empty")
        labels.append((line, label))
    if not labels:
        raise DataError(f"{where}: no data rows after the header")
    X = np.frombuffer(values, dtype=np.float64).reshape(len(labels), len(names)).copy()

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
            line, label = next((ln, lb) for ln, lb in labels if math.isnan(_to_float(lb)))
            raise DataError(
                f"{where}, line {line}, column {quoted(target)}: expected a number for a "
                f"regression target, got {quoted(label)}"
            )
        return Dataset(X, numeric[:, None], "regression", tuple(names), (), name, meta)
    return _classification(X, labels, numeric, one_hot, names, name, meta, where, target)


def _classification(
    X: Array,
    labels: list[tuple[int, str]],
    numeric: Array | None,
    one_hot: bool | None,
    names: list[str],
    name: str,
    meta: dict[str, Any],
    where: str,
    target: str,
) -> Dataset:
    """The target column as classes: sorted names, one index per row, then targets."""
    if numeric is not None:
        values = sorted(set(numeric.tolist()))
        class_names = tuple(f"{v:g}" for v in values)
        index_of: dict[Any, int] = {v: k for k, v in enumerate(values)}
        keys: list[Any] = numeric.tolist()
    else:
        class_names = tuple(sorted({label for _, label in labels}))
        index_of = {c: k for k, c in enumerate(class_names)}
        keys = [label for _, label in labels]
    if len(class_names) < 2:
        raise DataError(
            f"{where}, column {quoted(target)}: only one class ({quoted(class_names[0])}); "
            "a classifier needs at least two"
        )
    too_many = over_limit(len(class_names), "classes", MAX_CLASSES)
    if too_many is not None:
        raise DataError(f"{where}, column {quoted(target)}: {too_many}")
    one_hot = bool(one_hot) or len(class_names) > 2
    width = X.shape[1] + (len(class_names) if one_hot else 1)
    too_big = over_limit(len(labels) * width, "values", MAX_DATA_VALUES, values=True)
    if too_big is not None:
        raise DataError(
            f"{where}: {count(len(labels))} rows × {count(width)} columns are {too_big}"
        )
    label_index = np.array([index_of[key] for key in keys], dtype=np.intp)
    if one_hot:
        Y = one_hot_rows(label_index, len(class_names))
    else:
        Y = label_index.astype(np.float64)[:, None]
    return Dataset(X, Y, "classification", tuple(names), class_names, name, meta)


def _to_float(text: str) -> float:
    """The cell as a finite float, or NaN when it is not one."""
    try:
        value = float(text)
    except ValueError:
        return math.nan
    return value if math.isfinite(value) else math.nan


def _numeric_targets(labels: list[tuple[int, str]]) -> Array | None:
    """The target column as floats when every cell is a finite number, else None."""
    values = [_to_float(label) for _, label in labels]
    if any(math.isnan(v) for v in values):
        return None
    return np.array(values, dtype=np.float64)

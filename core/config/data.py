"""The [data] table: which source it names (inline rows, a generator or a CSV file), its
keys checked into an `InlineData`, `GeneratedData` or `CsvData` record, and the data set
that record describes.

`read_data` checks the table and makes the record without reading any file or drawing
any number; `build_dataset` then makes X (n × sizes[0]) and Y (n × sizes[−1]), targets
laid out for the output layer and the loss, within `core.data.limits`. A preset builds
its data set once, when it is loaded.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from backprop_tui.core.config.limits import too_many_activations
from backprop_tui.core.config.reader import Reader, describe
from backprop_tui.core.config.records import CsvData, DataConfig, GeneratedData, InlineData
from backprop_tui.core.data import generators
from backprop_tui.core.data.csv import load_csv
from backprop_tui.core.data.dataset import TASKS, Dataset, from_arrays, one_hot_rows
from backprop_tui.core.data.files import DataError, UnreadableFileError, file_status
from backprop_tui.core.data.limits import MAX_SAMPLES, count
from backprop_tui.core.errors import BackpropError, UnknownNameError
from backprop_tui.core.text import PATH_LIMIT, shown

__all__ = ["DATA_KEYS", "SOURCE_KEYS", "build_dataset", "read_data", "resolve_csv"]

Array = np.ndarray

DATA_KEYS = (
    "inputs",
    "targets",
    "task",
    "generator",
    "n_samples",
    "noise",
    "csv",
    "target",
    "features",
    "standardize",
    "seed",
    "test_fraction",
)

# Which [data] keys belong to which source (the rest — seed, test_fraction — to all).
SOURCE_KEYS = {
    "inline": ("inputs", "targets", "task"),
    "generator": ("generator", "n_samples", "noise"),
    "csv": ("csv", "target", "features", "standardize", "task"),
}
_SOURCE_NAMES = {
    "inline": "inline data (inputs and targets)",
    "generator": "a generator",
    "csv": "a csv file",
}


def resolve_csv(csv_name: str, preset_path: Path | None) -> Path:
    """A CSV path as written in a preset, relative to the preset file's folder."""
    csv_path = Path(csv_name).expanduser()
    if not csv_path.is_absolute() and preset_path is not None:
        csv_path = preset_path.parent / csv_path
    return csv_path


def _source(t: dict[str, Any]) -> str | list[str] | None:
    """ "inline", "generator" or "csv"; a list when several are given; None when none is."""
    found = []
    if "inputs" in t or "targets" in t:
        found.append("inline")
    if "generator" in t:
        found.append("generator")
    if "csv" in t:
        found.append("csv")
    if not found:
        return None
    return found[0] if len(found) == 1 else found


def read_data(reader: Reader, t: dict[str, Any], path: Path | None) -> DataConfig:
    """The [data] table `t` as a record, every key checked; `path` is the preset file's,
    which a relative CSV path is read from."""
    source = _source(t)
    if source is None:
        raise reader.fail("[data]", "no data: give inputs and targets, a generator, or a csv file")
    if isinstance(source, list):
        raise reader.fail("[data]", f"give one data source, not several ({' and '.join(source)})")
    allowed = [*SOURCE_KEYS[source], "seed", "test_fraction"]
    if source == "generator":
        name = reader.name("[data] generator", t["generator"], _generator_lookup)
        allowed += list(generators.GENERATORS[name].options)
    for k in t:
        if k not in allowed and k in DATA_KEYS:
            owners = [_SOURCE_NAMES[s] for s, keys in SOURCE_KEYS.items() if k in keys]
            raise reader.fail(f"[data] {k}", f"only applies to {' or '.join(owners)}")
    reader.check_keys("data", t, allowed)
    seed = reader.integer("[data] seed", t.get("seed", 0), 0)
    fraction = reader.number("[data] test_fraction", t.get("test_fraction", 0.0))
    if not 0.0 <= fraction < 1.0:
        raise reader.fail("[data] test_fraction", f"expected a number in [0, 1), got {fraction}")
    task = reader.choice("[data] task", t["task"], "task", TASKS) if "task" in t else None
    common: dict[str, Any] = {"seed": seed, "test_fraction": fraction}
    if source == "inline":
        return _inline(reader, t, task, common)
    if source == "generator":
        return _generated(reader, t, common)
    return _csv(reader, t, path, task, common)


def _inline(reader: Reader, t: dict[str, Any], task: str | None, common: Any) -> InlineData:
    for k in ("inputs", "targets"):
        if k not in t:
            raise reader.fail(f"[data] {k}", "missing; inline data needs inputs and targets")
    X = reader.matrix("[data] inputs", t["inputs"])
    targets = t["targets"]
    if isinstance(targets, list) and targets and not isinstance(targets[0], list):
        targets = [[v] for v in targets]  # a flat list is one target per row
    Y = reader.matrix("[data] targets", targets)
    if len(X) != len(Y):
        raise reader.fail("[data] targets", f"{len(X)} input rows but {len(Y)} target rows")
    X.flags.writeable = Y.flags.writeable = False
    return InlineData(inputs=X, targets=Y, task=task, **common)


def _generated(reader: Reader, t: dict[str, Any], common: Any) -> GeneratedData:
    n_samples = None
    if "n_samples" in t:
        n_samples = reader.integer("[data] n_samples", t["n_samples"], 1)
        if n_samples > MAX_SAMPLES:
            raise reader.fail(
                "[data] n_samples",
                f"{count(n_samples)} rows; the limit is {count(MAX_SAMPLES)}",
            )
    noise = 0.1
    if "noise" in t:
        noise = reader.number("[data] noise", t["noise"])
        if noise < 0:
            raise reader.fail("[data] noise", f"expected a number ≥ 0, got {noise}")
    options = {k: v for k, v in t.items() if k not in DATA_KEYS}
    return GeneratedData(
        generator=t["generator"], n_samples=n_samples, noise=noise, options=options, **common
    )


def _csv(
    reader: Reader, t: dict[str, Any], path: Path | None, task: str | None, common: Any
) -> CsvData:
    csv_name = reader.string("[data] csv", t["csv"])
    if "target" not in t:
        raise reader.fail("[data] target", "missing; name the csv column to predict")
    target = reader.string("[data] target", t["target"])
    features = t.get("features")
    if features is not None and (
        not isinstance(features, list) or not all(isinstance(f, str) for f in features)
    ):
        raise reader.fail(
            "[data] features", f"expected a list of column names, got {describe(features)}"
        )
    return CsvData(
        csv=csv_name,
        path=resolve_csv(csv_name, path),
        target=target,
        features=tuple(features) if features is not None else None,
        standardize=reader.boolean("[data] standardize", t.get("standardize", True)),
        task=task,
        **common,
    )


def _generator_lookup(value: str) -> None:
    if value not in generators.GENERATORS:
        raise UnknownNameError("generator", value, generators.GENERATORS)


# -- building ---------------------------------------------------------------------------


def build_dataset(data: DataConfig, sizes: Sequence[int], loss: str, file: str) -> Dataset:
    """The whole data set `data` describes: X (n × sizes[0]) and Y (n × sizes[−1]) laid
    out for the output layer and the loss, both widths checked; `file` names the preset
    in messages. Raises PresetError."""
    reader = Reader(file)
    fail = reader.fail
    if isinstance(data, InlineData):
        Y = data.targets
        if loss == "cross_entropy" and Y.shape[1] == 1 and sizes[-1] > 1:
            Y = _class_indices_to_one_hot(Y, sizes[-1], reader)
        dataset = from_arrays(data.inputs, Y, data.task)
        source_key = "[data] inputs"
    elif isinstance(data, GeneratedData):
        try:
            dataset = generators.generate(
                data.generator, data.n_samples, data.noise, data.seed, **data.options
            )
        except generators.OptionError as exc:
            # Point at the option whose value was refused when the preset wrote it.
            written = {*data.options, "noise", *(["n_samples"] if data.n_samples else [])}
            key = exc.option if exc.option in written else "generator"
            raise fail(f"[data] {key}", str(exc)) from None
        except (BackpropError, ValueError) as exc:
            raise fail("[data] generator", str(exc)) from None
        source_key = "[data] generator"
    else:
        dataset = _csv_dataset(data, reader)
        source_key = "[data] csv"
    if dataset.n_inputs != sizes[0]:
        raise fail(
            source_key,
            f"the data has {dataset.n_inputs} input column(s) but the network takes "
            f"{sizes[0]} ([network] sizes[0])",
        )
    dataset = _fit_targets(dataset, sizes[-1], loss, source_key, reader)
    too_big = too_many_activations(len(dataset), sizes)
    if too_big is not None:
        raise fail("[network] sizes", f"one pass over the data: {too_big}")
    n_test = math.ceil(data.test_fraction * len(dataset))
    if len(dataset) - n_test < 1:
        raise fail(
            "[data] test_fraction",
            f"leaves no training rows ({len(dataset)} rows, {n_test} for testing)",
        )
    return dataset


def _csv_dataset(data: CsvData, reader: Reader) -> Dataset:
    fail = reader.fail
    try:
        found = file_status(data.path)
    except UnreadableFileError as exc:
        raise fail("[data] csv", f"{shown(data.csv, PATH_LIMIT)}: {exc.reason}") from None
    if found is None:
        looked = f" (looked for {shown(data.path, PATH_LIMIT)})"
        where = looked if str(data.path) != data.csv else ""
        raise fail("[data] csv", f"no such file: {shown(data.csv, PATH_LIMIT)}{where}")
    try:
        return load_csv(data.path, data.target, data.features, data.standardize, data.task)
    except (DataError, ValueError) as exc:
        message = str(exc)
        # Point at the key to fix when the file is fine but a column name is not.
        key = "[data] csv"
        if "no target column" in message:
            key = "[data] target"
        elif "feature" in message:
            key = "[data] features"
        raise fail(key, message) from None


def _class_indices_to_one_hot(Y: Array, n_classes: int, reader: Reader) -> Array:
    """Targets given as class indices 0 … K−1 (one column) as one-hot rows (n × K)."""
    index = Y[:, 0]
    if not np.all((index == np.round(index)) & (index >= 0) & (index < n_classes)):
        raise reader.fail(
            "[data] targets",
            f"with cross_entropy and {n_classes} outputs, a single target column must hold "
            f"class indices 0 … {n_classes - 1}",
        )
    return one_hot_rows(index.astype(int), n_classes)


def _fit_targets(dataset: Dataset, n_out: int, loss: str, key: str, reader: Reader) -> Dataset:
    """Targets laid out for the output layer: two classes as one 0/1 column for a
    single sigmoid output, and checked against the loss."""
    fail = reader.fail
    Y = dataset.Y
    if dataset.task == "classification":
        n_classes = len(dataset.class_names) or (2 if Y.shape[1] == 1 else Y.shape[1])
        if n_out == 1 and n_classes == 2 and Y.shape[1] == 2:
            Y = Y[:, 1:]
        elif n_out == 2 and Y.shape[1] == 1:
            Y = np.hstack([1.0 - Y, Y])
        elif n_out != n_classes and not (n_out == 1 and n_classes == 2):
            names = (
                f" ({shown(', '.join(dataset.class_names), 120)})" if dataset.class_names else ""
            )
            raise fail(
                key,
                f"the data has {n_classes} classes{names} but the output layer has "
                f"{n_out} unit(s) ([network] sizes[-1]); use {n_classes} outputs"
                + (" (or 1 sigmoid output)" if n_classes == 2 else ""),
            )
    elif Y.shape[1] != n_out:
        raise fail(
            key,
            f"the data has {Y.shape[1]} target column(s) but the output layer has "
            f"{n_out} unit(s) ([network] sizes[-1])",
        )
    if loss == "bce" and not np.all((Y >= 0) & (Y <= 1)):
        raise fail(key, "bce needs targets between 0 and 1")
    if loss == "cross_entropy" and not (
        np.all(Y >= 0) and np.allclose(Y.sum(axis=1), 1.0, atol=1e-9)
    ):
        raise fail(key, "cross_entropy needs one-hot targets (rows of 0s with a single 1)")
    return dataset if Y is dataset.Y else dataclasses.replace(dataset, Y=Y)

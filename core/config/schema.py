"""The preset format: which tables and keys a preset TOML file may hold, the checks
every value must pass, and how its [data] table becomes a `Dataset`.

`validate(raw, file, path, key)` walks a parsed file once and returns the fields of a
`core.config.presets.Preset`, or raises `PresetError` naming the file, the key and what was
expected (with a "did you mean" for misspelt keys and names). `build_dataset` turns the
[data] table into X (n × sizes[0]) and Y (n × sizes[−1]), checking both widths.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from backprop_tui.core.data import generators as data_module
from backprop_tui.core.data.dataset import Dataset, from_arrays
from backprop_tui.core.errors import BackpropError, UnknownNameError
from backprop_tui.core.nn.activations import get_activation
from backprop_tui.core.nn.init import INIT_SCHEMES
from backprop_tui.core.nn.losses import get_loss
from backprop_tui.core.nn.optimizers import DEFAULT_LR, OPTIMIZERS

Array = np.ndarray

TABLES: dict[str, tuple[str, ...]] = {
    "network": (
        "sizes",
        "activations",
        "init",
        "seed",
        "weights",
        "biases",
        "train_biases",
        "dtype",
    ),
    "loss": ("kind",),
    "optimizer": (
        "kind",
        "learning_rate",
        "momentum",
        "nesterov",
        "betas",
        "eps",
        "alpha",
        "weight_decay",
    ),
    "training": ("epochs", "batch_size", "shuffle", "seed", "stop_loss"),
    "data": (
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
    ),
    "graph": ("expression", "variables"),
}
TOP_LEVEL = ("name", "description", *TABLES)
REQUIRED_TABLES = ("network", "loss", "data")
DTYPES = ("float64", "float32")
TASKS = ("classification", "regression")

# Which [data] keys belong to which source (the rest — seed, test_fraction — to all).
SOURCE_KEYS = {
    "inline": ("inputs", "targets", "task"),
    "generator": ("generator", "n_samples", "noise"),
    "csv": ("csv", "target", "features", "standardize", "task"),
}


class PresetError(BackpropError, ValueError):
    """A preset that cannot be used: `file`, `key` (e.g. "[network] sizes") and the reason.

    str() reads "<file>: <key>: <reason>" or, for TOML syntax, "<file>, line N: <reason>".
    """

    def __init__(
        self, file: str | os.PathLike | None, key: str | None, reason: str, line: int | None = None
    ) -> None:
        self.file = str(file) if file is not None else None
        self.key = key
        self.reason = reason
        self.line = line
        where = self.file if self.file is not None else "preset"
        if line is not None:
            where += f", line {line}"
        if key:
            where += f": {key}"
        super().__init__(f"{where}: {reason}")


def _describe(value: Any) -> str:
    """A value as the user wrote it (TOML-ish), shortened."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = f'"{value}"'
    elif isinstance(value, dict):
        text = "a table"
    else:
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def data_seed(data: dict[str, Any]) -> int:
    """The [data] seed: drives the generator and the train/test split."""
    return int(data.get("seed", 0))


def validate(raw: dict[str, Any], file: str, path: Path | None, key: str) -> dict[str, Any]:
    """The fields of a `Preset` from a parsed TOML document, every value checked.

    `file` is how the file is named in messages; `path` anchors a relative CSV path;
    `key` is the preset's short name (shipped name or file stem).
    """
    return _Validator(file, path, key, raw).fields()


def build_dataset(
    table: dict[str, Any], path: Path | None, sizes: Sequence[int], loss: str, file: str
) -> Dataset:
    """The whole data set a validated [data] table describes: X (n × sizes[0]) and Y
    (n × sizes[−1]) laid out for the output layer and the loss."""
    return _build_dataset(table, path, sizes, loss, _Validator(file, path, "", {}))


class _Validator:
    """Walks the parsed TOML once, checking every key; `fields()` returns the result."""

    def __init__(self, file: str, path: Path | None, key: str, raw: dict[str, Any]) -> None:
        self.file, self.path, self.key, self.raw = file, path, key, raw

    def fail(self, key: str | None, reason: str) -> PresetError:
        return PresetError(self.file, key, reason)

    # -- small typed readers ----------------------------------------------------------

    def table(self, name: str) -> dict[str, Any]:
        value = self.raw.get(name, {})
        if not isinstance(value, dict):
            raise self.fail(f"[{name}]", f"expected a table, got {_describe(value)}")
        return value

    def number(self, key: str, value: Any) -> float:
        if not _is_number(value):
            raise self.fail(key, f"expected a number, got {_describe(value)}")
        if not math.isfinite(value):
            raise self.fail(key, f"expected a finite number, got {value}")
        return float(value)

    def integer(self, key: str, value: Any, minimum: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            what = "a non-negative integer" if minimum == 0 else f"an integer ≥ {minimum}"
            raise self.fail(key, f"expected {what}, got {_describe(value)}")
        return value

    def boolean(self, key: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, got {_describe(value)}")
        return value

    def string(self, key: str, value: Any) -> str:
        if not isinstance(value, str):
            raise self.fail(key, f"expected a string, got {_describe(value)}")
        return value

    def name(self, key: str, value: Any, lookup: Callable[[str], Any]) -> str:
        """A registry name, re-raising the registry's "did you mean" as a PresetError."""
        self.string(key, value)
        try:
            lookup(value)
        except UnknownNameError as exc:
            raise self.fail(key, str(exc)) from None
        return value

    def vector(self, key: str, value: Any) -> Array:
        if not isinstance(value, list):
            raise self.fail(key, f"expected a list of numbers, got {_describe(value)}")
        return np.array([self.number(f"{key}[{i}]", v) for i, v in enumerate(value)])

    def matrix(self, key: str, value: Any) -> Array:
        """A list of equally long lists of finite numbers, as a 2-D float64 array."""
        if not isinstance(value, list) or not value:
            raise self.fail(key, f"expected a non-empty list of rows, got {_describe(value)}")
        rows = []
        for i, row in enumerate(value):
            if not isinstance(row, list):
                raise self.fail(f"{key}[{i}]", f"expected a list of numbers, got {_describe(row)}")
            rows.append(self.vector(f"{key}[{i}]", row))
            if len(rows[-1]) != len(rows[0]):
                raise self.fail(
                    f"{key}[{i}]",
                    f"every row needs the same length; row 0 has {len(rows[0])} "
                    f"numbers, row {i} has {len(rows[-1])}",
                )
        return np.array(rows, dtype=np.float64).reshape(len(rows), len(rows[0]))

    def check_keys(self, table: str, values: dict[str, Any], allowed: Sequence[str]) -> None:
        for k in values:
            if k not in allowed:
                close = difflib.get_close_matches(k, allowed, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                known = f"; known keys: {', '.join(allowed)}" if not close else ""
                raise self.fail(f"[{table}] {k}" if table else k, f"unknown key{hint}{known}")

    # -- the tables -------------------------------------------------------------------

    def fields(self) -> dict[str, Any]:
        for k, v in self.raw.items():
            if k not in TOP_LEVEL:
                close = difflib.get_close_matches(k, TOP_LEVEL, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                what = "table" if isinstance(v, dict) else "key"
                raise self.fail(
                    f"[{k}]" if isinstance(v, dict) else k,
                    f"unknown {what}{hint}; a preset has: {', '.join(TOP_LEVEL)}",
                )
        for name in REQUIRED_TABLES:
            if name not in self.raw:
                raise self.fail(f"[{name}]", "missing table")
        for name in TABLES:
            self.table(name)
        name = self.string("name", self.raw.get("name", self.key))
        description = self.string("description", self.raw.get("description", ""))
        net = self.network()
        loss = self.loss(net["activations"], net["sizes"])
        opt = self.optimizer()
        training = self.training(net["seed"])
        data, task = self.data(net["sizes"], loss)
        return dict(
            key=self.key,
            name=name,
            description=description,
            path=self.path,
            **net,
            loss=loss,
            **opt,
            **training,
            test_fraction=float(data.get("test_fraction", 0.0)),
            data=data,
            task=task,
            graph=self.graph(),
            raw=copy.deepcopy(self.raw),
        )

    def network(self) -> dict[str, Any]:
        t = self.table("network")
        self.check_keys("network", t, TABLES["network"])
        if "sizes" not in t:
            raise self.fail("[network] sizes", "missing; e.g. sizes = [2, 4, 1]")
        sizes = t["sizes"]
        if (
            not isinstance(sizes, list)
            or len(sizes) < 2
            or not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in sizes)
        ):
            raise self.fail(
                "[network] sizes",
                f"expected a list of at least two positive integers, got {_describe(sizes)}",
            )
        n_layers = len(sizes) - 1
        if "activations" not in t:
            raise self.fail(
                "[network] activations", f"missing; expected {n_layers} (one per weight layer)"
            )
        acts = t["activations"]
        if not isinstance(acts, list) or len(acts) != n_layers:
            got = f"{len(acts)}" if isinstance(acts, list) else _describe(acts)
            raise self.fail(
                "[network] activations",
                f"expected a list of {n_layers} names (one per weight layer, "
                f"len(sizes) − 1), got {got}",
            )
        for i, act in enumerate(acts):
            self.name(f"[network] activations[{i}]", act, get_activation)
            if act == "softmax" and i != n_layers - 1:
                raise self.fail(
                    f"[network] activations[{i}]",
                    "softmax is only allowed on the output layer (the last activation)",
                )
        if acts[-1] == "softmax" and sizes[-1] < 2:
            raise self.fail(
                "[network] activations",
                "a softmax output needs at least two units; use sigmoid for one output",
            )

        def init_lookup(v: str) -> None:
            if v not in INIT_SCHEMES:
                raise UnknownNameError("init scheme", v, INIT_SCHEMES)

        init = self.name("[network] init", t.get("init", "xavier"), init_lookup)
        seed = self.integer("[network] seed", t.get("seed", 0), 0)

        def dtype_lookup(v: str) -> None:
            if v not in DTYPES:
                raise UnknownNameError("dtype", v, DTYPES)

        dtype = self.name("[network] dtype", t.get("dtype", "float64"), dtype_lookup)
        weights = biases = None
        if "weights" in t:
            weights = self.layer_arrays("weights", t["weights"], sizes, dtype)
        if "biases" in t:
            biases = self.layer_arrays("biases", t["biases"], sizes, dtype)
        return dict(
            sizes=tuple(sizes),
            activations=tuple(acts),
            init=init,
            seed=seed,
            weights=weights,
            biases=biases,
            train_biases=self.boolean("[network] train_biases", t.get("train_biases", True)),
            dtype=dtype,
        )

    def layer_arrays(
        self, which: str, value: Any, sizes: list[int], dtype: str
    ) -> tuple[Array, ...]:
        """W(l) (sizes[l] × sizes[l−1]) or b(l) (sizes[l],) for every layer, read-only."""
        key = f"[network] {which}"
        n_layers = len(sizes) - 1
        if not isinstance(value, list) or len(value) != n_layers:
            got = f"{len(value)}" if isinstance(value, list) else _describe(value)
            kind = "matrices" if which == "weights" else "vectors"
            raise self.fail(key, f"expected {n_layers} {kind} (one per weight layer), got {got}")
        out = []
        for l, item in enumerate(value, start=1):
            if which == "weights":
                expected: tuple[int, ...] = (sizes[l], sizes[l - 1])
                arr = self.matrix(f"{key}[{l - 1}]", item)
                what = f"W({l}) is (sizes[{l}] × sizes[{l - 1}]) = ({expected[0]} × {expected[1]})"
            else:
                expected = (sizes[l],)
                arr = self.vector(f"{key}[{l - 1}]", item)
                what = f"b({l}) has sizes[{l}] = {expected[0]} entries"
            if arr.shape != expected:
                shape = " × ".join(map(str, arr.shape))
                raise self.fail(key, f"layer {l} has shape ({shape}); expected {what}")
            largest = float(np.abs(arr).max()) if arr.size else 0.0
            if largest > float(np.finfo(dtype).max):
                raise self.fail(
                    f"{key}[{l - 1}]", f"{largest:g} does not fit in {dtype} (it would become inf)"
                )
            arr.flags.writeable = False
            out.append(arr)
        return tuple(out)

    def loss(self, activations: tuple[str, ...], sizes: tuple[int, ...]) -> str:
        t = self.table("loss")
        self.check_keys("loss", t, TABLES["loss"])
        if "kind" not in t:
            raise self.fail("[loss] kind", 'missing; e.g. kind = "half_sse"')
        kind = self.name("[loss] kind", t["kind"], get_loss)
        problem = get_loss(kind).mismatch(activations[-1])  # the output activation it needs
        if problem:
            raise self.fail("[loss] kind", problem)
        return kind

    def optimizer(self) -> dict[str, Any]:
        t = self.table("optimizer")
        self.check_keys("optimizer", t, TABLES["optimizer"])
        kind = t.get("kind", "sgd")

        def lookup(v: str) -> None:
            if v not in OPTIMIZERS:
                raise UnknownNameError("optimizer", v, OPTIMIZERS)

        self.name("[optimizer] kind", kind, lookup)
        lr = self.number("[optimizer] learning_rate", t.get("learning_rate", DEFAULT_LR[kind]))
        if lr <= 0:
            raise self.fail("[optimizer] learning_rate", f"expected a number > 0, got {lr}")
        accepted = {f.name for f in dataclasses.fields(OPTIMIZERS[kind])} - {"lr", "t", "state"}
        options: dict[str, Any] = {}
        for k, v in t.items():
            if k in ("kind", "learning_rate"):
                continue
            key = f"[optimizer] {k}"
            if k not in accepted:
                own = ", ".join(["learning_rate", *sorted(accepted)])
                raise self.fail(key, f"not an option of {kind!r} (its options: {own})")
            if k == "nesterov":
                options[k] = self.boolean(key, v)
            elif k == "betas":
                if not isinstance(v, list) or len(v) != 2:
                    raise self.fail(key, f"expected two numbers [β₁, β₂], got {_describe(v)}")
                options[k] = [self.number(f"{key}[{i}]", b) for i, b in enumerate(v)]
                if not all(0 <= b < 1 for b in options[k]):
                    raise self.fail(key, f"each β must be in [0, 1), got {v}")
            else:
                options[k] = self.number(key, v)
                low_ok = options[k] > 0 if k == "eps" else options[k] >= 0
                high_ok = options[k] < 1 if k in ("momentum", "alpha") else True
                if not (low_ok and high_ok):
                    bounds = {"eps": "> 0", "momentum": "in [0, 1)", "alpha": "in [0, 1)"}
                    raise self.fail(key, f"expected a number {bounds.get(k, '≥ 0')}, got {v}")
        if options.get("nesterov") and options.get("momentum", 0.9) <= 0:
            raise self.fail("[optimizer] nesterov", "nesterov needs momentum > 0")
        return dict(optimizer=kind, learning_rate=lr, optimizer_options=options)

    def training(self, network_seed: int) -> dict[str, Any]:
        t = self.table("training")
        self.check_keys("training", t, TABLES["training"])
        stop = t.get("stop_loss")
        if stop is not None:
            stop = self.number("[training] stop_loss", stop)
            if stop < 0:
                raise self.fail("[training] stop_loss", f"expected a number ≥ 0, got {stop}")
        return dict(
            epochs=self.integer("[training] epochs", t.get("epochs", 100), 1),
            batch_size=self.integer("[training] batch_size", t.get("batch_size", 0), 0),
            shuffle=self.boolean("[training] shuffle", t.get("shuffle", True)),
            shuffle_seed=self.integer("[training] seed", t.get("seed", network_seed), 0),
            stop_loss=stop,
        )

    def graph(self) -> dict[str, Any] | None:
        if "graph" not in self.raw:
            return None
        t = self.table("graph")
        self.check_keys("graph", t, TABLES["graph"])
        if "expression" not in t:
            raise self.fail("[graph] expression", 'missing; e.g. expression = "w * x"')
        expression = self.string("[graph] expression", t["expression"])
        if not expression.strip():
            raise self.fail("[graph] expression", "is empty")
        variables = t.get("variables", {})
        if not isinstance(variables, dict):
            raise self.fail("[graph] variables", f"expected a table, got {_describe(variables)}")
        values = {k: self.number(f"[graph] variables.{k}", v) for k, v in variables.items()}
        return {"expression": expression, "variables": values}

    # -- data -------------------------------------------------------------------------

    def data(self, sizes: tuple[int, ...], loss: str) -> tuple[dict[str, Any], str]:
        t = self.table("data")
        source = _source(t)
        if source is None:
            raise self.fail(
                "[data]",
                "no data: give inputs and targets, a generator, or a csv file",
            )
        if isinstance(source, list):
            raise self.fail("[data]", f"give one data source, not several ({' and '.join(source)})")
        allowed = [*SOURCE_KEYS[source], "seed", "test_fraction"]
        if source == "generator":
            allowed += self.generator_options(t)
        for k in t:
            if k not in allowed and k in TABLES["data"]:
                owners = [_SOURCE_NAMES[s] for s, keys in SOURCE_KEYS.items() if k in keys]
                raise self.fail(f"[data] {k}", f"only applies to {' or '.join(owners)}")
        self.check_keys("data", t, allowed)
        self.integer("[data] seed", t.get("seed", 0), 0)
        fraction = self.number("[data] test_fraction", t.get("test_fraction", 0.0))
        if not 0.0 <= fraction < 1.0:
            raise self.fail("[data] test_fraction", f"expected a number in [0, 1), got {fraction}")
        if "task" in t:
            self.name("[data] task", t["task"], _task_lookup)
        dataset = _build_dataset(t, self.path, sizes, loss, self)
        n_test = math.ceil(fraction * len(dataset))
        if len(dataset) - n_test < 1:
            raise self.fail(
                "[data] test_fraction",
                f"leaves no training rows ({len(dataset)} rows, {n_test} for testing)",
            )
        return dict(t), dataset.task

    def generator_options(self, t: dict[str, Any]) -> list[str]:
        """The extra keyword options the named generator accepts (e.g. classes)."""
        name = self.name("[data] generator", t["generator"], _generator_lookup)
        return list(data_module.GENERATORS[name].options)


_SOURCE_NAMES = {
    "inline": "inline data (inputs and targets)",
    "generator": "a generator",
    "csv": "a csv file",
}


def _task_lookup(value: str) -> None:
    if value not in TASKS:
        raise UnknownNameError("task", value, TASKS)


def _generator_lookup(value: str) -> None:
    if value not in data_module.GENERATORS:
        raise UnknownNameError("generator", value, data_module.GENERATORS)


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


def _build_dataset(
    t: dict[str, Any],
    path: Path | None,
    sizes: Sequence[int],
    loss: str,
    checker: _Validator,
) -> Dataset:
    """The whole data set the [data] table describes, with targets laid out for the
    network's output layer, its widths checked against sizes[0] and sizes[−1]."""
    source = _source(t)
    fail = checker.fail
    if source == "inline":
        for k in ("inputs", "targets"):
            if k not in t:
                raise fail(f"[data] {k}", "missing; inline data needs inputs and targets")
        X = checker.matrix("[data] inputs", t["inputs"])
        targets = t["targets"]
        if isinstance(targets, list) and targets and not isinstance(targets[0], list):
            targets = [[v] for v in targets]  # a flat list is one target per row
        Y = checker.matrix("[data] targets", targets)
        if len(X) != len(Y):
            raise fail("[data] targets", f"{len(X)} input rows but {len(Y)} target rows")
        if loss == "cross_entropy" and Y.shape[1] == 1 and sizes[-1] > 1:
            Y = _class_indices_to_one_hot(Y, sizes[-1], fail)
        dataset = from_arrays(X, Y, t.get("task"))
        source_key = "[data] inputs"
    elif source == "generator":
        options = {
            k: v for k, v in t.items() if k not in TABLES["data"] or k in ("n_samples", "noise")
        }
        if "n_samples" in options:
            checker.integer("[data] n_samples", options["n_samples"], 1)
        if "noise" in options:
            noise = checker.number("[data] noise", options["noise"])
            if noise < 0:
                raise fail("[data] noise", f"expected a number ≥ 0, got {noise}")
        try:
            dataset = data_module.generate(t["generator"], seed=data_seed(t), **options)
        except (BackpropError, ValueError) as exc:
            message = str(exc)
            # Point at the option whose value was refused, when the message names one.
            bad = [k for k in options if f" {k} must" in message]
            raise fail(f"[data] {bad[0]}" if bad else "[data] generator", message) from None
        source_key = "[data] generator"
    else:
        dataset = _csv_dataset(t, path, checker)
        source_key = "[data] csv"
    if dataset.n_inputs != sizes[0]:
        raise fail(
            source_key,
            f"the data has {dataset.n_inputs} input column(s) but the network takes "
            f"{sizes[0]} ([network] sizes[0])",
        )
    return _fit_targets(dataset, sizes[-1], loss, source_key, fail)


def _csv_dataset(t: dict[str, Any], path: Path | None, checker: _Validator) -> Dataset:
    fail = checker.fail
    csv_name = checker.string("[data] csv", t["csv"])
    if "target" not in t:
        raise fail("[data] target", "missing; name the csv column to predict")
    target = checker.string("[data] target", t["target"])
    features = t.get("features")
    if features is not None and (
        not isinstance(features, list) or not all(isinstance(f, str) for f in features)
    ):
        raise fail("[data] features", f"expected a list of column names, got {_describe(features)}")
    standardize = checker.boolean("[data] standardize", t.get("standardize", True))
    csv_path = resolve_csv(csv_name, path)
    if not csv_path.is_file():
        where = f" (looked for {csv_path})" if str(csv_path) != csv_name else ""
        raise fail("[data] csv", f"no such file: {csv_name}{where}")
    try:
        return data_module.load_csv(csv_path, target, features, standardize, t.get("task"))
    except (BackpropError, ValueError) as exc:
        message = str(exc)
        # Point at the key to fix when the file is fine but a column name is not.
        key = "[data] csv"
        if "no target column" in message:
            key = "[data] target"
        elif "feature" in message:
            key = "[data] features"
        raise fail(key, message) from None


def resolve_csv(csv_name: str, preset_path: Path | None) -> Path:
    """A CSV path as written in a preset, relative to the preset file's folder."""
    csv_path = Path(csv_name).expanduser()
    if not csv_path.is_absolute() and preset_path is not None:
        csv_path = preset_path.parent / csv_path
    return csv_path


def _class_indices_to_one_hot(
    Y: Array, n_classes: int, fail: Callable[[str | None, str], PresetError]
) -> Array:
    """Targets given as class indices 0 … K−1 (one column) as one-hot rows (n × K)."""
    index = Y[:, 0]
    if not np.all((index == np.round(index)) & (index >= 0) & (index < n_classes)):
        raise fail(
            "[data] targets",
            f"with cross_entropy and {n_classes} outputs, a single target column must hold "
            f"class indices 0 … {n_classes - 1}",
        )
    return np.eye(n_classes)[index.astype(int)]


def _fit_targets(
    dataset: Dataset,
    n_out: int,
    loss: str,
    key: str,
    fail: Callable[[str | None, str], PresetError],
) -> Dataset:
    """Targets laid out for the output layer: two classes as one 0/1 column for a
    single sigmoid output, and checked against the loss."""
    Y = dataset.Y
    if dataset.task == "classification":
        n_classes = len(dataset.class_names) or (2 if Y.shape[1] == 1 else Y.shape[1])
        if n_out == 1 and n_classes == 2 and Y.shape[1] == 2:
            Y = Y[:, 1:]
        elif n_out == 2 and Y.shape[1] == 1:
            Y = np.hstack([1.0 - Y, Y])
        elif n_out != n_classes and not (n_out == 1 and n_classes == 2):
            names = f" ({', '.join(dataset.class_names)})" if dataset.class_names else ""
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
    if Y is dataset.Y:
        return dataset
    return dataclasses.replace(dataset, Y=Y)

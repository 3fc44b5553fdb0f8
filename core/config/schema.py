"""The preset format: which tables and keys a preset TOML file may hold, and the checks
every value must pass.

`validate(raw, file, path)` walks a parsed file once and returns its `PresetConfig`, or
raises `PresetError` naming the file, the key and what was expected (with a "did you
mean" for misspelt keys and names). A network larger than `core.config.limits` allows
is refused here, before anything is allocated. The [data] table is `core.config.data`'s.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
from backprop_tui.core.config.data import DATA_KEYS, read_data
from backprop_tui.core.config.limits import too_many_parameters
from backprop_tui.core.config.reader import PresetError, Reader, describe
from backprop_tui.core.config.records import (
    GraphConfig,
    LossConfig,
    NetworkConfig,
    OptimizerConfig,
    PresetConfig,
    TrainingConfig,
)
from backprop_tui.core.nn.activations import get_activation
from backprop_tui.core.nn.init import INIT_SCHEMES
from backprop_tui.core.nn.losses import get_loss
from backprop_tui.core.nn.optimizers import DEFAULT_LR, OPTIMIZERS
from backprop_tui.core.text import did_you_mean, shown

__all__ = ["DTYPES", "REQUIRED_TABLES", "TABLES", "TOP_LEVEL", "PresetError", "validate"]

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
    "data": DATA_KEYS,
    "graph": ("expression", "variables"),
}
TOP_LEVEL = ("name", "description", *TABLES)
REQUIRED_TABLES = ("network", "loss", "data")
DTYPES = ("float64", "float32")


def validate(raw: dict[str, Any], file: str, path: Path | None) -> PresetConfig:
    """The records of a parsed TOML document, every value checked.

    `file` is how the file is named in messages; `path` anchors a relative CSV path.
    """
    return _Validator(file, path, raw).config()


class _Validator(Reader):
    """Walks the parsed TOML once, checking every key; `config()` returns the result."""

    def __init__(self, file: str, path: Path | None, raw: dict[str, Any]) -> None:
        super().__init__(file)
        self.path, self.raw = path, raw

    def config(self) -> PresetConfig:
        for k, v in self.raw.items():
            if k not in TOP_LEVEL:
                what = "table" if isinstance(v, dict) else "key"
                raise self.fail(
                    f"[{k}]" if isinstance(v, dict) else k,
                    f"unknown {what}{did_you_mean(k, TOP_LEVEL)}; "
                    f"a preset has: {', '.join(TOP_LEVEL)}",
                )
        for name in REQUIRED_TABLES:
            if name not in self.raw:
                raise self.fail(f"[{name}]", "missing table")
        for name in TABLES:
            self.table(self.raw, name)
        self.string("name", self.raw.get("name", ""))
        self.string("description", self.raw.get("description", ""))
        network = self.network()
        loss = self.loss(network.activations)
        optimizer = self.optimizer()
        training = self.training(network.seed)
        data = read_data(self, self.table(self.raw, "data"), self.path)
        return PresetConfig(network, loss, optimizer, training, data, self.graph())

    def network(self) -> NetworkConfig:
        t = self.table(self.raw, "network")
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
                f"expected a list of at least two positive integers, got {describe(sizes)}",
            )
        too_big = too_many_parameters(sizes)
        if too_big is not None:
            shape = shown("-".join(map(str, sizes)), 60)
            raise self.fail("[network] sizes", f"a {shape} network has {too_big}")
        n_layers = len(sizes) - 1
        if "activations" not in t:
            raise self.fail(
                "[network] activations", f"missing; expected {n_layers} (one per weight layer)"
            )
        acts = t["activations"]
        if not isinstance(acts, list) or len(acts) != n_layers:
            got = f"{len(acts)}" if isinstance(acts, list) else describe(acts)
            raise self.fail(
                "[network] activations",
                f"expected a list of {n_layers} names (one per weight layer, "
                f"len(sizes) − 1), got {got}",
            )
        for i, act in enumerate(acts):
            self.name(f"[network] activations, item {i + 1}", act, get_activation)
            if act == "softmax" and i != n_layers - 1:
                raise self.fail(
                    f"[network] activations, item {i + 1}",
                    "softmax is only allowed on the output layer (the last activation)",
                )
        if acts[-1] == "softmax" and sizes[-1] < 2:
            raise self.fail(
                "[network] activations",
                "a softmax output needs at least two units; use sigmoid for one output",
            )
        init = self.choice("[network] init", t.get("init", "xavier"), "init scheme", INIT_SCHEMES)
        seed = self.integer("[network] seed", t.get("seed", 0), 0)
        dtype = self.choice("[network] dtype", t.get("dtype", "float64"), "dtype", DTYPES)
        weights = biases = None
        if "weights" in t:
            weights = self.layer_arrays("weights", t["weights"], sizes, dtype)
        if "biases" in t:
            biases = self.layer_arrays("biases", t["biases"], sizes, dtype)
        return NetworkConfig(
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
            got = f"{len(value)}" if isinstance(value, list) else describe(value)
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

    def loss(self, activations: tuple[str, ...]) -> LossConfig:
        t = self.table(self.raw, "loss")
        self.check_keys("loss", t, TABLES["loss"])
        if "kind" not in t:
            raise self.fail("[loss] kind", 'missing; e.g. kind = "half_sse"')
        kind = self.name("[loss] kind", t["kind"], get_loss)
        problem = get_loss(kind).mismatch(activations[-1])  # the output activation it needs
        if problem:
            raise self.fail("[loss] kind", problem)
        return LossConfig(kind)

    def optimizer(self) -> OptimizerConfig:
        t = self.table(self.raw, "optimizer")
        self.check_keys("optimizer", t, TABLES["optimizer"])
        kind = self.choice("[optimizer] kind", t.get("kind", "sgd"), "optimizer", list(OPTIMIZERS))
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
                    raise self.fail(key, f"expected two numbers [β₁, β₂], got {describe(v)}")
                options[k] = [self.number(f"{key}, item {i + 1}", b) for i, b in enumerate(v)]
                if not all(0 <= b < 1 for b in options[k]):
                    raise self.fail(key, f"each β must be in [0, 1), got {describe(v)}")
            else:
                options[k] = self.number(key, v)
                low_ok = options[k] > 0 if k == "eps" else options[k] >= 0
                high_ok = options[k] < 1 if k in ("momentum", "alpha") else True
                if not (low_ok and high_ok):
                    bounds = {"eps": "> 0", "momentum": "in [0, 1)", "alpha": "in [0, 1)"}
                    raise self.fail(key, f"expected a number {bounds.get(k, '≥ 0')}, got {v}")
        if options.get("nesterov") and options.get("momentum", 0.9) <= 0:
            raise self.fail("[optimizer] nesterov", "nesterov needs momentum > 0")
        return OptimizerConfig(kind, lr, options)

    def training(self, network_seed: int) -> TrainingConfig:
        t = self.table(self.raw, "training")
        self.check_keys("training", t, TABLES["training"])
        stop = t.get("stop_loss")
        if stop is not None:
            stop = self.number("[training] stop_loss", stop)
            if stop < 0:
                raise self.fail("[training] stop_loss", f"expected a number ≥ 0, got {stop}")
        return TrainingConfig(
            epochs=self.integer("[training] epochs", t.get("epochs", 100), 1),
            batch_size=self.integer("[training] batch_size", t.get("batch_size", 0), 0),
            shuffle=self.boolean("[training] shuffle", t.get("shuffle", True)),
            seed=self.integer("[training] seed", t.get("seed", network_seed), 0),
            stop_loss=stop,
        )

    def graph(self) -> GraphConfig | None:
        if "graph" not in self.raw:
            return None
        t = self.table(self.raw, "graph")
        self.check_keys("graph", t, TABLES["graph"])
        if "expression" not in t:
            raise self.fail("[graph] expression", 'missing; e.g. expression = "w * x"')
        expression = self.string("[graph] expression", t["expression"])
        if not expression.strip():
            raise self.fail("[graph] expression", "is empty")
        variables = t.get("variables", {})
        if not isinstance(variables, dict):
            raise self.fail("[graph] variables", f"expected a table, got {describe(variables)}")
        values = {k: self.number(f"[graph] variables.{k}", v) for k, v in variables.items()}
        return GraphConfig(expression, values)

"""Presets: one TOML file describes a network, its data and how to train it.

`load(name_or_path)` reads a shipped preset (`xor`) or a `.toml` file, checks every
table, key, name, shape and number, and returns a frozen `Preset`; every mistake raises
`PresetError` naming the file, the key (or the line) and what was expected. The format
is ARCHITECTURE.md's "Preset file (TOML)":

    name, description           top level; the description's first line is its summary
    [network]  sizes, activations, init, seed, weights, biases, train_biases, dtype
    [loss]     kind
    [optimizer] kind, learning_rate, momentum, nesterov, betas, eps, alpha, weight_decay
    [training] epochs, batch_size (0 = whole set), shuffle, seed, stop_loss
    [data]     inputs + targets (+ task) | generator, n_samples, noise, options |
               csv, target, features, standardize (+ task); seed, test_fraction
    [graph]    expression, variables  (a scalar computation graph, for the graph view)

Weights follow the notes: layer l has W(l) of shape (sizes[l], sizes[l−1]) (out × in)
and b(l) of shape (sizes[l],). Writing a preset back (with a network's current
weights) is `tui.preset_writer`'s: TOML writing needs a library beyond the standard one.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from backprop_tui.core.config.schema import PresetError, build_dataset, data_seed, validate
from backprop_tui.core.data.dataset import Dataset, split
from backprop_tui.core.nn.init import init_parameters
from backprop_tui.core.nn.losses import get_loss
from backprop_tui.core.nn.network import Network
from backprop_tui.core.nn.optimizers import Optimizer, make_optimizer
from backprop_tui.core.training import run
from backprop_tui.core.training.history import EpochRecord, History
from backprop_tui.core.training.trainer import Trainer

__all__ = [
    "SHIPPED",
    "Preset",
    "PresetError",
    "build_network",
    "build_optimizer",
    "build_trainer",
    "list_presets",
    "load",
    "load_data",
    "parse",
    "shipped_folder",
    "shipped_names",
    "shown_name",
    "train",
]

Array = np.ndarray

# The teaching order: hand-checkable examples first, then data sets of growing difficulty.
SHIPPED = (
    "seed-toy",
    "seed-scalar",
    "two-two-two",
    "xor",
    "circles",
    "moons",
    "spiral",
    "sine",
    "iris",
)


@dataclass(frozen=True, eq=False)
class Preset:
    """A validated preset. `weights` / `biases` are None or one read-only array per layer,
    W(l) (sizes[l] × sizes[l−1]) and b(l) (sizes[l],); `data` is the [data] table as
    written; `raw` the whole file as parsed; `task` is classification or regression."""

    key: str
    name: str
    description: str
    path: Path | None
    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    init: str
    seed: int
    weights: tuple[Array, ...] | None
    biases: tuple[Array, ...] | None
    train_biases: bool
    dtype: str
    loss: str
    optimizer: str
    learning_rate: float
    optimizer_options: dict[str, Any]
    epochs: int
    batch_size: int
    shuffle: bool
    shuffle_seed: int
    test_fraction: float
    stop_loss: float | None
    data: dict[str, Any]
    task: str
    graph: dict[str, Any] | None
    raw: dict[str, Any]

    @property
    def summary(self) -> str:
        """The first line of the description."""
        lines = self.description.strip().splitlines()
        return lines[0].strip() if lines else ""

    @property
    def data_seed(self) -> int:
        """The seed of the generator and of the train/test split."""
        return data_seed(self.data)

    @property
    def n_parameters(self) -> int:
        """Weights and biases in the network: Σₗ sizes[l]·sizes[l−1] + sizes[l]."""
        return sum(o * i + o for i, o in zip(self.sizes, self.sizes[1:], strict=False))


# -- finding presets ----------------------------------------------------------------


def shipped_folder() -> Path:
    """The folder of the shipped presets (the installed `presets` package)."""
    return Path(str(resources.files("backprop_tui.presets")))


def shipped_names() -> list[str]:
    """Shipped preset names: the teaching order first, then any other file alphabetically."""
    found = {p.stem for p in shipped_folder().glob("*.toml")}
    return [n for n in SHIPPED if n in found] + sorted(found - set(SHIPPED))


def list_presets() -> list[Preset]:
    """Every shipped preset, loaded and validated, in the teaching order."""
    return [load(name) for name in shipped_names()]


def load(name_or_path: str | os.PathLike) -> Preset:
    """A shipped preset by name (`"xor"`) or a preset file by path (`"my/net.toml"`)."""
    text = os.fspath(name_or_path)
    names = shipped_names()
    looks_like_path = (
        isinstance(name_or_path, os.PathLike)
        or text.endswith(".toml")
        or os.sep in text
        or "/" in text
    )
    if not looks_like_path and text in names:
        return _load_file(shipped_folder() / f"{text}.toml", key=text, shown=f"{text}.toml")
    path = Path(text)
    if looks_like_path or path.is_file():
        return _load_file(path, key=path.stem, shown=text)
    close = difflib.get_close_matches(text, names, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise PresetError(
        text,
        None,
        f"not a shipped preset or a .toml file{hint}; shipped presets: {', '.join(names)}",
    )


def _load_file(path: Path, key: str, shown: str) -> Preset:
    try:
        raw_bytes = path.read_bytes()
    except FileNotFoundError:
        raise PresetError(shown, None, "no such file") from None
    except IsADirectoryError:
        raise PresetError(shown, None, "is a folder, not a preset file") from None
    except OSError as exc:
        raise PresetError(shown, None, f"cannot read the file ({exc.strerror})") from None
    try:
        text = raw_bytes.decode("utf-8")
    except UnicodeDecodeError:
        raise PresetError(shown, None, "not UTF-8 text, so not a TOML preset") from None
    return parse(text, path=path, key=key, shown=shown)


def parse(text: str, path: Path | None = None, key: str = "", shown: str | None = None) -> Preset:
    """Validate TOML text as a preset; `path` anchors relative CSV paths (default: cwd)."""
    file = shown if shown is not None else (str(path) if path is not None else "<preset>")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r" \(at line (\d+), column (\d+)\)$", message)
        if match:
            reason = f"{message[: match.start()]} (column {match.group(2)})"
            raise PresetError(file, None, f"invalid TOML: {reason}", int(match.group(1))) from None
        # tomllib says "at end of document" for an unclosed value: that is the last line.
        last_line = text.rstrip("\n").count("\n") + 1
        raise PresetError(file, None, f"invalid TOML: {message}", last_line) from None
    return Preset(**validate(raw, file, path, key or (path.stem if path else "preset")))


# -- building -----------------------------------------------------------------------


def load_data(preset: Preset) -> tuple[Dataset, Dataset | None]:
    """(train, test): the preset's data, split with the data seed (test is None when
    test_fraction is 0). Targets are laid out for the output layer."""
    dataset = build_dataset(preset.data, preset.path, preset.sizes, preset.loss, shown_name(preset))
    return split(dataset, preset.test_fraction, preset.data_seed)


def build_network(preset: Preset, seed: int | None = None) -> Network:
    """The network at its starting point: explicit weights / biases where the preset
    gives them, `init` drawn with `seed` (default: the preset's) elsewhere."""
    dtype = np.dtype(preset.dtype).type
    W, b = init_parameters(preset.sizes, preset.init, preset.seed if seed is None else seed, dtype)
    if preset.weights is not None:
        W = [w.astype(dtype) for w in preset.weights]
    if preset.biases is not None:
        b = [v.astype(dtype) for v in preset.biases]
    return Network(W, b, preset.activations)


def build_optimizer(preset: Preset) -> Optimizer:
    """The preset's optimizer with its learning rate and options."""
    return make_optimizer(preset.optimizer, preset.learning_rate, **preset.optimizer_options)


def build_trainer(preset: Preset, seed: int | None = None) -> Trainer:
    """A ready Trainer; `seed` replaces both the init seed and the shuffle seed."""
    train, test = load_data(preset)
    return Trainer(
        build_network(preset, seed),
        get_loss(preset.loss),
        build_optimizer(preset),
        train,
        test,
        batch_size=preset.batch_size,
        shuffle=preset.shuffle,
        seed=preset.shuffle_seed if seed is None else seed,
        train_biases=preset.train_biases,
    )


def train(
    trainer: Trainer,
    preset: Preset,
    epochs: int | None = None,
    on_epoch: Callable[[EpochRecord], None] | None = None,
) -> History:
    """Train `epochs` (default: the preset's) more epochs, stopping early once the
    epoch's train loss is ≤ the preset's stop_loss (`core.training.run`'s rule). Raises
    `DivergedError` when the loss or a parameter becomes NaN or infinite."""
    more = preset.epochs if epochs is None else epochs
    outcome = run.train(trainer, run.Goal.of(preset, trainer.epoch + more), on_epoch)
    if outcome.diverged is not None:
        raise outcome.diverged
    return trainer.history


def shown_name(preset: Preset) -> str:
    """How messages name a preset: its file name when shipped, else its path or key."""
    if preset.path is None:
        return preset.key or "<preset>"
    if preset.path.parent == shipped_folder():
        return preset.path.name
    return str(preset.path)

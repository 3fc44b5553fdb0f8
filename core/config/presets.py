"""Presets: one TOML file describes a network, its data and how to train it.

`load(name_or_path)` reads a shipped preset (`xor`) or a `.toml` file, checks every
table, key, name, shape and number, builds its data set once, and returns a frozen
`Preset`; every mistake raises `PresetError` naming the file, the key (or the line) and
what was expected. The format (README, "Preset files"):

    name, description           top level; the description's first line is its summary
    [network]  sizes, activations, init, seed, weights, biases, train_biases, dtype
    [loss]     kind
    [optimizer] kind, learning_rate, momentum, nesterov, betas, eps, alpha, weight_decay
    [training] epochs, batch_size (0 = whole set), shuffle, seed, stop_loss
    [data]     inputs + targets (+ task) | generator, n_samples, noise, options |
               csv, target, features, standardize (+ task); seed, test_fraction
    [graph]    expression, variables  (a scalar computation graph, for the graph view)

Weights follow the notes: layer l has W(l) of shape (sizes[l], sizes[l−1]) (out × in)
and b(l) of shape (sizes[l],). Only regular files are read, within `core.config.limits`
and `core.data.limits`. `list_presets` reads only names, descriptions and sizes. The
document that saves a preset back is `core.config.document`'s.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from backprop_tui.core import text as safe
from backprop_tui.core.config.data import build_dataset
from backprop_tui.core.config.limits import MAX_PRESET_BYTES
from backprop_tui.core.config.reader import PresetError, read_toml_text, toml_document
from backprop_tui.core.config.records import Preset, PresetSummary
from backprop_tui.core.config.schema import validate
from backprop_tui.core.data.dataset import Dataset, split
from backprop_tui.core.data.files import UnreadableFileError, file_status
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
    "PresetSummary",
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


# -- finding presets ----------------------------------------------------------------


def shipped_folder() -> Path:
    """The folder of the shipped presets (the installed `presets` package)."""
    return Path(str(resources.files("backprop_tui.presets")))


def shipped_names() -> list[str]:
    """Shipped preset names: the teaching order first, then any other file alphabetically."""
    found = {p.stem for p in shipped_folder().glob("*.toml")}
    return [n for n in SHIPPED if n in found] + sorted(found - set(SHIPPED))


def list_presets() -> list[PresetSummary]:
    """Every shipped preset's key, name, description and sizes, in the teaching order.
    Reads each file's text only: no table is checked and no data set is built."""
    return [_summary(name) for name in shipped_names()]


def _summary(name: str) -> PresetSummary:
    path = shipped_folder() / f"{name}.toml"
    raw = _document(_read(path, f"{name}.toml"), f"{name}.toml")
    network = raw.get("network")
    sizes = network.get("sizes") if isinstance(network, dict) else None
    whole = isinstance(sizes, list) and all(type(s) is int for s in sizes)
    return PresetSummary(
        key=name,
        name=_display_name(raw, name),
        description=_display_description(raw),
        path=path,
        sizes=tuple(sizes) if whole and isinstance(sizes, list) else (),
    )


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
    try:
        found = looks_like_path or file_status(path) is not None
    except UnreadableFileError as exc:
        raise PresetError(text, None, exc.reason) from None
    if found:
        return _load_file(path, key=path.stem, shown=text)
    raise PresetError(
        text,
        None,
        f"not a shipped preset or a .toml file{safe.did_you_mean(text, names)}; "
        f"shipped presets: {', '.join(names)}",
    )


def _read(path: Path, shown: str) -> str:
    """The text of the preset file at `path` (a regular file within the size limit)."""
    return read_toml_text(path, shown, MAX_PRESET_BYTES, "preset", PresetError)


def _load_file(path: Path, key: str, shown: str) -> Preset:
    return parse(_read(path, shown), path=path, key=key, shown=shown)


def _document(text: str, file: str) -> dict[str, Any]:
    """The TOML document `text`, or a PresetError with the line; nesting bounded."""
    return toml_document(text, file, MAX_PRESET_BYTES, "preset", PresetError)


def parse(text: str, path: Path | None = None, key: str = "", shown: str | None = None) -> Preset:
    """Validate TOML text as a preset and build its data; `path` anchors relative CSV
    paths (default: cwd), `shown` is how messages name the file."""
    file = shown if shown is not None else (str(path) if path is not None else "<preset>")
    raw = _document(text, file)
    config = validate(raw, file, path)
    dataset = build_dataset(config.data, config.network.sizes, config.loss.kind, file)
    for array in (dataset.X, dataset.Y):
        array.flags.writeable = False
    key = key or (path.stem if path else "preset")
    return Preset(
        key=safe.shown(key),
        name=_display_name(raw, key),
        description=_display_description(raw),
        path=path,
        config=config,
        dataset=dataset,
        raw=raw,
    )


def _display_name(raw: dict[str, Any], key: str) -> str:
    """The name to show: one line, control characters escaped, at most 80 characters."""
    name = raw.get("name")
    return safe.shown(name if isinstance(name, str) else key)


def _display_description(raw: dict[str, Any]) -> str:
    """The description to show: its lines kept, other control characters escaped."""
    description = raw.get("description")
    return safe.shown_lines(description) if isinstance(description, str) else ""


# -- building -----------------------------------------------------------------------


def load_data(preset: Preset) -> tuple[Dataset, Dataset | None]:
    """(train, test): the preset's data set, built when it was loaded, split with the
    data seed (test is None when test_fraction is 0). Targets fit the output layer."""
    return split(preset.dataset, preset.test_fraction, preset.data_seed)


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

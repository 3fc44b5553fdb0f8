"""A preset written back as TOML, with a network's current weights: what ctrl+s saves.

`to_toml(preset, network, optimizer)` gives the text (floats in repr form, which reads
back to the same bits; arrays laid out compactly), `save(path, …)` writes it atomically.
It lives beside the UI rather than in `core` because writing TOML takes `tomli_w`, and
`core` uses numpy and the standard library only.
"""

from __future__ import annotations

import copy
import json
import os
import secrets
from pathlib import Path
from typing import Any

import numpy as np
import tomli_w
from backprop_tui.core.atomic import write_text_atomic
from backprop_tui.core.config.presets import Preset, shown_name
from backprop_tui.core.config.schema import PresetError, resolve_csv
from backprop_tui.core.nn.network import Network
from backprop_tui.core.nn.optimizers import Optimizer


def to_toml(
    preset: Preset,
    network: Network | None = None,
    optimizer: Optimizer | None = None,
    path: str | os.PathLike | None = None,
) -> str:
    """The preset as TOML, with `network`'s current W and b written out as explicit
    weights / biases (floats that reload bit for bit) and `optimizer`'s settings.

    A CSV path is rewritten relative to `path`'s folder (the file being written), or
    made absolute when there is no `path`, so it still resolves.
    """
    doc = copy.deepcopy(preset.raw)
    doc.setdefault("name", preset.name)
    if network is not None:
        if tuple(network.sizes) != preset.sizes:
            raise PresetError(
                shown_name(preset),
                "[network] sizes",
                f"the network has sizes {network.sizes}, the preset {list(preset.sizes)}",
            )
        net = doc.setdefault("network", {})
        net["weights"] = [w.astype(np.float64).tolist() for w in network.W]
        net["biases"] = [v.astype(np.float64).tolist() for v in network.b]
    if optimizer is not None:
        opt = {"kind": optimizer.kind}
        for k, v in optimizer.hyperparameters().items():
            opt[k] = list(v) if isinstance(v, tuple) else v
        doc["optimizer"] = opt
    data = doc.get("data", {})
    if "csv" in data:
        csv_path = resolve_csv(data["csv"], preset.path).resolve()
        if path is None:
            data["csv"] = str(csv_path)
        else:
            data["csv"] = _csv_reference(csv_path, Path(path).resolve().parent)
    return _dumps(doc)


def _csv_reference(csv_path: Path, folder: Path) -> str:
    """`csv_path` relative to `folder` when it lies inside it, absolute otherwise."""
    try:
        return csv_path.relative_to(folder).as_posix()
    except ValueError:
        return str(csv_path)


def _dumps(doc: dict[str, Any]) -> str:
    """tomli_w's TOML, but arrays of plain values laid out compactly: on one line when
    short, else one matrix row per line (tomli_w puts every element on its own line).
    Floats are written in repr form, which reads back to the same bits."""
    arrays: dict[str, str] = {}
    marker = secrets.token_hex(8)

    def stash(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: stash(v) for k, v in value.items()}
        if isinstance(value, list) and value and _plain_tree(value):
            token = f"{marker}-{len(arrays)}"
            arrays[f'"{token}"'] = _format_array(value, 0)
            return token
        return value

    text = tomli_w.dumps(stash(doc), multiline_strings=True)
    for token, rendered in arrays.items():
        text = text.replace(token, rendered, 1)
    return text


def _plain_tree(value: Any) -> bool:
    """Nested lists of numbers, strings and booleans only (no tables)."""
    if isinstance(value, list):
        return all(_plain_tree(v) for v in value)
    return isinstance(value, int | float | str)


def _format_scalar(value: int | float | str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        # JSON's escapes (\", \\, \n, \uXXXX) are valid in a TOML basic string.
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


def _format_array(value: list, depth: int) -> str:
    flat = _one_line(value)
    if len(flat) + 4 * depth <= 88 or all(not isinstance(v, list) for v in value):
        return flat
    pad = "    " * (depth + 1)
    inner = ",\n".join(pad + _format_array(v, depth + 1) for v in value)
    return "[\n" + inner + ",\n" + "    " * depth + "]"


def _one_line(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_one_line(v) for v in value) + "]"
    return _format_scalar(value)


def save(
    path: str | os.PathLike,
    preset: Preset,
    network: Network | None = None,
    optimizer: Optimizer | None = None,
) -> Path:
    """Write `to_toml(...)` to `path` atomically: a temporary file in the same folder,
    flushed to disk, then renamed over the target (an interrupted save never leaves
    a half-written preset)."""
    target = Path(path).expanduser().resolve()
    write_text_atomic(target, to_toml(preset, network, optimizer, path=target))
    return target

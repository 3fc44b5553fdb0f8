"""The document that saves a preset back: the preset as parsed, with a network's current
weights and an optimizer's settings written in.

`preset_document(preset, network, optimizer, path)` returns plain dicts, lists, numbers
and strings, ready for any TOML writer (`tui.preset_writer` dumps it with `tomli_w`):
floats are Python floats, so repr writes them back to the same bits, and float32
weights are widened to float64 exactly.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import numpy as np
from backprop_tui.core.config.data import resolve_csv
from backprop_tui.core.config.presets import shown_name
from backprop_tui.core.config.reader import PresetError
from backprop_tui.core.config.records import Preset
from backprop_tui.core.nn.network import Network
from backprop_tui.core.nn.optimizers import Optimizer

__all__ = ["preset_document"]


def preset_document(
    preset: Preset,
    network: Network | None = None,
    optimizer: Optimizer | None = None,
    path: str | os.PathLike | None = None,
) -> dict[str, Any]:
    """The preset as a document, with `network`'s current W(l) (sizes[l] × sizes[l−1])
    and b(l) written out as explicit weights / biases and `optimizer`'s settings.

    The name and description are the text as written. A CSV path is rewritten relative
    to `path`'s folder (the file being written), or made absolute when there is no
    `path`, so it still resolves. Raises PresetError when `network`'s sizes differ from
    the preset's.
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
        opt: dict[str, Any] = {"kind": optimizer.kind}
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
    return doc


def _csv_reference(csv_path: Path, folder: Path) -> str:
    """`csv_path` relative to `folder` when it lies inside it, absolute otherwise."""
    try:
        return csv_path.relative_to(folder).as_posix()
    except ValueError:
        return str(csv_path)

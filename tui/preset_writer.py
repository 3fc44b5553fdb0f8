"""A preset written back as TOML, with a network's current weights: what ctrl+s saves.

`core.config.document` makes the document; `to_toml(preset, network, optimizer)` dumps
it (floats in repr form, which reads back to the same bits; arrays laid out compactly)
and `save(path, …)` writes it atomically. Only the dumping lives beside the UI: writing
TOML takes `tomli_w`, and `core` uses numpy and the standard library only.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

import tomli_w
from backprop_tui.core.atomic import write_text_atomic
from backprop_tui.core.config.document import preset_document
from backprop_tui.core.config.records import Preset
from backprop_tui.core.nn.network import Network
from backprop_tui.core.nn.optimizers import Optimizer


def to_toml(
    preset: Preset,
    network: Network | None = None,
    optimizer: Optimizer | None = None,
    path: str | os.PathLike | None = None,
) -> str:
    """`core.config.document.preset_document(...)` as TOML text: the preset with
    `network`'s current W and b (floats that reload bit for bit) and `optimizer`'s
    settings; a CSV path relative to `path`'s folder."""
    return _dumps(preset_document(preset, network, optimizer, path))


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

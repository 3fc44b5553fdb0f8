"""The JSON the command line prints: `train --json`, `grad --json`, `trace --format json`.

Plain JSON values (numpy arrays become lists, NaN and infinity null), laid out so that a
weight matrix reads as its rows and a history as one record per line. A string from a
file or an argument can hold characters that drive a terminal (escape sequences, line
separators, bidi overrides); they are written as JSON's \\u escapes, so the document
reads back the same and shows safely.
"""

from __future__ import annotations

import json
import math
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    from backprop_tui.core.config.presets import Preset
    from backprop_tui.core.errors import DivergedError
    from backprop_tui.core.training.forensics import DivergenceReport
    from backprop_tui.core.training.history import EpochRecord
    from backprop_tui.core.training.trainer import Trainer

# What json.dumps(ensure_ascii=False) leaves raw but a terminal acts on: C1 controls,
# DEL, format characters (bidi overrides, zero-width), line and paragraph separators and
# lone surrogates (which no encoder writes).
_UNSAFE = re.compile(
    "[\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb"
    "\ud800-\udfff\U000e0000-\U000e007f]"
)


def jsonable(value: Any) -> Any:
    """Plain JSON values: numpy arrays and scalars become lists and floats, and NaN or
    infinity (which JSON cannot hold) become null."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _is_flat(value: Any) -> bool:
    """A list of plain values, or a dict of plain values and such lists: one line."""
    if isinstance(value, list):
        return all(not isinstance(v, list | dict) for v in value)
    if isinstance(value, dict):
        return all(
            (isinstance(v, list) and _is_flat(v)) or not isinstance(v, dict) for v in value.values()
        )
    return True


def _format(value: Any, indent: int) -> str:
    """Indented JSON in which rows of numbers and flat records stay on one line."""
    if _is_flat(value):
        return json.dumps(value, ensure_ascii=False, allow_nan=False)
    pad, inner = " " * indent, " " * (indent + 2)
    if isinstance(value, dict):
        items = [
            f"{inner}{json.dumps(k, ensure_ascii=False)}: {_format(v, indent + 2)}"
            for k, v in value.items()
        ]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    items = [f"{inner}{_format(v, indent + 2)}" for v in value]
    return "[\n" + ",\n".join(items) + f"\n{pad}]"


def terminal_safe(document: str) -> str:
    """A JSON text with the characters a terminal acts on written as \\u escapes. Valid
    because json.dumps already escapes C0 controls, so the rest occur only in strings."""
    return _UNSAFE.sub(lambda m: json.dumps(m.group())[1:-1], document)


def dump_json(document: Any) -> str:
    """One JSON document: plain floats (NaN and infinity as null), readable layout,
    safe to print on a terminal."""
    return terminal_safe(_format(jsonable(document), 0))


def training_document(
    preset: Preset,
    trainer: Trainer,
    seed: int | None,
    requested: int,
    stopped: str,
    diverged: DivergedError | None,
    history: Sequence[EpochRecord] | None = None,
    forensics: DivergenceReport | None = None,
) -> dict[str, Any]:
    """The `train --json` result: the run's facts (with, after a divergence, the
    `forensics` of the failing step under "diverged"), the per-epoch `history` (`history`
    when given: every epoch of the run; else the trainer's), then the
    final `weights` and `biases` in the preset's layout (layer l: W (out × in) as rows,
    b as a list) so they paste back into a preset."""
    doc: dict[str, Any] = {
        "preset": preset.key,
        "name": preset.raw.get("name", preset.name),  # as written; json.dumps escapes it
        "seed": seed,
        "epochs": trainer.epoch,
        "epochs_requested": requested,
        "steps": trainer.global_step,
        "stopped": stopped,
    }
    if diverged is not None:
        doc["diverged"] = {
            "epoch": diverged.epoch,
            "step": diverged.step,
            "loss": diverged.loss,
            "message": str(diverged),
        }
        if forensics is not None:
            # Where the failing step, replayed, first went out of range, and why.
            doc["diverged"]["forensics"] = forensics.to_dict()
    records = trainer.history if history is None else history
    doc["history"] = [record.as_dict() for record in records]
    doc["weights"] = [W.tolist() for W in trainer.network.W]
    doc["biases"] = [b.tolist() for b in trainer.network.b]
    return doc


def grad_document(
    expression: str,
    variables: dict[str, float],
    value: float,
    gradients: dict[str, float],
    nodes: list[dict[str, Any]],
) -> dict[str, Any]:
    """The `grad --json` result: the expression and its variables, L's value, ∂L/∂v for
    every variable, and the graph's nodes in forward order (`core.autodiff.graph.to_dict`)."""
    return {
        "expression": expression,
        "variables": variables,
        "value": value,
        "gradients": gradients,
        "nodes": nodes,
    }

"""Plain-text rendering for the command line: numbers, layer summaries, tables, epoch lines.

Pure functions of plain values (no numpy arrays, no terminal), so every one of them is
easy to test and the CLI can start without importing the engine.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any


def fmt(value: float | int | None, digits: int = 6) -> str:
    """A number as a person reads it: up to `digits` significant figures, `-4` not `-4.0`,
    `—` for a missing value."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    text = f"{value:.{digits}g}"
    return "0" if text == "-0" else text


def fmt_setting(value: Any) -> str:
    """A hyperparameter value: numbers via `fmt`, lists as `[a, b]`, anything else as str."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return fmt(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(fmt_setting(v) for v in value) + "]"
    return str(value)


def plural(count: int, word: str, words: str | None = None) -> str:
    """`1 epoch`, `3 epochs`, `1 bias`, `2 biases`."""
    return f"{count} {word if count == 1 else (words or word + 's')}"


def layers_summary(sizes: Sequence[int], activations: Sequence[str]) -> str:
    """`[1, 2, 1]` with `["sigmoid", "sigmoid"]` → `1 → 2 (sigmoid) → 1 (sigmoid)`."""
    parts = [str(sizes[0])]
    parts += [f"{n} ({act})" for n, act in zip(sizes[1:], activations, strict=True)]
    return " → ".join(parts)


def parameter_count(sizes: Sequence[int]) -> tuple[int, int]:
    """(weights, biases) of an MLP with these layer sizes: Σ n(l)·n(l−1) and Σ n(l)."""
    weights = sum(n_out * n_in for n_in, n_out in itertools.pairwise(sizes))
    return weights, sum(sizes[1:])


_SENTENCE_END = re.compile(r"(?<=[.!?]) ")
_ABBREVIATIONS = ("e.g.", "i.e.", "cf.", "vs.", "etc.", "approx.")


def first_sentence(text: str, limit: int = 100) -> str:
    """The first sentence of a description on one line, cut at `limit` characters."""
    flat = " ".join(text.split())
    sentence = flat
    for match in _SENTENCE_END.finditer(flat):
        if not flat[: match.start()].lower().endswith(_ABBREVIATIONS):
            sentence = flat[: match.start()]
            break
    if len(sentence) > limit:
        sentence = sentence[: limit - 1].rstrip() + "…"
    return sentence


def plain_table(headers: Sequence[str], rows: Sequence[Sequence[str]], gap: int = 2) -> str:
    """Left-aligned columns separated by `gap` spaces; the last column is not padded."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    lines = []
    for row in [headers, *rows]:
        cells = [str(c).ljust(w) for c, w in zip(row[:-1], widths, strict=False)]
        lines.append((" " * gap).join([*cells, str(row[-1])]).rstrip())
    return "\n".join(lines)


def key_value_block(pairs: Sequence[tuple[str, str]], indent: int = 2) -> str:
    """`  key    value` lines with the values aligned."""
    width = max(len(k) for k, _ in pairs)
    return "\n".join(f"{' ' * indent}{k.ljust(width)}  {v}" for k, v in pairs)


def accuracy_of(record: Mapping[str, Any]) -> tuple[str, float | None]:
    """The accuracy a record reports and its name: "test accuracy" when there is a test
    set, "train accuracy" otherwise (the record's `accuracy` is the one or the other)."""
    if record.get("test_accuracy") is not None:
        return "test accuracy", record["test_accuracy"]
    if record.get("train_accuracy") is not None:
        return "train accuracy", record["train_accuracy"]
    return "accuracy", record.get("accuracy")


def figures(record: Mapping[str, Any]) -> str:
    """`train loss 0.693147  test loss 0.7  test accuracy 0.5000`: what the record has."""
    parts = [f"train loss {fmt(record['train_loss'])}"]
    if record.get("test_loss") is not None:
        parts.append(f"test loss {fmt(record['test_loss'])}")
    label, accuracy = accuracy_of(record)
    if accuracy is not None:
        parts.append(f"{label} {accuracy:.4f}")
    return "  ".join(parts)


def epoch_line(record: Mapping[str, Any], total: int) -> str:
    """One epoch's figures: `epoch   10/500  train loss 0.693147  test loss …  test accuracy …`."""
    width = len(str(total))
    return f"epoch {record['epoch']:>{width}}/{total}  {figures(record)}"


def report_every(total: int, lines: int = 50) -> int:
    """The stride that keeps a run of `total` epochs to about `lines` progress lines."""
    return max(1, math.ceil(total / lines))


def should_report(epoch: int, total: int, every: int) -> bool:
    """Whether epoch `epoch` (from 1) gets a progress line: the first, every `every`-th,
    and always the last."""
    return epoch == 1 or epoch % every == 0 or epoch == total


_INFIX = {"+": "+", "-": "-", "*": "*", "/": "/", "**": "**"}


def node_formula(node: Mapping[str, Any], names: Sequence[str]) -> str:
    """How a graph node is computed from its parents, by name: `w * x`, `sigmoid(z2)`,
    `-w`; `variable` for an input. `names[i]` is the name of node id i."""
    op, args = node["op"], [names[i] for i in node["parents"]]
    if op == "var":
        return "variable"
    if op == "const":
        return "constant"
    if op in _INFIX and len(args) == 2:
        return f"{args[0]} {_INFIX[op]} {args[1]}"
    if op == "neg" and len(args) == 1:
        return f"-{args[0]}"
    return f"{op}({', '.join(args)})"


def graph_table(nodes: Sequence[Mapping[str, Any]]) -> str:
    """The computation graph in forward order, one row per non-constant node: its name,
    how it is computed, its value and ∂L/∂node."""
    names = [str(n["name"]) for n in nodes]
    rows = [
        (str(n["name"]), node_formula(n, names), fmt(n["value"]), fmt(n["grad"]))
        for n in nodes
        if n["op"] != "const"
    ]
    return plain_table(("node", "computed as", "value", "dL/dnode"), rows)

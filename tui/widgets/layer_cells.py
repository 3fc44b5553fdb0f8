"""What the layer tables show, without Textual: each table's title, the matrix it takes
from a snapshot, and where a trace cell appears among the tables.

Per weight layer l the tables are W(l), b(l), ∂W(l), ∂b(l) (parameters, as the engine
stores them: W(l) is out × in) and the batch's a(l − 1), z(l), a(l), δ(l), and y in the
last layer (one row per sample, capped at `MAX_BATCH_ROWS`). Layers count from 1. A big
layer's tables show their first `MAX_TABLE_ROWS` rows and `MAX_TABLE_COLUMNS` columns,
and their titles say so: formatting every cell of a 1000 × 1000 W would hold the UI for
seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from backprop_tui.core.training.trainer import Snapshot

PARAMETERS = ("W", "b", "dW", "db")

BATCH = ("a_prev", "z", "a", "delta", "y")

MAX_BATCH_ROWS = 32

MAX_TABLE_ROWS = 32
"""Rows of W, b, ∂W, ∂b shown (units of the layer): every shipped preset fits."""

MAX_TABLE_COLUMNS = 32
"""Columns of any table shown (units of the layer before, or of the layer)."""

HighlightSpec = tuple[int | None, int | None]
"""(row, column) of a highlighted cell; None stands for every row (or column)."""

TITLES = {
    "W": "W({l})",
    "b": "b({l})",
    "dW": "∂L/∂W({l})",
    "db": "∂L/∂b({l})",
    "a_prev": "a({p})",
    "z": "z({l})",
    "a": "a({l})",
    "delta": "δ({l})",
    "y": "y (target)",
}

ALIASES = {
    "δ": "delta",
    "d": "delta",
    "∂W": "dW",
    "∂b": "db",
    "grad_W": "dW",
    "grad_b": "db",
    "target": "y",
    "input": "x",
    "a0": "x",
}


def title_of(quantity: str, layer: int) -> str:
    """A table's title: "W(2)", "δ(1)", "x = a(0)", …"""
    if quantity == "a_prev" and layer == 1:
        return "x = a(0)"
    return TITLES[quantity].format(l=layer, p=layer - 1)


def caption_of(
    quantity: str,
    layer: int,
    shape: tuple[int, int],
    full: tuple[int, int],
    pending: str,
    fixed: bool,
) -> str:
    """A table's title with what it holds (`shape` of the `full` matrix): "W(1)  2×1",
    "z(1)  first 32 of 300 samples", "W(2)  1000×1000, first 32×32", "z(1)  4 samples,
    columns 1–32 of 1000", or a second line `pending` while it is empty; "fixed" after b
    when the preset trains W only (∂L/∂b is still shown)."""
    title = title_of(quantity, layer)
    rows, cols = shape
    total, columns = full
    if rows * cols == 0:
        title += "\n" + pending  # a second line: narrow panels fit
    elif quantity in BATCH:
        if total > rows:
            title += f"  first {rows} of {total} samples"
        else:
            title += f"  {total} sample{'s' if total != 1 else ''}"
        if columns > cols:
            title += f", columns 1–{cols} of {columns}"
    elif (rows, cols) != full:
        title += f"  {total} × {columns}, first {rows} × {cols}"
    else:
        title += f"  {rows} × {cols}"
    if quantity == "b" and fixed:
        title += "  fixed"
    return title


def table_values(
    snapshot: Snapshot, layer: int, quantity: str
) -> tuple[np.ndarray, tuple[int, int]]:
    """The matrix a table shows (2-D, its first `MAX_BATCH_ROWS` or `MAX_TABLE_ROWS` rows
    and `MAX_TABLE_COLUMNS` columns; empty when the snapshot does not have it yet) and
    the whole matrix's shape."""
    l = layer - 1
    source: Any
    if quantity == "y":
        source = snapshot.y
    elif quantity == "a_prev":
        source = snapshot.x if l == 0 else (snapshot.a[l - 1] if l - 1 < len(snapshot.a) else None)
    else:
        arrays = getattr(snapshot, quantity)
        source = arrays[l] if l < len(arrays) else None
    if source is None:
        return np.zeros((0, 0)), (0, 0)
    values = np.asarray(source)
    if values.ndim == 1:
        values = values.reshape(-1, 1)
    rows = MAX_BATCH_ROWS if quantity in BATCH else MAX_TABLE_ROWS
    # Only the cells shown become floats (a whole 1000 × 1000 W would be copied).
    return np.asarray(values[:rows, :MAX_TABLE_COLUMNS], dtype=float), values.shape


def kept_rows(snapshot: Snapshot) -> int:
    """How many rows a batch table keeps when the batch shown is shorter: as many as the
    next batch will fill (the batch size, after an epoch's short last batch), capped at
    `MAX_BATCH_ROWS`; none past the batch when no next batch is known (a step-through's
    traced rows, which another choice of rows replaces outright)."""
    if snapshot.next_batch is None:
        return 0
    return min(len(snapshot.next_batch), MAX_BATCH_ROWS)


@dataclass(frozen=True)
class TableCell:
    """A cell address, for callers without `core.trace.record.Cell`: quantity (W, b, dW, db, x,
    z, a, delta, y), layer (1-based; a with layer 0 is x) and index (None for all)."""

    quantity: str
    layer: int
    index: tuple[int, ...] | None = None


def locate(cell: Any, n_layers: int) -> tuple[int, str, HighlightSpec] | None:
    """The main place a trace cell appears, (tab layer, table quantity, (row, column)),
    or None when no table shows it; see `locate_all` (a(l) also appears in tab l + 1)."""
    places = locate_all(cell, n_layers)
    return places[0] if places else None


def locate_all(cell: Any, n_layers: int) -> list[tuple[int, str, HighlightSpec]]:
    """Every place a trace cell (anything with quantity, layer, index) appears: a list of
    (tab layer, table quantity, (row, column)), empty when no table shows it.

    Parameters: W index (i, j) or (i,) for a row; b, db index (i,). Batch quantities:
    (sample, unit), or (unit,) for that unit in every sample. index None or () is the
    whole table. a(l) appears twice: as a(l) in tab l and as the input a(l) of tab l + 1
    (`a_prev`); x is a(0), the input of tab 1; y_hat is a(L). Layers count from 1.
    """
    quantity = ALIASES.get(str(cell.quantity), str(cell.quantity))
    layer = getattr(cell, "layer", None)
    if quantity in ("x", "a_prev") and layer is None:
        quantity, layer = "a", 0
    elif quantity == "y_hat":
        quantity, layer = "a", n_layers
    elif quantity == "y":
        layer = n_layers
    if quantity not in TITLES or not isinstance(layer, int):
        return []
    places: list[tuple[int, str]] = []
    if quantity == "a":
        if 1 <= layer <= n_layers:
            places.append((layer, "a"))
        if 0 <= layer < n_layers:
            places.append((layer + 1, "a_prev"))
    elif 1 <= layer <= n_layers:
        places.append((layer, quantity))
    raw = getattr(cell, "index", None)
    index = () if raw is None else tuple(int(i) for i in np.atleast_1d(raw))
    if not index:
        spec: HighlightSpec = (None, None)
    elif quantity in ("b", "db"):
        spec = (index[0], 0)
    elif len(index) >= 2:
        spec = (index[0], index[1])
    elif quantity in ("W", "dW"):
        spec = (index[0], None)
    else:
        spec = (None, index[0])
    return [(tab, table, spec) for tab, table in places]

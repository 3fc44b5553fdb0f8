"""Where the network view's diagram goes: node cells per layer and the braille cells
each connection crosses, for one canvas size and one set of layer sizes; and a big
layer's weights pooled to a panel's size (pure numpy)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Braille dot bits by (column, row) inside one cell of 2 × 4 dots.
_BRAILLE_BITS = np.array([[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]])


@dataclass(frozen=True)
class Geometry:
    """Where the diagram's pieces go for one widget size and one set of layer sizes.

    `node_cells[k]` holds (row, column) per unit of layer k (k = 0 is the input);
    `cells` (n × 2) are the canvas cells crossed by lines, `chars` their braille glyphs,
    `owners` (n × m) the connection indices crossing each cell (−1 pads). Connections are
    numbered layer by layer, W(l)[j, i] row-major, as `np.concatenate(W.ravel())` is.
    """

    size: tuple[int, int]
    column_x: tuple[int, ...]
    node_cells: tuple[tuple[tuple[int, int], ...], ...]
    cells: np.ndarray
    chars: tuple[str, ...]
    owners: np.ndarray


def layout(sizes: tuple[int, ...], width: int, height: int) -> Geometry | None:
    """The diagram for layer `sizes` on a canvas of width × height cells (None if too small)."""
    n_cols = len(sizes)
    if width < 4 * n_cols or height < max(sizes):
        return None
    margin = 1
    span = width - 1 - 2 * margin
    column_x = tuple(margin + round(k * span / (n_cols - 1)) for k in range(n_cols))
    node_cells = tuple(
        tuple((int((i + 0.5) * height / n), column_x[k]) for i in range(n))
        for k, n in enumerate(sizes)
    )
    node_set = {cell for column in node_cells for cell in column}
    bits: dict[tuple[int, int], int] = {}
    owners: dict[tuple[int, int], list[int]] = {}
    conn = 0
    for k in range(n_cols - 1):
        for row1, col1 in node_cells[k + 1]:
            for row0, col0 in node_cells[k]:
                # Dot coordinates: 2 per cell across, 4 per cell down, from node centre
                # to node centre; the node cells themselves are left to the node glyphs.
                x0, y0 = 2 * col0 + 1, 4 * row0 + 2
                x1, y1 = 2 * col1 + 1, 4 * row1 + 2
                steps = max(abs(x1 - x0), abs(y1 - y0)) + 1
                xs = np.rint(np.linspace(x0, x1, steps)).astype(int)
                ys = np.rint(np.linspace(y0, y1, steps)).astype(int)
                for x, y in zip(xs.tolist(), ys.tolist(), strict=True):
                    cell = (y // 4, x // 2)
                    if cell in node_set:
                        continue
                    bits[cell] = bits.get(cell, 0) | int(_BRAILLE_BITS[x % 2, y % 4])
                    crossing = owners.setdefault(cell, [])
                    if not crossing or crossing[-1] != conn:
                        crossing.append(conn)
                conn += 1
    cells = sorted(bits)
    depth = max((len(owners[c]) for c in cells), default=1)
    owner_arr = np.full((len(cells), depth), -1, dtype=int)
    for n, cell in enumerate(cells):
        owner_arr[n, : len(owners[cell])] = owners[cell]
    return Geometry(
        size=(width, height),
        column_x=column_x,
        node_cells=node_cells,
        cells=np.asarray(cells, dtype=int).reshape(-1, 2),
        chars=tuple(chr(0x2800 + bits[c]) for c in cells),
        owners=owner_arr,
    )


def pooled(mat: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """`mat` (m × n) in at most rows × cols cells, each the mean of a block of
    ⌈m / rows⌉ × ⌈n / cols⌉ entries (the last block of a row or column may be smaller):
    a big layer's weights at the size of a panel."""
    m, n = mat.shape
    per_row, per_col = -(-m // max(rows, 1)), -(-n // max(cols, 1))
    row_starts, col_starts = np.arange(0, m, per_row), np.arange(0, n, per_col)
    sums = np.add.reduceat(np.add.reduceat(mat, row_starts, axis=0), col_starts, axis=1)
    counts = np.outer(np.diff(row_starts, append=m), np.diff(col_starts, append=n))
    return sums / counts

"""Layer tables: per weight layer, the numbers of W, b, ∂W, ∂b and the batch's z, a, δ.

One tab per weight layer l. Parameters are shown as the engine stores them: W(l) is
(out × in), row i is unit i of layer l, column j is unit j of layer l − 1; b(l) is a
column of `out` rows. Batch quantities (x = a(0), z(l), a(l), δ(l), y) have one row per
sample, capped at `MAX_BATCH_ROWS`. Cells are coloured by sign and magnitude; a cell
whose value moved since the previous frame carries ▲ or ▼. Only the visible tab is
updated, by diff (`update_cell_at` where the text or style changed), at most `max_rate`
times a second. Layers are numbered from 1 as in the notes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar

import numpy as np
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.coordinate import Coordinate
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import DataTable, Static, TabbedContent, TabPane
from textual.widgets.data_table import CellKey, ColumnKey, RowKey

from core.trainer import Snapshot
from tui.widgets.context import ViewContext
from tui.widgets.format import (
    PRECISIONS,
    READ_BG,
    RGB,
    WRITE_BG,
    format_number,
    scale_of,
    signed_style,
)
from tui.widgets.throttle import Throttle

MAX_BATCH_ROWS = 32

PARAMETERS = ("W", "b", "dW", "db")
BATCH = ("a_prev", "z", "a", "delta", "y")

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


HighlightSpec = tuple[int | None, int | None]
"""(row, column) of a highlighted cell; None stands for every row (or column)."""

MARKS = {1: "▲", -1: "▼", 0: " "}
BLANK: tuple[str, int, Style | None] = ("", 0, None)


@dataclass(frozen=True)
class TableCell:
    """A cell address, for callers without `core.trace.Cell`: quantity (W, b, dW, db, x,
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


@lru_cache(maxsize=1024)
def _combine(base: Style, component: Style, cell: Style | None, post: Style | None) -> Style:
    """base + component + cell + post, as rich's Styled would layer them (cached: a
    table has only a few distinct combinations)."""
    style = base + component
    if cell is not None:
        style = style + cell
    return style + post if post is not None else style


class MatrixTable(DataTable):
    """One matrix as a DataTable that updates by diff."""

    DEFAULT_CSS = """
    MatrixTable {
        width: auto;
        height: auto;
        max-height: 14;
        scrollbar-size: 1 1;
        & > .datatable--cursor {
            background: transparent;
        }
        &:focus > .datatable--cursor {
            background: $block-cursor-background;
        }
    }
    """

    def __init__(self, layer: int, quantity: str, **kwargs: Any) -> None:
        # The cell's own colours (sign, highlight) stay visible under the cursor.
        super().__init__(
            cursor_type="cell",
            zebra_stripes=False,
            cursor_foreground_priority="renderable",
            **kwargs,
        )
        self.layer_number = layer
        self.quantity = quantity
        self.values: np.ndarray | None = None
        self._keys: list[list[tuple[str, int, Style | None]]] = []
        self._moved = np.zeros((0, 0), dtype=int)
        self._row_keys: list[RowKey] = []
        self._column_keys: list[ColumnKey] = []
        self._pending: tuple | None = None
        self._meta: dict[tuple[int, int], Style] = {}

    def on_mount(self) -> None:
        if self._pending is not None:
            args, self._pending = self._pending, None
            self._apply(*args)

    def set_matrix(
        self,
        values: np.ndarray,
        precision: int,
        highlights: dict[HighlightSpec, str],
    ) -> None:
        """Show `values` (rows × columns). Cells that differ from the previous values get
        ▲ / ▼ (kept while the same values are shown again); `highlights` gives cells a
        background by kind ("read" or "write")."""
        if not self.is_mounted:
            self._pending = (values, precision, highlights)
        else:
            self._apply(values, precision, highlights)

    def _apply(
        self, values: np.ndarray, precision: int, highlights: dict[HighlightSpec, str]
    ) -> None:
        previous = self.values
        rows, cols = values.shape
        rebuild = previous is None or previous.shape[1] != cols or not self._keys
        if rebuild or previous is None:
            self._moved = np.zeros(values.shape, dtype=int)
        elif previous.shape != values.shape or not np.array_equal(values, previous, equal_nan=True):
            # A short last batch changes the row count: compare the rows both have.
            common = min(rows, previous.shape[0])
            with np.errstate(invalid="ignore", over="ignore"):
                step = values[:common] - previous[:common]
            self._moved = np.zeros(values.shape, dtype=int)
            self._moved[:common] = np.where(np.isfinite(step), np.sign(step), 0)
        self.values = values
        scale = scale_of(values)
        moved = self._moved.tolist()
        keys = [
            [
                self._key(value, moved[r][c], r, c, scale, highlights, precision)
                for c, value in enumerate(row)
            ]
            for r, row in enumerate(values.tolist())
        ]
        if rebuild:
            self._rebuild(keys)
            self._keys = keys
            return
        # Rows are never removed (a short last batch would remove and re-add them every
        # epoch); rows past the current batch are blanked instead.
        keys.extend([BLANK] * cols for _ in range(len(self._keys) - rows))
        self._update(keys)

    def _update(self, keys: list[list[tuple[str, int, Style | None]]]) -> None:
        """Write the cells whose key changed straight into the table, then repaint once.

        `DataTable.update_cell` repaints the whole table for every cell it writes; a
        batch table changes hundreds of cells a frame, so this does what it does (set the
        data, ask for a width check only when a text got wider) for all of them first.
        """
        # The widths the columns have now (DataTable re-measures, and may shrink, them).
        widths = [self.columns[key].content_width for key in self._column_keys]
        data = self._data
        changed = False
        for r, (old_row, new_row) in enumerate(zip(self._keys, keys, strict=False)):
            row_key = self._row_keys[r]
            for c, (old, new) in enumerate(zip(old_row, new_row, strict=True)):
                if old != new:
                    column_key = self._column_keys[c]
                    data[row_key][column_key] = self._cell(new)
                    changed = True
                    width = len(new[0]) + 1
                    if width > widths[c]:
                        widths[c] = width
                        self._updated_cells.add(CellKey(row_key, column_key))
                        self._require_update_dimensions = True
        for r in range(len(self._keys), len(keys)):
            self._add_row(r, keys[r])
        self._keys = keys
        if changed:
            self._update_count += 1
            self.refresh()

    @staticmethod
    def _key(
        value: float,
        moved: int,
        r: int,
        c: int,
        scale: float,
        highlights: dict[HighlightSpec, str],
        precision: int,
    ) -> tuple[str, int, Style]:
        kind = None
        if highlights:
            for spec in ((r, c), (None, c), (r, None), (None, None)):
                kind = highlights.get(spec)
                if kind is not None:
                    break
        bg = None if kind is None else WRITE_BG if kind == "write" else READ_BG
        style = signed_style(value, scale, bold=bool(moved) or kind is not None, bgcolor=bg)
        return (format_number(value, precision), moved, style)

    @staticmethod
    def _cell(key: tuple[str, int, Style | None]) -> Text:
        text, moved, style = key
        return Text(text + MARKS[moved] if text else "", style=style or "", justify="right")

    def _rebuild(self, keys: list[list[tuple[str, int, Style | None]]]) -> None:
        cursor = self.cursor_coordinate
        self.clear(columns=True)
        cols = len(keys[0]) if keys else 0
        if self.quantity in ("b", "db"):
            labels = ["b" if self.quantity == "b" else "∂b"]
        elif self.quantity in ("W", "dW"):
            labels = [f"j={c + 1}" for c in range(cols)]
        else:
            prefix = {"a_prev": "x" if self.layer_number == 1 else "u", "y": "y"}.get(
                self.quantity, "u"
            )
            labels = [f"{prefix}{c + 1}" for c in range(cols)]
        self._row_keys = []
        self._column_keys = [
            self.add_column(Text(label, justify="right"), key=str(c))
            for c, label in enumerate(labels)
        ]
        for r, row in enumerate(keys):
            self._add_row(r, row)
        if self.is_valid_coordinate(cursor):
            self.cursor_coordinate = cursor

    def _add_row(self, r: int, row: list[tuple[str, int, Style | None]]) -> None:
        prefix = "i=" if self.quantity in PARAMETERS else "#"
        row_key = self.add_row(
            *(self._cell(key) for key in row),
            key=str(r),
            label=Text(f"{prefix}{r + 1}", style="dim"),
        )
        self._row_keys.append(row_key)

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        """One number cell as one line of segments.

        DataTable renders each cell through rich (Padding, Styled, render_lines), about
        0.3 ms a cell; every cell of a live table changes each frame, so a 32 × 16 batch
        table took 70 ms to paint. A number cell is one line of right-aligned text in one
        style, which this writes directly (same cache, same styles, same mouse metadata).
        Headers and row labels go the usual way.
        """
        if row_index < 0 or column_index < 0:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        cache_key = (
            row_key,
            column_key,
            base_style,
            cursor,
            hover,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        cached = self._cell_render_cache.get(cache_key)
        if cached is not None:
            return cached
        cell = self._data[row_key][column_key]
        component_style, post_style = self._get_styles_to_render_cell(
            False,
            False,
            False,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        meta = self._meta.get((row_index, column_index))
        if meta is None:
            # Where a click landed: DataTable reads the row and column from the style.
            meta = Style.from_meta({"row": row_index, "column": column_index})
            self._meta[(row_index, column_index)] = meta
        cell_style = (
            cell.style if isinstance(cell, Text) and isinstance(cell.style, Style) else None
        )
        pad = self.cell_padding
        inner = max(width - 2 * pad, 0)
        # The ▲/▼ column stays even when blank (rich would strip it), so the decimal
        # points of marked and unmarked numbers line up.
        plain = cell.plain if isinstance(cell, Text) else str(cell)
        padding = Segment(" " * pad, _combine(base_style, component_style, None, post_style) + meta)
        text_style = _combine(base_style, component_style, cell_style, post_style) + meta
        line = [padding, Segment(plain[:inner].rjust(inner), text_style), padding]
        lines = [line]
        self._cell_render_cache[cache_key] = lines
        return lines

    def cell_text(self, row: int, column: int) -> Text:
        """The Text shown at (row, column) (tests and the step-through read it)."""
        return self.get_cell_at(Coordinate(row, column))


class MatrixPanel(Vertical):
    """A title over one MatrixTable."""

    DEFAULT_CSS = """
    MatrixPanel {
        width: auto;
        height: auto;
        margin: 0 2 1 0;
    }
    MatrixPanel > Static {
        width: auto;
        text-style: bold;
    }
    """

    def __init__(self, layer: int, quantity: str) -> None:
        super().__init__(classes=f"-{quantity.lower()}")
        self._caption = title_of(quantity, layer)
        self.caption = Static(self._caption)
        self.table = MatrixTable(layer, quantity)

    def compose(self) -> ComposeResult:
        yield self.caption
        yield self.table

    def set_caption(self, text: str) -> None:
        """Change the title (only when it differs: an update re-lays out the screen)."""
        if text != self._caption:
            self._caption = text
            self.caption.update(text)


class LayerTables(Widget):
    """Tabs of numbers, one per weight layer, updated from snapshots."""

    DEFAULT_CSS = """
    LayerTables {
        height: 1fr;
    }
    LayerTables > TabbedContent {
        height: 1fr;
    }
    LayerTables TabPane {
        padding: 0;
    }
    LayerTables .tables-row {
        height: auto;
        width: auto;
    }
    LayerTables VerticalScroll {
        overflow-x: auto;
    }
    LayerTables #no-context {
        color: $text-muted;
    }
    """

    precision: reactive[int] = reactive(PRECISIONS[0])
    """Decimals shown in every table (cycled by `toggle_precision`)."""

    READ_BG: ClassVar[RGB] = READ_BG
    WRITE_BG: ClassVar[RGB] = WRITE_BG

    class EditRequested(Message):
        """The person pressed enter on a W or b cell: ask for a new value."""

        def __init__(
            self, layer: int, quantity: str, index: tuple[int, ...], current: float
        ) -> None:
            super().__init__()
            self.layer = layer
            """Weight layer, from 1."""
            self.quantity = quantity
            """"W" or "b"."""
            self.index = index
            """(i, j) for W, (i,) for b."""
            self.current = current
            """The value now shown (full precision)."""

    def __init__(
        self,
        *,
        max_rate: float = 10.0,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.context: ViewContext | None = None
        self.snapshot: Snapshot | None = None
        self.tables: dict[tuple[int, str], MatrixTable] = {}
        self._panels: dict[tuple[int, str], MatrixPanel] = {}
        self._highlights: dict[tuple[int, str], dict[HighlightSpec, str]] = {}
        self._generation = 0
        self._shown: dict[int, int] = {}
        self._tabs: TabbedContent | None = None
        self._throttle = Throttle(self, max_rate, self.refresh_tables)

    def compose(self) -> ComposeResult:
        if self.context is None:
            yield Static("no preset loaded", id="no-context")
        else:
            yield self._build_tabs()

    # -- the widget contract ---------------------------------------------------------

    def set_context(self, context: ViewContext) -> None:
        """A preset was loaded: one tab per weight layer, empty until the next `show`."""
        self.context = context
        self.snapshot = None
        self._highlights = {}
        self._shown = {}
        self._throttle.cancel()
        if self.is_mounted:
            self.remove_children()
            self.mount(self._build_tabs())

    def show(self, snapshot: Snapshot) -> None:
        """Take the newest snapshot; the visible tab is updated at most `max_rate` a second."""
        self.snapshot = snapshot
        self._generation += 1
        self._throttle.request()

    def toggle_precision(self) -> None:
        """Cycle the decimals shown (4 ↔ 8)."""
        at = PRECISIONS.index(self.precision) if self.precision in PRECISIONS else -1
        self.precision = PRECISIONS[(at + 1) % len(PRECISIONS)]

    def watch_precision(self) -> None:
        self._shown = {}
        self.refresh_tables()

    def highlight(self, reads: Iterable[Any], writes: Iterable[Any], reveal: bool = True) -> None:
        """Light the cells a step-through phase reads (one colour) and writes (another).

        Cells are any objects with `quantity`, `layer` (from 1) and `index` (see
        `locate_all`); cells no table shows are ignored. A cell both read and written is
        shown as written. With `reveal`, the tab of the first written (else read) cell
        becomes the active one.
        """
        if self.context is None:
            return
        found: dict[tuple[int, str], dict[HighlightSpec, str]] = {}
        first: dict[str, int] = {}
        for kind, cells in (("read", reads), ("write", writes)):
            for cell in cells:
                for layer, quantity, spec in locate_all(cell, self.context.n_layers):
                    found.setdefault((layer, quantity), {})[spec] = kind
                    first.setdefault(kind, layer)
        self._highlights = found
        self._shown = {}
        target = first.get("write", first.get("read"))
        if reveal and target is not None:
            self.active_layer = target
        self.refresh_tables()

    def clear_highlight(self) -> None:
        """Remove every read / write highlight."""
        if self._highlights:
            self._highlights = {}
            self._shown = {}
            self.refresh_tables()

    # -- tabs ------------------------------------------------------------------------

    @property
    def active_layer(self) -> int:
        """The layer (from 1) whose tab is showing."""
        active = self._tabs.active if self._tabs is not None else ""
        return int(active.rsplit("-", 1)[-1]) if active.startswith("layer-") else 1

    @active_layer.setter
    def active_layer(self, layer: int) -> None:
        if self._tabs is not None and self._tabs.is_mounted:
            self._tabs.active = f"layer-{layer}"

    def _build_tabs(self) -> TabbedContent:
        assert self.context is not None
        n_layers = self.context.n_layers
        self.tables, self._panels = {}, {}
        panes = []
        for l in range(1, n_layers + 1):
            batch = [q for q in BATCH if q != "y" or l == n_layers]
            rows = []
            for group in (PARAMETERS, batch):
                panels = []
                for quantity in group:
                    panel = MatrixPanel(l, quantity)
                    self._panels[(l, quantity)] = panel
                    self.tables[(l, quantity)] = panel.table
                    panels.append(panel)
                rows.append(Horizontal(*panels, classes="tables-row"))
            sizes = f"{self.context.sizes[l - 1]} → {self.context.sizes[l]}"
            panes.append(
                TabPane(
                    f"layer {l} ({sizes})",
                    VerticalScroll(*rows),
                    id=f"layer-{l}",
                )
            )
        self._tabs = TabbedContent()
        for pane in panes:
            # What `with TabbedContent(): yield pane` does in a compose method.
            self._tabs.compose_add_child(pane)
        return self._tabs

    def on_show(self) -> None:
        self.refresh_tables()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        event.stop()
        self.refresh_tables()

    # -- updating --------------------------------------------------------------------

    def refresh_tables(self) -> None:
        """Bring the visible tab's tables up to the newest snapshot (by diff)."""
        if self.context is None or self.snapshot is None or not self.tables:
            return
        if not self.is_on_screen:
            # Hidden (another tab, a collapsed panel): `on_show` catches up later.
            return
        layer = self.active_layer
        snapshot = self.snapshot
        if self._shown.get(layer) == self._generation:
            return
        with self.app.batch_update():
            for quantity in (*PARAMETERS, *BATCH):
                table = self.tables.get((layer, quantity))
                if table is None:
                    continue
                values, total = self._values(snapshot, layer, quantity)
                specs = self._highlights.get((layer, quantity), {})
                title = title_of(quantity, layer)
                if values.size == 0:
                    title += "  (after the first step)"
                elif total > values.shape[0]:
                    title += f"  first {values.shape[0]} of {total} samples"
                elif quantity in BATCH:
                    title += f"  {total} sample{'s' if total != 1 else ''}"
                else:
                    title += f"  {values.shape[0]}×{values.shape[1]}"
                self._panels[(layer, quantity)].set_caption(title)
                table.set_matrix(values, self.precision, specs)
        self._shown[layer] = self._generation

    def _values(self, snapshot: Snapshot, layer: int, quantity: str) -> tuple[np.ndarray, int]:
        """The matrix a table shows (2-D, rows capped) and the uncapped row count."""
        l = layer - 1
        source: Any
        if quantity == "y":
            source = snapshot.y
        elif quantity == "a_prev":
            source = (
                snapshot.x if l == 0 else (snapshot.a[l - 1] if l - 1 < len(snapshot.a) else None)
            )
        else:
            arrays = getattr(snapshot, quantity)
            source = arrays[l] if l < len(arrays) else None
        if source is None:
            return np.zeros((0, 0)), 0
        values = np.asarray(source, dtype=float)
        if values.ndim == 1:
            values = values.reshape(-1, 1)
        total = values.shape[0]
        if quantity in BATCH:
            values = values[:MAX_BATCH_ROWS]
        return values, total

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        table = event.data_table
        if not isinstance(table, MatrixTable) or table.quantity not in ("W", "b"):
            return
        event.stop()
        if self.snapshot is None:
            return
        row, col = event.coordinate
        arrays = self.snapshot.W if table.quantity == "W" else self.snapshot.b
        index = (row, col) if table.quantity == "W" else (row,)
        current = float(arrays[table.layer_number - 1][index])
        self.post_message(self.EditRequested(table.layer_number, table.quantity, index, current))

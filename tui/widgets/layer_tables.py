"""Layer tables: per weight layer, the numbers of W, b, ∂W, ∂b and the batch's z, a, δ.

One tab per weight layer l. Parameters are shown as the engine stores them: W(l) is
(out × in), row i is unit i of layer l, column j is unit j of layer l − 1; b(l) is a
column of `out` rows. Batch quantities (x = a(0), z(l), a(l), δ(l), y) have one row per
sample, capped at `MAX_BATCH_ROWS`. Cells are coloured by sign and magnitude; a
parameter cell whose value moved since the previous frame carries ▲ or ▼. Only the
visible tab is updated, by diff (see `MatrixTable`), at most `max_rate` times a second.
Each row of tables wraps into as many grid columns as the panel's width holds. Layers
are numbered from 1 as in the notes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from backprop_tui.core.training.trainer import Snapshot
from backprop_tui.tui.widgets.context import ViewContext
from backprop_tui.tui.widgets.format import (
    PRECISIONS,
    READ_BG,
    RGB,
    WRITE_BG,
)
from backprop_tui.tui.widgets.matrix_table import PARAMETERS, HighlightSpec, MatrixTable
from backprop_tui.tui.widgets.throttle import Throttle, Throttled
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Container, Vertical, VerticalScroll
from textual.css.scalar import Scalar
from textual.events import Resize
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import DataTable, Static, TabbedContent, TabPane

MAX_BATCH_ROWS = 32

GAP = 2
"""Blank columns between two tables side by side."""

DASHBOARD_NOTE = (
    "W and b as they are now (▲ ▼: rose or fell since the last frame). ∂W, ∂b, x, z, a "
    "and δ are from the last step's batch, computed with W and b from before its update."
)
"""What the dashboard's tables show, said above them: after a step the weights have moved
on while the batch quantities were computed with the old ones (z ≠ W x + b in the new W)."""

PENDING_NOTE = "(after a step)"
"""The second line of an empty table's title."""

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


def fitting_columns(widths: list[int], available: int, gap: int) -> int:
    """The most grid columns (at least 1) that show items of `widths`, in order and row
    by row, within `available` cells: each column as wide as its widest item, `gap`
    cells between columns."""
    for columns in range(len(widths), 1, -1):
        column_widths = [max(widths[c::columns]) for c in range(columns)]
        if sum(column_widths) + gap * (columns - 1) <= available:
            return columns
    return 1


class MatrixPanel(Vertical):
    """A title over one MatrixTable."""

    DEFAULT_CSS = """
    MatrixPanel {
        width: auto;
        height: auto;
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

    def natural_width(self) -> int:
        """The cells this panel needs to show its title and every column unscrolled."""
        return max(_extent(self._caption)[1], self.table.virtual_size.width)

    def set_caption(self, text: str) -> None:
        """Change the title (only when it differs; the screen is laid out again only
        when its size changed, as a short last batch's "8 samples" ↔ "32 samples" does
        not: a layout per frame would cost more than the tables). Lines after the first
        are a dim note."""
        if text != self._caption:
            same_size = _extent(text) == _extent(self._caption)
            self._caption = text
            title, _, note = text.partition("\n")
            caption = Text(title)
            if note:
                caption.append("\n" + note, "dim not bold")
            self.caption.update(caption, layout=not same_size)


def _extent(text: str) -> tuple[int, int]:
    """(lines, widest line) of a caption."""
    lines = text.split("\n")
    return len(lines), max(map(len, lines))


class LayerTables(Throttled, Widget):
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
        layout: grid;
        grid-columns: auto;
        grid-rows: auto;
        height: auto;
        width: auto;
        margin-bottom: 1;
    }
    LayerTables VerticalScroll {
        overflow-x: auto;
    }
    LayerTables .tables-note {
        color: $text-muted;
        margin-bottom: 1;
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
        max_rate: float = 15.0,
        note: str | None = None,
        pending_note: str = PENDING_NOTE,
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
        self.note = note
        """A line above each tab's tables saying what they show (None: no line)."""
        self.pending_note = pending_note
        """What an empty table says under its title."""
        self._focus_when_shown = False
        self._reflow_due = False
        self._previous: Snapshot | None = None
        self._last_layer: int | None = None

    def compose(self) -> ComposeResult:
        if self.context is None:
            yield Static("no preset loaded", id="no-context")
        else:
            yield self._build_tabs()

    # -- the widget contract ---------------------------------------------------------

    def set_context(self, context: ViewContext) -> None:
        """A preset was loaded: one tab per weight layer, empty until the next `show`."""
        self.context = context
        self.snapshot = self._previous = None
        self._last_layer = None
        self._highlights = {}
        self._shown = {}
        self._throttle.cancel()
        if self.is_mounted:
            self.remove_children()
            self.mount(self._build_tabs())

    def show(self, snapshot: Snapshot) -> None:
        """Take the newest snapshot; the visible tab is updated at most `max_rate` a second."""
        self._previous, self.snapshot = self.snapshot, snapshot
        self._generation += 1
        self._throttle.request()

    def toggle_precision(self) -> None:
        """Cycle the decimals shown (4 ↔ 8)."""
        at = PRECISIONS.index(self.precision) if self.precision in PRECISIONS else -1
        self.precision = PRECISIONS[(at + 1) % len(PRECISIONS)]

    def watch_precision(self) -> None:
        self._shown = {}
        for table in self.tables.values():
            table.relayout()  # back to 4 decimals, the columns narrow again
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

    def switch_layer(self, step: int) -> None:
        """Show the next (step 1) or previous (−1) layer's tab, wrapping around."""
        if self.context is None or self._tabs is None:
            return
        self.active_layer = (self.active_layer - 1 + step) % self.context.n_layers + 1

    def focus_scroll(self) -> None:
        """Focus the visible tab's scroll area, so that the arrow and page keys scroll it
        (on a small terminal most tables are below the fold); when hidden, as soon as it
        is shown."""
        if not self.is_on_screen:
            self._focus_when_shown = True
            return
        self._focus_when_shown = False
        if self._tabs is None or not self._tabs.is_mounted:
            return
        pane = self._tabs.get_pane(self._tabs.active) if self._tabs.active else None
        if pane is not None:
            for scroll in pane.query(VerticalScroll):
                scroll.focus(scroll_visible=False)
                return

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
                row = Container(*panels, classes="tables-row")
                row.styles.grid_size_columns = len(panels)
                # Textual's "vertical" gutter is the one between columns.
                row.styles.grid_gutter_vertical = GAP
                row.styles.grid_gutter_horizontal = 1
                rows.append(row)
            sizes = f"{self.context.sizes[l - 1]} → {self.context.sizes[l]}"
            notes = [] if self.note is None else [Static(self.note, classes="tables-note")]
            panes.append(
                TabPane(
                    f"layer {l} ({sizes})",
                    VerticalScroll(*notes, *rows),
                    id=f"layer-{l}",
                )
            )
        self._tabs = TabbedContent()
        for pane in panes:
            # What `with TabbedContent(): yield pane` does in a compose method.
            self._tabs.compose_add_child(pane)
        return self._tabs

    def on_show(self) -> None:
        self._last_layer = None  # hidden a while: its tables take the frame before too
        self.refresh_tables()
        self._request_reflow()
        if self._focus_when_shown:
            self.call_after_refresh(self.focus_scroll)

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        event.stop()
        self.refresh_tables()
        self._request_reflow()

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
        # A tab coming into view first takes the frame before (its parameter tables only):
        # their ▲ / ▼ then say how they moved since the last frame, as on the tab on view.
        before = self._previous if layer != self._last_layer else None
        self._last_layer = layer
        with self.app.batch_update():
            for quantity in (*PARAMETERS, *BATCH):
                table = self.tables.get((layer, quantity))
                if table is None:
                    continue
                if before is not None and quantity in PARAMETERS:
                    earlier, _ = self._values(before, layer, quantity)
                    if earlier.size:
                        table.set_matrix(earlier, self.precision, {})
                values, total = self._values(snapshot, layer, quantity)
                specs = self._highlights.get((layer, quantity), {})
                title = title_of(quantity, layer)
                if values.size == 0:
                    title += "\n" + self.pending_note  # a second line: narrow panels fit
                elif total > values.shape[0]:
                    title += f"  first {values.shape[0]} of {total} samples"
                elif quantity in BATCH:
                    title += f"  {total} sample{'s' if total != 1 else ''}"
                else:
                    title += f"  {values.shape[0]}×{values.shape[1]}"
                if quantity == "b" and not self.context.train_biases:
                    title += "  fixed"  # the preset trains W only (∂L/∂b is still shown)
                self._panels[(layer, quantity)].set_caption(title)
                table.set_matrix(values, self.precision, specs)
        self._shown[layer] = self._generation
        self._request_reflow()

    def on_resize(self, event: Resize) -> None:
        self._request_reflow()

    def on_matrix_table_resized(self, event: MatrixTable.Resized) -> None:
        event.stop()
        self._request_reflow()

    def _request_reflow(self) -> None:
        """Reflow after the next refresh, once however many asked (a frame's refresh, its
        tables' new sizes and a resize can all ask together)."""
        if not self._reflow_due:
            self._reflow_due = True
            self.call_after_refresh(self._reflow_when_due)

    def _reflow_when_due(self) -> None:
        self._reflow_due = False
        self.reflow()

    def reflow(self) -> None:
        """Wrap each row of the visible tab's tables into as many grid columns as fit
        the panel's width, so no table is cut off at the right while there is room below.
        The grid is laid out again only when a row's column count changes."""
        if self.context is None or not self.tables or not self.is_on_screen:
            return
        layer = self.active_layer
        for group in (PARAMETERS, BATCH):
            panels = [self._panels[(layer, q)] for q in group if (layer, q) in self._panels]
            if not panels:
                continue
            row = panels[0].parent
            scroll = row.parent if isinstance(row, Widget) else None
            if not isinstance(row, Widget) or not isinstance(scroll, Widget):
                continue
            # The scroll area's width less its vertical scrollbar (whether shown or not,
            # so that the columns do not change when it comes and goes).
            available = scroll.size.width - scroll.styles.scrollbar_size_vertical
            if available <= 0:
                return
            for panel in panels:
                # A fixed height, every row: an auto-height table in a grid cell would be
                # cut to the scroll area's height (Textual sizes auto grid rows in it).
                lines = panel.table.virtual_size.height if panel.table.columns else 0
                if panel.table.styles.height != Scalar.from_number(lines):
                    panel.table.styles.height = lines
            widths = [panel.natural_width() for panel in panels]
            columns = fitting_columns(widths, available, GAP)
            if row.styles.grid_size_columns != columns:
                row.styles.grid_size_columns = columns

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

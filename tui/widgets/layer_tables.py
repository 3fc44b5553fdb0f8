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
from typing import Any, ClassVar

from backprop_tui.core.format import entry_name
from backprop_tui.core.training.trainer import Snapshot
from backprop_tui.tui.widgets.format import PRECISIONS, READ_BG, RGB, WRITE_BG
from backprop_tui.tui.widgets.grid_view import GridView
from backprop_tui.tui.widgets.layer_cells import (
    BATCH,
    MAX_BATCH_ROWS,
    PARAMETERS,
    HighlightSpec,
    TableCell,
    caption_of,
    kept_rows,
    locate,
    locate_all,
    table_values,
)
from backprop_tui.tui.widgets.layer_edit import CellEditing
from backprop_tui.tui.widgets.matrix_table import (
    MatrixPanel,
    MatrixTable,
    TablesRow,
    fitting_columns,
)
from backprop_tui.tui.widgets.panel import Panel
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.events import Resize
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static, TabbedContent, TabPane

__all__ = [
    "DASHBOARD_NOTE",
    "MAX_BATCH_ROWS",
    "LayerTables",
    "MatrixPanel",
    "TableCell",
    "fitting_columns",
    "locate",
    "locate_all",
]

DASHBOARD_NOTE = (
    "W and b as they are now (▲ ▼: rose or fell since the last frame). ∂W, ∂b, x, z, a "
    "and δ are from the last step's batch, computed with W and b from before its update. "
    "Indices: i a sample, j a unit of layer l, k a unit of layer l−1 or an input."
)
"""What the dashboard's tables show, said above them: after a step the weights have moved
on while the batch quantities were computed with the old ones (z ≠ W x + b in the new W)."""

PENDING_NOTE = "(after a step)"
"""The second line of an empty table's title."""


class LayerTables(CellEditing, Panel):
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
            self,
            layer: int,
            quantity: str,
            index: tuple[int, ...],
            current: float,
            shape: tuple[int, ...] | None = None,
        ) -> None:
            super().__init__()
            self.layer = layer
            """Weight layer, from 1."""
            self.quantity = quantity
            """"W" or "b"."""
            self.index = index
            """(i, j) for W, (i,) for b, from 0 as numpy counts."""
            self.current = current
            """The value now shown (full precision)."""
            self.shape = shape
            """The parameter's shape (None: not known, as if it had several entries)."""

        @property
        def label(self) -> str:
            """The entry's name as the trace writes it, counting from 1: "W(1)₁,₂"."""
            shape = self.shape or tuple(i + 2 for i in self.index)
            return entry_name(f"{self.quantity}({self.layer})", self.index, shape)

    MAX_RATE = 15.0

    def __init__(
        self,
        *,
        note: str | None = None,
        pending_note: str = PENDING_NOTE,
        editable: bool = True,
        **options: Any,
    ) -> None:
        """`options` as for `Panel` (max_rate, live_rate, id, classes, …). With
        `editable`, enter on a W or b cell asks for its new value (`EditRequested`)."""
        super().__init__(**options)
        self.editable = editable
        self.snapshot: Snapshot | None = None
        self.tables: dict[tuple[int, str], MatrixTable] = {}
        self._panels: dict[tuple[int, str], MatrixPanel] = {}
        self._rows: dict[int, list[TablesRow]] = {}
        self._highlights: dict[tuple[int, str], dict[HighlightSpec, str]] = {}
        self._generation = 0
        self._shown: dict[int, int] = {}
        self._tabs: TabbedContent | None = None
        self.note = note
        """A line above each tab's tables saying what they show (None: no line)."""
        self.pending_note = pending_note
        """What an empty table says under its title."""
        self._focus_when_shown: str | None = None  # "scroll" or "cell"
        self._reflow_due = False
        self._previous: Snapshot | None = None
        self._last_layer: int | None = None

    def compose(self) -> ComposeResult:
        if self.context is None:
            yield Static("no preset loaded", id="no-context")
        else:
            yield self._build_tabs()

    # -- the panel contract ----------------------------------------------------------

    def reset(self) -> None:
        """A preset was loaded: one tab per weight layer, empty until the next snapshot."""
        self.snapshot = self._previous = None
        self._last_layer = None
        self._highlights = {}
        self._shown = {}
        if self.is_mounted:
            self.remove_children()
            self.mount(self._build_tabs())

    def take(self, snapshot: Snapshot) -> bool:
        """Keep the newest snapshot (and the one before, for the ▲/▼ marks); the visible
        tab is updated at most `MAX_RATE` times a second."""
        self._previous, self.snapshot = self.snapshot, snapshot
        self._generation += 1
        return True

    def redraw(self) -> None:
        self.refresh_tables()

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
            self._focus_when_shown = "scroll"
            return
        self._focus_when_shown = None
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
        self.tables, self._panels, self._rows = {}, {}, {}
        panes = []
        for l in range(1, n_layers + 1):
            batch = [q for q in BATCH if q != "y" or l == n_layers]
            rows = self._rows[l] = []
            for group in (PARAMETERS, batch):
                panels = [MatrixPanel(l, quantity) for quantity in group]
                for panel in panels:
                    self._panels[(l, panel.table.quantity)] = panel
                    self.tables[(l, panel.table.quantity)] = panel.table
                rows.append(TablesRow(*panels))
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
        if self._focus_when_shown is not None:
            focus = self.focus_cell if self._focus_when_shown == "cell" else self.focus_scroll
            self.call_after_refresh(focus)

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
        rows_kept = kept_rows(snapshot)
        with self.app.batch_update():
            for quantity in (*PARAMETERS, *BATCH):
                table = self.tables.get((layer, quantity))
                if table is None:
                    continue
                if before is not None and quantity in PARAMETERS:
                    earlier, _ = table_values(before, layer, quantity)
                    if earlier.size:
                        table.set_matrix(earlier, self.precision, {})
                values, total = table_values(snapshot, layer, quantity)
                specs = self._highlights.get((layer, quantity), {})
                fixed = not self.context.train_biases
                caption = caption_of(quantity, layer, values.shape, total, self.pending_note, fixed)
                self._panels[(layer, quantity)].set_caption(caption)
                table.set_matrix(values, self.precision, specs, rows_kept)
        self._shown[layer] = self._generation
        self._request_reflow()

    def on_resize(self, event: Resize) -> None:
        self._request_reflow()

    def on_grid_view_resized(self, event: GridView.Resized) -> None:
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
        for row in self._rows.get(self.active_layer, []):
            scroll = row.parent
            if not isinstance(scroll, Widget):
                continue
            # The scroll area's width less its vertical scrollbar (whether shown or not,
            # so that the columns do not change when it comes and goes).
            available = scroll.size.width - scroll.styles.scrollbar_size_vertical
            if available <= 0:
                return
            row.wrap(available)

"""What the step-through's layer tables show of a phase: the legend of the cells it reads
and writes, which quantities the phases so far have computed, and scrolling to what the
phase writes."""

from __future__ import annotations

from typing import Any

from backprop_tui.core.trace.record import StepTrace
from backprop_tui.tui.widgets.format import READ_BG, WRITE_BG
from backprop_tui.tui.widgets.layer_tables import LayerTables, locate, locate_all
from backprop_tui.tui.widgets.phase_cells import cell_label as cell_name
from rich.text import Text
from textual.containers import VerticalScroll


def _rgb(color: tuple[int, int, int]) -> str:
    return "rgb({},{},{})".format(*color)


def legend(phase: Any = None, batch: int = 1) -> Text:
    """' read  z(1) a(1) W(2) δ(2)   written  δ(1)': the colours of the cells below and
    of the tables, and what they light; for a batch of `batch` samples, that its vectors
    are rows, one per sample."""
    text = Text(no_wrap=True, overflow="ellipsis")
    reads = " ".join(cell_name(c) for c in phase.reads) if phase else "what the phase reads"
    writes = " ".join(cell_name(c) for c in phase.writes) if phase else "what it writes"
    text.append(" read ", style=f"bold on {_rgb(READ_BG)}")
    text.append(f" {reads}   ")
    text.append(" written ", style=f"bold on {_rgb(WRITE_BG)}")
    text.append(f" {writes}")
    if batch > 1:
        text.append(f"   a batch of {batch}: each row is one sample", style="dim")
    return text


def computed(trace: StepTrace, index: int) -> set[tuple[str, int]]:
    """(quantity, layer) of what phases 0 … `index` have written: the tables show only
    these (a student checking δ(1) by hand does not see it before its phase)."""
    n_layers = len(trace.layers)
    return {
        (quantity, layer)
        for phase in trace.phases[: index + 1]
        for cell in phase.writes
        for layer, quantity, _ in locate_all(cell, n_layers)  # ŷ is a(L), and so on
    }


def reveal_written(tables: LayerTables, phase: Any) -> None:
    """Scroll the layer tables so the table `phase` writes is in view."""
    context = tables.context
    for cell in phase.writes:
        where = locate(cell, context.n_layers) if context is not None else None
        table = tables.tables.get(where[:2]) if where is not None else None
        if table is None or not table.is_mounted:
            continue
        # Only the tab's own scroll area moves (scroll_visible would move every
        # scrollable ancestor, the screen's layout included).
        for ancestor in table.ancestors:
            if isinstance(ancestor, VerticalScroll):
                ancestor.scroll_to_widget(table, animate=False)
                return
            if ancestor is tables:
                return

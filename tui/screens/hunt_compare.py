"""The bug hunt's reward: one step traced on the correct engine and on the planted one,
phase by phase side by side, the cells that differ marked, from the phase where the bug
first shows on.

`diff_table(bug, right, planted)` builds the table (a Rich `Table`: phase, correct,
planted); a value of more than `MAX_ROWS` × `MAX_COLUMNS` cells shows its corner and
how many cells differ.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from backprop_tui.core.format import fmt_number
from backprop_tui.core.learn.bugs import Bug
from backprop_tui.core.learn.hunt import PhaseDiff, first_departure, side_by_side
from backprop_tui.core.trace.record import StepTrace
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

MAX_ROWS = 4
MAX_COLUMNS = 6
DIFFERS = "bold reverse red"
DEPARTS = "bold red"


def _cells(values: np.ndarray, differs: np.ndarray, precision: int) -> Text:
    """A value as rows of numbers (a vector as one row), differing cells marked; a big
    one cut to its first rows and columns."""
    grid = np.atleast_2d(values)
    marks = np.atleast_2d(differs)
    rows, cols = grid.shape
    text = Text()
    for i in range(min(rows, MAX_ROWS)):
        if i:
            text.append("\n")
        for j in range(min(cols, MAX_COLUMNS)):
            if j:
                text.append("  ")
            number = fmt_number(grid[i, j], precision)
            text.append(number, style=DIFFERS if marks[i, j] else "")
        if cols > MAX_COLUMNS:
            text.append("  …")
    if rows > MAX_ROWS:
        text.append("\n…")
    if grid.size > MAX_ROWS * MAX_COLUMNS or rows > MAX_ROWS or cols > MAX_COLUMNS:
        text.append(f"\n({rows} × {cols}; {int(marks.sum())} cells differ)")
    return text


def _phase_cell(diff: PhaseDiff, first: PhaseDiff | None) -> Text:
    mark = "≠ " if diff.any else "  "
    text = Text(f"{mark}{diff.position + 1}. {diff.symbol}", style=DEPARTS if diff.any else "")
    if diff is first:
        text.append("\n  first departs", style=DEPARTS)
    return text


def diff_table(right: StepTrace, planted: StepTrace, precision: int = 4) -> Table:
    """Phase | correct engine | planted bug, every phase of the step."""
    diffs = side_by_side(right, planted)
    first = first_departure(diffs)
    table = Table(expand=True, show_lines=True)
    table.add_column("Phase", no_wrap=True, width=18)
    table.add_column("Correct engine", ratio=1)
    table.add_column("Planted bug", ratio=1)
    for diff in diffs:
        table.add_row(
            _phase_cell(diff, first),
            _cells(diff.right, np.zeros_like(diff.differs), precision),
            _cells(diff.planted, diff.differs, precision),
        )
    return table


def heading(bug: Bug, right: StepTrace, planted: StepTrace) -> str:
    """What was found and where it first shows."""
    first = first_departure(side_by_side(right, planted))
    where = (
        f"It first shows at {first.position + 1}. {first.title}; every phase after it "
        "inherits the planted numbers."
        if first is not None
        else "On this step it changes no number."
    )
    return f"Found: {bug.name} — {bug.description}.\n{where}"


class HuntCompareScreen(Screen[None]):
    """The correct and planted traces side by side; escape goes back to the dashboard."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="hunt-back", tooltip="Back to the dashboard"),
    ]
    DEFAULT_CSS = """
    HuntCompareScreen #hunt-found { padding: 0 1; height: auto; }
    HuntCompareScreen #hunt-diff { height: 1fr; }
    """

    def __init__(self, bug: Bug, right: StepTrace, planted: StepTrace) -> None:
        super().__init__()
        self.bug, self.right, self.planted = bug, right, planted
        self.title = "Bug hunt: correct and planted, side by side"

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(heading(self.bug, self.right, self.planted), id="hunt-found")
        with VerticalScroll(id="hunt-diff"):
            yield Static(diff_table(self.right, self.planted), id="hunt-table")
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)

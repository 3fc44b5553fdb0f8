"""A person's own values beside the reference, for the step-through's current phase.

`GivenTable` lists every cell of the value the phase writes (z(l), δ(l), ∂L/∂W(l), …):
the reference, the person's value and their relative error; a cell that differs (by
core.learn's tolerance: `follow.answer_for`) is marked red with ✗. Above it a line names
the file and the phase's verdict from `core.learn.compare` (ok, not given, differs with
the catalogue mistake, or follows from an earlier difference).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from backprop_tui.core.format import fmt_number
from backprop_tui.core.learn.compare import check_line
from backprop_tui.core.learn.follow import answer_for, effective_rtol
from backprop_tui.core.learn.targets import cell_label
from backprop_tui.tui.widgets.cell_grid import Cell, CellGrid
from backprop_tui.tui.widgets.grid_lines import Justify
from rich.style import Style

if TYPE_CHECKING:
    from backprop_tui.core.learn.compare import Comparison
    from backprop_tui.core.learn.follow import PhaseCheck

BAD = Style.parse("bold red")
GOOD = Style.parse("green")
DIM = Style(dim=True)

MAX_CELLS = 256
"""Cells listed for one phase (a big layer's first ones)."""


def phase_check(comparison: Comparison, index: int) -> PhaseCheck | None:
    """The judgement of phase `index` (from 0), None when the phase has none."""
    return next((c for c in comparison.phases if c.number == index + 1), None)


def verdict(check: PhaseCheck | None) -> str:
    """The phase's verdict as `compare` writes it ("ok", "not given", "differs δ(1)₁: …
    [missing-activation-derivative]", "follows from δ(2); …")."""
    return "nothing to compare" if check is None else check_line(check)


class GivenTable(CellGrid):
    """The current phase's value: reference, yours, relative error; differing cells red."""

    DEFAULT_CSS = """
    GivenTable {
        height: auto;
        max-height: 10;
        scrollbar-size: 1 1;
    }
    """

    CURSOR = "row"
    ZEBRA = True

    HEADERS = ("cell", "reference", "yours", "rel. error", "")
    JUSTIFY: tuple[Justify, ...] = ("left", "right", "right", "right", "left")

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.differing: list[str] = []
        """The cells (by name) marked as differing."""
        self.reset(self.HEADERS, [], justify=self.JUSTIFY)

    def set_phase(self, comparison: Comparison, index: int, precision: int) -> None:
        """Fill the rows for phase `index` (from 0) of the comparison's trace."""
        self.differing = []
        check = phase_check(comparison, index)
        rows: list[list[Cell]] = []
        if check is not None and check.yours is not None:
            reference = np.asarray(check.reference, dtype=np.float64)
            yours = np.asarray(check.yours, dtype=np.float64)
            rtol = effective_rtol(comparison.trace, comparison.rtol)
            agree = answer_for(yours, reference, rtol).matches(reference)
            agree = np.asarray(agree).reshape(reference.shape)
            phase = comparison.trace.phases[index]
            for k, at in enumerate(np.ndindex(reference.shape)):
                if k >= MAX_CELLS:
                    break
                name = cell_label(comparison.trace, phase, at)
                r, v = float(reference[at]), float(yours[at])
                error = abs(v - r) / max(abs(v) + abs(r), 1e-300)
                ok = bool(agree[at])
                if not ok:
                    self.differing.append(name)
                rows.append(
                    [
                        (name, None),
                        (fmt_number(r, precision), None),
                        (fmt_number(v, precision), None if ok else BAD),
                        (f"{error:.1e}", GOOD if ok else BAD),
                        ("" if ok else "✗", BAD),
                    ]
                )
        self.reset(self.HEADERS, rows, justify=self.JUSTIFY)

"""The step-through's three gradients side by side (core.nn.threeway): every ∂W and ∂b entry
checked, with backprop's value, the finite-difference estimate, their relative error, the
check's own error bound, the scalar autodiff graph's value and backprop's relative error
against it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from backprop_tui.core.format import fmt_number
from backprop_tui.tui.widgets.cell_grid import Cell, CellGrid
from backprop_tui.tui.widgets.grid_lines import Justify
from rich.style import Style
from rich.text import Text

if TYPE_CHECKING:
    from backprop_tui.core.nn.threeway import ThreeWayCheck

GOOD = Style.parse("green")
BAD = Style.parse("bold red")
KINK = Style.parse("yellow")
DIM = Style(dim=True)


class GradCheckTable(CellGrid):
    """Every ∂W and ∂b entry checked: backprop's value, the finite-difference estimate,
    their relative error |a − n| / (|a| + |n|) and, scaled the same way, the bound on the
    estimate's own error, then the autodiff graph's value and backprop's relative error
    against it (those two columns only when the graph has the network's loss and
    activations: `autodiff_note` says why not otherwise). A relative error is
    green when within that bound (what the check cannot tell from a correct gradient),
    red beyond it; "kink" marks an entry where a relu's kink lies within the step and
    there is no slope to check."""

    DEFAULT_CSS = """
    GradCheckTable {
        height: auto;
        max-height: 12;
        scrollbar-size: 1 1;
    }
    """

    CURSOR = "row"
    ZEBRA = True
    CURSOR_COLOR = True

    HEADERS = (
        "entry",
        "backprop",
        "finite diff.",
        "rel. error",
        "check ±",
        "autodiff",
        "rel. err.",
    )
    JUSTIFY: tuple[Justify, ...] = ("left", "right", "right", "right", "right", "right", "right")

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.autodiff_note: str | None = None
        """Why the autodiff columns are missing (None when they are shown)."""
        self.errors: dict[str, float] = {}
        """Relative error (backprop against the finite difference) by entry name."""
        self.autodiff_errors: dict[str, float] = {}
        """Relative error of backprop against the autodiff graph, by entry name."""
        self.flagged: list[str] = []
        """The entries (by name) whose difference exceeds the check's own error."""
        self.reset(self.HEADERS, [], justify=self.JUSTIFY)

    def set_check(self, check: ThreeWayCheck, precision: int) -> None:
        """Fill the rows from `check`: every layer, its W entries then its b entries."""
        self.errors, self.autodiff_errors, self.flagged = {}, {}, []
        self.autodiff_note = check.autodiff_note
        columns = len(self.HEADERS) if check.autodiff_note is None else len(self.HEADERS) - 2
        rows: list[list[Cell]] = []
        for name, entry in check.entries():
            self.errors[name] = entry.relative_error
            if entry.flagged:
                self.flagged.append(name)
            beyond = entry.flagged and abs(entry.analytic - entry.numeric) > entry.bound
            style = KINK if entry.kink else BAD if beyond else GOOD
            auto: list[Cell] = [("—", DIM), ("", None)]
            if entry.autodiff is not None and entry.autodiff_error is not None:
                self.autodiff_errors[name] = entry.autodiff_error
                off = not entry.kink and abs(entry.analytic - entry.autodiff) > entry.bound
                auto = [
                    (fmt_number(entry.autodiff, precision), None),
                    (f"{entry.autodiff_error:.1e}", BAD if off else GOOD),
                ]
            rows.append(
                [
                    (name, None),
                    (fmt_number(entry.analytic, precision), None),
                    (fmt_number(entry.numeric, precision), None),
                    (f"{entry.relative_error:.1e}", style),
                    ("kink" if entry.kink else f"{entry.relative_bound:.0e}", DIM),
                    *auto,
                ][:columns]
            )
        self.reset(self.HEADERS[:columns], rows, justify=self.JUSTIFY[:columns])

    def get_row(self, name: str) -> list[Text]:
        """The cells of entry `name` ("∂L/∂W(2)₁,₁"), as Text."""
        row = next(row for row in self.rows if row[0][0] == name)
        return [Text(text, style=style or Style()) for text, style in row]

"""The step-through's instruments beyond the equations: the nudge probe on the W or b entry
under the cursor (u), and a person's own values loaded from a file (o) and shown beside
the reference for every phase.

`StepInstruments` is mixed into the step-through's keys (`StepKeys`); the screen calls
`show_given` whenever it draws a phase.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from backprop_tui.core.errors import BackpropError
from backprop_tui.core.nn.nudge import DEFAULT_EPS, Nudge, nudge_trace
from backprop_tui.core.text import shown
from backprop_tui.tui.screens.nudge_dialog import NudgeDialog
from backprop_tui.tui.screens.trace_export import ExportPathDialog
from backprop_tui.tui.widgets.given_table import GivenTable, phase_check, verdict
from backprop_tui.tui.widgets.gradcheck_table import GradCheckTable
from backprop_tui.tui.widgets.matrix_table import MatrixTable
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Input, Label, Static

if TYPE_CHECKING:
    from backprop_tui.core.learn.compare import Comparison
    from backprop_tui.core.nn.threeway import ThreeWayCheck
    from backprop_tui.core.trace.record import StepTrace

INSTRUMENT_BINDINGS: list[BindingType] = [
    Binding(
        "u",
        "nudge",
        "Nudge",
        tooltip="Nudge the W or b entry under the cursor by ε: the gradient's prediction "
        "beside the actual change of L (the network is not changed)",
    ),
    Binding(
        "o",
        "load_given",
        "Your values",
        tooltip="Load your own values (.json as `trace --format json` writes, or .npz, as "
        "`compare` reads) and show them beside the reference",
    ),
]

PARAMETER_OF = {"W": "W", "dW": "W", "W_new": "W", "b": "b", "db": "b", "b_new": "b"}

NO_ENTRY = (
    "Put the cursor on a W or b cell of the tables (tab to them), or on a row of the "
    "c table, then press u"
)


class GivenPathDialog(ExportPathDialog):
    """Asks for the file of the person's own values."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.heading)
            yield Input(self.default, placeholder="path/to/mine.json or mine.npz", id="export-path")
            yield Static("enter: load  ·  escape: cancel", classes="hint")


class StepInstruments:
    """The nudge probe and the person's own values (see `INSTRUMENT_BINDINGS`)."""

    trace: StepTrace
    check: ThreeWayCheck | None
    index: int
    precision: int
    focused: Widget | None
    app: App[Any]
    query_one: Callable[..., Any]
    notify: Callable[..., None]
    given: dict[str, np.ndarray] | None = None
    """The person's values as read from `given_path` (None: none loaded)."""
    given_path: str | None = None
    comparison: Comparison | None = None
    """The comparison of `given` with the current trace."""
    nudge_dialog: NudgeDialog | None = None
    """The nudge dialog shown last."""

    # -- the nudge probe ------------------------------------------------------------

    def selected_entry(self) -> tuple[int, str, tuple[int, ...]] | None:
        """(layer from 1, 'W' or 'b', 0-based index) of the entry under the cursor: a W or
        b (or ∂W, ∂b) table's cell, or a row of the gradient-check table; else None."""
        focused = self.focused
        if isinstance(focused, MatrixTable) and focused.quantity in PARAMETER_OF:
            quantity = PARAMETER_OF[focused.quantity]
            row, col = focused.cursor_coordinate
            index = (row, col) if quantity == "W" else (row,)
            return focused.layer_number, quantity, index
        if isinstance(focused, GradCheckTable) and self.check is not None and focused.rows:
            row, _ = focused.cursor_coordinate
            name = focused.rows[row][0][0]
            entry = self.check.entry(str(name))
            return entry.layer, entry.quantity, entry.index
        return None

    def action_nudge(self) -> None:
        """Nudge the selected weight or bias by ε and show what the gradient predicts."""
        selected = self.selected_entry()
        if selected is None:
            self.notify(NO_ENTRY, title="Nudge")
            return
        layer, quantity, index = selected
        trace = self.trace
        if not 0 <= index[0] < trace.layers[layer - 1].W.shape[0]:
            self.notify(NO_ENTRY, title="Nudge")
            return

        def probe(eps: float) -> Nudge:
            return nudge_trace(trace, layer, quantity, index, eps)

        self.nudge_dialog = NudgeDialog(probe, DEFAULT_EPS, max(self.precision, 6))
        self.app.push_screen(self.nudge_dialog)

    # -- the person's own values ------------------------------------------------------

    def action_load_given(self) -> None:
        """Ask for a file of the person's own values and show them beside the reference."""
        dialog = GivenPathDialog(
            self.given_path or "", "Load your values (.json as trace writes, or .npz)"
        )
        self.app.push_screen(dialog, self._load_from)

    def _load_from(self, path: str | None) -> None:
        if path:
            self.load_given(path)

    def load_given(self, path: str) -> bool:
        """Read `path` (core.learn.given) and compare it with the current step; a file
        that cannot be compared is a notice naming it and the key, and changes nothing."""
        from backprop_tui.core.learn.compare import compare
        from backprop_tui.core.learn.given import read_given

        try:
            given = read_given(path)
            comparison = compare(self.trace, given)
        except (BackpropError, OSError) as err:
            message = str(err) if path in str(err) else f"{path}: {err}"
            self.notify(
                shown(message, 500),
                title="Your values not loaded",
                severity="error",
            )
            return False
        self.given, self.given_path, self.comparison = given, path, comparison
        summary = "every value given agrees" if comparison.ok else comparison.text.splitlines()[-1]
        self.notify(f"{shown(path, 200)}: {summary}", title="Your values")
        self.show_given()
        return True

    def show_given(self) -> None:
        """Show the person's values for the current phase (nothing before a file is loaded)."""
        if self.given is None:
            return
        comparison = self.comparison
        if comparison is None or comparison.trace is not self.trace:
            from backprop_tui.core.learn.compare import compare

            try:
                comparison = compare(self.trace, self.given)
            except BackpropError as err:
                self.notify(
                    f"{shown(self.given_path, 200)} does not fit these rows: {shown(err, 300)}",
                    title="Your values",
                    severity="warning",
                )
                comparison = None
            self.comparison = comparison
        tables = self.query_one("#step-right")
        if not tables.query("#given"):
            tables.mount(Static(id="given-title"), GivenTable(id="given"), before="#tables")
            self.app.call_after_refresh(self.show_given)
            return
        title = tables.query_one("#given-title", Static)
        table = tables.query_one("#given", GivenTable)
        if comparison is None:
            title.update(f"yours ({shown(self.given_path, 80)}): not comparable with these rows")
            table.reset(table.HEADERS, [], justify=table.JUSTIFY)
            return
        check = phase_check(comparison, self.index)
        title.update(f"yours ({shown(self.given_path, 80)}): {verdict(check)}")
        table.set_phase(comparison, self.index, self.precision)

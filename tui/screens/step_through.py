"""Step through one backward pass, equation by equation, on a copy of the network.

`StepThroughScreen` traces the trainer's next batch, or one training row picked in the
selector, with `core.trace.record` on private copies (a `StepSession`), and walks its phases:
each layer's z and a, the loss, δ(L), each δ(l), ∂W and ∂b, the updates. For the
current phase it shows the equation in the notes' notation, the same with the numbers
and the result (`EquationPanel`, the result always in view), every cell the phase reads
and writes at once whatever their layer (`PhaseCells`), and lights those cells in the
layer tables below.

Entry points:
- `StepThroughScreen.from_snapshot(context, snapshot)`: from what the dashboard holds.
- `StepThroughScreen.from_trainer(trainer)`: from a live trainer (copied).
- `open_step_through(app, context, snapshot, callback)`: push it; `callback` receives
  the dismiss result, a `StepResult` (apply: one update, see its `command()`) or None
  (escape: nothing changes).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from backprop_tui.core.format import fmt_array, fmt_number
from backprop_tui.core.nn.threeway import ThreeWayCheck, three_way_check
from backprop_tui.core.trace.record import StepTrace
from backprop_tui.tui.screens import STYLES
from backprop_tui.tui.screens.predict import PredictCommands, PredictKeys
from backprop_tui.tui.screens.step_keys import (
    MAX_SELECTOR_ROWS,
    NEXT_BATCH,
    STEP_BINDINGS,
    StepKeys,
)
from backprop_tui.tui.screens.step_session import (
    PRECISIONS,
    StepResult,
    StepSession,
)
from backprop_tui.tui.screens.step_tables import computed, legend, reveal_written
from backprop_tui.tui.widgets.context import ViewContext
from backprop_tui.tui.widgets.equation_panel import EquationPanel
from backprop_tui.tui.widgets.gradcheck_table import GradCheckTable
from backprop_tui.tui.widgets.layer_tables import LayerTables
from backprop_tui.tui.widgets.phase_cells import PhaseCells
from backprop_tui.tui.widgets.phase_list import PhaseList
from backprop_tui.tui.widgets.predict_panel import PredictPanel
from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Footer, Header, Select, Static

if TYPE_CHECKING:
    from backprop_tui.core.training.trainer import Snapshot, Trainer

__all__ = [
    "StepResult",
    "StepSession",
    "StepThroughScreen",
    "open_step_through",
]

WIDE = 180
"""From this many columns the gradient-check table (about 90 wide with its three
gradients) sits beside the equations, which keep at least ~60 columns."""

COMPACT = 100
"""Below this many columns the phase list shows numbers and symbols only."""

EQUATION_LINES = 6
"""The equations' least height: heading, equation, a line of numbers, the result."""

TABLE_LINES = 6
"""The layer tables' height the equations leave when the phase's cells allow."""


class StepThroughScreen(StepKeys, PredictKeys, Screen[StepResult | None]):
    """One traced training step, phase by phase. Dismisses with a `StepResult` (enter:
    apply exactly this update) or None (escape: leave everything as it was)."""

    CSS_PATH: ClassVar[list[str | Path]] = [STYLES / "step_through.tcss", STYLES / "predict.tcss"]

    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [
        (0, "-narrow"),
        (COMPACT, "-medium"),
        (WIDE, "-wide"),
    ]
    """The screen's own width classes (the dashboard's would apply otherwise)."""
    VERTICAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = []
    BINDINGS: ClassVar[list[BindingType]] = STEP_BINDINGS
    COMMANDS = Screen.COMMANDS | {PredictCommands}

    def __init__(
        self,
        session: StepSession,
        *,
        sample: int | None = None,
        context: ViewContext | None = None,
        name: str | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id)
        self.session = session
        self.sample = sample
        """The traced row (from 0), or None for the trainer's next batch."""
        self.context = context or _context_of(session)
        self.precision = PRECISIONS[0]
        self.trace: StepTrace = session.trace(sample, self.precision)
        self.index = 0
        """The current phase (from 0)."""
        self._summary_compact: bool | None = None  # the summary's form, by screen width
        self.check: ThreeWayCheck | None = None
        self.show_check = False
        self.last_export: Path | None = None
        self.title = "Step through"
        self.sub_title = session.title

    # -- construction ----------------------------------------------------------------

    @classmethod
    def from_trainer(
        cls, trainer: Trainer, *, sample: int | None = None, title: str = ""
    ) -> StepThroughScreen:
        """Trace `trainer`'s next batch (or row `sample`) on copies of it."""
        return cls(StepSession.from_trainer(trainer, title), sample=sample)

    @classmethod
    def from_snapshot(
        cls,
        context: ViewContext,
        snapshot: Snapshot,
        *,
        sample: int | None = None,
        optimizer: Any = None,
        optimizer_options: dict[str, Any] | None = None,
        train_biases: bool | None = None,
    ) -> StepThroughScreen:
        """Rebuild the trainer's state from the dashboard's context and newest snapshot
        (see `StepSession.from_snapshot` for `optimizer`, `optimizer_options` and
        `train_biases`, which default to the preset's)."""
        session = StepSession.from_snapshot(
            context,
            snapshot,
            optimizer=optimizer,
            optimizer_options=optimizer_options,
            train_biases=train_biases,
        )
        return cls(session, sample=sample, context=context)

    # -- layout ----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="step-bar"):
            yield Static("Trace (+/−):")
            yield Select(
                self._sample_options(),
                value=NEXT_BATCH if self.sample is None else self.sample,
                allow_blank=False,
                type_to_search=False,
                compact=True,
                id="sample",
            )
            yield Static("", id="step-summary")
        with Horizontal(id="step-main"):
            yield PhaseList(id="phases")
            with Vertical(id="step-right"):
                with Vertical(id="top"):
                    yield EquationPanel(id="equation")
                    yield GradCheckTable(id="grad-check")
                yield PredictPanel(id="predict")
                with Vertical(id="tables"):
                    yield Static(legend(), id="legend")
                    yield PhaseCells(id="phase-cells")
                    yield LayerTables(
                        id="layer-tables", pending_note="(a later phase)", editable=False
                    )
        yield Footer()

    def on_mount(self) -> None:
        tables = self.query_one(LayerTables)
        tables.set_context(self.context)
        self._retrace(keep_index=False)
        self.query_one(PhaseList).focus()

    def on_resize(self, event: Resize) -> None:
        if self._summary_compact != (event.size.width < COMPACT) and self.is_mounted:
            self._update_summary()
        self.query_one(PhaseList).set_compact(event.size.width < COMPACT)
        room = max(event.size.height - 4, 10)
        self.query_one(GradCheckTable).styles.max_height = max(4, room // 2 - 2)
        self._fit_heights(event.size.height)

    def _fit_heights(self, height: int) -> None:
        """Share the height: every cell the phase reads and writes first (all at once, so
        nothing is on a hidden tab), then the equations (at least EQUATION_LINES, their
        result docked at the foot), the layer tables the rest."""
        room = max(height - 3, 10)  # the header, the row selector, the footer
        cells = self.query_one(PhaseCells)
        cells.styles.max_height = max(3, room - 2 - EQUATION_LINES)
        spare = room - 2 - cells.lines - TABLE_LINES
        self.query_one(EquationPanel).styles.max_height = max(EQUATION_LINES, min(room // 2, spare))

    def _sample_options(self) -> list[tuple[str, int]]:
        batch = self.session.next_batch
        # Rows are counted from 1 on screen, as in the equations' ℓ₁ … ℓ_B.
        shown = ", ".join(str(i + 1) for i in batch[:4]) + (", …" if len(batch) > 4 else "")
        rows = f"row {shown}" if len(batch) == 1 else f"{len(batch)} rows: {shown}"
        options = [(f"next batch ({rows})", NEXT_BATCH)]
        data = self.session.data
        for i in range(min(self.session.n_samples, MAX_SELECTOR_ROWS)):
            options.append((f"row {i + 1}: x = {fmt_array(data.X[i], 3)}", i))
        if self.sample is not None and self.sample >= MAX_SELECTOR_ROWS:
            options.append((f"row {self.sample + 1}", self.sample))
        return options

    # -- state -----------------------------------------------------------------------

    @property
    def phase(self) -> Any:
        """The current `core.trace.record.Phase`."""
        return self.trace.phases[self.index]

    @property
    def equation_text(self) -> str:
        """What the equation panel shows, as plain text (tests read it)."""
        return self.query_one(EquationPanel).plain

    def _retrace(self, keep_index: bool = True) -> None:
        """Trace the chosen rows again (new sample or precision) and redraw."""
        self.trace = self.session.trace(self.sample, self.precision)
        self.check = None
        if not keep_index:
            self.index = 0
        self.index = min(self.index, len(self.trace.phases) - 1)
        self.query_one(PhaseList).set_phases(self.trace.phases, self.index)
        self._update_summary()
        if self.show_check:
            self._fill_check()
        self._show()
        self.retraced()

    def _update_summary(self) -> None:
        t, p = self.trace, self.precision
        before, after = fmt_number(t.loss, p), fmt_number(t.loss_after, p)
        text = (
            f"L = {before}, after the update {after} · "
            f"{t.optimizer} η = {fmt_number(t.lr, p)} · B = {t.batch_size}"
        )
        self._summary_compact = compact = 0 < self.size.width < COMPACT
        if compact:  # the same in fewer columns (B is in the equations)
            text = f"L {before} → {after} · {t.optimizer} η {fmt_number(t.lr, p)}"
        self.query_one("#step-summary", Static).update(text)

    def _show(self) -> None:
        """Draw the current phase: list highlight, equations, table highlights."""
        self.query_one(PhaseList).show_current(self.index)
        hide = self.hides_result(self.index)  # predict mode: the learner types it
        self.query_one(EquationPanel).show_phase(self.trace, self.index, hide_result=hide)
        updated = [
            (p.layer, p.kind[-1])
            for p in self.trace.phases[: self.index + 1]
            if p.kind in ("update_W", "update_b")
        ]
        tables = self.query_one(LayerTables)
        shown = computed(self.trace, self.index - hide)
        tables.show(self.session.snapshot_for(self.trace, updated, shown))
        reads = self.phase.reads if self.hint or not hide else ()
        tables.highlight(reads, self.phase.writes)
        self.query_one("#legend", Static).update(legend(self.phase, self.trace.batch_size))
        self.query_one(PhaseCells).show_phase(self.trace, self.index, hide_result=hide)
        if self.size.height:
            self._fit_heights(self.size.height)
        self.call_after_refresh(reveal_written, tables, self.phase)
        self.show_given()

    def _fill_check(self) -> None:
        if self.check is None:
            self.check = three_way_check(self.trace)
        self.query_one(GradCheckTable).set_check(self.check, self.precision)

    def go_to(self, index: int) -> None:
        """Make phase `index` (from 0, clamped) the current one."""
        index = max(0, min(index, len(self.trace.phases) - 1))
        if index != self.index:
            self.index = index
            self._show()
        else:
            self.query_one(PhaseList).show_current(index)


def _context_of(session: StepSession) -> ViewContext:
    """A ViewContext for the layer tables when the caller has none (standalone use)."""
    return ViewContext.from_network(session.network, session.loss.name, session.data)


def open_step_through(
    app: App[Any],
    context: ViewContext,
    snapshot: Snapshot,
    callback: Callable[[StepResult | None], Any] | None = None,
    **options: Any,
) -> StepThroughScreen:
    """Push a step-through of the dashboard's state (training should be paused first).
    `callback` receives a `StepResult` (send `result.command()` to the controller) or
    None. `options` go to `StepThroughScreen.from_snapshot` (sample, optimizer, …)."""
    screen = StepThroughScreen.from_snapshot(context, snapshot, **options)
    app.push_screen(screen, callback)
    return screen

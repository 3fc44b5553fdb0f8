"""Step through one backward pass, equation by equation, on a copy of the network.

`StepThroughScreen` traces the trainer's next batch, or one training row picked in the
selector, with `core.trace.record` on private copies (a `StepSession`), and walks its phases:
each layer's z and a, the loss, δ(L), each δ(l), ∂W and ∂b, the updates. For the
current phase it shows the equation in the notes' notation, the same with the numbers
and the result (`EquationPanel`), and lights in the layer tables the cells the phase
reads and the cells it writes.

Entry points:
- `StepThroughScreen.from_snapshot(context, snapshot)`: from what the dashboard holds.
- `StepThroughScreen.from_trainer(trainer)`: from a live trainer (copied).
- `open_step_through(app, context, snapshot, callback)`: push it; `callback` receives
  the dismiss result, a `StepResult` (apply: one update, see its `command()`) or None
  (escape: nothing changes).
- `StandaloneStepApp(preset, sample=None)`: `backprop-tui step PRESET` on its own; enter
  applies the update to its trainer and traces the next one, escape quits.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from backprop_tui.core.atomic import WriteError, write_text_atomic
from backprop_tui.core.format import fmt_array, fmt_number
from backprop_tui.core.nn.gradcheck import GradCheck, gradient_check_trace
from backprop_tui.core.trace.record import StepTrace
from backprop_tui.tui.screens.step_session import (
    PRECISIONS,
    StepResult,
    StepSession,
)
from backprop_tui.tui.screens.trace_export import ExportPathDialog
from backprop_tui.tui.widgets.context import ViewContext
from backprop_tui.tui.widgets.equation_panel import EquationPanel, GradCheckTable
from backprop_tui.tui.widgets.format import READ_BG, WRITE_BG
from backprop_tui.tui.widgets.layer_tables import LayerTables, locate, locate_all
from backprop_tui.tui.widgets.phase_list import PhaseList
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Footer, Header, Select, Static

if TYPE_CHECKING:
    from backprop_tui.core.config.presets import Preset
    from backprop_tui.core.training.trainer import Snapshot, Trainer

__all__ = [
    "StandaloneStepApp",
    "StepResult",
    "StepSession",
    "StepThroughScreen",
    "open_step_through",
]

NEXT_BATCH = -1
"""The selector's value for "the trainer's next batch" (other values are row numbers)."""

MAX_SELECTOR_ROWS = 500
"""Rows listed in the selector; + and − reach every row."""

WIDE = 140
"""From this many columns the finite-difference table sits beside the equations."""

COMPACT = 100
"""Below this many columns the phase list shows numbers and symbols only."""


def _rgb(color: tuple[int, int, int]) -> str:
    return "rgb({},{},{})".format(*color)


_CELL_NAMES = {
    "x": "x",
    "y": "y",
    "y_hat": "ŷ",
    "loss": "L",
    "W": "W({l})",
    "b": "b({l})",
    "z": "z({l})",
    "a": "a({l})",
    "delta": "δ({l})",
    "dW": "∂L/∂W({l})",
    "db": "∂L/∂b({l})",
}


def cell_name(cell: Any) -> str:
    """A trace cell in the notes' notation: 'W(2)', 'δ(1)', 'ŷ'."""
    return _CELL_NAMES.get(cell.quantity, cell.quantity).format(l=cell.layer)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "trace"


class StepThroughScreen(Screen[StepResult | None]):
    """One traced training step, phase by phase. Dismisses with a `StepResult` (enter:
    apply exactly this update) or None (escape: leave everything as it was)."""

    DEFAULT_CSS = """
    StepThroughScreen #step-bar {
        height: 1;
        padding: 0 1;
    }
    StepThroughScreen #step-bar > Static {
        width: auto;
        padding: 0 1 0 0;
    }
    StepThroughScreen #sample {
        width: 38;
    }
    StepThroughScreen.-narrow #sample {
        width: 32;
    }
    StepThroughScreen #step-summary {
        width: 1fr;
        color: $text-muted;
    }
    StepThroughScreen #step-main {
        height: 1fr;
    }
    StepThroughScreen PhaseList {
        width: 25;
        border-right: vkey $primary-darken-2;
    }
    StepThroughScreen PhaseList.-compact {
        width: 15;
    }
    StepThroughScreen PhaseList:focus {
        border-right: vkey $accent;
    }
    StepThroughScreen #step-right {
        width: 1fr;
        height: 1fr;
    }
    StepThroughScreen #top {
        height: auto;
    }
    StepThroughScreen EquationPanel {
        height: auto;
        max-height: 12;
    }
    StepThroughScreen GradCheckTable {
        display: none;
    }
    StepThroughScreen.-check GradCheckTable {
        display: block;
    }
    StepThroughScreen.-wide #top {
        layout: horizontal;
    }
    StepThroughScreen.-wide EquationPanel {
        width: 1fr;
    }
    StepThroughScreen.-wide GradCheckTable {
        width: auto;
        max-height: 100%;
        margin-left: 1;
    }
    StepThroughScreen #tables {
        height: 1fr;
        min-height: 8;
        border-top: hkey $primary-darken-2;
    }
    StepThroughScreen #legend {
        height: 1;
        padding: 0 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right,n", "next_phase", "Next", tooltip="Go to the next phase", key_display="→/n"),
        Binding(
            "left,b",
            "previous_phase",
            "Back",
            tooltip="Go to the previous phase",
            key_display="←/b",
        ),
        Binding("home", "first_phase", "First phase", show=False, tooltip="The first phase"),
        Binding("end", "last_phase", "Last phase", show=False, tooltip="The last phase"),
        *(
            Binding(
                str(k), f"jump({k - 1})", f"Phase {k}", show=False, tooltip=f"Jump to phase {k}"
            )
            for k in range(1, 10)
        ),
        Binding(
            "enter",
            "apply",
            "Apply",
            priority=True,
            tooltip="Apply this update to the training network (one step) and return",
        ),
        Binding("escape", "close", "Close", tooltip="Return without changing anything"),
        Binding(
            "plus,equals_sign",
            "change_sample(1)",
            "Sample +",
            key_display="+",
            show=False,
            tooltip="Trace the next choice: the next batch, then each training row",
        ),
        Binding(
            "minus",
            "change_sample(-1)",
            "Sample −",
            key_display="−",
            show=False,
            tooltip="Trace the previous choice of rows",
        ),
        Binding(
            "c",
            "toggle_check",
            "Finite diff.",
            tooltip="Show every ∂W and ∂b entry beside its finite-difference estimate",
        ),
        Binding("p", "toggle_precision", "Digits", show=False, tooltip="Show 4 or 9 decimals"),
        Binding(
            "w,ctrl+e",
            "export",
            "Export .md",
            key_display="w",
            tooltip="Write this trace as a Markdown worked example",
        ),
    ]

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
        self.check: GradCheck | None = None
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
                with Vertical(id="tables"):
                    yield Static(self._legend(), id="legend")
                    yield LayerTables(id="layer-tables", pending_note="(a later phase)")
        yield Footer()

    def on_mount(self) -> None:
        tables = self.query_one(LayerTables)
        tables.set_context(self.context)
        self._retrace(keep_index=False)
        self.query_one(PhaseList).focus()

    def on_resize(self, event: Resize) -> None:
        self.set_class(event.size.width >= WIDE, "-wide")
        self.set_class(event.size.width < COMPACT, "-narrow")
        if self._summary_compact != (event.size.width < COMPACT) and self.is_mounted:
            self._update_summary()
        self.query_one(PhaseList).set_compact(event.size.width < COMPACT)
        # The equations take up to half of the height, the tables the rest.
        room = max(event.size.height - 4, 10)
        self.query_one(EquationPanel).styles.max_height = max(6, room // 2)
        self.query_one(GradCheckTable).styles.max_height = max(4, room // 2 - 2)

    def _legend(self, phase: Any = None) -> Text:
        """' read  z(1) a(1) W(2) δ(2)   written  δ(1)': the colours of the tables, and
        what they light (some of it may be on another layer's tab)."""
        text = Text(no_wrap=True, overflow="ellipsis")
        reads = " ".join(cell_name(c) for c in phase.reads) if phase else "what the phase reads"
        writes = " ".join(cell_name(c) for c in phase.writes) if phase else "what it writes"
        text.append(" read ", style=f"bold on {_rgb(READ_BG)}")
        text.append(f" {reads}   ")
        text.append(" written ", style=f"bold on {_rgb(WRITE_BG)}")
        text.append(f" {writes}")
        return text

    def _sample_options(self) -> list[tuple[str, int]]:
        batch = self.session.next_batch
        shown = ", ".join(map(str, batch[:4])) + (", …" if len(batch) > 4 else "")
        rows = f"row {shown}" if len(batch) == 1 else f"{len(batch)} rows: {shown}"
        options = [(f"next batch ({rows})", NEXT_BATCH)]
        data = self.session.data
        for i in range(min(self.session.n_samples, MAX_SELECTOR_ROWS)):
            options.append((f"row {i}: x = {fmt_array(data.X[i], 3)}", i))
        if self.sample is not None and self.sample >= MAX_SELECTOR_ROWS:
            options.append((f"row {self.sample}", self.sample))
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
        self.query_one(EquationPanel).show_phase(self.trace, self.index)
        updated = [
            (p.layer, p.kind[-1])
            for p in self.trace.phases[: self.index + 1]
            if p.kind in ("update_W", "update_b")
        ]
        tables = self.query_one(LayerTables)
        tables.show(self.session.snapshot_for(self.trace, updated, self._computed()))
        tables.highlight(self.phase.reads, self.phase.writes)
        self.query_one("#legend", Static).update(self._legend(self.phase))
        self.call_after_refresh(self._reveal_written)

    def _computed(self) -> set[tuple[str, int]]:
        """(quantity, layer) of what the phases so far have written: the tables show only
        these (a student checking δ(1) by hand does not see it before its phase)."""
        n_layers = len(self.trace.layers)
        return {
            (quantity, layer)
            for phase in self.trace.phases[: self.index + 1]
            for cell in phase.writes
            for layer, quantity, _ in locate_all(cell, n_layers)  # ŷ is a(L), and so on
        }

    def _reveal_written(self) -> None:
        """Scroll the layer tables so the table the phase writes is in view."""
        tables = self.query_one(LayerTables)
        context = tables.context
        for cell in self.phase.writes:
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

    def _fill_check(self) -> None:
        if self.check is None:
            self.check = gradient_check_trace(self.trace)
        self.query_one(GradCheckTable).set_check(self.check, self.precision)

    def go_to(self, index: int) -> None:
        """Make phase `index` (from 0, clamped) the current one."""
        index = max(0, min(index, len(self.trace.phases) - 1))
        if index != self.index:
            self.index = index
            self._show()
        else:
            self.query_one(PhaseList).show_current(index)

    # -- actions ---------------------------------------------------------------------

    def action_next_phase(self) -> None:
        """Go to the next phase."""
        self.go_to(self.index + 1)

    def action_previous_phase(self) -> None:
        """Go to the previous phase."""
        self.go_to(self.index - 1)

    def action_first_phase(self) -> None:
        """Go to the first phase."""
        self.go_to(0)

    def action_last_phase(self) -> None:
        """Go to the last phase."""
        self.go_to(len(self.trace.phases) - 1)

    def action_jump(self, index: int) -> None:
        """Go to phase `index` (from 0)."""
        if index < len(self.trace.phases):
            self.go_to(index)

    def on_phase_list_jump(self, event: PhaseList.Jump) -> None:
        event.stop()
        self.go_to(event.index)

    def action_apply(self) -> None:
        """Apply this update to the training network and return (enter)."""
        # enter is a priority key here, so the row selector gets it passed on: it
        # opens the selector, and picks the highlighted row in its open list.
        focused = self.focused
        if isinstance(focused, Select):
            if not focused.expanded:
                focused.action_show_overlay()
            return
        if focused is not None and any(isinstance(a, Select) for a in focused.ancestors):
            select_row = getattr(focused, "action_select", None)
            if select_row is not None:
                select_row()
            return
        self.dismiss(self.session.result(self.trace, self.sample))

    def action_close(self) -> None:
        """Return without changing anything (escape)."""
        self.dismiss(None)

    def action_change_sample(self, step: int) -> None:
        """Trace the next (+1) or previous (−1) choice: next batch, row 0, row 1, …"""
        choices = [None, *range(self.session.n_samples)]
        at = choices.index(self.sample)
        self._select_sample(choices[(at + step) % len(choices)])

    def _select_sample(self, sample: int | None) -> None:
        if sample == self.sample:
            return
        self.sample = sample
        select = self.query_one("#sample", Select)
        value = NEXT_BATCH if sample is None else sample
        if sample is not None and sample >= MAX_SELECTOR_ROWS:
            select.set_options(self._sample_options())
        if select.value != value:
            select.value = value
        self._retrace()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id != "sample" or event.value is Select.BLANK:
            return
        event.stop()
        value = int(event.value)  # type: ignore[arg-type]
        self._select_sample(None if value == NEXT_BATCH else value)

    def action_toggle_check(self) -> None:
        """Show or hide the finite-difference estimate beside every ∂W and ∂b entry."""
        self.show_check = not self.show_check
        self.set_class(self.show_check, "-check")
        if self.show_check:
            self._fill_check()
            worst = self.check.max_relative_error if self.check else 0.0
            self.notify(f"Finite differences: largest relative error {worst:.1e}", timeout=3)

    def action_toggle_precision(self) -> None:
        """Show 4 or 9 decimals in the equations (and more digits in the tables)."""
        at = PRECISIONS.index(self.precision)
        self.precision = PRECISIONS[(at + 1) % len(PRECISIONS)]
        self.query_one(LayerTables).toggle_precision()
        self._retrace()

    def default_export_path(self) -> str:
        """trace-<preset>-<rows>.md in the current folder."""
        rows = "next-batch" if self.sample is None else f"row-{self.sample}"
        return f"trace-{_slug(self.session.title)}-{rows}.md"

    def action_export(self) -> None:
        """Ask for a path and write this trace there as a Markdown worked example."""
        self.app.push_screen(ExportPathDialog(self.default_export_path()), self._export_to)

    def _export_to(self, path: str | None) -> None:
        if path is None:
            return
        try:
            written = write_text_atomic(path, self.trace.to_markdown())
        except WriteError as err:
            self.notify(str(err), title="Export failed", severity="error")
            return
        self.last_export = written
        self.notify(f"Wrote {written}", title="Exported")


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


class StandaloneStepApp(App[None]):
    """`backprop-tui step PRESET` without the dashboard: a trainer of its own; enter
    applies the traced update to it and traces the next one; escape quits."""

    TITLE = "backprop-tui"

    def __init__(self, preset: Preset | str, sample: int | None = None) -> None:
        super().__init__()
        from backprop_tui.core.config.presets import build_trainer, load

        self.preset = load(preset) if isinstance(preset, str) else preset
        self.trainer = build_trainer(self.preset)
        self.sample = sample
        self.applied: list[StepResult] = []
        """Every update applied so far, in order."""

    def compose(self) -> ComposeResult:
        yield Static("")

    def on_mount(self) -> None:
        self.sub_title = self.preset.name
        self._open()

    def _open(self) -> None:
        screen = StepThroughScreen.from_trainer(
            self.trainer, sample=self.sample, title=self.preset.name
        )
        self.push_screen(screen, self._done)

    def _done(self, result: StepResult | None) -> None:
        if result is None:
            self.exit()
            return
        loss = result.apply_to(self.trainer)
        self.applied.append(result)
        self.notify(
            f"Applied update {self.trainer.global_step}: L was {fmt_number(loss)}, "
            f"now {fmt_number(result.loss_after)} on the same rows",
            timeout=4,
        )
        self._open()

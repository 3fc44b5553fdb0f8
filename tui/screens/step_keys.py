"""The step-through's keys and what they do: move between phases, apply or leave, pick
the traced rows, the finite-difference check, the digits and the Markdown export.

`StepKeys` is mixed into `StepThroughScreen` (tui/screens/step_through.py), which holds
the state these actions change and draws it (`go_to`, `_retrace`, `_fill_check`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backprop_tui.core.atomic import WriteError, write_text_atomic
from backprop_tui.tui.screens.step_instruments import INSTRUMENT_BINDINGS, StepInstruments
from backprop_tui.tui.screens.step_session import PRECISIONS
from backprop_tui.tui.screens.trace_export import ExportPathDialog
from backprop_tui.tui.widgets.layer_tables import LayerTables
from backprop_tui.tui.widgets.phase_list import PhaseList
from textual.app import App
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Input, Select

if TYPE_CHECKING:
    from backprop_tui.core.nn.threeway import ThreeWayCheck
    from backprop_tui.core.trace.record import StepTrace
    from backprop_tui.tui.screens.step_session import StepSession

NEXT_BATCH = -1
"""The selector's value for "the trainer's next batch" (other values are row numbers)."""

MAX_SELECTOR_ROWS = 500
"""Rows listed in the selector; + and − reach every row."""

STEP_BINDINGS: list[BindingType] = [
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
        Binding(str(k), f"jump({k - 1})", f"Phase {k}", show=False, tooltip=f"Jump to phase {k}")
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
        "Grad check",
        tooltip="Show every ∂W and ∂b entry beside its finite difference and autodiff value",
    ),
    Binding("p", "toggle_precision", "Digits", show=False, tooltip="Show 4 or 9 decimals"),
    Binding(
        "w,ctrl+e",
        "export",
        "Export .md",
        key_display="w",
        tooltip="Write this trace as a Markdown worked example",
    ),
    Binding(
        "t",
        "predict",
        "Predict",
        priority=True,  # from the answer box too: an answer is numbers, never a t
        tooltip="Predict mode: work out each phase's result before it is shown (pick a level)",
    ),
    Binding(
        "ctrl+r",
        "predict_reveal",
        "Show me",
        priority=True,
        tooltip="Predict mode: show the asked phase's answer",
    ),
    Binding(
        "m",
        "predict_export",
        "Predictions .md",
        tooltip="Predict mode: write the session's answers beside the right ones as Markdown",
    ),
    *INSTRUMENT_BINDINGS,
]


class StepKeys(StepInstruments):
    """The step-through's actions (see `STEP_BINDINGS`). Mixed into `StepThroughScreen`,
    which provides the state below and the Screen's own methods."""

    session: StepSession
    trace: StepTrace
    sample: int | None
    index: int
    precision: int
    check: ThreeWayCheck | None
    show_check: bool
    last_export: Path | None
    focused: Widget | None
    app: App[Any]
    go_to: Callable[[int], None]
    _retrace: Callable[[], None]
    _fill_check: Callable[[], None]
    _sample_options: Callable[[], list[tuple[str, int]]]
    query_one: Callable[..., Any]
    set_class: Callable[[bool, str], Any]
    notify: Callable[..., None]
    dismiss: Callable[..., Any]
    predict_submit: Callable[[str], None]

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
        if isinstance(focused, Input):  # predict mode's answer box: enter checks it
            self.predict_submit(focused.value)
            return
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
            if self.check is not None:
                self.notify(check_verdict(self.check), timeout=4)

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


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "trace"


def check_verdict(check: ThreeWayCheck) -> str:
    """One line on the gradient check: backprop's largest relative error against the
    finite difference (and, when it was built, against autodiff) and whether it differs
    from either by more than the check's own error anywhere."""
    others = (
        "the finite difference" if check.autodiff_note else "autodiff and the finite difference"
    )
    text = (
        f"Gradient check, backprop against {others}: largest relative error "
        f"{check.max_relative_error:.1e} (finite difference); "
    )
    flagged = check.n_flagged
    if flagged:
        text += f"{flagged} entr{'y' if flagged == 1 else 'ies'} beyond the check's own error"
    else:
        text += "every entry within the check's own error"
    if check.n_kinks:
        text += f" ({check.n_kinks} at a kink, where the slope is not defined)"
    if check.autodiff_note:
        text += f"; no autodiff column: {check.autodiff_note}"
    if check.sampled:
        text += f"; {len(check.checked)} of {check.total} entries checked, evenly spaced"
    return text

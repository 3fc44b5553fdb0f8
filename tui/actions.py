"""The dashboard's keys and what they do: training (run, step, epoch, reset, pace, η), the
panels (log scale, digits, layers), the screens on top (step-through, graph, settings,
help), a cell's edit and ctrl+c's hint. `DashboardActions` is mixed into `BackpropApp`
(tui/app.py), which holds the state these read and wires the panels; every change to
training goes to the worker through `_send`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

from backprop_tui.core.config.presets import Preset
from backprop_tui.core.errors import BackpropError
from backprop_tui.core.text import shown
from backprop_tui.core.training.trainer import Snapshot
from backprop_tui.tui.screens.dialogs import NumberDialog
from backprop_tui.tui.screens.graph_view import open_graph_view
from backprop_tui.tui.screens.help import HelpScreen
from backprop_tui.tui.screens.hunt import open_bug_picker, open_hunt_step_through
from backprop_tui.tui.screens.settings_form import SettingsForm
from backprop_tui.tui.screens.step_session import StepResult
from backprop_tui.tui.screens.step_through import open_step_through
from backprop_tui.tui.widgets import LayerTables, LossChart, NetworkView, ViewContext
from backprop_tui.tui.worker.commands import (
    EditCell,
    Epoch,
    Pause,
    Reinit,
    Reset,
    Run,
    ScaleLearningRate,
    SetOptions,
    SetPace,
    Settings,
    Status,
    Step,
    faster,
    slower,
)
from backprop_tui.tui.worker.controller import TrainingController

NUDGE_HINT = "Move to a W or b cell of the layer tables and press u to nudge it"

KEY_HOLD = 0.06
"""Seconds the panels hold their redraws after a key press (see `_send`)."""


class DashboardActions:
    """Mixed into the app, which provides the state below, `notify`, `query_one` and
    `push_screen`."""

    controller: TrainingController | None
    preset: Preset | None
    context: ViewContext | None
    snapshot: Snapshot | None
    status: Status | None
    token: int
    panels: list[Any]
    expression: str | None
    start_options: dict[str, Any]
    _when_paused: Callable[[], object] | None
    _key_at: float
    _pace_asked: tuple[int, float | None] | None
    _ignored: int
    _worker_silence: Callable[[], float | None]
    _refresh_alert: Callable[[], None]
    active_bindings: dict[str, Any]
    notify: Callable[..., None]
    query_one: Callable[..., Any]
    push_screen: Callable[..., Any]
    focused: Any
    query: Callable[..., Any]
    run_action: Callable[..., Any]
    action_show_panel: Callable[[str], None]

    def _send(self, command: Any) -> None:
        """Send `command` to the worker and hold the panels' redraws a moment; while the
        worker does not answer (`tui.watch`), count it as ignored instead."""
        if self._worker_silence() is not None:
            self._ignored += 1
            self._refresh_alert()
            return
        if self.controller is not None:
            self.controller.send(command)
            # The command's effect reaches the status line within a few ms; the panels
            # wait a moment so that the paint showing it is not one that redraws them
            # all (a Textual paint waits for the one in progress, up to ~30 ms).
            for panel in self.panels:
                panel.hold(KEY_HOLD)
            self._key_at = time.monotonic()

    def action_toggle_run(self) -> None:
        """Run when paused, finished or diverged; pause when running."""
        status = self.status
        running = status is not None and status.state == "running"
        if status is not None and status.state == "finished" and self.snapshot is not None:
            epochs = status.settings.epochs
            target = (
                f"the {epochs}-epoch target"
                if self.snapshot.epoch >= epochs
                else "the stop-at loss"
            )
            self.notify(f"training on past {target} (f sets another)", timeout=3)
        self._send(Pause() if running else Run())

    def action_step(self) -> None:
        self._send(Step())

    def action_epoch(self) -> None:
        self._send(Epoch())

    def action_reset(self) -> None:
        self._send(Reset())

    def action_reinit(self) -> None:
        self._send(Reinit())

    def action_faster(self) -> None:
        self._set_pace(faster)

    def action_slower(self) -> None:
        self._set_pace(slower)

    def _set_pace(self, change: Callable[[float | None], float | None]) -> None:
        """From the pace last asked for (presses come faster than the status line)."""
        if self.status is None:
            return
        current = self.status.pace
        if self._pace_asked is not None and self._pace_asked[0] == self.token:
            current = self._pace_asked[1]
        pace = change(current)
        self._pace_asked = (self.token, pace)
        self._send(SetPace(pace))

    def action_lr_up(self) -> None:
        self._send(ScaleLearningRate(2.0))

    def action_lr_down(self) -> None:
        self._send(ScaleLearningRate(0.5))

    def action_log_scale(self) -> None:
        self.query_one(LossChart).toggle_log_scale()

    def action_colour_by_gradient(self) -> None:
        """The network view's connections coloured by ∂W instead of W, or back."""
        view = self.query_one(NetworkView)
        view.toggle_gradient()
        view.border_title = "Network · coloured by ∂W" if view.by_gradient else "Network"

    def action_toggle_health(self) -> None:
        """The health panel in the layer tables' place (tab 5 under tabs), or back."""
        shown = self.query_one("#dashboard").has_class("-health")
        self.action_show_panel("tables" if shown else "health")

    def action_precision(self) -> None:
        self.query_one(LayerTables).toggle_precision()

    def action_next_layer(self) -> None:
        self.query_one(LayerTables).switch_layer(1)

    def action_previous_layer(self) -> None:
        self.query_one(LayerTables).switch_layer(-1)

    def action_step_through(self) -> None:
        """Pause, then walk the next update equation by equation (enter applies it)."""
        if self.status is None:
            return
        if self.status.state == "running":
            self._when_paused = self._open_step_through
            self._send(Pause())
        else:
            self._open_step_through()

    async def action_step_at_divergence(self) -> None:
        """After a divergence: the step-through at the phase that went out of range."""
        from backprop_tui.tui.screens.divergence import open_at_divergence

        def apply(result: StepResult | None) -> None:
            if result is not None:
                self._send(result.command())

        await open_at_divergence(self, apply)

    def _open_step_through(self, sample: int | None = None) -> None:
        if self.context is None or self.snapshot is None or self.status is None:
            return

        def apply(result: StepResult | None) -> None:
            if result is not None:
                self._send(result.command())

        optimizer = self.status.settings.optimizer
        hunt = getattr(self, "hunt", None)
        opener = (
            open_step_through if hunt is None else partial(open_hunt_step_through, bug=hunt.bug)
        )
        opener(self, self.context, self.snapshot, apply, sample=sample, optimizer=optimizer)

    def action_hunt_guess(self) -> None:
        """Bug hunt: name the phase where the planted bug first shows, and the mistake."""
        open_bug_picker(self)

    def action_graph(self) -> None:
        """The loss as a scalar computation graph, with the current weights."""
        if self.preset is not None and self.snapshot is not None:
            open_graph_view(self, self.preset, context=self.context, snapshot=self.snapshot)

    def _open_start_graph(self) -> None:
        expression = self.expression
        if expression is None:
            self.action_graph()
            return
        variables = self.start_options.get("variables")
        open_graph_view(self, None, expression=expression, variables=variables)

    def on_layer_tables_edit_requested(self, event: LayerTables.EditRequested) -> None:
        """Enter on a W or b cell: ask for its new value and send it to the worker."""
        layer, quantity, index = event.layer, event.quantity, tuple(event.index)

        def apply(text: str | None) -> None:
            if text is not None:
                self._send(EditCell(layer, quantity, index, float(text)))

        self.push_screen(NumberDialog(event.label, repr(float(event.current)), "Set"), apply)

    async def action_nudge(self) -> None:
        """Nudge the W or b entry under the layer tables' cursor by ε, on a copy of the
        newest snapshot's network, and show what the gradient predicts (core.nn.nudge)."""
        from backprop_tui.core.nn.nudge import DEFAULT_EPS
        from backprop_tui.tui.screens.nudge_dialog import NudgeDialog
        from backprop_tui.tui.screens.step_instruments import PARAMETER_OF
        from backprop_tui.tui.screens.step_session import StepSession
        from backprop_tui.tui.widgets.matrix_table import MatrixTable

        cell = self.focused
        snapshot, context = self.snapshot, self.context
        if snapshot is None or context is None:
            return
        if not isinstance(cell, MatrixTable) or cell.quantity not in PARAMETER_OF:
            tables = self.query(LayerTables)
            if tables:
                await self.run_action("show_panel('tables')")
                tables.first().focus_cell()
            self.notify(NUDGE_HINT, title="Nudge")
            return
        quantity, layer = PARAMETER_OF[cell.quantity], cell.layer_number
        row, col = cell.cursor_coordinate
        index = (row, col) if quantity == "W" else (row,)
        session = StepSession.from_snapshot(context, snapshot)
        rows = len(session.next_batch)
        running = self.status is not None and self.status.state == "running"
        where = (
            f"W and b as of epoch {snapshot.epoch}, step {snapshot.step}; L is the loss of "
            f"the next batch ({rows} row{'s' if rows != 1 else ''})."
            + (" Training goes on." if running else "")
        )
        try:
            dialog = NudgeDialog(
                lambda eps: session.nudge(layer, quantity, index, eps), DEFAULT_EPS, where=where
            )
        except (BackpropError, IndexError) as err:
            self.notify(shown(err, 300), title="Nudge", severity="warning")
            return
        self.push_screen(dialog)

    def action_help_quit(self) -> None:
        """ctrl+c (Textual's copy key, which people press to leave): say which keys quit.
        Textual's own hint is markup, which this app's notices show as written."""
        keys = sorted(
            {
                active.binding.key
                for active in self.active_bindings.values()
                if active.binding.action in ("quit", "app.quit")
            },
            key=len,
        )
        self.notify(f"press {' or '.join(keys)} to quit", title="Do you want to quit?")

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_settings(self) -> None:
        if self.status is None:
            return

        def apply(settings: Settings | None) -> None:
            if settings is not None:
                self._send(SetOptions(settings))

        self.push_screen(SettingsForm(self.status.settings), apply)

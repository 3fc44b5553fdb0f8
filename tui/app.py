"""The dashboard: a network training in a worker, watched and steered from the terminal.

`build_app` makes the app for the command line, the Pilot tests and the snapshot tests
alike; `run_app` is what `backprop-tui [PRESET]` calls. The panels are wired here (a
snapshot's status line first, its panels a frame later); what the keys do is in
`tui.actions`, the file actions in `tui.files`, reading a preset off the UI's thread in
`tui.preset_loading`, the watch on a worker that stops answering in `tui.watch`, and
what an unhandled error leaves behind in `tui.recovery`. The app never touches the
trainer: it sends commands through a `TrainingController` and renders the read-only
snapshots that come back as `SnapshotReady` messages (newest wins).
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import PurePath
from typing import Any, ClassVar

from backprop_tui.core.config.presets import Preset, load
from backprop_tui.core.training.trainer import Snapshot
from backprop_tui.tui import compat
from backprop_tui.tui.actions import KEY_HOLD, DashboardActions
from backprop_tui.tui.bindings import DASHBOARD_BINDINGS, PANEL_BINDINGS
from backprop_tui.tui.commands import DashboardCommands
from backprop_tui.tui.files import FileActions
from backprop_tui.tui.messages import (
    CommandFailed,
    SnapshotReady,
    TrainingDiverged,
    TrainingFinished,
    WorkerStopped,
    to_message,
)
from backprop_tui.tui.preset_loading import PresetLoading
from backprop_tui.tui.recovery import CrashGuard
from backprop_tui.tui.screens import DIALOGS_CSS, STYLES
from backprop_tui.tui.screens import hunt as hunting
from backprop_tui.tui.screens.graph_view import StandaloneGraphApp
from backprop_tui.tui.watch import WATCH_INTERVAL, WorkerWatch
from backprop_tui.tui.widgets import LayerTables, LossChart, NetworkView, OutputMap, ViewContext
from backprop_tui.tui.widgets.health_panel import HealthPanel
from backprop_tui.tui.widgets.layer_tables import DASHBOARD_NOTE
from backprop_tui.tui.widgets.panel import SHOWN, Panel
from backprop_tui.tui.widgets.status_bar import WAITING, StatusBar
from backprop_tui.tui.worker.commands import Status
from backprop_tui.tui.worker.controller import (
    ControllerFactory,
    ProcessController,
    TrainingController,
)
from backprop_tui.tui.worker.events import Event
from textual import on
from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.containers import Container
from textual.events import Resize
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen
from textual.widgets import Footer, Header, Tab, Tabs
from threadpoolctl import threadpool_limits

DEFAULT_PRESET = "xor"

PANELS = (
    ("chart", "Loss"),
    ("network", "Network"),
    ("map", "Output map"),
    ("tables", "Layer tables"),
    ("health", "Gradient health"),
)
"""(id, title) of the panels, in tab order. The health panel takes the layer tables' cell
of the grid when shown (h, or 5)."""

COMPACT_FOOTER = 100
"""Below this many columns the footer is compact."""

SCREEN_ACTIONS = {
    binding.action.split("(")[0] for binding in (*DASHBOARD_BINDINGS, *PANEL_BINDINGS)
} - {"quit"}
"""Actions that only make sense with the dashboard on top."""

PANEL_DELAY = 0.02
"""Seconds between a snapshot's status line and its panels: a frame at Textual's 60/s."""


class BackpropApp(DashboardActions, FileActions, PresetLoading, WorkerWatch, App[int]):
    """Header, status line, loss chart, network view, output map, layer tables, footer.

    `preset` is loaded on mount; `controller_factory(post_event)` makes the controller
    (a separate training process by default). `redraw_rate` caps every panel's redraws
    per second (None: each panel's own default; 0: draw every snapshot at once, for
    deterministic screenshots). `snapshot` and `status` hold the newest ones received;
    `context` the loaded preset's fixed facts.
    """

    # Absolute paths: subclasses live elsewhere. The dialogs' CSS is loaded with the app's
    # because the settings form, unlike the other dialogs, does not name it.
    CSS_PATH: ClassVar[list[str | PurePath]] = [STYLES / "app.tcss", DIALOGS_CSS]
    TITLE = "backprop-tui"
    COMMANDS = App.COMMANDS | {DashboardCommands, hunting.HuntCommands}
    BINDINGS: ClassVar[list[BindingType]] = [*DASHBOARD_BINDINGS, *PANEL_BINDINGS, *hunting.KEYS]
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (110, "-wide")]
    VERTICAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-short"), (32, "-tall")]

    def __init__(
        self,
        preset: Preset | None = None,
        controller_factory: ControllerFactory | None = None,
        screen: str | None = None,
        expression: str | None = None,
        redraw_rate: float | None = None,
        tune_gc: bool = False,
        **options: Any,
    ) -> None:
        super().__init__()
        self.tune_gc = tune_gc
        self.preset = preset
        self.redraw_rate = redraw_rate
        self.controller_factory = controller_factory or ProcessController
        self.start_screen = screen
        self.expression = expression
        self.controller: TrainingController | None = None
        self.context: ViewContext | None = None
        self.snapshot: Snapshot | None = None
        self.status: Status | None = None
        self.token = 0
        self.start_options = options
        self.hunt = hunting.Hunt.named(options.get("hunt"))  # option `hunt`: a planted bug's name
        self._pending: dict[int, tuple[Preset, ViewContext]] = {}
        self._when_paused: Callable[[], object] | None = None
        self._panels_due = False
        self._key_at = -1.0
        self._pace_asked: tuple[int, float | None] | None = None  # (token, pace)
        self._loading: str | None = None  # the preset being read or started, shown
        self._silent = False  # the worker has not answered for SILENT_AFTER seconds
        self._ignored = 0  # keys not sent since it went silent

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A notification whose text is shown as written: messages quote TOML tables
        ([loss]), paths and values, which Textual would otherwise read as markup."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    # -- layout -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield StatusBar(WAITING, id="status")
        # Each tab is labelled with its key, which stays the same when the map's tab is
        # hidden (a network with more than two inputs): 1, 2, 4.
        yield Tabs(
            *(
                Tab(f"{key} {title}", id=f"tab-{name}")
                for key, (name, title) in enumerate(PANELS, start=1)
            ),
            id="panel-tabs",
        )
        # Each panel redraws at its own rate (its MAX_RATE, and LIVE_RATE while training
        # runs): the chart and the tables at up to 15 a second (the worker's snapshot
        # rate); the network view and the output map at 10 and 5, or 4 and 3 while
        # training runs, which keeps the UI process well under one core beside the
        # trainer's (see bench/bench_app.py). `redraw_rate` overrides them all.
        rate = self.redraw_rate
        rates = {} if rate is None else {"max_rate": rate, "live_rate": rate}
        with Container(id="dashboard"):
            yield LossChart(id="chart", classes=f"panel {SHOWN}", **rates)
            yield NetworkView(id="network", classes="panel", **rates)
            yield OutputMap(id="map", classes="panel", **rates)
            yield LayerTables(id="tables", classes="panel", note=DASHBOARD_NOTE, **rates)
            yield HealthPanel(id="health", classes="panel", **rates)
        yield Footer()

    def on_mount(self) -> None:
        # The UI's own numpy (output map, network view) on one BLAS thread: OpenBLAS's
        # idle threads spin after each product and took the training process's core
        # (xor trained at 65 % of the headless rate with them, 91 % without).
        threadpool_limits(limits=1, user_api="blas")
        # No self-referencing strips (garbage for the cyclic collector every paint).
        compat.apply()
        if self.tune_gc:
            self.call_after_refresh(compat.tune_collector)
        # Kept, not queried per snapshot: cheaper, and safe while the app shuts down.
        self.panels: list[Panel] = [self.query_one(f"#{name}") for name, _ in PANELS]
        self.status_bar = self.query_one(StatusBar)
        for (_, title), panel in zip(PANELS, self.panels, strict=True):
            panel.border_title = title
        self.controller = hunting.new_controller(self)
        self.set_interval(WATCH_INTERVAL, self._watch_worker)
        if self.preset is not None:
            self.load_preset(self.preset)
        if self.start_screen == "step":
            sample = self.start_options.get("sample")
            self._when_paused = partial(self._open_step_through, sample)
        elif self.start_screen == "graph":
            self._when_paused = self._open_start_graph

    def on_resize(self, event: Resize) -> None:
        # A compact footer (one space less per key) on a narrow screen still shows d.
        self.query_one(Footer).compact = event.size.width < COMPACT_FOOTER

    @on(Tabs.TabActivated, "#panel-tabs")
    def _show_tab(self, event: Tabs.TabActivated) -> None:
        shown = event.tab.id.removeprefix("tab-") if event.tab.id else "chart"
        if shown in ("tables", "health"):
            self.query_one("#dashboard").set_class(shown == "health", "-health")
        for name, _ in PANELS:
            self.query_one(f"#{name}").set_class(name == shown, SHOWN)

    def action_show_panel(self, name: str) -> None:
        """On a small terminal, show one panel (keys 1–5 or the tabs); the layer tables or
        the health panel also pick which of the two the grid shows."""
        if name == "map" and self.query_one("#dashboard").has_class("-no-map"):
            self.notify("the output map needs one or two inputs")
            return
        if name in ("tables", "health"):
            self.query_one("#dashboard").set_class(name == "health", "-health")
        self.query_one("#panel-tabs", Tabs).active = f"tab-{name}"
        if name == "tables":
            self.query_one(LayerTables).focus_scroll()

    # -- presets (`load_preset`, which reads one in a thread, is in tui.preset_loading) --

    def _switch(self, token: int) -> None:
        """Show the preset loaded under `token`, whose first snapshot has come."""
        preset, context = self._pending.pop(token)
        self._pending = {t: p for t, p in self._pending.items() if t > token}
        if not self._pending:
            self._loading = None
            self._refresh_alert()
        self.token, self.preset, self.context = token, preset, context
        self.title = preset.name + (self.hunt.title if self.hunt is not None else "")
        self.sub_title = " → ".join(map(str, context.sizes))
        for panel in self.panels:
            panel.set_context(context)
        self._fit_output_map(context.n_inputs <= 2)

    def _fit_output_map(self, useful: bool) -> None:
        """The output map draws one or two inputs; otherwise its room goes to the chart
        (and its tab disappears on small terminals)."""
        self.query_one("#dashboard").set_class(not useful, "-no-map")
        tabs = self.query_one("#panel-tabs", Tabs)
        if useful:
            tabs.show("tab-map")
            return
        if tabs.active == "tab-map":
            tabs.active = "tab-chart"
        tabs.hide("tab-map")

    # -- messages from the worker -----------------------------------------------------

    def post_event(self, event: Event) -> None:
        """Post a controller's event as its Textual message (safe from any thread)."""
        self.post_message(to_message(event))

    def on_snapshot_ready(self, message: SnapshotReady) -> None:
        if compat.is_exiting(self):
            return  # a thread worker's last snapshot can land while the screen goes
        status = message.status
        if status.token != self.token:
            if status.token not in self._pending:
                return  # from a preset that has since been replaced
            self._switch(status.token)
        self.snapshot, self.status = message.snapshot, status
        self.status_bar.show(message.snapshot, status)
        if time.monotonic() - self._key_at < KEY_HOLD:
            compat.paint_now(self.status_bar)
        # The status line gets a frame of its own: the panels take up to ~30 ms to
        # redraw, and a key press should show its effect at once, so they get the
        # snapshot one frame later (call_after_refresh runs before the paint).
        if not self._panels_due:
            self._panels_due = True
            self.set_timer(PANEL_DELAY, self._show_panels)
        if self._when_paused is not None and status.state != "running":
            then, self._when_paused = self._when_paused, None
            self.call_after_refresh(then)

    def _show_panels(self) -> None:
        """Hand the newest snapshot to the panels (each redraws at its own rate): the
        chart, network view and output map now, the layer tables and health a frame later, so that
        no one paint draws them all (a key's effect then waits for one panel's paint,
        ~10–15 ms, not for all of them, ~30 ms)."""
        self._panels_due = False
        if self._show(self.panels[:3]):
            self.set_timer(PANEL_DELAY, lambda: self._show(self.panels[3:]))

    def _show(self, panels: list[Any]) -> bool:
        if self.snapshot is None or compat.is_exiting(self):
            return False
        live = self.status is not None and self.status.state == "running"
        with self.batch_update():
            for panel in panels:
                panel.set_live(live)
                panel.show(self.snapshot)
        return True

    def on_training_finished(self, message: TrainingFinished) -> None:
        if message.token == self.token:
            self.notify(message.text, title="training finished", timeout=3)

    def on_training_diverged(self, message: TrainingDiverged) -> None:
        if message.token == self.token:
            from backprop_tui.tui.screens.divergence import DIVERGENCE_HINT

            text = f"{message.text}\n{DIVERGENCE_HINT}"
            self.notify(text, title="training diverged", severity="warning", timeout=8)

    def on_command_failed(self, message: CommandFailed) -> None:
        if message.command == "LoadPreset" and self._pending:
            # Loads are served in order: the oldest one waiting is the one that failed.
            del self._pending[min(self._pending)]
            if not self._pending:
                self._loading = None
                self._refresh_alert()
        self.notify(message.text, title=f"{message.command} failed", severity="error")

    def on_worker_stopped(self, message: WorkerStopped) -> None:
        """Start a new worker on the current preset, so the app stays usable."""
        text = message.text
        if self.preset is not None and not compat.is_exiting(self):
            self.controller = hunting.new_controller(self)
            self.load_preset(self.preset)
            text += "; started again from the preset's initial weights"
        self.notify(text, title="training stopped", severity="error", timeout=30)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The dashboard's keys act only on the dashboard: not under the step-through or
        graph screens, whose own keys overlap them. (Dialogs are modal: they block the
        dashboard's keys by themselves, and the dimmed footer under them stays as it was.)"""
        covered = any(not isinstance(screen, ModalScreen) for screen in self.screen_stack[1:])
        if action == hunting.HUNT_ACTION:
            return self.hunt is not None and not covered
        return action not in SCREEN_ACTIONS or not covered

    # -- leaving ----------------------------------------------------------------------

    async def action_quit(self) -> None:
        """Stop the worker (within about a second), then leave."""
        if self.controller is not None:
            await asyncio.to_thread(self.controller.close)
        self.exit(0)

    def on_unmount(self) -> None:
        if self.controller is not None:
            self.controller.close()


def build_app(
    preset: Preset | str | None = None,
    controller_factory: ControllerFactory | None = None,
    screen: str | None = None,
    expression: str | None = None,
    **options: Any,
) -> BackpropApp | StandaloneGraphApp:
    """The app the command line runs, and the tests too: the dashboard on `preset` (a
    Preset, a shipped name or a TOML path; default xor), or, for the graph of an
    `expression` without a preset, the graph view alone. `controller_factory` makes the
    training worker (a separate process by default); `screen`, `expression` and
    `options` as for `run_app`, `options` also as for `BackpropApp` (`redraw_rate`,
    `tune_gc`). Raises PresetError when a named preset cannot be loaded."""
    if screen == "graph" and expression is not None and preset is None:
        return StandaloneGraphApp(expression, options.get("variables"))
    if preset is None:
        preset = DEFAULT_PRESET
    if not isinstance(preset, Preset):
        preset = load(preset)
    return BackpropApp(preset, controller_factory, screen=screen, expression=expression, **options)


def run_app(
    preset: Preset | str | None = None,
    screen: str | None = None,
    expression: str | None = None,
    debug: bool = False,
    **options: Any,
) -> int:
    """Run the dashboard until the person quits; returns the exit code. `screen` "step"
    opens the step-through on top (option `sample`: a training row), "graph" the graph
    view (of `expression` with option `variables` when given, else of the preset). An
    expression without a preset opens the graph view alone: escape leaves.

    An unhandled error ends the app with exit code 1 and one line on stderr, after the
    person's work is saved to a recovery file (`tui.recovery`); the traceback goes to a
    log file the line names, and with `debug` to stderr too."""
    app = build_app(preset, screen=screen, expression=expression, tune_gc=True, **options)
    guard = CrashGuard(app, show_traceback=debug)
    app.run()
    if guard.message is not None:
        print(guard.message, file=sys.stderr)
    return app.return_code or 0

"""The bug hunt in the dashboard: its state, its key and palette entry, the step-through on
the planted engine, and the picker where the learner names the bug.

The worker trains on the planted engine (`core.learn.hunt.HuntBuild`: only the bug's
name crosses to it). The step-through and the picker trace the dashboard's newest
snapshot on planted copies (`planted_session`), so every phase shows the planted
engine's numbers and the finite-difference check (c) checks its ∂W. Named right, the
correct and planted traces of that step open side by side (`HuntCompareScreen`); named
wrong, a notice says so and the hunt goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

import numpy as np
from backprop_tui.core.learn.bugs import BUGS, Bug, get_bug
from backprop_tui.core.learn.hunt import HuntBuild, judge, unplanted, unplanted_optimizer
from backprop_tui.core.learn.targets import PhaseKey
from backprop_tui.core.lessons import TaskEvent
from backprop_tui.core.trace.record import StepTrace, trace_step
from backprop_tui.core.training.snapshot import Snapshot
from backprop_tui.tui.palette import ListedCommands
from backprop_tui.tui.screens.dialogs import CANCEL
from backprop_tui.tui.screens.hunt_compare import HuntCompareScreen
from backprop_tui.tui.screens.step_session import StepResult, StepSession
from backprop_tui.tui.screens.step_through import StepThroughScreen
from backprop_tui.tui.widgets.context import ViewContext
from backprop_tui.tui.widgets.lesson_panel import TaskReported
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, OptionList
from textual.widgets.option_list import Option

HUNT_ACTION = "hunt_guess"

KEYS: list[Binding] = [
    Binding(
        "b",
        HUNT_ACTION,
        "Name the bug",
        id="hunt",
        tooltip="Bug hunt: name the phase where the planted bug first shows, and the mistake",
    )
]
"""The hunt's key: shown and active only while a hunt is on."""

HUNTING = " · bug hunt: a bug is planted in the engine (b names it)"
FOUND = " · bug hunt: found {name}"


@dataclass
class Hunt:
    """The dashboard's hunt: the planted bug (its name hidden until `solved`) and how many
    guesses were wrong."""

    bug: Bug
    solved: bool = False
    misses: int = 0

    @classmethod
    def named(cls, name: str | None) -> Hunt | None:
        """The hunt of the bug called `name`, or None without one."""
        return None if name is None else cls(get_bug(name))

    @property
    def title(self) -> str:
        """What the dashboard's title adds: that a hunt is on, or which bug was found."""
        return FOUND.format(name=self.bug.name) if self.solved else HUNTING


def new_controller(app: Any) -> Any:
    """The app's training worker (`app.controller_factory`); during a bug hunt on the
    planted engine: only the bug's name crosses to it, the worker looks the bug up."""
    if app.hunt is None:
        return app.controller_factory(app.post_event)
    return app.controller_factory(app.post_event, build=HuntBuild(app.hunt.bug.name))


def planted_session(
    context: ViewContext, snapshot: Snapshot, bug: Bug, **options: Any
) -> StepSession:
    """The step-through's session of the dashboard's state (`StepSession.from_snapshot`,
    `options` as there) with `bug` planted in its network and optimizer copies."""
    session = StepSession.from_snapshot(context, snapshot, **options)
    session.network = bug.network(session.network, session.optimizer.lr)
    session.optimizer = bug.optimizer(session.optimizer)
    return session


def open_hunt_step_through(
    app: App[Any],
    context: ViewContext,
    snapshot: Snapshot,
    callback: Callable[[StepResult | None], Any] | None = None,
    *,
    bug: Bug,
    sample: int | None = None,
    **options: Any,
) -> StepThroughScreen:
    """`open_step_through` on the planted engine: each phase shows its numbers."""
    session = planted_session(context, snapshot, bug, **options)
    screen = StepThroughScreen(session, sample=sample, context=context)
    app.push_screen(screen, callback)
    return screen


def hunt_traces(session: StepSession) -> tuple[StepTrace, StepTrace]:
    """(correct, planted): the session's next batch traced on the correct engine and on
    its planted one, from the same parameters and optimizer state."""
    planted = session.trace()
    rows = np.asarray(session.rows(None), dtype=np.intp)
    right = trace_step(
        unplanted(session.network),
        session.loss,
        unplanted_optimizer(session.optimizer),
        session.data.X[rows],
        session.data.Y[rows],
        session.train_biases,
    )
    return right, planted


@dataclass(frozen=True)
class Guess:
    """What the learner named: a phase and a mistake."""

    phase: PhaseKey
    mistake: str


class BugPicker(ModalScreen[Guess | None]):
    """Two lists: the phases of the traced step, and the mistakes. Enter on a phase moves
    to the mistakes; enter on a mistake (or "Name it") names both."""

    BINDINGS: ClassVar[list[BindingType]] = [CANCEL]
    DEFAULT_CSS = """
    BugPicker { align: center middle; }
    BugPicker > Vertical {
        width: 96; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; padding: 0 1; background: $surface;
    }
    BugPicker OptionList { height: auto; max-height: 12; }
    BugPicker .buttons { height: auto; align-horizontal: right; }
    """

    def __init__(self, trace: StepTrace) -> None:
        super().__init__()
        self.trace = trace

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Name the bug"
            yield Label("Which phase is the first whose numbers break its own equation?")
            yield OptionList(
                *(
                    Option(f"{i + 1}. {phase.title}", id=f"phase-{i}")
                    for i, phase in enumerate(self.trace.phases)
                ),
                id="hunt-phase",
            )
            yield Label("Which mistake is it?")
            yield OptionList(
                *(Option(f"{bug.name} — {bug.description}", id=bug.name) for bug in BUGS),
                id="hunt-mistake",
            )
            with Horizontal(classes="buttons"):
                yield Button("Name it", variant="primary", id="hunt-name")
                yield Button("Cancel", id="hunt-cancel")

    def on_mount(self) -> None:
        self.query_one("#hunt-phase", OptionList).focus()

    @on(OptionList.OptionSelected, "#hunt-phase")
    def _phase_chosen(self) -> None:
        self.query_one("#hunt-mistake", OptionList).focus()

    @on(OptionList.OptionSelected, "#hunt-mistake")
    @on(Button.Pressed, "#hunt-name")
    def name_it(self) -> None:
        phases = self.query_one("#hunt-phase", OptionList)
        mistakes = self.query_one("#hunt-mistake", OptionList)
        if phases.highlighted is None or mistakes.highlighted is None:
            self.notify("choose a phase and a mistake first", severity="warning")
            return
        phase = self.trace.phases[phases.highlighted]
        mistake = BUGS[mistakes.highlighted].name
        self.dismiss(Guess(PhaseKey(phase.kind, phase.layer), mistake))

    @on(Button.Pressed, "#hunt-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def open_bug_picker(app: Any) -> BugPicker | None:
    """The picker on the dashboard's newest state; its answer is judged on return: right,
    the side-by-side opens and the title names the bug; wrong, a notice says so."""
    hunt: Hunt | None = app.hunt
    if hunt is None or app.context is None or app.snapshot is None or app.status is None:
        return None
    optimizer = app.status.settings.optimizer
    session = planted_session(app.context, app.snapshot, hunt.bug, optimizer=optimizer)
    right, planted = hunt_traces(session)

    def answered(guess: Guess | None) -> None:
        if guess is None:
            return
        verdict = judge(hunt.bug, planted, guess.phase, guess.mistake)
        app.post_message(TaskReported(TaskEvent.hunted(hunt.bug.name, verdict.right)))
        if not verdict.right:
            hunt.misses += 1
            app.notify(verdict.message, title="Bug hunt", severity="warning")
            return
        hunt.solved = True
        if app.preset is not None:
            app.title = app.preset.name + hunt.title
        app.notify(verdict.message, title="Bug hunt")
        app.push_screen(HuntCompareScreen(hunt.bug, right, planted))

    picker = BugPicker(planted)
    app.push_screen(picker, answered)
    return picker


class HuntCommands(ListedCommands):
    """The palette's entry for naming the bug, while a hunt is on."""

    def _commands(self) -> Iterator[tuple[str, str, Callable[[], Any]]]:
        if getattr(self.app, "hunt", None) is None:
            return
        for binding in KEYS:
            run = partial(self.app.run_action, binding.action)
            yield binding.description, f"{binding.key} · {binding.tooltip}", run

"""Helpers for the app's Pilot tests: build the app as the command line does (`build_app`)
on a thread or process worker, wait (by polling, with a generous timeout) for what the
test needs, make a round trip to the worker before checking that something did not
happen, record notices."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any, TypeVar

from backprop_tui.tui.app import BackpropApp, build_app
from backprop_tui.tui.widgets.layer_tables import LayerTables
from backprop_tui.tui.worker.commands import SetPace
from backprop_tui.tui.worker.controller import ProcessController, ThreadController
from textual.pilot import Pilot
from textual.screen import Screen

S = TypeVar("S", bound=Screen[Any])

TIMEOUT = 60.0
SIZE = (120, 40)

_MARKS = itertools.count(1)


def make_app(preset: str | None = "seed-toy", process: bool = False, **kwargs: Any) -> Any:
    """`build_app(preset, **kwargs)` (a `BackpropApp`, or the graph view alone for an
    expression without a preset); thread worker unless `process`. Records notices in
    `app.notices` as (message, severity)."""
    factory = ProcessController if process else ThreadController
    app = build_app(preset, factory, **kwargs)
    app.notices = []
    original = app.notify

    def notify(message: str, *args: Any, **options: Any) -> None:
        app.notices.append((str(message), options.get("severity", "information")))
        original(message, *args, **options)

    app.notify = notify
    return app


async def wait_until(pilot: Pilot, condition: Callable[[], Any], what: str) -> None:
    """Let the app run until `condition()` holds."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"timed out waiting for {what}")


async def on_top(pilot: Pilot, kind: type[S]) -> S:
    """Until a `kind` screen is the one on top; returns it."""
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, kind), kind.__name__)
    screen = pilot.app.screen
    assert isinstance(screen, kind)
    return screen


async def ready(pilot: Pilot, steps: int = 0) -> None:
    """Until the app shows the current preset at `steps` global steps."""
    app = pilot.app
    await wait_until(
        pilot,
        lambda: app.snapshot is not None and not app._pending and app.snapshot.global_step == steps,
        f"step {steps}",
    )


async def settle(pilot: Pilot, state: str) -> None:
    app = pilot.app
    await wait_until(pilot, lambda: app.status is not None and app.status.state == state, state)


def notices(app: BackpropApp, severity: str | None = None) -> list[str]:
    return [m for m, s in app.notices if severity is None or s == severity]


async def round_trip(pilot: Pilot) -> None:
    """Until the worker has answered a command sent now. The worker serves commands in
    order and answers each with a snapshot, and the app takes snapshots in order: after
    this, every command the app sent before has been applied and shown, so what has not
    happened by now did not happen. (The command sets the pace to a value no key sets and
    back; a paused worker does not train.)"""
    app = pilot.app
    await pilot.pause()  # keys still being handled send their commands first
    pace = app.status.pace
    mark = 100_000.0 + next(_MARKS)
    app.controller.send(SetPace(mark))
    await wait_until(pilot, lambda: app.status.pace == mark, "the worker's answer")
    app.controller.send(SetPace(pace))
    await wait_until(pilot, lambda: app.status.pace == pace, "the pace back")


async def tables_drawn(pilot: Pilot, tables: LayerTables) -> None:
    """Until the layer tables' visible tab shows their newest snapshot and highlights (a
    redraw the throttle deferred, or one waiting for the tables to be laid out, has run)."""
    await wait_until(
        pilot,
        lambda: tables._shown.get(tables.active_layer) == tables._generation,
        "the tables drawn",
    )

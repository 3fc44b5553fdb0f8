"""Snapshot test of a lesson beside the dashboard: the worked example's second step (its
text, the predict task not yet done, the keys), seed-toy paused at step 0. Deterministic
as the dashboard's snapshots are (paused worker, every snapshot drawn at once).
Regenerate with `pytest tests/snapshots/test_snapshots_lesson.py --snapshot-update` and
look at the SVG before committing it."""

from __future__ import annotations

from app_pilot import wait_until
from backprop_tui.core.lessons import load
from backprop_tui.tui.lesson_app import build_lesson_app
from backprop_tui.tui.worker.controller import ThreadController
from test_snapshots import at_step_zero
from textual.pilot import Pilot


async def second_step(pilot: Pilot) -> None:
    app = pilot.app
    await at_step_zero(pilot)
    await pilot.press("N")
    await wait_until(
        pilot,
        lambda: app.step_index == 1 and not app._pending and app.task_state.progress is not None,
        "the second step's preset",
    )
    await at_step_zero(pilot)


def test_the_worked_example_lesson_beside_the_dashboard_at_160_by_44(snap_compare) -> None:
    app = build_lesson_app(load("worked-example"), ThreadController, redraw_rate=0)
    assert snap_compare(app, terminal_size=(160, 44), run_before=second_step)

"""Snapshot test of the bug hunt's side-by-side: seed-toy with the sign flipped in the
output error, named right from the picker, as `backprop-tui hunt seed-toy --bug
sign-flipped-error` opens it. Regenerate with --snapshot-update and look at the SVG under
tests/snapshots/__snapshots__/test_snapshots_hunt/."""

from __future__ import annotations

from app_pilot import on_top, ready
from backprop_tui.core.learn.bugs import BUGS
from backprop_tui.tui.app import BackpropApp, build_app
from backprop_tui.tui.screens.hunt import BugPicker
from backprop_tui.tui.screens.hunt_compare import HuntCompareScreen
from backprop_tui.tui.worker.controller import ThreadController
from textual.pilot import Pilot
from textual.widgets import OptionList

BUG = "sign-flipped-error"


async def named_right(pilot: Pilot) -> None:
    """b, then δ(2) (phase 6) and the mistake, each with enter."""
    await ready(pilot)
    await pilot.press("b")
    picker = await on_top(pilot, BugPicker)
    picker.query_one("#hunt-phase", OptionList).highlighted = 5
    await pilot.press("enter")
    picker.query_one("#hunt-mistake", OptionList).highlighted = [b.name for b in BUGS].index(BUG)
    await pilot.press("enter")
    await on_top(pilot, HuntCompareScreen)
    pilot.app.clear_notifications()  # "Found it", which the heading says too
    await pilot.pause()


def test_the_correct_and_planted_traces_side_by_side(snap_compare) -> None:
    app = build_app("seed-toy", controller_factory=ThreadController, hunt=BUG, redraw_rate=0)
    assert isinstance(app, BackpropApp)
    assert snap_compare(app, terminal_size=(120, 40), run_before=named_right)

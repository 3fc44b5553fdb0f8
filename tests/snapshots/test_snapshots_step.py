"""Snapshot tests of the step-through (seed-toy at δ(1), mid-pass) and of the graph view
(seed-scalar, midway through its backward pass), each opened as `backprop-tui step` and
`backprop-tui graph` open them: over the dashboard, paused at step 0. Regenerate with
--snapshot-update and look at the SVGs under tests/__snapshots__/test_snapshots_step/."""

from __future__ import annotations

from app_pilot import on_top
from backprop_tui.tui.app import BackpropApp, build_app
from backprop_tui.tui.screens.graph_view import GraphScreen
from backprop_tui.tui.screens.step_through import StepThroughScreen
from backprop_tui.tui.widgets.layer_tables import LayerTables
from backprop_tui.tui.worker.controller import ThreadController
from textual.pilot import Pilot


def app_on(preset: str, screen: str) -> BackpropApp:
    app = build_app(preset, controller_factory=ThreadController, screen=screen, redraw_rate=0)
    assert isinstance(app, BackpropApp)
    return app


async def hidden_delta(pilot: Pilot) -> None:
    """Go to phase 7, δ(1), and draw the layer tables now rather than at their
    throttled rate."""
    screen = await on_top(pilot, StepThroughScreen)
    await pilot.pause()
    await pilot.press("7")
    await pilot.pause()
    screen.query_one(LayerTables).refresh_tables()
    await pilot.pause()


async def midway(pilot: Pilot) -> None:
    """Three nodes into the backward pass."""
    await on_top(pilot, GraphScreen)
    await pilot.pause()
    await pilot.press("n", "n", "n")
    await pilot.pause()


def test_step_through_of_seed_toy_at_the_hidden_delta(snap_compare) -> None:
    assert snap_compare(
        app_on("seed-toy", "step"), terminal_size=(120, 36), run_before=hidden_delta
    )


def test_step_through_of_seed_toy_at_80_by_24(snap_compare) -> None:
    assert snap_compare(app_on("seed-toy", "step"), terminal_size=(80, 24), run_before=hidden_delta)


def test_graph_view_of_seed_scalar_midway(snap_compare) -> None:
    assert snap_compare(app_on("seed-scalar", "graph"), terminal_size=(120, 30), run_before=midway)

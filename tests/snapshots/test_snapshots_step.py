"""Snapshot tests of the step-through (seed-toy at δ(1), mid-pass) and of the graph view
(seed-scalar, midway through its backward pass). Regenerate with --snapshot-update and
look at the SVGs under tests/__snapshots__/test_snapshots_step/."""

from __future__ import annotations

from backprop_tui.tui.screens.graph_view import StandaloneGraphApp
from backprop_tui.tui.screens.step_through import StandaloneStepApp
from backprop_tui.tui.widgets.layer_tables import LayerTables
from textual.pilot import Pilot


async def hidden_delta(pilot: Pilot) -> None:
    """Go to phase 7, δ(1), and draw the layer tables now rather than at their
    throttled rate."""
    await pilot.pause()
    await pilot.press("7")
    await pilot.pause()
    pilot.app.screen.query_one(LayerTables).refresh_tables()
    await pilot.pause()


def test_step_through_of_seed_toy_at_the_hidden_delta(snap_compare) -> None:
    assert snap_compare(
        StandaloneStepApp("seed-toy"), terminal_size=(120, 36), run_before=hidden_delta
    )


def test_step_through_of_seed_toy_at_80_by_24(snap_compare) -> None:
    assert snap_compare(
        StandaloneStepApp("seed-toy"), terminal_size=(80, 24), run_before=hidden_delta
    )


def test_graph_view_of_seed_scalar_midway(snap_compare) -> None:
    assert snap_compare(
        StandaloneGraphApp(preset="seed-scalar"),
        press=["n", "n", "n"],
        terminal_size=(120, 30),
    )

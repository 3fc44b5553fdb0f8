"""Snapshot test of the step-through's predict mode: seed-toy as `backprop-tui step` opens
it, predicting the backward pass, δ(2) answered right and δ(1) answered with the
activation's slope missing (the mistake named, the cells off marked, the hint). Regenerate
with --snapshot-update and look at the SVG under tests/__snapshots__/."""

from __future__ import annotations

from app_pilot import on_top, wait_until
from backprop_tui.tui.app import BackpropApp, build_app
from backprop_tui.tui.screens.predict import LevelPicker
from backprop_tui.tui.screens.step_through import StepThroughScreen
from backprop_tui.tui.widgets.layer_tables import LayerTables
from backprop_tui.tui.worker.controller import ThreadController
from textual.pilot import Pilot


async def a_named_mistake(pilot: Pilot) -> None:
    """Predict the backward pass: δ(2) right, then δ(1) as W(2)ᵀ δ(2) alone."""
    screen = await on_top(pilot, StepThroughScreen)
    await pilot.pause()
    await pilot.press("t")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, LevelPicker), "the picker")
    await pilot.press("down", "down", "enter")
    await wait_until(pilot, lambda: screen.quiz is not None, "predict mode")
    await pilot.pause()
    await pilot.press(*"0.1391", "enter")
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    await pilot.press(*"0.05565 0.06261", "enter")
    await pilot.pause()
    screen.query_one(LayerTables).refresh_tables()
    await pilot.pause()


def test_predict_mode_names_the_missing_activation_slope_at_the_hidden_delta(
    snap_compare,
) -> None:
    app = build_app("seed-toy", controller_factory=ThreadController, screen="step", redraw_rate=0)
    assert isinstance(app, BackpropApp)
    assert snap_compare(app, terminal_size=(120, 40), run_before=a_named_mistake)

"""Snapshot tests of the dashboard (seed-toy paused at step 0, at three terminal sizes;
xor at the roomy size) and of the help screen. Deterministic: the worker is paused,
steps/s shows "—", and panels draw every snapshot at once (redraw_rate=0).
Regenerate with `pytest tests/snapshots/test_snapshots.py --snapshot-update` and look at the
SVGs under tests/__snapshots__/test_snapshots/ before committing them."""

from __future__ import annotations

from app_pilot import wait_until
from backprop_tui.tui.app import BackpropApp, build_app
from backprop_tui.tui.worker.controller import ThreadController
from textual.pilot import Pilot
from textual.widgets import TabbedContent


def paused_app(preset: str) -> BackpropApp:
    return build_app(preset, controller_factory=ThreadController, redraw_rate=0)


async def at_step_zero(pilot: Pilot) -> None:
    """Until the first snapshot is drawn everywhere (tables mounted, nothing pending)."""
    app = pilot.app
    await wait_until(
        pilot,
        lambda: app.snapshot is not None and not app._pending and app.status.state == "paused",
        "the first snapshot",
    )
    tabs = app.query_one("#tables").query_one(TabbedContent)
    await wait_until(pilot, lambda: tabs.is_mounted and tabs.tab_count > 0, "the layer tabs")
    await pilot.pause()
    for panel in app.panels:
        panel.show(app.snapshot)
    await pilot.pause()


async def help_open(pilot: Pilot) -> None:
    await at_step_zero(pilot)
    await pilot.press("question_mark")
    await pilot.pause()


def test_dashboard_of_seed_toy_paused_at_step_zero(snap_compare) -> None:
    assert snap_compare(paused_app("seed-toy"), terminal_size=(120, 40), run_before=at_step_zero)


def test_dashboard_of_seed_toy_at_80_by_24_shows_one_panel_under_tabs(snap_compare) -> None:
    assert snap_compare(paused_app("seed-toy"), terminal_size=(80, 24), run_before=at_step_zero)


def test_dashboard_of_xor_at_200_by_50_shows_every_panel(snap_compare) -> None:
    assert snap_compare(paused_app("xor"), terminal_size=(200, 50), run_before=at_step_zero)


def test_help_screen_lists_every_key(snap_compare) -> None:
    assert snap_compare(paused_app("seed-toy"), terminal_size=(120, 40), run_before=help_open)


async def health_shown(pilot: Pilot) -> None:
    """One epoch trained (seed-toy measures its first), then h: the health panel."""
    await at_step_zero(pilot)
    app = pilot.app
    await pilot.press("e")
    await wait_until(
        pilot,
        lambda: app.snapshot.health is not None and app.status.state == "paused",
        "the first measured epoch",
    )
    await pilot.press("h")
    await wait_until(pilot, lambda: app.query_one("#health").display, "the health panel")
    for panel in app.panels:
        panel.show(app.snapshot)
    await pilot.pause()


def test_health_panel_of_seed_toy_after_one_epoch(snap_compare) -> None:
    assert snap_compare(paused_app("seed-toy"), terminal_size=(120, 40), run_before=health_shown)

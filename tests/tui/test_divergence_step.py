"""A run that diverges in the app: the notice offers the step-through at the failing phase,
by D or the palette, and the step-through opens there."""

from __future__ import annotations

import numpy as np
from app_pilot import make_app, notices, on_top, ready, settle, wait_until
from backprop_tui.core.config.presets import load
from backprop_tui.core.learn.targets import phase_value
from backprop_tui.core.trace.model import Phase
from backprop_tui.core.training.forensics import overflow_bound
from backprop_tui.tui.screens.divergence import DIVERGENCE_HINT, NOT_DIVERGED
from backprop_tui.tui.screens.step_through import StepThroughScreen
from textual.command import CommandList, CommandPalette

SIZE = (120, 40)


def out_of_range(screen: StepThroughScreen, phase: Phase) -> bool:
    value = np.asarray(phase_value(screen.trace, phase), dtype=np.float64)
    bound = overflow_bound(screen.trace.x.dtype)
    with np.errstate(invalid="ignore"):
        return bool((~np.isfinite(value) | (np.abs(value) > bound)).any())


async def diverged_app(pilot, app, tmp_path, diverging_toml: str) -> None:
    path = tmp_path / "diverging.toml"
    path.write_text(diverging_toml)
    await ready(pilot)
    assert app.load_preset(load(path))
    await wait_until(pilot, lambda: app.snapshot.lr == 1e6, "the diverging preset")
    await pilot.press("space")
    await settle(pilot, "diverged")


async def test_d_after_a_divergence_opens_the_step_through_at_the_failing_phase(
    tmp_path, diverging_toml
) -> None:
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await diverged_app(pilot, app, tmp_path, diverging_toml)
        await wait_until(pilot, lambda: notices(app, "warning"), "the divergence notice")
        assert any(DIVERGENCE_HINT in note for note in notices(app, "warning"))
        await pilot.press("D")
        screen = await on_top(pilot, StepThroughScreen)
        assert screen.index > 0
        assert out_of_range(screen, screen.phase)
        assert not any(out_of_range(screen, p) for p in screen.trace.phases[: screen.index])
        assert any("first out of range" in note for note in notices(app, "warning"))


async def test_the_palette_offers_the_step_through_at_the_divergence(
    tmp_path, diverging_toml
) -> None:
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await diverged_app(pilot, app, tmp_path, diverging_toml)
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await pilot.press(*"at the divergence")
        commands = app.screen.query_one(CommandList)

        def highlighted() -> str:
            option = commands.highlighted_option
            return "" if option is None else str(option.prompt)

        await wait_until(pilot, lambda: "divergence" in highlighted(), "the command")
        await pilot.press("enter")
        screen = await on_top(pilot, StepThroughScreen)
        assert out_of_range(screen, screen.phase)


async def test_d_before_any_divergence_says_so_and_opens_nothing() -> None:
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("D")
        await wait_until(pilot, lambda: NOT_DIVERGED in notices(app), "the notice")
        assert not isinstance(app.screen, StepThroughScreen)

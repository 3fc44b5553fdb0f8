"""The bug hunt in the dashboard: the worker trains on the planted engine, the dashboard
says a hunt is on without naming the bug, the step-through and its finite-difference
check show the planted numbers, and the picker judges a guess (right: the side-by-side;
wrong: a notice, the hunt goes on)."""

from __future__ import annotations

import numpy as np
from app_pilot import make_app, notices, on_top, ready, wait_until
from backprop_tui.core.config.presets import build_trainer, load
from backprop_tui.core.learn.bugs import BUGS, get_bug
from backprop_tui.core.learn.hunt import HuntBuild
from backprop_tui.core.trace.record import trace_trainer
from backprop_tui.tui.screens.hunt import BugPicker, HuntCommands
from backprop_tui.tui.screens.hunt_compare import HuntCompareScreen
from backprop_tui.tui.screens.step_through import StepThroughScreen
from textual.widgets import OptionList

BUG = "sign-flipped-error"


def hunt_app(bug: str = BUG, preset: str = "seed-toy"):
    return make_app(preset, hunt=bug)


async def pick(pilot, phase: int, mistake: str) -> None:
    """In the open picker: highlight phase `phase` (from 0), enter, the mistake, enter."""
    picker = await on_top(pilot, BugPicker)
    phases = picker.query_one("#hunt-phase", OptionList)
    phases.highlighted = phase
    await pilot.press("enter")
    mistakes = picker.query_one("#hunt-mistake", OptionList)
    assert mistakes.has_focus
    mistakes.highlighted = [bug.name for bug in BUGS].index(mistake)
    await pilot.press("enter")


def departure_index(bug: str, preset: str = "seed-toy") -> int:
    trace = trace_trainer(build_trainer(load(preset)))
    return trace.phases.index(get_bug(bug).departure(trace))


async def test_the_dashboard_says_a_hunt_is_on_without_naming_the_bug():
    app = hunt_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        assert "bug hunt" in app.title
        assert BUG not in app.title
        assert "hunt_guess" in {b.binding.action for b in app.active_bindings.values()}


async def test_without_a_hunt_the_hunt_key_is_neither_shown_nor_active():
    app = make_app("seed-toy")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        assert app.hunt is None and "bug hunt" not in app.title
        assert not app.check_action("hunt_guess", ())
        await pilot.press("b")
        await pilot.pause()
        assert not isinstance(app.screen, BugPicker)
        assert not list(HuntCommands(app.screen)._commands())


async def test_the_worker_trains_with_the_planted_engine():
    app = hunt_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("n")
        await ready(pilot, 1)
        trainer = get_bug(BUG).trainer(build_trainer(load("seed-toy")))
        planted = trace_trainer(trainer)
        correct = trace_trainer(build_trainer(load("seed-toy")))
        for l, lt in enumerate(planted.layers):
            np.testing.assert_array_equal(app.snapshot.W[l], lt.W_new)
        assert not np.array_equal(app.snapshot.W[-1], correct.layers[-1].W_new)


async def test_the_step_through_and_its_finite_difference_check_show_the_planted_engine():
    app = hunt_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        await pilot.press("d")
        screen = await on_top(pilot, StepThroughScreen)
        correct = trace_trainer(build_trainer(load("seed-toy")))
        np.testing.assert_array_equal(screen.trace.layers[-1].delta, -correct.layers[-1].delta)
        await pilot.press("c")
        await wait_until(pilot, lambda: screen.check is not None, "the gradient check")
        assert screen.check.max_relative_error > 1e-3


async def test_naming_the_phase_and_the_mistake_opens_the_two_traces_side_by_side():
    app = hunt_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("b")
        await pick(pilot, departure_index(BUG), BUG)
        screen = await on_top(pilot, HuntCompareScreen)
        assert screen.bug.name == BUG
        assert f"found {BUG}" in app.title
        assert any(BUG in text for text in notices(app))
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, HuntCompareScreen), "back")


async def test_a_wrong_guess_says_so_and_the_hunt_goes_on():
    app = hunt_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("b")
        await pick(pilot, departure_index(BUG), "missing-activation-derivative")
        await wait_until(pilot, lambda: not isinstance(app.screen, BugPicker), "the answer")
        assert not isinstance(app.screen, HuntCompareScreen)
        assert notices(app, "warning") == [
            "The phase is right, but not the mistake: what does it do there?"
        ]
        assert app.hunt.misses == 1 and not app.hunt.solved
        assert BUG not in app.title and "bug hunt" in app.title
        await pilot.press("b")
        await pick(pilot, departure_index(BUG) + 1, BUG)
        await wait_until(pilot, lambda: app.hunt.misses == 2, "the second answer")
        assert not app.hunt.solved


async def test_the_palette_offers_naming_the_bug_during_a_hunt():
    app = hunt_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Name the bug")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await on_top(pilot, BugPicker)


async def test_a_process_worker_gets_only_the_bug_s_name_and_trains_on_the_planted_engine():
    app = make_app("seed-toy", process=True, hunt=BUG)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        assert app.controller.build == HuntBuild(BUG)
        await pilot.press("n")
        await ready(pilot, 1)
        planted = trace_trainer(get_bug(BUG).trainer(build_trainer(load("seed-toy"))))
        np.testing.assert_array_equal(app.snapshot.W[-1], planted.layers[-1].W_new)


def test_the_side_by_side_marks_the_differing_cells_and_counts_them_in_a_big_value():
    from backprop_tui.tui.screens.hunt_compare import DIFFERS, _cells

    values = np.array([[1.0, 2.0], [3.0, 4.0]])
    text = _cells(values, np.array([[False, True], [True, False]]), 4)
    marked = [text.plain[s.start : s.end] for s in text.spans if s.style == DIFFERS]
    assert marked == ["2", "3"]
    big = _cells(np.zeros((8, 10)), np.eye(8, 10, dtype=bool), 4)
    assert "(8 × 10; 8 cells differ)" in big.plain

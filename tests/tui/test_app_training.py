"""Pilot tests of the training state the dashboard shows: a batch-size change applies from
the next step, an applied trace is a step, an edited weight is measured at once."""

from __future__ import annotations

from app_pilot import SIZE, make_app, ready, wait_until
from backprop_tui.core.config.presets import build_trainer, load
from backprop_tui.tui.screens.dialogs import NumberDialog
from backprop_tui.tui.screens.settings_form import SettingsForm
from backprop_tui.tui.screens.step_through import StepThroughScreen
from backprop_tui.tui.widgets.status_bar import status_line
from textual.pilot import Pilot
from textual.widgets import Input


def line(pilot: Pilot) -> str:
    app = pilot.app
    return status_line(app.snapshot, app.status).plain


async def type_into(pilot: Pilot, selector: str, text: str) -> None:
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    await pilot.press("home", "ctrl+k", *text)


async def step_through(pilot: Pilot) -> StepThroughScreen:
    await pilot.press("d")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, StepThroughScreen), "trace")
    screen = pilot.app.screen
    assert isinstance(screen, StepThroughScreen)
    return screen


async def dashboard(pilot: Pilot) -> None:
    await wait_until(pilot, lambda: pilot.app.screen is pilot.app.screen_stack[0], "dashboard")


async def test_batch_size_one_on_xor_makes_the_next_step_one_row_everywhere() -> None:
    app = make_app("xor")  # the whole set: one step an epoch
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("f")
        await wait_until(pilot, lambda: isinstance(app.screen, SettingsForm), "the form")
        await type_into(pilot, "#batch-size", "1")
        await pilot.press("enter")
        await dashboard(pilot)
        await wait_until(pilot, lambda: app.status.settings.batch_size == 1, "batch size 1")
        assert "step 0/4" in line(pilot)
        screen = await step_through(pilot)
        assert len(screen.session.next_batch) == 1 and screen.trace.x.shape == (1, 2)
        await pilot.press("escape")
        await dashboard(pilot)
        await pilot.press("n")
        await ready(pilot, 1)
        assert "epoch 0/500" in line(pilot) and "step 1/4" in line(pilot)


async def test_applying_a_traced_sample_counts_as_a_step() -> None:
    app = make_app("xor")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await step_through(pilot)
        await pilot.press("plus")  # the first training row instead of the next batch
        await wait_until(pilot, lambda: screen.sample == 0, "row 0")
        await pilot.press("enter")
        await dashboard(pilot)
        await ready(pilot, 1)
        # xor trains the whole set each step: a step on a chosen row ends the epoch too.
        assert app.snapshot.epoch == 1 and "epoch 1/500" in line(pilot)


async def test_after_an_edit_the_status_shows_the_loss_of_the_edited_weights() -> None:
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("n")
        await ready(pilot, 1)
        stale = line(pilot)
        tables = app.query_one("#tables")
        app.post_message(tables.EditRequested(2, "W", (0, 1), 0.45))
        await wait_until(pilot, lambda: isinstance(app.screen, NumberDialog), "the dialog")
        await type_into(pilot, "#dialog-input", "-3.5")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.snapshot.W[1][0, 1] == -3.5, "the edit")
        trainer = build_trainer(load("seed-toy"))
        trainer.step()
        trainer.network.W[1][0, 1] = -3.5
        expected = f"loss {trainer.evaluate(trainer.train_data)[0]:.4g}"
        assert expected in line(pilot) and expected not in stale

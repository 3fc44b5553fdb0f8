"""The nudge probe on the dashboard: u on a W or b cell of the layer tables nudges that
entry of the newest snapshot's network, on a copy, for the next batch's loss."""

from __future__ import annotations

import numpy as np
import pytest
from app_pilot import make_app, notices, on_top, ready, tables_drawn, wait_until
from backprop_tui.core.config.presets import build_trainer, load
from backprop_tui.tui.actions import NUDGE_HINT
from backprop_tui.tui.screens.nudge_dialog import NudgeDialog
from backprop_tui.tui.widgets.layer_tables import LayerTables
from textual.coordinate import Coordinate

SIZE = (120, 40)


async def test_u_on_a_weight_of_the_dashboard_nudges_it_on_a_copy() -> None:
    app = make_app("xor")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("n")
        await ready(pilot, 1)
        tables = app.query_one(LayerTables)
        await tables_drawn(pilot, tables)
        table = tables.tables[(1, "W")]
        table.focus()
        table.cursor_coordinate = Coordinate(2, 1)
        W_before = [w.copy() for w in app.snapshot.W]
        await pilot.press("u")
        dialog = await on_top(pilot, NudgeDialog)
        probe = dialog.nudge
        # The same probe by hand: the trainer one step on, its next batch (the whole set).
        trainer = build_trainer(load("xor"))
        trainer.step()
        rows = trainer.next_batch()
        x, y = trainer.train_data.X[rows], trainer.train_data.Y[rows]
        _, bwd = trainer.network.gradients(x, y, trainer.loss)
        assert probe.name == "W(1)₃,₂" and probe.eps == 0.01
        assert probe.theta == trainer.network.W[0][2, 1]
        assert probe.gradient == pytest.approx(bwd.dW[0][2, 1], rel=1e-12)
        trainer.network.W[0][2, 1] += 0.01
        after = trainer.network.forward(x)
        plus = trainer.loss.value(after.y_hat, y, after.z[-1])
        assert probe.loss_plus == pytest.approx(plus, rel=1e-12)
        assert "epoch 1, step 0" in dialog.where and "next batch (4 rows)" in dialog.where
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is not dialog, "the dashboard again")
        for got, want in zip(app.snapshot.W, W_before, strict=True):
            assert np.array_equal(got, want)


async def test_u_on_a_bias_cell_nudges_the_bias() -> None:
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        tables = app.query_one(LayerTables)
        await tables_drawn(pilot, tables)
        table = tables.tables[(1, "b")]
        table.focus()
        table.cursor_coordinate = Coordinate(1, 0)
        await pilot.press("u")
        dialog = await on_top(pilot, NudgeDialog)
        assert dialog.nudge.name == "b(1)₂"
        assert "difference (second order)" in dialog.text


async def test_u_elsewhere_puts_the_cursor_on_the_w_table_and_says_what_to_do() -> None:
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("u")
        await wait_until(pilot, lambda: NUDGE_HINT in notices(app), "the hint")
        tables = app.query_one(LayerTables)
        assert app.focused is tables.tables[(tables.active_layer, "W")]
        assert not isinstance(app.screen, NudgeDialog)
        await pilot.press("u")
        await on_top(pilot, NudgeDialog)

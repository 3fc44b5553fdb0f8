"""The step-through's instruments: the autodiff column of c, the nudge probe (u) and the
person's own values loaded from a file (o)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from app_pilot import wait_until
from backprop_tui.core.config.presets import build_trainer, load
from backprop_tui.tui.screens.nudge_dialog import NudgeDialog
from backprop_tui.tui.screens.step_instruments import NO_ENTRY, GivenPathDialog
from backprop_tui.tui.screens.step_through import StepThroughScreen
from backprop_tui.tui.widgets.given_table import BAD, GivenTable
from backprop_tui.tui.widgets.gradcheck_table import GradCheckTable
from backprop_tui.tui.widgets.layer_tables import LayerTables
from textual.app import App, ComposeResult
from textual.coordinate import Coordinate
from textual.widgets import Input, Static

SIZE = (120, 40)


class Host(App[None]):
    """Pushes one step-through screen; records notices."""

    def __init__(self, screen: StepThroughScreen) -> None:
        super().__init__()
        self.step_screen = screen
        self.notices: list[tuple[str, str]] = []

    def compose(self) -> ComposeResult:
        yield Static("dashboard")

    def on_mount(self) -> None:
        self.push_screen(self.step_screen)

    def notify(self, message: str, *args: Any, **options: Any) -> None:
        self.notices.append((str(message), options.get("severity", "information")))
        super().notify(message, *args, **options)


def host(preset: str = "seed-toy") -> Host:
    trainer = build_trainer(load(preset))
    return Host(StepThroughScreen.from_trainer(trainer, title=preset))


async def test_the_check_table_shows_the_autodiff_value_beside_backprop() -> None:
    app = host()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("c")
        table = app.step_screen.query_one(GradCheckTable)
        await wait_until(pilot, lambda: table.row_count == 7, "the check's rows")
        row = table.get_row("∂L/∂W(2)₁,₁")
        assert [cell.plain for cell in row[1:3]] == ["0.0866", "0.0866"]
        assert row[5].plain == "0.0866"
        assert table.autodiff_errors["∂L/∂W(2)₁,₁"] < 1e-14
        assert "autodiff" in table.HEADERS


async def test_u_nudges_the_weight_under_the_cursor_and_leaves_the_network_as_it_was() -> None:
    app = host()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.step_screen
        W_before = [w.copy() for w in screen.session.network.W]
        trace = screen.trace
        tables = screen.query_one(LayerTables)
        tables.active_layer = 2
        await pilot.pause()
        table = tables.tables[(2, "W")]
        await wait_until(pilot, lambda: table.row_count > 0, "the W(2) table")
        table.focus()
        table.cursor_coordinate = Coordinate(0, 1)
        await pilot.press("u")
        dialog = screen.nudge_dialog
        await wait_until(pilot, lambda: app.screen is dialog, "the nudge dialog")
        assert isinstance(dialog, NudgeDialog)
        probe = dialog.nudge
        assert probe.name == "W(2)₁,₂" and probe.eps == 0.01
        assert probe.gradient == trace.layers[1].dW[0, 1]
        assert probe.predicted == pytest.approx(0.0898294 * 0.01, rel=1e-5)
        assert probe.second_order == pytest.approx(probe.expected_second_order, rel=0.05)
        text = dialog.text
        assert "L(W(2)₁,₂ + ε) − L(W(2)₁,₂) ≈ ∂L/∂W(2)₁,₂ · ε" in text
        assert "difference (second order)" in text
        await pilot.press("right_square_bracket")
        assert dialog.nudge.eps == 0.02
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen, "the step-through again")
        assert screen.trace is trace
        for now, before in zip(screen.session.network.W, W_before, strict=True):
            assert np.array_equal(now, before)
        assert np.array_equal(trace.layers[1].W, W_before[1])


async def test_u_on_a_row_of_the_check_table_nudges_that_entry() -> None:
    app = host()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.step_screen
        await pilot.press("c")
        table = screen.query_one(GradCheckTable)
        await wait_until(pilot, lambda: table.row_count == 7, "the check's rows")
        table.focus()
        table.cursor_coordinate = Coordinate(3, 0)  # ∂L/∂b(1)₂
        await pilot.press("u")
        await wait_until(pilot, lambda: isinstance(app.screen, NudgeDialog), "the dialog")
        assert screen.nudge_dialog is not None and screen.nudge_dialog.nudge.name == "b(1)₂"


async def test_u_without_a_weight_under_the_cursor_says_where_to_put_it() -> None:
    app = host()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("u")
        await wait_until(pilot, lambda: app.notices, "a notice")
        assert app.notices[-1][0] == NO_ENTRY
        assert app.screen is app.step_screen


async def load_through_dialog(pilot: Any, app: Host, path: Path) -> None:
    await pilot.press("o")
    await wait_until(pilot, lambda: isinstance(app.screen, GivenPathDialog), "the path dialog")
    app.screen.query_one(Input).value = str(path)
    await pilot.press("enter")
    await wait_until(pilot, lambda: app.screen is app.step_screen, "the step-through again")


async def test_o_loads_your_values_and_marks_the_cells_that_differ(tmp_path: Path) -> None:
    app = host()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.step_screen
        document = screen.trace.to_json()
        delta = np.array(document["layers"][0]["delta"])
        delta[0, 1] *= 2.0
        document["layers"][0]["delta"] = delta.tolist()
        path = tmp_path / "mine.json"
        path.write_text(json.dumps(document))
        await load_through_dialog(pilot, app, path)
        table = screen.query_one("#given", GivenTable)
        screen.go_to(screen.trace.phase_index("delta_hidden", 1))
        await wait_until(pilot, lambda: table.row_count == 2, "δ(1)'s cells")
        assert table.differing == ["δ(1)₂"]
        row = table.rows[1]
        assert row[0][0] == "δ(1)₂" and row[2][1] == BAD and row[4][0] == "✗"
        title = str(screen.query_one("#given-title", Static).content)
        assert "mine.json" in title and "differs δ(1)₂" in title
        screen.go_to(screen.trace.phase_index("forward_z", 1))
        await wait_until(pilot, lambda: "z(1)" in str(table.rows[0][0][0]), "z(1)'s cells")
        assert table.differing == []
        title = str(screen.query_one("#given-title", Static).content)
        assert title.endswith(": ok")


async def test_a_bad_file_is_a_notice_naming_it_and_the_key(tmp_path: Path) -> None:
    app = host()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        path = tmp_path / "wrong.json"
        path.write_text(json.dumps({"layers": [{"dz": [1.0]}]}))
        await load_through_dialog(pilot, app, path)
        await wait_until(pilot, lambda: app.notices, "a notice")
        message, severity = app.notices[-1]
        assert severity == "error" and "wrong.json" in message and "'dz'" in message
        shaped = tmp_path / "shape.npz"
        np.savez(shaped, delta1=np.zeros((1, 3)))
        await load_through_dialog(pilot, app, shaped)
        await wait_until(pilot, lambda: len(app.notices) == 2, "a second notice")
        message = app.notices[-1][0]
        assert "shape.npz" in message and "delta1" in message
        assert app.step_screen.given is None and not app.step_screen.query("#given")
        await pilot.press("right")
        assert app.step_screen.index == 1

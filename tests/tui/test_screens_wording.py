"""Screens and wording: one name per matrix entry, counted from 1, everywhere; the
finite-difference table colours only what the check can tell apart; enter on a table
cell is documented and says why when it cannot edit; the settings form and the status
line; step-through tables that fit what they show; the graph view and the equations at
the widths a terminal has."""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Any

from app_pilot import make_app, notices, on_top, ready, wait_until
from backprop_tui.tui.screens.dialogs import NumberDialog
from backprop_tui.tui.screens.graph_view import GraphScreen
from backprop_tui.tui.screens.help import HelpScreen
from backprop_tui.tui.screens.settings_form import SettingsForm
from backprop_tui.tui.screens.step_through import StepThroughScreen
from backprop_tui.tui.widgets.equation_panel import BAD, EquationPanel, GradCheckTable
from backprop_tui.tui.widgets.graph_diagram import GraphDiagram
from backprop_tui.tui.widgets.layer_tables import LayerTables
from backprop_tui.tui.widgets.matrix_table import MatrixTable
from backprop_tui.tui.widgets.status_bar import StatusBar
from rich.console import Console
from textual.command import CommandPalette
from textual.containers import ScrollableContainer
from textual.widgets import Input, Select

SIZE = (120, 40)
VARS = {"w": 1.5, "x": 2, "t": 5}


def step_app(preset: str) -> Any:
    """`backprop-tui step PRESET`: the dashboard with the step-through on top."""
    return make_app(preset, screen="step", redraw_rate=0)


# -- 1, 2: the finite-difference table ------------------------------------------------


async def test_the_spiral_check_names_each_of_its_entries_once_and_colours_none_red() -> None:
    # Run together, the subscripts of entries (1, 11) and (11, 1) of W(2) read alike
    # ('∂L/∂W(2)₁₁₁') and the table died with a duplicate key; a fixed 1e-6 tolerance
    # coloured correct gradients red.
    app = step_app("spiral")
    async with app.run_test(size=SIZE) as pilot:
        screen = await on_top(pilot, StepThroughScreen)
        await pilot.press("c")
        table = screen.query_one(GradCheckTable)
        await wait_until(pilot, lambda: table.row_count > 0, "the check's rows")
        assert table.row_count == len(table.errors) == 2 * 32 + 32 + 32 * 32 + 32 + 32 + 1
        assert "∂L/∂W(2)₁,₁₁" in table.errors and "∂L/∂W(2)₁₁,₁" in table.errors
        assert max(table.errors.values()) > 1e-6  # what the fixed tolerance called wrong
        assert table.flagged == []
        assert not any(row[3][1] == BAD for row in table.rows)
        assert any("every entry within the check's own error" in n for n in notices(app))
        assert any("against autodiff and the finite difference" in n for n in notices(app))


async def test_a_wrong_gradient_is_red_in_the_check() -> None:
    app = step_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        screen = await on_top(pilot, StepThroughScreen)
        network = screen.session.network
        sigmoid = network.activations[0]
        network.activations[0] = replace(sigmoid, derivative=lambda z, a: 1.01 * a * (1 - a))
        screen._retrace()
        await pilot.press("c")
        table = screen.query_one(GradCheckTable)
        await wait_until(pilot, lambda: table.row_count > 0, "the check's rows")
        assert set(table.flagged) == {"∂L/∂W(1)₁,₁", "∂L/∂W(1)₂,₁", "∂L/∂b(1)₁", "∂L/∂b(1)₂"}
        assert table.get_row("∂L/∂W(1)₁,₁")[3].style == BAD
        assert any("4 entries beyond the check's own error" in n for n in notices(app))


# -- 3: enter on a table cell ---------------------------------------------------------


async def test_enter_edits_a_weight_is_listed_in_the_help_screen() -> None:
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        table = app.screen.query_one("#help-table").content
        rows = list(zip(*(column.cells for column in table.columns), strict=True))
        edit = [row for row in rows if row[1] == "Edit a weight"]
        assert edit and edit[0][0] == "enter" and "W or b cell" in edit[0][2]


async def test_the_palette_offers_edit_a_weight_and_puts_the_cursor_on_w() -> None:
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await pilot.press(*"edit a weight")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.focused, MatrixTable), "a table focused")
        assert app.focused.quantity == "W"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, NumberDialog), "the dialog")


async def test_enter_on_a_computed_cell_says_only_w_and_b_can_be_edited() -> None:
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("n")
        await ready(pilot, 1)
        tables = app.query_one(LayerTables)
        z = tables.tables[(1, "z")]
        await wait_until(pilot, lambda: z.row_count == 1, "the z(1) table")
        z.focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: notices(app), "a notice")
        assert "Only W and b cells can be edited, not z(1)" in notices(app)
        assert not isinstance(app.screen, NumberDialog)


async def test_the_edit_dialog_counts_from_one_as_the_table_does() -> None:
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        tables = app.query_one(LayerTables)
        W = tables.tables[(1, "W")]
        await wait_until(pilot, lambda: W.row_count == 2, "the W(1) table")
        W.focus()
        W.move_cursor(row=1, column=0)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, NumberDialog), "the dialog")
        assert app.screen.title_text == "W(1)₂,₁"  # row i=2, column j=1 of the table
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, NumberDialog), "closed")
        b = tables.tables[(2, "b")]
        tables.active_layer = 2
        await wait_until(pilot, lambda: b.row_count == 1, "the b(2) table")
        b.focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, NumberDialog), "the dialog")
        assert app.screen.title_text == "b(2)"


async def test_the_step_throughs_tables_do_not_edit_the_training_network() -> None:
    app = step_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        screen = await on_top(pilot, StepThroughScreen)
        tables = screen.query_one(LayerTables)
        W = tables.tables[(1, "W")]
        await wait_until(pilot, lambda: W.row_count == 2, "the W(1) table")
        W.post_message(W.CellSelected(W, W.cursor_coordinate))
        await wait_until(pilot, lambda: notices(app), "a notice")
        assert "edit W and b on the dashboard" in notices(app)[-1]
        assert app.screen is screen


# -- 4: the settings form and the status line -----------------------------------------


async def type_into(pilot: Any, selector: str, text: str) -> None:
    """Clear the Input and type `text` key by key."""
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    await pilot.press("home", "ctrl+k", *text)


def form_error(app: Any) -> str:
    return str(app.screen.query_one("#settings-error").content)


async def test_the_settings_form_drops_its_error_once_the_field_is_fixed() -> None:
    app = make_app("xor")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("f")
        await wait_until(pilot, lambda: isinstance(app.screen, SettingsForm), "the form")
        await type_into(pilot, "#lr", "fast")
        await pilot.press("enter")
        assert "learning rate" in form_error(app)
        await type_into(pilot, "#lr", "0.25")
        await wait_until(pilot, lambda: form_error(app) == "", "the error gone")
        await type_into(pilot, "#epochs", "many")
        assert form_error(app) == ""  # no error until the form is submitted again
        await pilot.press("enter")
        assert "epochs" in form_error(app)
        await type_into(pilot, "#lr", "x")
        await wait_until(pilot, lambda: "learning rate" in form_error(app), "the first error")
        await type_into(pilot, "#lr", "0.25")
        await wait_until(pilot, lambda: "epochs" in form_error(app), "the error still due")


def status_text(app: Any) -> str:
    return str(app.query_one(StatusBar).content)


async def test_the_status_line_shows_the_optimizer_and_after_r_the_new_seed() -> None:
    app = make_app("moons")
    async with app.run_test(size=(200, 40)) as pilot:
        await ready(pilot)
        await wait_until(pilot, lambda: "adam η 0.02" in status_text(app), "the optimizer")
        assert "seed 0" in status_text(app)
        await pilot.press("R")
        await wait_until(pilot, lambda: "seed 1" in status_text(app), "the new seed")
        await pilot.press("f")
        await wait_until(pilot, lambda: isinstance(app.screen, SettingsForm), "the form")
        app.screen.query_one("#optimizer", Select).value = "sgd"
        await pilot.press("enter")
        await wait_until(pilot, lambda: "sgd η 0.02" in status_text(app), "sgd")


# -- 5: the step-through's tables fit the rows traced ---------------------------------


async def test_tracing_one_row_after_a_batch_of_16_leaves_no_empty_rows() -> None:
    app = step_app("circles")
    async with app.run_test(size=SIZE) as pilot:
        screen = await on_top(pilot, StepThroughScreen)
        await pilot.press("2")  # a(1): x and z(1) are computed
        tables = screen.query_one(LayerTables)
        x, z = tables.tables[(1, "a_prev")], tables.tables[(1, "z")]
        await wait_until(pilot, lambda: x.row_count == 16 and z.row_count == 16, "16 rows")
        await pilot.press("plus")  # the first training row alone
        await wait_until(pilot, lambda: screen.sample == 0, "row 0")
        await wait_until(pilot, lambda: x.row_count == 1, "one row of x")
        assert z.row_count == 1 and x.row_labels == ("i=1",)  # sample i, as in the equations
        await pilot.press("minus")  # the next batch again
        await wait_until(pilot, lambda: x.row_count == 16 and z.row_count == 16, "16 rows")


async def test_the_dashboards_batch_tables_shrink_to_a_smaller_batch_size() -> None:
    app = make_app("circles", redraw_rate=0)
    async with app.run_test(size=(200, 50)) as pilot:
        await ready(pilot)
        await pilot.press("n")
        await ready(pilot, 1)
        tables = app.query_one(LayerTables)
        x = tables.tables[(1, "a_prev")]
        tables.active_layer = 1
        await wait_until(pilot, lambda: x.row_count == 16, "16 rows")
        await pilot.press("f")
        await wait_until(pilot, lambda: isinstance(app.screen, SettingsForm), "the form")
        await type_into(pilot, "#batch-size", "2")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.status.settings.batch_size == 2, "batch size 2")
        await pilot.press("n")
        await ready(pilot, 2)
        await wait_until(pilot, lambda: x.row_count == 2, "two rows")


def test_a_short_last_batch_keeps_the_rows_the_next_batch_fills() -> None:
    import numpy as np
    from backprop_tui.tui.widgets.cell_grid import BLANK

    table = MatrixTable(1, "z")
    table.set_matrix(np.ones((16, 2)), 4, {}, rows_kept=16)
    table.set_matrix(np.ones((8, 2)), 4, {}, rows_kept=16)  # an epoch's short last batch
    assert table.row_count == 16 and table.rows[8] == [BLANK, BLANK]
    table.set_matrix(np.ones((1, 2)), 4, {}, rows_kept=1)  # the batch size is now 1
    assert table.row_count == 1


# -- 6: the graph view and the equations at a terminal's widths -----------------------


async def test_the_notes_graph_is_never_cut_at_any_width_from_110_to_200() -> None:
    # At 130 columns the step panel sat beside the drawing and the w and x boxes of the
    # notes' 0.5*(w*x − t)**2 scrolled out of view.
    for width in (110, 120, 130, 140, 150, 200):
        app = make_app(None, screen="graph", expression="0.5*(w*x - t)**2", variables=VARS)
        async with app.run_test(size=(width, 30)) as pilot:
            screen = await on_top(pilot, GraphScreen)
            await pilot.pause()
            scroll = screen.query_one("#graph-scroll", ScrollableContainer)
            drawing = screen.query_one(GraphDiagram)
            for _ in range(len(screen.steps)):
                await pilot.pause()
                assert scroll.scroll_x == 0, width
                assert drawing.layout_.width + 2 <= scroll.scrollable_content_region.width, width
                await pilot.press("right")


def drawn_lines(renderable: Any, width: int) -> list[str]:
    console = Console(width=width, file=io.StringIO(), record=True)
    console.print(renderable)
    return console.export_text().splitlines()


async def test_no_matrix_of_the_equations_runs_off_the_panels_right_edge() -> None:
    # With 9 decimals and the finite-difference table beside the equations, a 32 × 32
    # block was cut at the panel's edge ('0.192509836  0.52…') instead of writing fewer
    # columns and '…'.
    for width in (150, 200):
        app = step_app("spiral")
        async with app.run_test(size=(width, 50)) as pilot:
            screen = await on_top(pilot, StepThroughScreen)
            await pilot.press("p", "c")
            panel = screen.query_one(EquationPanel)
            for k in range(len(screen.trace.phases)):
                screen.go_to(k)
                await pilot.pause()
                inside = panel.body.content_region.width
                for line in drawn_lines(panel.body.content, inside):
                    for left, right in ("⎡⎤", "⎢⎥", "⎣⎦"):
                        assert line.count(left) == line.count(right), (width, k + 1, line)

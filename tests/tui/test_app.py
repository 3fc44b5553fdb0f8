"""Pilot tests of the dashboard's keys: each one changes what it says it changes."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from app_pilot import (
    SIZE,
    make_app,
    notices,
    on_top,
    ready,
    round_trip,
    settle,
    tables_drawn,
    wait_until,
)
from backprop_tui.core.config.presets import build_trainer, load
from backprop_tui.tui.app import BackpropApp, build_app
from backprop_tui.tui.messages import SnapshotReady
from backprop_tui.tui.screens.graph_view import GraphScreen
from backprop_tui.tui.screens.help import HelpScreen
from backprop_tui.tui.screens.step_through import StepThroughScreen
from backprop_tui.tui.widgets.layer_tables import LayerTables
from backprop_tui.tui.widgets.status_bar import StatusBar
from backprop_tui.tui.worker.commands import (
    PACES,
    SetOptions,
    SetPace,
    default_pace,
    faster,
    slower,
)
from backprop_tui.tui.worker.controller import ProcessController, ThreadController
from textual.command import CommandList, CommandPalette
from textual.containers import VerticalScroll
from textual.widgets import Footer, Tab, Tabs


async def test_the_dashboard_opens_paused_at_step_zero_with_the_preset_as_title() -> None:
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert app.status.state == "paused"
        assert app.title == load("seed-toy").name
        status = str(app.query_one(StatusBar).render())
        assert "paused" in status
        assert "epoch 0/" in status
        assert "— steps/s" in status


def endless(app: BackpropApp) -> None:
    """Raise the epoch target so a fast preset cannot finish during the test."""
    app.controller.send(SetOptions(replace(app.status.settings, epochs=10**9)))


async def test_space_runs_and_pauses_and_the_epoch_advances() -> None:
    app = make_app("xor", process=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        endless(app)
        await wait_until(pilot, lambda: app.status.settings.epochs == 10**9, "the target")
        await pilot.press("space")
        await wait_until(pilot, lambda: app.snapshot.epoch >= 3, "three epochs")
        await pilot.press("space")
        await settle(pilot, "paused")
        stopped = app.snapshot.global_step
        assert app.snapshot.epoch >= 3
        await round_trip(pilot)
        assert app.snapshot.global_step == stopped, "trained on after the pause"
        await pilot.press("n")
        await ready(pilot, stopped + 1)
        assert app.status.state == "paused"


async def test_n_trains_exactly_one_step_with_the_engines_numbers() -> None:
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("n")
        await ready(pilot, 1)
        expected = build_trainer(load("seed-toy"))
        expected.step()
        for got, want in zip(app.snapshot.W, expected.network.W, strict=True):
            np.testing.assert_array_equal(got, want)
        assert app.snapshot.global_step == 1


async def test_a_snapshot_that_arrives_while_the_app_exits_is_ignored() -> None:
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        shown = app.snapshot
        app.exit(0)
        app.on_snapshot_ready(SnapshotReady(replace(shown), app.status))
        assert app.snapshot is shown


async def test_e_finishes_the_epoch_then_pauses() -> None:
    app = make_app("xor")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("e")
        await wait_until(
            pilot, lambda: app.snapshot.epoch == 1 and app.status.state == "paused", "epoch 1"
        )
        assert app.snapshot.step == 0


async def test_r_restores_the_initial_weights_exactly() -> None:
    app = make_app("xor")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        initial = app.snapshot
        for _ in range(3):
            await pilot.press("n")
        await ready(pilot, 3)
        assert not np.array_equal(app.snapshot.W[0], initial.W[0])
        await pilot.press("r")
        await ready(pilot, 0)
        for got, want in zip(app.snapshot.W + app.snapshot.b, initial.W + initial.b, strict=True):
            np.testing.assert_array_equal(got, want)


async def test_shift_r_draws_new_weights_from_the_next_seed() -> None:
    app = make_app("xor")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        initial, seed = app.snapshot, app.status.seed
        await pilot.press("R")
        await wait_until(pilot, lambda: app.status.seed == seed + 1, "the next seed")
        assert not np.array_equal(app.snapshot.W[0], initial.W[0])


async def test_plus_and_minus_double_and_halve_the_learning_rate() -> None:
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("plus", "plus")
        await wait_until(pilot, lambda: app.snapshot.lr == 2.0, "η = 2")
        await pilot.press("minus", "minus", "minus")
        await wait_until(pilot, lambda: app.snapshot.lr == 0.25, "η = 0.25")
        assert "η 0.25" in str(app.query_one(StatusBar).render())


async def test_less_and_greater_than_slow_down_and_speed_up_the_pace() -> None:
    app = make_app("xor")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        start = app.status.pace
        assert start == default_pace(app.status.settings.epochs * app.snapshot.steps_per_epoch)
        await pilot.press("greater_than_sign")
        await wait_until(pilot, lambda: app.status.pace == faster(start), "faster")
        await pilot.press("less_than_sign", "less_than_sign")  # faster than the snapshots
        await wait_until(pilot, lambda: app.status.pace == slower(start), "slower")
        assert f"pace {slower(start):g}/s" in str(app.query_one(StatusBar).render())
        for _ in range(len(PACES)):
            await pilot.press("greater_than_sign")
        await wait_until(pilot, lambda: app.status.pace is None, "full speed")
        assert "full speed" in str(app.query_one(StatusBar).render())
        await pilot.press("less_than_sign")
        await wait_until(pilot, lambda: app.status.pace == PACES[-1], "the fastest pace")
        assert f"pace {PACES[-1]:g}/s" in str(app.query_one(StatusBar).render())


async def test_space_after_finishing_says_training_goes_on_past_the_target() -> None:
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.controller.send(SetOptions(replace(app.status.settings, epochs=2)))
        app.controller.send(SetPace(None))
        await pilot.press("space")
        await wait_until(pilot, lambda: app.status.state == "finished", "finished")
        await pilot.press("space")
        await wait_until(pilot, lambda: app.snapshot.epoch > 2, "past the target")
        assert any("past the 2-epoch target" in m for m in notices(app))


async def test_l_toggles_the_log_scale_of_the_loss_chart() -> None:
    app = make_app("xor")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        chart = app.query_one("#chart")
        before = chart.log_scale
        await pilot.press("l")
        assert chart.log_scale is not before
        await pilot.press("l")
        assert chart.log_scale is before


async def test_question_mark_lists_every_key_and_escape_closes_it() -> None:
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        table = app.screen.query_one("#help-table").content
        text = "".join(str(cell) for column in table.columns for cell in column.cells)
        for word in ("Run/pause", "Reset", "Re-init", "Settings", "Presets", "Export CSV", "Quit"):
            assert word in text
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, HelpScreen), "help closed")
        assert app.screen is app.screen_stack[0]


async def test_keys_under_a_dialog_do_not_reach_the_dashboard() -> None:
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("question_mark", "n")
        await round_trip(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert app.snapshot.global_step == 0


async def test_the_command_palette_offers_and_runs_the_dashboard_commands() -> None:
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await pilot.press(*"one batch")
        commands = app.screen.query_one(CommandList)

        def highlighted() -> str:
            option = commands.highlighted_option
            return "" if option is None else str(option.prompt)

        await wait_until(pilot, lambda: "one batch" in highlighted(), "the step command")
        await pilot.press("enter")
        await ready(pilot, 1)
        await round_trip(pilot)
        assert app.snapshot.global_step == 1
        assert app.status.state == "paused"


async def test_d_opens_the_step_through_and_enter_applies_exactly_that_update() -> None:
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, StepThroughScreen), "step-through")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen is app.screen_stack[0], "the dashboard")
        await ready(pilot, 1)
        expected = build_trainer(load("seed-toy"))
        expected.step()
        for got, want in zip(app.snapshot.W, expected.network.W, strict=True):
            np.testing.assert_array_equal(got, want)


async def test_d_while_running_pauses_before_tracing() -> None:
    app = make_app("xor")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        endless(app)
        await pilot.press("space")
        await settle(pilot, "running")
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, StepThroughScreen), "step-through")
        assert app.status.state == "paused"


async def test_dashboard_keys_rest_while_the_step_through_is_open() -> None:
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, StepThroughScreen), "step-through")
        await pilot.press("space", "r", "x")
        await round_trip(pilot)
        assert isinstance(app.screen, StepThroughScreen)
        assert app.status.state == "paused"
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.screen_stack[0], "the dashboard")
        assert app.snapshot.global_step == 0


async def test_g_opens_the_graph_view_and_escape_comes_back() -> None:
    app = make_app("seed-scalar")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("g")
        screen = await on_top(pilot, GraphScreen)
        assert screen.expression == load("seed-scalar").graph["expression"]
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.screen_stack[0], "the dashboard")
        assert screen not in app.screen_stack


async def test_the_app_can_open_on_the_step_through_of_a_chosen_sample() -> None:
    app = make_app("xor", screen="step", sample=2)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, StepThroughScreen), "step-through")
        assert app.screen.sample == 2


async def test_the_app_can_open_on_the_graph_of_an_expression() -> None:
    app = make_app("seed-toy", screen="graph", expression="w * x", variables={"w": 2, "x": 3})
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, GraphScreen), "the graph")
        assert app.screen.expression == "w * x"


async def test_a_small_terminal_shows_one_panel_at_a_time_with_tabs() -> None:
    app = make_app("xor")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        tabs = app.query_one("#panel-tabs")
        assert tabs.display
        assert [
            name
            for name in ("chart", "network", "map", "tables")
            if app.query_one(f"#{name}").display
        ] == ["chart"]
        await pilot.press("4")
        await wait_until(pilot, lambda: app.query_one("#tables").display, "the tables")
        assert not app.query_one("#chart").display
        # The tables' scroll area takes the focus: page down reaches the tables below.
        await pilot.press("n")
        await wait_until(pilot, lambda: app.snapshot.global_step == 1, "one step")
        tables = app.query_one(LayerTables)
        await tables_drawn(pilot, tables)
        await wait_until(pilot, lambda: isinstance(app.focused, VerticalScroll), "the focus")
        scroll = app.focused
        assert scroll in tables.query("*")
        await pilot.press("pagedown")
        await wait_until(pilot, lambda: scroll.scroll_y > 0, "the tables scrolled")
        # A narrow footer is compact, so that it still shows the step-through's key.
        assert app.query_one(Footer).compact


async def test_number_keys_show_each_panel_in_a_small_terminal() -> None:
    app = make_app("xor")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        for key, name in (("2", "network"), ("3", "map"), ("4", "tables"), ("1", "chart")):
            await pilot.press(key)
            await wait_until(pilot, lambda name=name: app.query_one(f"#{name}").display, name)
            shown = [
                p for p in ("chart", "network", "map", "tables") if app.query_one(f"#{p}").display
            ]
            assert shown == [name]


async def test_brackets_switch_the_layer_tables_between_layers() -> None:
    app = make_app("xor")  # two weight layers
    async with app.run_test(size=(200, 50)) as pilot:
        await ready(pilot)
        tables = app.query_one(LayerTables)
        W1 = tables.tables[(1, "W")]
        await wait_until(pilot, lambda: W1.row_count and W1.is_on_screen, "the tables")
        assert tables.active_layer == 1

        async def shows(layer: int) -> None:
            await wait_until(pilot, lambda: tables.active_layer == layer, f"layer {layer}")
            await tables_drawn(pilot, tables)
            np.testing.assert_array_equal(
                tables.tables[(layer, "W")].values, app.snapshot.W[layer - 1]
            )

        await pilot.press("right_square_bracket")
        await shows(2)
        await pilot.press("right_square_bracket")  # wraps around
        await shows(1)
        await pilot.press("left_square_bracket")
        await shows(2)


async def test_full_stop_toggles_the_digits_of_the_layer_tables() -> None:
    app = make_app("seed-toy")
    async with app.run_test(size=(200, 50)) as pilot:
        await ready(pilot)
        tables = app.query_one(LayerTables)
        W1 = tables.tables[(1, "W")]
        assert tables.precision == 4
        await tables_drawn(pilot, tables)
        assert W1.cell_text(0, 0).plain.strip() == "0.1500"
        await pilot.press("full_stop")
        await wait_until(pilot, lambda: tables.precision == 8, "eight digits")
        await tables_drawn(pilot, tables)
        assert W1.cell_text(0, 0).plain.strip() == "0.15000000"
        await pilot.press("full_stop")
        await wait_until(pilot, lambda: tables.precision == 4, "four again")
        await tables_drawn(pilot, tables)
        assert W1.cell_text(0, 0).plain.strip() == "0.1500"


async def test_a_click_on_a_panel_tab_shows_that_panel() -> None:
    app = make_app("xor")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.click("#tab-network")
        await wait_until(pilot, lambda: app.query_one("#network").display, "the network")
        assert not app.query_one("#chart").display


async def test_a_roomy_terminal_shows_every_panel_without_tabs() -> None:
    app = make_app("xor")
    async with app.run_test(size=(200, 50)) as pilot:
        await ready(pilot)
        assert not app.query_one("#panel-tabs").display
        for name in ("chart", "network", "map", "tables"):
            assert app.query_one(f"#{name}").display


EXPLODING = """
name = "exploding"
description = "A linear unit with a learning rate far too high."
[network]
sizes = [1, 1]
activations = ["linear"]
weights = [[[0.5]]]
biases = [[0.0]]
[loss]
kind = "half_sse"
[optimizer]
kind = "sgd"
learning_rate = 10.0
[training]
epochs = 100000
batch_size = 0
[data]
inputs = [[1.0], [2.0], [3.0]]
targets = [[1.0], [2.0], [3.0]]
"""


async def test_without_two_inputs_the_output_map_gives_its_room_to_the_chart() -> None:
    app = make_app("iris")
    async with app.run_test(size=(200, 50)) as pilot:
        await ready(pilot)
        output_map = app.query_one("#map")
        assert not output_map.display
        await wait_until(pilot, lambda: not output_map.region, "the layout without the map")
        chart = app.query_one("#chart")
        assert chart.region.height > app.query_one("#network").region.height


async def test_on_a_small_terminal_the_output_maps_tab_goes_when_it_has_nothing() -> None:
    app = make_app("iris")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("3")
        assert any("output map needs" in note for note in notices(app))
        assert app.query_one("#chart").display
        # Each tab names its key, so the missing 3 explains the gap between 2 and 4.
        tabs = app.query_one("#panel-tabs", Tabs)
        labels = [str(tab.label) for tab in tabs.query(Tab) if tab.display]
        assert labels == ["1 Loss", "2 Network", "4 Layer tables", "5 Gradient health"]
        app.load_preset(load("moons"))
        await wait_until(pilot, lambda: app.preset.key == "moons" and not app._pending, "moons")
        await pilot.press("3")
        await wait_until(pilot, lambda: app.query_one("#map").display, "the map")
        assert not app.query_one("#chart").display


async def test_divergence_is_shown_and_a_reset_recovers(tmp_path) -> None:
    path = tmp_path / "exploding.toml"
    path.write_text(EXPLODING)
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert app.load_preset(load(path))
        await wait_until(pilot, lambda: app.snapshot.lr == 10.0, "the exploding preset")
        await pilot.press("space")
        await settle(pilot, "diverged")
        assert "diverged at epoch" in str(app.query_one(StatusBar).render())
        assert all(np.isfinite(W).all() for W in app.snapshot.W)
        assert any("diverged" in note for note in notices(app, "warning"))
        await pilot.press("r")
        await settle(pilot, "paused")
        assert app.snapshot.global_step == 0 and app.status.message == ""
        await pilot.press("n")
        await ready(pilot, 1)
        assert app.status.state == "paused"
        assert np.isfinite(app.snapshot.batch_loss)


async def test_every_array_the_ui_receives_is_read_only() -> None:
    app = make_app("xor", process=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("n")
        await ready(pilot, 1)
        snapshot = app.snapshot
        arrays = [*snapshot.W, *snapshot.b, *snapshot.dW, *snapshot.db, *snapshot.z]
        arrays += [*snapshot.a, *snapshot.delta, snapshot.x, snapshot.y, snapshot.next_batch]
        assert all(not array.flags.writeable for array in arrays)


async def test_a_preset_the_worker_cannot_build_is_a_notice_and_nothing_changes() -> None:
    def build(preset, seed):
        if preset.key == "moons":
            raise ValueError("moons cannot be built today")
        return build_trainer(preset, seed)

    app = make_app("xor")
    app.controller_factory = lambda post: ThreadController(post, build=build)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert app.load_preset(load("moons"))
        await wait_until(pilot, lambda: notices(app, "error"), "the notice")
        assert "cannot be built" in notices(app, "error")[-1]
        assert not app._pending
        assert app.preset.key == "xor"
        await pilot.press("n")
        await ready(pilot, 1)
        assert app.status.preset_name == load("xor").name


async def test_a_worker_that_dies_is_reported_and_a_new_one_takes_over() -> None:
    app = make_app("xor", process=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("n")
        await ready(pilot, 1)
        dead = app.controller
        dead._process.kill()
        await wait_until(pilot, lambda: notices(app, "error"), "the notice")
        assert "stopped unexpectedly" in notices(app, "error")[-1]
        await wait_until(pilot, lambda: app.controller is not dead, "a new worker")
        await ready(pilot, 0)
        await pilot.press("n")
        await ready(pilot, 1)
    assert not app.controller._process.is_alive()


async def test_q_while_training_stops_the_worker_and_leaves() -> None:
    app = make_app("xor", process=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        endless(app)
        await pilot.press("space")
        await settle(pilot, "running")
        await pilot.press("q")
    assert app.return_value == 0
    assert not app.controller._process.is_alive()


def test_build_app_loads_a_named_preset_and_uses_the_process_worker() -> None:
    app = build_app("moons")
    assert isinstance(app, BackpropApp)
    assert app.preset.key == "moons"
    assert app.controller_factory is ProcessController


async def test_a_preset_loaded_under_the_step_through_fits_the_dashboard_below() -> None:
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, StepThroughScreen), "step-through")
        assert app.load_preset(load("iris"))
        await wait_until(pilot, lambda: app.title == load("iris").name, "iris loaded")
        assert isinstance(app.screen, StepThroughScreen)
        assert app.screen_stack[0].query_one("#dashboard").has_class("-no-map")

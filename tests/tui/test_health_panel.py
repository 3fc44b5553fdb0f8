"""Pilot tests of gradient health in the dashboard: h (or tab 5, or the palette) shows the
health panel in the layer tables' place, it follows training live and says its warnings
in words; w colours the network view by ∂W instead of W, small or big."""

from __future__ import annotations

from pathlib import Path

from app_pilot import SIZE, make_app, ready, round_trip, settle, wait_until
from backprop_tui.core.config.presets import load
from backprop_tui.tui.screens.help import HelpScreen
from backprop_tui.tui.widgets import NetworkView
from backprop_tui.tui.widgets.health_panel import HealthPanel, sparkline
from rich.console import Console
from textual.command import CommandList, CommandPalette
from textual.geometry import Size
from textual.pilot import Pilot
from textual.widgets import Footer, Static, Tabs
from textual.widgets._footer import FooterKey


def panel_of(pilot: Pilot) -> HealthPanel:
    return pilot.app.query_one(HealthPanel)


async def palette_runs(pilot: Pilot, query: str, expected: str) -> None:
    """Open the palette, type `query`, wait for the command named `expected`, run it."""
    app = pilot.app
    await pilot.press("ctrl+p")
    await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
    await pilot.press(*query)
    commands = app.screen.query_one(CommandList)

    def highlighted() -> str:
        option = commands.highlighted_option
        return "" if option is None else str(option.prompt)

    await wait_until(pilot, lambda: expected in highlighted(), expected)
    await pilot.press("enter")
    await wait_until(pilot, lambda: app.screen is app.screen_stack[0], "the dashboard")


async def test_h_shows_the_health_panel_in_the_layer_tables_place_and_h_again_brings_them_back():
    app = make_app("xor", redraw_rate=0)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        panel, tables = panel_of(pilot), app.query_one("#tables")
        assert tables.display and not panel.display
        await pilot.press("h")
        await wait_until(pilot, lambda: panel.display and not tables.display, "the health panel")
        assert panel.region.width > 0 and panel.border_title == "Gradient health"
        assert "arrives with the first measured epoch" in panel.plain()
        await pilot.press("h")
        await wait_until(pilot, lambda: tables.display and not panel.display, "the tables back")


async def test_the_health_panel_shows_every_layers_figures_and_follows_training_live():
    app = make_app("xor", redraw_rate=0)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("h", "space")
        panel = panel_of(pilot)
        await wait_until(pilot, lambda: panel.record is not None, "a first record")
        first = panel.record.epoch
        await wait_until(
            pilot,
            lambda: panel.record.epoch > first and app.status.state == "running",
            "a newer record while training runs",
        )
        await pilot.press("space")
        await settle(pilot, "paused")
        await round_trip(pilot)
        record = app.snapshot.health
        assert panel.record is record and len(panel.records) >= 2
        lines = panel.plain().split("\n")
        assert lines[0].startswith(f"measured at epoch {record.epoch} (1 step, 4 samples)")
        assert lines[1].split("  ")[:4] == ["l", "σ", "‖∂W‖", "‖ΔW‖/‖W‖"]
        hidden = lines[2].split("  ")
        assert hidden[:2] == ["1", "tanh"] and hidden[5] == "—"  # tanh cannot die
        assert hidden[4].endswith(" %")
        assert lines[3].split("  ")[:2] == ["2", "sigmoid"]
        assert float(hidden[2]) == float(f"{record.layers[0].grad_norm:.3g}")
        assert "no warnings" in lines[-1]


async def test_the_health_panel_names_dead_relus_in_words(preset_file, dead_relu_toml):
    path = preset_file(dead_relu_toml, "dead.toml")
    app = make_app(load(str(path)), redraw_rate=0)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("h", "e")
        panel = panel_of(pilot)
        await wait_until(pilot, lambda: panel.warnings, "a warning")
        text = panel.plain()
        assert "1  relu  " in text and "  75 %  " in text
        assert "⚠ layer 1: 75 % of its relu units have been dead since epoch 1" in text


async def test_the_palette_opens_the_health_panel():
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await palette_runs(pilot, "gradient health", "Gradient health")
        await wait_until(pilot, lambda: panel_of(pilot).display, "the health panel")


async def test_on_a_small_terminal_5_shows_the_health_tab():
    app = make_app("seed-toy", redraw_rate=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("5")
        await wait_until(pilot, lambda: panel_of(pilot).display, "the health tab")
        assert app.query_one("#panel-tabs", Tabs).active == "tab-health"
        assert not app.query_one("#chart").display
        await pilot.press("4")
        await wait_until(pilot, lambda: app.query_one("#tables").display, "the tables tab")
        assert not panel_of(pilot).display


async def test_w_colours_the_network_view_by_the_last_steps_gradient_and_back():
    app = make_app("seed-toy", redraw_rate=0)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        view = app.query_one(NetworkView)
        size = Size(80, 20)
        await pilot.press("w")
        await wait_until(pilot, lambda: view.by_gradient, "colours by ∂W")
        assert "arrives with the first step" in view.build(size).plain
        await pilot.press("n")
        await ready(pilot, 1)
        await wait_until(pilot, lambda: view.dW is app.snapshot.dW, "the step's ∂W")
        by_gradient = view.build(size)
        assert view.border_title == "Network · coloured by ∂W"
        assert by_gradient.plain.split("\n")[-1].startswith("━━ ∂w > 0  ━━ ∂w < 0")
        assert view.coloured[0] is app.snapshot.dW
        await pilot.press("w")
        await wait_until(pilot, lambda: not view.by_gradient, "colours by W")
        by_weight = view.build(size)
        assert by_weight.plain.split("\n")[-1].startswith("━━ w > 0  ━━ w < 0")
        assert view.border_title == "Network"
        # The same lines, other colours: seed-toy's ∂W and W differ in size and sign.
        assert by_gradient.plain.split("\n")[1:-1] == by_weight.plain.split("\n")[1:-1]
        assert by_gradient.spans != by_weight.spans


async def test_the_footer_shows_the_gradient_colour_key_and_the_palette_runs_it():
    app = make_app("seed-toy")
    async with app.run_test(size=(200, 40)) as pilot:
        await ready(pilot)

        def footer_keys() -> dict[str, str]:
            return {key.key: key.description for key in app.query_one(Footer).query(FooterKey)}

        # The footer recomposes after the first snapshot's bindings refresh; under load
        # that can come after `ready`.
        await wait_until(pilot, lambda: footer_keys().get("w") == "W ↔ ∂W", "w in the footer")
        await palette_runs(pilot, "colour the connections", "W ↔ ∂W")
        await wait_until(pilot, lambda: app.query_one(NetworkView).by_gradient, "∂W colours")


async def test_w_on_a_network_too_big_to_draw_shows_the_gradient_maps_pooled():
    preset = load(str(Path(__file__).resolve().parents[2] / "bench" / "wide.toml"))
    app = make_app(preset, redraw_rate=0)
    async with app.run_test(size=(200, 50)) as pilot:
        await ready(pilot)
        await pilot.press("n")
        await ready(pilot, 1)
        await pilot.press("w")
        view = app.query_one(NetworkView)
        await wait_until(pilot, lambda: view.by_gradient and view.dW, "∂W colours")
        lines = view.build(Size(120, 30)).plain.split("\n")
        assert any("∂W(2)≈" in line for line in lines)
        assert any("∂W(2) 1000 × 1000 → " in line for line in lines)
        assert lines[-1].startswith("▀▀ ∂w > 0")


def test_a_sparkline_spans_its_own_range_on_a_log_scale_and_leaves_gaps_blank():
    assert sparkline([1.0, 10.0, 1e7]) == "▁▂█"
    assert sparkline([0.5, float("nan"), 0.5]) == "▁ ▁"
    assert sparkline([0.0, float("nan")]) == ""
    assert len(sparkline(list(range(1, 100)), width=10)) == 10


async def test_the_help_screen_lists_the_health_thresholds():
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        table = app.screen.query_one("#help-health", Static).content
        lines = [line.rstrip() for line in _text(table).split("\n")]
        text = " ".join(" ".join(line.split()) for line in lines)
        for fragment in ("dead", "≥ 50 % of a hidden layer's relu units", "1000× smaller", "1e-3"):
            assert fragment in text


def _text(renderable) -> str:
    console = Console(width=200, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


async def test_after_a_reset_the_health_trend_starts_again():
    app = make_app("xor", redraw_rate=0)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        panel = panel_of(pilot)
        await pilot.press("h", *"e" * 20)
        await wait_until(pilot, lambda: len(panel.records) == 2, "two records (epochs 1, 17)")
        await pilot.press("r")
        await ready(pilot, 0)
        await pilot.press("e")
        await wait_until(pilot, lambda: app.snapshot.global_step == 1, "one epoch again")
        await wait_until(pilot, lambda: panel.record is not None, "the new run's first record")
        assert [record.epoch for record in panel.records] == [1]

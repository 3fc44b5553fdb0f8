"""The step-through a learner can follow without hunting: every cell a phase reads and
writes on screen at once, the result line always in view, one sample's vectors as
columns, the notes' own forms, and a closing line at the last phase."""

from __future__ import annotations

from typing import Any

import pytest
from app_pilot import wait_until
from backprop_tui.core.config.presets import build_trainer, load, shipped_names
from backprop_tui.tui.screens.step_through import StepThroughScreen
from backprop_tui.tui.widgets.equation_panel import EquationPanel
from backprop_tui.tui.widgets.phase_cells import PhaseCells, cell_label
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widgets import Static

NARROW_PRESETS = [name for name in shipped_names() if max(load(name).sizes) <= 8]


class Host(App[None]):
    def __init__(self, screen: StepThroughScreen) -> None:
        super().__init__()
        self.step_screen = screen

    def compose(self) -> ComposeResult:
        yield Static("dashboard")

    def on_mount(self) -> None:
        self.push_screen(self.step_screen)


def screen_lines(app: App[Any]) -> list[str]:
    """What the terminal shows, one string per line."""
    strips = app.screen._compositor.render_strips()
    return ["".join(segment.text for segment in strip) for strip in strips]


def text_in(lines: list[str], region: Region) -> str:
    """The characters of the screen inside `region`."""
    rows = lines[region.y : region.bottom]
    return "\n".join(row[region.x : region.right] for row in rows)


def inside(region: Region, size: tuple[int, int]) -> bool:
    """Whether `region` lies wholly above the footer of a `size` screen."""
    width, height = size
    return region.x >= 0 and region.y >= 0 and region.right <= width and region.bottom <= height - 1


def open_screen(preset: str) -> tuple[Host, StepThroughScreen]:
    screen = StepThroughScreen.from_trainer(build_trainer(load(preset)), title=preset)
    return Host(screen), screen


def test_the_narrow_presets_include_the_batch_ones() -> None:
    assert {"seed-toy", "two-two-two", "xor", "iris", "circles"} <= set(NARROW_PRESETS)


@pytest.mark.parametrize("preset", NARROW_PRESETS)
async def test_every_cell_a_phase_reads_and_writes_is_on_screen_at_120_by_40(preset: str) -> None:
    size = (120, 40)
    app, screen = open_screen(preset)
    async with app.run_test(size=size) as pilot:
        await wait_until(pilot, lambda: screen.is_mounted and screen.trace, "the trace")
        cells = screen.query_one(PhaseCells)
        for index, phase in enumerate(screen.trace.phases):
            screen.go_to(index)
            await pilot.pause()
            region = cells.region
            assert inside(region, size), (phase.kind, region)
            assert cells.lines <= region.height, (phase.kind, cells.lines, region)
            shown = text_in(screen_lines(app), region)
            for cell in (*phase.reads, *phase.writes):
                assert cell_label(cell) in shown, (preset, phase.kind, cell_label(cell), shown)


async def test_at_delta_1_the_screen_shows_w2_and_delta_2_beside_z1_and_delta_1() -> None:
    app, screen = open_screen("iris")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: screen.is_mounted and screen.trace, "the trace")
        index = next(i for i, p in enumerate(screen.trace.phases) if p.kind == "delta_hidden")
        screen.go_to(index)
        await pilot.pause()
        shown = text_in(screen_lines(app), screen.query_one(PhaseCells).region)
        for name in ("W(2)  3 × 8", "δ(2)  16 × 3", "z(1)  16 × 8", "δ(1)  16 × 8"):
            assert name in shown
        assert "rows are samples" in shown
        legend = screen.query_one("#legend", Static).render()
        assert "a batch of 16: each row is one sample" in str(legend)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@pytest.mark.parametrize("preset", NARROW_PRESETS)
async def test_the_phase_result_line_is_always_in_view(preset: str, size: tuple[int, int]) -> None:
    app, screen = open_screen(preset)
    async with app.run_test(size=size) as pilot:
        await wait_until(pilot, lambda: screen.is_mounted and screen.trace, "the trace")
        result = screen.query_one(EquationPanel).result_line
        for index, phase in enumerate(screen.trace.phases):
            screen.go_to(index)
            await pilot.pause()
            assert inside(result.region, size), (phase.kind, result.region)
            arrow = "←" if phase.kind.startswith("update") else "="
            shown = text_in(screen_lines(app), result.region)
            assert f"{phase.symbol} {arrow}" in shown, (preset, phase.kind, shown)


async def test_one_samples_vectors_are_columns_lined_up_with_the_rows_of_w() -> None:
    app, screen = open_screen("seed-toy")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: screen.is_mounted and screen.trace, "the trace")
        screen.go_to(0)  # z(1) = W(1) x + b(1)
        await pilot.pause()
        plain = screen.query_one(PhaseCells).plain
        assert "W(1)  2 × 1" in plain and "b(1)  2 × 1" in plain and "z(1)  2 × 1" in plain
        lines = plain.splitlines()
        assert len(lines) == 3  # names, then one line per unit of layer 1


async def test_the_last_phase_says_what_happened_and_what_the_keys_do_next() -> None:
    app, screen = open_screen("seed-toy")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: screen.is_mounted and screen.trace, "the trace")
        screen.go_to(len(screen.trace.phases) - 1)
        await pilot.pause()
        region = screen.query_one(EquationPanel).result_line.region
        shown = " ".join(text_in(screen_lines(app), region).split())
        assert "L from 0.2870 to 0.2689" in shown
        assert "enter applies it" in shown and "traces another row" in shown
        assert "escape closes" in shown
        screen.go_to(0)
        await pilot.pause()
        assert "escape closes" not in screen.equation_text

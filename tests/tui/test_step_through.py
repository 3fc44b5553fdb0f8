"""The step-through screen: one backward pass phase by phase, apply, escape, the
finite-difference column, the Markdown export, and the copy it works on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from app_pilot import make_app, on_top, tables_drawn, wait_until
from backprop_tui.core.config.presets import build_trainer, load
from backprop_tui.core.trace.record import trace_trainer
from backprop_tui.tui.screens.step_session import StepResult, StepSession
from backprop_tui.tui.screens.step_through import StepThroughScreen, open_step_through
from backprop_tui.tui.screens.trace_export import ExportPathDialog
from backprop_tui.tui.widgets.context import ViewContext
from backprop_tui.tui.widgets.equation_panel import EquationPanel, GradCheckTable
from backprop_tui.tui.widgets.format import READ_BG, WRITE_BG
from backprop_tui.tui.widgets.layer_tables import LayerTables
from backprop_tui.tui.widgets.phase_list import PhaseList
from backprop_tui.tui.worker.commands import Step, TrainOn
from rich.console import Console
from rich.style import Style
from textual.app import App, ComposeResult
from textual.widgets import Input, Select, Static

SIZE = (120, 40)


class Host(App[None]):
    """Pushes one step-through screen and records what it dismisses with."""

    def __init__(self, screen: StepThroughScreen) -> None:
        super().__init__()
        self.step_screen = screen
        self.results: list[StepResult | None] = []
        self.notices: list[tuple[str, str]] = []

    def compose(self) -> ComposeResult:
        yield Static("dashboard")

    def on_mount(self) -> None:
        self.push_screen(self.step_screen, self.results.append)

    def notify(self, message: str, *args: Any, **options: Any) -> None:
        self.notices.append((str(message), options.get("severity", "information")))
        super().notify(message, *args, **options)


def rendered(widget: Static, width: int = 100) -> str:
    """What a Static draws, as plain text."""
    console = Console(width=width, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(widget.content)
    return console.export_text()


def on_screen(screen: StepThroughScreen) -> str:
    panel = screen.query_one(EquationPanel)
    return rendered(panel.heading) + rendered(panel.body) + rendered(panel.result_line)


def seed_toy_host() -> tuple[Host, Any]:
    trainer = build_trainer(load("seed-toy"))
    return Host(StepThroughScreen.from_trainer(trainer, title="seed-toy")), trainer


def step_app(preset: str) -> Any:
    """`backprop-tui step PRESET`: the dashboard with the step-through on top."""
    return make_app(preset, screen="step", redraw_rate=0)


async def test_walking_seed_toy_forward_and_back_shows_the_notes_numbers() -> None:
    app = step_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        screen = await on_top(pilot, StepThroughScreen)
        kinds = [p.kind for p in screen.trace.phases]
        seen: dict[tuple[str, int | None], str] = {}
        for i in range(len(kinds)):
            assert screen.index == i
            seen[(screen.phase.kind, screen.phase.layer)] = on_screen(screen)
            await pilot.press("right")
        assert screen.index == len(kinds) - 1
        assert "z(2) = 0.4 · 0.6225 + 0.45 · 0.6457 + 0.6 = 1.1395" in seen[("forward_z", 2)]
        assert "a(2) = σ(1.1395) = 0.7576" in seen[("forward_a", 2)]
        assert "L = ½ (0.7576 − 0)² = 0.2870" in seen[("loss", None)]
        assert "δ(2) = (0.7576 − 0) · 0.1836 = 0.1391" in seen[("delta_output", 2)]
        assert "δ(1)₁ = (0.4 · 0.1391) · 0.2350 = 0.0131" in seen[("delta_hidden", 1)]
        assert "δ(1)₂ = (0.45 · 0.1391) · 0.2288 = 0.0143" in seen[("delta_hidden", 1)]
        assert "W(2)₁,₁ = 0.4 − 0.5 · 0.0866 = 0.3567" in seen[("update_W", 2)]
        assert "W(2)₁,₂ = 0.45 − 0.5 · 0.0898 = 0.4051" in seen[("update_W", 2)]
        assert "W(2) ← [[0.3567, 0.4051]]" in seen[("update_W", 2)]
        for i in range(len(kinds) - 1, -1, -1):
            assert screen.index == i
            assert on_screen(screen) == seen[(screen.phase.kind, screen.phase.layer)]
            await pilot.press("b" if i % 2 else "left")
        assert screen.index == 0
        assert "z(1)₁ = 0.15 · 1 + 0.35 = 0.5" in screen.equation_text


async def test_home_end_number_keys_and_the_phase_list_move_between_phases() -> None:
    app, _ = seed_toy_host()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.step_screen
        await pilot.press("7")
        assert screen.phase.symbol == "δ(1)"
        await pilot.press("end")
        assert screen.index == len(screen.trace.phases) - 1
        await pilot.press("home")
        assert screen.index == 0
        await pilot.press("n", "n")
        assert screen.index == 2
        phases = screen.query_one(PhaseList)
        assert phases.has_focus
        await pilot.press("down")
        await pilot.pause()
        assert screen.index == 3
        assert phases.phase_at(phases.highlighted) == 3
        phases.post_message(PhaseList.Jump(5))
        await pilot.pause()
        assert screen.phase.symbol == "δ(2)"
        assert "δ(2) — output error" in rendered(screen.query_one(EquationPanel).heading)


async def test_the_layer_tables_light_what_a_phase_reads_and_writes() -> None:
    app, _ = seed_toy_host()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.step_screen
        await pilot.press("7")  # δ(1): reads z(1), a(1), W(2), δ(2); writes δ(1)
        assert screen.phase.symbol == "δ(1)"
        tables = screen.query_one(LayerTables)
        await tables_drawn(pilot, tables)
        assert tables.active_layer == 1

        def background(quantity: str) -> Any:
            style = tables.tables[(1, quantity)].cell_text(0, 0).style
            bgcolor = style.bgcolor if isinstance(style, Style) else None
            return None if bgcolor is None else tuple(bgcolor.triplet)

        assert background("delta") == WRITE_BG
        assert background("z") == READ_BG
        assert background("W") is None


async def test_the_tables_show_only_what_the_phases_so_far_computed() -> None:
    app, _ = seed_toy_host()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.step_screen
        tables = screen.query_one(LayerTables)

        def filled(quantities: str) -> dict[str, bool]:
            """Which of the layer-1 and layer-2 tables hold numbers ("z1 a2 …")."""
            seen = {}
            for name in quantities.split():
                quantity, layer = name[:-1], int(name[-1])
                tables.active_layer = layer
                tables._shown = {}
                tables.refresh_tables()
                seen[name] = tables.tables[(layer, quantity)].row_count > 0
            return seen

        await tables_drawn(pilot, tables)
        # Phase 1, z(1): z(1) is there, a(1), δ(1) and ∂W(1) are not (a student working
        # δ(1) by hand does not see the answer first); W and b always are.
        assert filled("z1 W1 b1 a1 delta1 dW1") == {
            "z1": True,
            "W1": True,
            "b1": True,
            "a1": False,
            "delta1": False,
            "dW1": False,
        }
        assert "(a later phase)" in str(tables._panels[(1, "delta")].caption.render())
        await pilot.press("7")  # δ(1)
        await tables_drawn(pilot, tables)
        assert filled("a1 delta1 dW1 delta2 a2") == {
            "a1": True,
            "delta1": True,
            "dW1": False,
            "delta2": True,
            "a2": True,
        }
        await pilot.press("end")
        await tables_drawn(pilot, tables)
        assert all(filled("z1 a1 delta1 dW1 db1 z2 a2 delta2 dW2 db2").values())


async def test_update_phases_show_the_new_weights_in_the_tables() -> None:
    app, _ = seed_toy_host()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.step_screen
        screen.go_to(screen.trace.phase_index("update_W", 2))
        tables = screen.query_one(LayerTables)
        await wait_until(pilot, lambda: tables.active_layer == 2, "layer 2's tab")
        await tables_drawn(pilot, tables)
        W2 = tables.tables[(2, "W")].values
        assert np.array_equal(W2, screen.trace.layers[1].W_new)
        assert tables.tables[(2, "W")].cell_text(0, 0).plain.startswith("0.3567")


async def test_apply_returns_the_next_batch_and_one_trainer_step_gives_the_traced_weights() -> None:
    preset = load("seed-toy")
    trainer = build_trainer(preset)
    trainer.step()
    snapshot = trainer.snapshot()
    screen = StepThroughScreen.from_snapshot(ViewContext.from_preset(preset), snapshot)
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("n", "n", "enter")
        await pilot.pause()
        assert len(app.results) == 1
    result = app.results[0]
    assert isinstance(result, StepResult)
    assert result.indices == (0,) and result.next_batch
    assert result.command() == Step()
    result.apply_to(trainer)
    for W, W_new in zip(trainer.network.W, result.W_new, strict=True):
        assert np.array_equal(W, W_new)
    for b, b_new in zip(trainer.network.b, result.b_new, strict=True):
        assert np.array_equal(b, b_new)
    assert trainer.global_step == 2


async def test_a_chosen_sample_applies_as_train_on_those_rows() -> None:
    trainer = build_trainer(load("xor"))
    W_before = [w.copy() for w in trainer.network.W]
    app = Host(StepThroughScreen.from_trainer(trainer, title="xor"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.step_screen
        assert screen.trace.batch_size == 4
        await pilot.press("plus", "plus", "plus")
        assert screen.sample == 2
        assert screen.trace.batch_size == 1
        assert screen.query_one("#sample", Select).value == 2
        await pilot.press("minus")
        assert screen.sample == 1
        await pilot.press("enter")
        await pilot.pause()
    result = app.results[0]
    assert result is not None
    assert result.indices == (1,) and not result.next_batch
    assert result.command() == TrainOn((1,))
    assert all(np.array_equal(a, b) for a, b in zip(trainer.network.W, W_before, strict=True))
    result.apply_to(trainer)
    assert all(np.array_equal(a, b) for a, b in zip(trainer.network.W, result.W_new, strict=True))


async def test_the_sample_selector_retraces_the_chosen_row() -> None:
    trainer = build_trainer(load("xor"))
    app = Host(StepThroughScreen.from_trainer(trainer, title="xor"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.step_screen
        screen.query_one("#sample", Select).value = 3
        await pilot.pause()
        assert screen.sample == 3
        assert np.array_equal(screen.trace.x, trainer.train_data.X[[3]])
        assert "B = 1" in rendered(screen.query_one("#step-summary", Static))


async def test_escape_returns_none_and_changes_nothing() -> None:
    app, trainer = seed_toy_host()
    W_before = [w.copy() for w in trainer.network.W]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("end", "escape")
        await pilot.pause()
        assert not isinstance(app.screen, StepThroughScreen)
    assert app.results == [None]
    assert trainer.global_step == 0
    assert all(np.array_equal(a, b) for a, b in zip(trainer.network.W, W_before, strict=True))


async def test_two_two_two_shows_its_published_values_with_biases_fixed() -> None:
    app = step_app("two-two-two")
    async with app.run_test(size=SIZE) as pilot:
        screen = await on_top(pilot, StepThroughScreen)
        await pilot.press("p")
        assert screen.precision == 9
        await pilot.press("5")
        assert "= 0.298371109" in on_screen(screen)
        screen.go_to(screen.trace.phase_index("update_W", 2))
        await pilot.pause()
        text = on_screen(screen)
        for published in ("0.35891648", "0.408666186", "0.511301270", "0.561370121"):
            assert published in text
        screen.go_to(screen.trace.phase_index("update_W", 1))
        await pilot.pause()
        text = on_screen(screen)
        for published in ("0.149780716", "0.199561432", "0.249751144", "0.299502287"):
            assert published in text
        assert "update_b" not in [p.kind for p in screen.trace.phases]
        assert "0.291027774" in rendered(screen.query_one("#step-summary", Static))
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.snapshot.global_step == 1, "the applied update")
        assert app.screen is app.screen_stack[0]
    assert app.snapshot.b[0].tolist() == [0.35, 0.35]
    assert np.array_equal(app.snapshot.b[1], [0.6, 0.6])
    assert app.snapshot.W[1][0, 0] == pytest.approx(0.35891648, abs=5e-9)


async def test_the_finite_difference_toggle_shows_tiny_relative_errors() -> None:
    app, _ = seed_toy_host()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.step_screen
        table = screen.query_one(GradCheckTable)
        assert not table.display
        await pilot.press("c")
        await pilot.pause()
        assert table.display
        assert set(table.errors) == {
            "∂L/∂W(1)₁,₁", "∂L/∂W(1)₂,₁", "∂L/∂b(1)₁", "∂L/∂b(1)₂",
            "∂L/∂W(2)₁,₁", "∂L/∂W(2)₁,₂", "∂L/∂b(2)",
        }  # fmt: skip
        assert max(table.errors.values()) < 1e-6
        row = table.get_row("∂L/∂W(2)₁,₁")
        assert row[1].plain == "0.0866" and row[2].plain == "0.0866"
        assert float(row[3].plain) < 1e-6
        await pilot.press("c")
        assert not table.display


async def test_export_writes_the_markdown_worked_example(tmp_path: Path) -> None:
    app, _ = seed_toy_host()
    target = tmp_path / "toy.md"
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.step_screen
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, ExportPathDialog)
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
    assert target.read_text(encoding="utf-8") == screen.trace.to_markdown()
    assert "δ(1)₁ = (0.4 · 0.1391) · 0.2350 = 0.0131" in target.read_text(encoding="utf-8")
    assert not list(tmp_path.glob(".toy.md.*"))


async def test_an_unwritable_export_path_notifies_and_the_screen_stays(tmp_path: Path) -> None:
    app, _ = seed_toy_host()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.step_screen
        await pilot.press("ctrl+e")
        await pilot.pause()
        app.screen.query_one(Input).value = str(tmp_path / "missing" / "toy.md")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("n")
        assert screen.index == 1
    assert any(sev == "error" and "does not exist" in msg for msg, sev in app.notices)
    assert app.results == []


async def test_escape_in_the_export_dialog_writes_nothing(tmp_path: Path) -> None:
    app, _ = seed_toy_host()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("w")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.step_screen
        assert app.step_screen.last_export is None
    assert app.results == []


async def test_the_screen_is_readable_at_80_by_24() -> None:
    app, _ = seed_toy_host()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.step_screen
        await pilot.press("7")
        panel = screen.query_one(EquationPanel)
        assert panel.region.width >= 50
        assert panel.region.height >= 6
        assert screen.query_one(LayerTables).region.height >= 6
        text = rendered(panel.body, panel.region.width)
        assert "δ(1)₂ = (0.45 · 0.1391) · 0.2288 = 0.0143" in text


def test_a_session_from_a_dashboard_snapshot_reproduces_an_adam_step_exactly() -> None:
    preset = load("moons")
    trainer = build_trainer(preset)
    for _ in range(3):
        trainer.step()
    session = StepSession.from_snapshot(ViewContext.from_preset(preset), trainer.snapshot())
    trace = session.trace()
    result = session.result(trace, None)
    assert result.indices == tuple(int(i) for i in trainer.next_batch())
    assert trace.optimizer == "adam" and trace.optimizer_t == 4
    trainer.step()
    assert all(np.array_equal(a, b) for a, b in zip(trainer.network.W, result.W_new, strict=True))
    assert all(np.array_equal(a, b) for a, b in zip(trainer.network.b, result.b_new, strict=True))


def test_a_session_never_touches_the_trainer_it_was_built_from() -> None:
    trainer = build_trainer(load("seed-toy"))
    session = StepSession.from_trainer(trainer)
    session.trace()
    session.trace(0)
    assert session.network is not trainer.network
    assert session.optimizer is not trainer.optimizer
    assert trainer.global_step == 0
    assert trainer.network.W[1].tolist() == [[0.4, 0.45]]


def test_the_session_trace_is_the_trainer_trace() -> None:
    trainer = build_trainer(load("two-two-two"))
    ours = StepSession.from_trainer(trainer).trace()
    theirs = trace_trainer(trainer)
    assert [p.substituted for p in ours.phases] == [p.substituted for p in theirs.phases]


def test_every_binding_says_what_it_does() -> None:
    for binding in StepThroughScreen.BINDINGS:
        assert binding.description and binding.tooltip, binding
    actions = {b.action for b in StepThroughScreen.BINDINGS}
    for needed in ("next_phase", "previous_phase", "apply", "close", "toggle_check", "export"):
        assert needed in actions


async def test_enter_in_the_row_selector_picks_a_row_instead_of_applying() -> None:
    trainer = build_trainer(load("xor"))
    app = Host(StepThroughScreen.from_trainer(trainer, title="xor"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.step_screen
        select = screen.query_one("#sample", Select)
        select.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert select.expanded
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert not select.expanded
        assert screen.sample == 1
        assert app.results == []
        assert app.screen is screen


async def test_open_step_through_pushes_the_screen_from_a_dashboard_snapshot() -> None:
    preset = load("two-two-two")
    trainer = build_trainer(preset)
    context = ViewContext.from_preset(preset)
    results: list[StepResult | None] = []

    class Dashboard(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("dashboard")

    app = Dashboard()
    async with app.run_test(size=SIZE) as pilot:
        screen = open_step_through(app, context, trainer.snapshot(), results.append, sample=0)
        await pilot.pause()
        assert app.screen is screen and screen.sample == 0
        assert screen.context is context
        await pilot.press("enter")
        await pilot.pause()
    assert results[0] is not None and results[0].command() == TrainOn((0,))


async def test_over_the_dashboard_the_check_moves_beside_the_equations_only_at_180() -> None:
    # The dashboard's own width classes (-wide from 110 columns) once reached this screen
    # too, and put the check table beside the equations at 110 to 139; with its three
    # gradients it is ~90 wide, so it goes beside them only where they keep ~60 columns.
    for width, beside in ((120, False), (160, False), (180, True)):
        app = step_app("seed-toy")
        async with app.run_test(size=(width, 40)) as pilot:
            screen = await on_top(pilot, StepThroughScreen)
            await pilot.press("c")
            await pilot.pause()
            check = screen.query_one(GradCheckTable).region
            equations = screen.query_one(EquationPanel).region
            assert (check.x > equations.x, check.y > equations.y) == (beside, not beside), width

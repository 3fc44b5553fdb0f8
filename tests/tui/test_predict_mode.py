"""Predict mode of the step-through: the level picker, asked phases shown without their
result, right / close / wrong answers, the mistake named, "show me", the summary and its
Markdown export, and the message a finished session posts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from app_pilot import tables_drawn, wait_until
from backprop_tui.core.config.presets import build_trainer, load
from backprop_tui.core.learn import LEVELS, asked_phases
from backprop_tui.tui.screens.predict import LevelPicker, PredictFinished
from backprop_tui.tui.screens.step_through import StepThroughScreen
from backprop_tui.tui.screens.trace_export import ExportPathDialog
from backprop_tui.tui.widgets.format import READ_BG
from backprop_tui.tui.widgets.layer_tables import LayerTables
from backprop_tui.tui.widgets.predict_panel import PredictPanel
from rich.style import Style
from textual.app import App, ComposeResult
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static
from textual.widgets._footer import FooterKey

SIZE = (120, 40)

LEVEL_ORDER = list(LEVELS)


class Host(App[None]):
    """Pushes one step-through of seed-toy; records notices and finished sessions."""

    def __init__(self) -> None:
        super().__init__()
        trainer = build_trainer(load("seed-toy"))
        self.step_screen = StepThroughScreen.from_trainer(trainer, title="seed-toy")
        self.notices: list[tuple[str, str]] = []
        self.finished: list[PredictFinished] = []

    def compose(self) -> ComposeResult:
        yield Static("dashboard")

    def on_mount(self) -> None:
        self.push_screen(self.step_screen)

    def on_predict_finished(self, message: PredictFinished) -> None:
        self.finished.append(message)

    def notify(self, message: str, *args: Any, **options: Any) -> None:
        self.notices.append((str(message), options.get("severity", "information")))
        super().notify(message, *args, **options)


async def predict(pilot: Pilot, level: str) -> StepThroughScreen:
    """Press t and pick `level` in the picker; returns the step-through."""
    app: Any = pilot.app
    screen = app.step_screen
    await pilot.pause()
    await pilot.press("t")
    await wait_until(pilot, lambda: isinstance(app.screen, LevelPicker), "the level picker")
    await pilot.press(*["down"] * LEVEL_ORDER.index(level), "enter")
    await wait_until(pilot, lambda: app.screen is screen and screen.quiz, "predict mode")
    await pilot.pause()
    return screen


async def answer(pilot: Pilot, text: str) -> str:
    """Type `text` into the answer box, press enter; returns the panel's feedback."""
    screen: Any = pilot.app.screen
    panel = screen.query_one(PredictPanel)
    assert panel.answer.has_focus
    await pilot.press(*text)
    await pilot.press("enter")
    await pilot.pause()
    return panel.plain


def right(screen: StepThroughScreen, digits: int = 6) -> str:
    """The asked phase's right value, row by row, to `digits` significant digits."""
    from backprop_tui.core.learn import phase_value

    assert screen.quiz is not None and screen.quiz.current is not None
    value = phase_value(screen.trace, screen.quiz.current)
    return " ".join(f"{v:.{digits}g}" for v in np.ravel(value))


async def test_t_opens_the_level_picker_and_the_key_is_in_the_footer_and_the_palette() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.step_screen
        footer = {str(key.description) for key in screen.query(FooterKey)}
        assert "Predict" in footer
        assert "Show me" not in footer  # only while a phase is asked
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await pilot.press(*"predict the updates")
        commands = app.screen.query_one(CommandList)

        def highlighted() -> str:
            option = commands.highlighted_option
            return "" if option is None else str(option.prompt)

        await wait_until(pilot, lambda: "Predict the updates" in highlighted(), "the command")
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.quiz is not None, "predict mode")
        assert screen.quiz is not None and screen.quiz.level == "updates"
        await pilot.pause()
        footer = {str(key.description) for key in screen.query(FooterKey)}
        assert "Show me" in footer


async def test_an_asked_phase_shows_its_inputs_but_not_its_result() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        screen = await predict(pilot, "backward")
        assert screen.phase.symbol == "δ(2)"
        text = screen.equation_text
        assert "δ(2) = (ŷ − y) ⊙ σ'(z(2))" in text
        assert "ŷ = 0.7576" in text and "z(2) = 1.1395" in text
        assert "δ(2) = ?" in text
        assert "0.1391" not in text
        tables = screen.query_one(LayerTables)
        tables.active_layer = 2
        tables._shown = {}
        tables.refresh_tables()
        await tables_drawn(pilot, tables)
        assert tables.tables[(2, "delta")].row_count == 0  # the result cell stays blank


async def test_a_right_answer_typed_is_correct_and_enter_goes_on() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        screen = await predict(pilot, "backward")
        said = await answer(pilot, "0.1391")
        assert "✓ Correct: δ(2) = 0.1391" in said
        assert "δ(2) = (0.7576 − 0) · 0.1836 = 0.1391" in screen.equation_text
        await pilot.press("enter")
        await pilot.pause()
        assert screen.phase.symbol == "δ(1)"
        assert "question 2/10" in screen.query_one(PredictPanel).plain
        assert screen.quiz is not None and screen.quiz.items[0].right_first_time


async def test_a_rounding_slip_is_close_and_said_so() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        await predict(pilot, "backward")
        said = await answer(pilot, "0.14")
        assert "≈ Close" in said and "rounding slip" in said
        assert app.step_screen.quiz.items[0].outcome == "close"


async def test_a_wrong_answer_marks_the_cells_off_hints_and_gives_a_second_try() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        screen = await predict(pilot, "backward")
        await answer(pilot, "0.1391")
        await pilot.press("enter")
        await pilot.pause()
        assert screen.phase.symbol == "δ(1)"
        said = await answer(pilot, "0.0131 0.5")
        assert "✗ Wrong" in said
        assert "off: δ(1)₂" in said and "δ(1)₁," not in said
        assert "hint: the equation reads W(2), δ(2), z(1), a(1)" in said
        assert screen.hint and screen.phase.symbol == "δ(1)"
        assert "δ(1) = ?" in screen.equation_text
        tables = screen.query_one(LayerTables)
        await tables_drawn(pilot, tables)
        style = tables.tables[(1, "z")].cell_text(0, 0).style
        assert isinstance(style, Style) and style.bgcolor is not None
        assert tuple(style.bgcolor.triplet) == READ_BG
        screen.query_one(PredictPanel).answer.value = ""
        said = await answer(pilot, "1 2")
        assert "the answer: δ(1) = [0.0131, 0.0143]" in said
        assert "δ(1)₁ = (0.4 · 0.1391) · 0.2350 = 0.0131" in screen.equation_text
        assert screen.quiz is not None and screen.quiz.items[1].outcome == "wrong"


async def test_an_answer_of_the_wrong_count_is_not_a_try() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        screen = await predict(pilot, "backward")
        said = await answer(pilot, "0.1 0.2")
        assert "Cannot read that: expected 1 number, got 2" in said
        assert screen.quiz is not None and screen.quiz.tries_left == 2


async def test_a_wrong_answer_matching_a_catalogue_mistake_is_named_in_words() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        screen = await predict(pilot, "backward")
        await answer(pilot, "0.1391")
        await pilot.press("enter")
        await pilot.pause()
        layer2 = screen.trace.layers[1]
        slope_missing = (layer2.delta @ layer2.W).ravel()  # W(2)ᵀ δ(2) without ⊙ σ'(z(1))
        said = await answer(pilot, " ".join(f"{v:.6g}" for v in slope_missing))
        assert "[missing-activation-derivative]" in said
        assert "slope" in said
        assert "the right equation: δ(1) = (W(2)ᵀ δ(2)) ⊙ σ'(z(1))" in said


async def test_show_me_reveals_the_answer_and_counts_it_not_right_first_time() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        screen = await predict(pilot, "backward")
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert "Shown: δ(2) = 0.1391" in screen.query_one(PredictPanel).plain
        assert "= 0.1391" in screen.equation_text
        assert screen.quiz is not None and screen.quiz.items[0].outcome == "revealed"


async def test_each_level_asks_its_phases_fading_from_the_updates_back() -> None:
    counts = {}
    for level in LEVEL_ORDER:
        app = Host()
        async with app.run_test(size=SIZE) as pilot:
            screen = await predict(pilot, level)
            assert screen.quiz is not None
            assert screen.quiz.asked == asked_phases(screen.trace, level)
            assert screen.index == screen.quiz.asked[0]
            kinds = {screen.trace.phases[i].kind for i in screen.quiz.asked}
            assert kinds == set(LEVELS[level]) & {p.kind for p in screen.trace.phases}
            counts[level] = len(screen.quiz.asked)
    assert counts == {"updates": 4, "gradients": 8, "backward": 10, "all": 15}


async def test_the_summary_posts_predict_finished_and_exports_markdown(tmp_path: Path) -> None:
    app = Host()
    target = tmp_path / "mine.md"
    async with app.run_test(size=SIZE) as pilot:
        screen = await predict(pilot, "updates")
        await answer(pilot, right(screen))  # W(2), right first time
        await pilot.press("enter")
        await pilot.pause()
        await answer(pilot, "9")  # b(2): wrong, then revealed
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("ctrl+r")  # W(1)
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await answer(pilot, right(screen, 3))  # b(1)
        await wait_until(pilot, lambda: app.finished, "PredictFinished")
        said = screen.query_one(PredictPanel).plain
        assert "2/4 right first time" in said
        assert "Predicting the updates · done" in said
        (message,) = app.finished
        assert message.level == "updates"
        assert message.summary.right_first_time == 2 and message.summary.asked == 4
        assert screen.query_one(PredictPanel).answer.disabled
        assert "Predictions .md" in {str(k.description) for k in screen.query(FooterKey)}
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportPathDialog), "the dialog")
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        markdown = message.summary.to_markdown()
    assert target.read_text(encoding="utf-8") == markdown
    assert "- Right first time: 2/4" in markdown
    assert any(msg == f"Wrote {target}" for msg, _ in app.notices)


async def test_an_unwritable_summary_path_notifies_and_the_screen_stays(tmp_path: Path) -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        screen = await predict(pilot, "updates")
        for _ in range(4):
            await pilot.press("ctrl+r")
            await pilot.pause()
            if not (screen.quiz and screen.quiz.finished):
                await pilot.press("enter")
                await pilot.pause()
        assert screen.quiz is not None and screen.quiz.finished
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportPathDialog), "the dialog")
        app.screen.query_one(Input).value = str(tmp_path / "missing" / "mine.md")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
    assert any(sev == "error" and "does not exist" in msg for msg, sev in app.notices)


async def test_t_in_the_answer_box_opens_the_picker_whose_stop_shows_every_result() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        screen = await predict(pilot, "backward")
        assert "δ(2) = ?" in screen.equation_text
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(app.screen, LevelPicker), "the level picker")
        prompts = [str(o.prompt) for o in app.screen.query_one(OptionList).options]
        assert prompts == [
            "Predict the updates",
            "Predict the gradients and the updates",
            "Predict the δ's, the gradients and the updates",
            "Predict every phase",
            "Stop predicting",
        ]
        await pilot.press("end", "enter")
        await wait_until(pilot, lambda: app.screen is screen and screen.quiz is None, "the stop")
        assert "δ(2) = (0.7576 − 0) · 0.1836 = 0.1391" in screen.equation_text
        assert not screen.query_one(PredictPanel).display


async def test_tracing_other_rows_starts_the_session_over_on_the_new_trace() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        screen = await predict(pilot, "updates")
        await pilot.press("ctrl+r")
        await pilot.pause()
        old = screen.quiz
        screen.action_change_sample(1)  # row 0 rather than the next batch
        await pilot.pause()
        assert screen.quiz is not old and screen.quiz is not None
        assert screen.quiz.trace is screen.trace and screen.quiz.question == 1
        assert screen.quiz.level == "updates"
        assert any("again, on the new trace" in msg for msg, _ in app.notices)

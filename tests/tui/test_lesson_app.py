"""Pilot tests of a lesson run beside the dashboard: its steps load their presets (or go
on with the network), a train task and a change-η task complete from the snapshots, a
predict task from the TaskReported message predict mode posts, and N and P act on the
dashboard only."""

from __future__ import annotations

import textwrap
from pathlib import Path

from app_pilot import SIZE, notices, ready, wait_until
from backprop_tui.core.lessons import TaskEvent, load
from backprop_tui.tui.lesson_app import LessonApp, build_lesson_app
from backprop_tui.tui.screens.step_through import StepThroughScreen
from backprop_tui.tui.widgets.lesson_panel import LessonPanel, TaskReported
from backprop_tui.tui.worker.controller import ThreadController
from textual.pilot import Pilot
from textual.widgets import Markdown, Static

SCALAR = """\
title = "Scalar"

[[step]]
title = "Train"
preset = "seed-scalar"
text = "Train until L is small."
[step.task]
kind = "train"
loss_below = 0.01

[[step]]
title = "Halve"
text = "Halve η and watch."
[step.task]
kind = "learning_rate"
at_most = 0.03
epochs = 3

[[step]]
title = "Predict"
preset = "seed-toy"
text = "Predict the updates."
[step.task]
kind = "predict"
level = "updates"
"""


def lesson_app(lesson: str | Path) -> LessonApp:
    app = build_lesson_app(load(lesson), ThreadController)
    app.notices = []
    original = app.notify

    def notify(message: str, *args, **options) -> None:
        app.notices.append((str(message), options.get("severity", "information")))
        original(message, *args, **options)

    app.notify = notify
    return app


def scalar_lesson(tmp_path: Path) -> Path:
    path = tmp_path / "scalar.toml"
    path.write_text(textwrap.dedent(SCALAR), encoding="utf-8")
    return path


def task_line(app: LessonApp) -> str:
    return str(app.query_one("#lesson-task", Static).render())


async def at_step(pilot: Pilot, index: int, preset: str) -> None:
    app = pilot.app
    await wait_until(
        pilot,
        lambda: (
            app.step_index == index
            and app.preset.key == preset
            and not app._pending
            and app.task_state.progress is not None
        ),
        f"step {index + 1} on {preset}",
    )


async def test_a_lesson_walks_its_steps_loading_each_ones_preset_or_going_on() -> None:
    app = lesson_app("xor-hidden-layer")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        panel = app.query_one(LessonPanel)
        assert app.preset.sizes == (2, 1)
        assert "Step 1/3 · No hidden layer" in str(app.query_one("#lesson-heading").render())
        await pilot.press("N")
        await at_step(pilot, 1, "xor")
        assert app.preset.sizes == (2, 4, 1)
        assert "straight line" in panel.query_one(Markdown).source
        await pilot.press("n")  # train a step, then go on with this network
        await ready(pilot, 1)
        await pilot.press("N")
        await wait_until(pilot, lambda: app.step_index == 2, "step 3")
        assert app.preset.key == "xor" and app.snapshot.global_step == 1
        assert "No task" in task_line(app)
        await pilot.press("N")
        await wait_until(pilot, lambda: "this is the lesson's last step" in notices(app), "end")
        await pilot.press("P", "P")
        await at_step(pilot, 0, "xor-no-hidden")
        assert app.preset.sizes == (2, 1)


async def test_a_train_task_completes_when_the_loss_falls_under_its_value(tmp_path) -> None:
    app = lesson_app(scalar_lesson(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await at_step(pilot, 0, "seed-scalar")
        assert task_line(app).startswith("☐ Train until the training loss L is under 0.01.")
        await pilot.press("space")
        await wait_until(pilot, lambda: app.task_state.done, "the task done")
        assert app.snapshot.latest.train_loss < 0.01
        assert task_line(app).startswith("☑ Train") and "done · " in task_line(app)
        assert "task done — N for the next step" in notices(app)


async def test_a_change_of_eta_task_completes_after_its_epochs(tmp_path) -> None:
    app = lesson_app(scalar_lesson(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await at_step(pilot, 0, "seed-scalar")
        await pilot.press("N")
        await wait_until(pilot, lambda: app.step_index == 1, "step 2")
        assert app.task_state.progress.start_lr == 0.05  # from the snapshot shown, no wait
        await pilot.press("minus")
        await wait_until(pilot, lambda: app.snapshot.lr == 0.025, "η halved")
        assert not app.task_state.done and "η = 0.025 (was 0.05)" in task_line(app)
        for _ in range(3):
            await pilot.press("e")  # one sample: an epoch is one step
        await wait_until(pilot, lambda: app.task_state.done, "the task done")
        assert app.task_state.progress.epochs == 3


async def test_a_predict_task_completes_from_the_event_predict_mode_posts(tmp_path) -> None:
    app = lesson_app(scalar_lesson(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await at_step(pilot, 0, "seed-scalar")
        await pilot.press("N", "N")
        await at_step(pilot, 2, "seed-toy")
        assert "d opens the step-through" in task_line(app)
        app.post_message(TaskReported(TaskEvent.predicted("updates", 4, 3)))
        await wait_until(pilot, lambda: app.task_state.done, "the task done")
        assert "3/4 right" in task_line(app)


async def test_n_and_p_do_nothing_under_the_step_through(tmp_path) -> None:
    app = lesson_app(scalar_lesson(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await at_step(pilot, 0, "seed-scalar")
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, StepThroughScreen), "trace")
        assert app.check_action("lesson_step", (1,)) is False
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.screen_stack[0], "dashboard")
        assert app.check_action("lesson_step", (1,)) is True and app.step_index == 0


async def test_a_snapshot_of_an_older_preset_does_not_start_the_next_steps_task(tmp_path) -> None:
    app = lesson_app(scalar_lesson(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await at_step(pilot, 0, "seed-scalar")
        await pilot.press("space")  # seed-scalar's snapshots keep coming while seed-toy loads
        await wait_until(pilot, lambda: app.status.state == "running", "running")
        await pilot.press("N", "N")  # step 3 loads seed-toy: η 0.5, not seed-scalar's 0.05
        await at_step(pilot, 2, "seed-toy")
        assert app.task_state.progress.start_lr == 0.5


async def full_speed(pilot: Pilot) -> None:
    app = pilot.app
    for _ in range(13):
        await pilot.press("greater_than_sign")
    await wait_until(pilot, lambda: app.status.pace is None, "full speed")


async def test_the_shipped_learning_rate_lesson_goes_slow_then_diverges() -> None:
    app = lesson_app("learning-rate")
    async with app.run_test(size=SIZE) as pilot:
        await at_step(pilot, 0, "seed-scalar")
        await pilot.press("minus", "minus", "minus")
        await wait_until(pilot, lambda: app.snapshot.lr == 0.00625, "η = 0.00625")
        await full_speed(pilot)
        await pilot.press("space")
        await wait_until(pilot, lambda: app.task_state.done, "the slow run watched")
        assert app.snapshot.latest.train_loss > 0.05  # slow: the loss is still far from 0
        await pilot.press("N", "N")
        await at_step(pilot, 2, "seed-scalar")
        await pilot.press(*["plus"] * 4)
        await wait_until(pilot, lambda: app.snapshot.lr == 0.8, "η = 0.8")
        await full_speed(pilot)
        await pilot.press("space")
        await wait_until(pilot, lambda: app.status.state == "finished", "the 60-epoch target")
        assert not app.task_state.done
        await pilot.press("space")  # train on past the target
        await wait_until(pilot, lambda: app.task_state.done, "the divergence")
        assert app.status.state == "diverged" and "diverged" in task_line(app)


async def test_the_palette_offers_the_lesson_keys_beside_the_dashboards(tmp_path) -> None:
    from backprop_tui.tui.lesson_app import LessonCommands

    app = lesson_app(scalar_lesson(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await at_step(pilot, 0, "seed-scalar")
        names = [name for name, _, _ in LessonCommands(app.screen)._commands()]
        assert "Next step" in names and "Previous step" in names and "Run/pause" in names
        assert len(names) == len(set(names))


async def test_a_predict_task_completes_when_the_learner_predicts_in_the_step_through(
    tmp_path,
) -> None:
    import numpy as np
    from backprop_tui.core.learn import phase_value
    from backprop_tui.tui.screens.predict import LevelPicker
    from backprop_tui.tui.widgets.predict_panel import PredictPanel

    app = lesson_app(scalar_lesson(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await at_step(pilot, 0, "seed-scalar")
        await pilot.press("N", "N")
        await at_step(pilot, 2, "seed-toy")
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, StepThroughScreen), "trace")
        screen = app.screen
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(app.screen, LevelPicker), "the picker")
        await pilot.press("enter")  # the first level: the updates
        await wait_until(pilot, lambda: app.screen is screen and screen.quiz, "predict mode")
        for _ in range(4):  # W(2), b(2), W(1), b(1)
            await pilot.pause()
            value = phase_value(screen.trace, screen.quiz.current)
            assert screen.query_one(PredictPanel).answer.has_focus
            await pilot.press(*" ".join(f"{v:.6g}" for v in np.ravel(value)), "enter")
            await pilot.pause()
            if not screen.quiz.finished:
                await pilot.press("enter")
        await wait_until(pilot, lambda: app.task_state.done, "the task done")
        assert "4/4 right" in task_line(app)

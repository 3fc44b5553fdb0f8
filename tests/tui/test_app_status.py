"""The status line: every figure when there is room, the most important when not."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from backprop_tui.core.training.trainer import EpochRecord, Snapshot
from backprop_tui.tui.widgets.status_bar import rate, status_line
from backprop_tui.tui.worker.commands import Settings, Status


def snapshot(history: tuple[EpochRecord, ...] = ()) -> Snapshot:
    W = (np.zeros((2, 2)),)
    return Snapshot(
        epoch=len(history),
        step=1,
        global_step=3,
        steps_per_epoch=4,
        lr=0.5,
        W=W,
        b=(np.zeros(2),),
        history=history,
        batch_loss=0.25,
    )


def status(state: str = "running", message: str = "", rate: float | None = 12_345.0) -> Status:
    return Status(state, Settings(0.5, 8, 100, "sgd"), 0, 1, "xor", rate, message)


RECORD = EpochRecord(1, 0.125, 0.25, 0.75, 0.5)


def test_a_wide_line_shows_every_figure() -> None:
    line = status_line(snapshot((RECORD,)), status()).plain
    for part in (
        "▶ running",
        "epoch 1/100",
        "step 1/4",
        "loss 0.125",
        "test 0.25",
        "test acc 50.0%",  # the held-out accuracy, and it says so
        "η 0.5",
        "12.3k steps/s",
    ):
        assert part in line


def test_a_narrow_line_drops_the_least_important_figures_first() -> None:
    line = status_line(snapshot((RECORD,)), status(), width=50).plain
    assert len(line) <= 50
    assert "epoch 1/100" in line and "loss 0.125" in line and "test acc 50.0%" in line
    assert "step 1/4" not in line


def test_without_a_test_set_the_accuracy_is_the_training_accuracy() -> None:
    record = EpochRecord(1, 0.125, None, 0.75, None)
    line = status_line(snapshot((record,)), status()).plain
    assert "acc 75.0%" in line and "test acc" not in line


def test_a_finished_run_shows_no_step_of_an_epoch_that_never_starts() -> None:
    done = replace(snapshot((RECORD,) * 100), step=0)
    line = status_line(done, status("finished")).plain
    assert "epoch 100/100" in line and "step" not in line.replace("steps/s", "")
    running = replace(snapshot((RECORD,) * 99), step=0)
    assert "step 0/4" in status_line(running, status()).plain


def test_before_the_first_epoch_the_loss_is_the_last_batchs() -> None:
    assert "loss 0.25" in status_line(snapshot(), status()).plain


def test_the_workers_message_gets_its_own_line() -> None:
    line = status_line(snapshot(), status("diverged", "diverged at epoch 1, step 2"))
    assert line.plain.splitlines()[1] == "diverged at epoch 1, step 2"


def test_steps_per_second_is_a_dash_unless_running() -> None:
    assert rate(None) == "— steps/s"
    assert rate(950.0) == "950 steps/s"
    assert rate(2_500_000.0) == "2.5M steps/s"

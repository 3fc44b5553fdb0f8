"""A step's task is checked from what the app reports: snapshots (as Observations folded
into Progress) and TaskEvents from predict mode and the bug hunt."""

from __future__ import annotations

from backprop_tui.core.lessons import (
    HuntTask,
    LearningRateTask,
    Observation,
    PredictTask,
    Progress,
    TaskEvent,
    TaskState,
    TrainTask,
    check,
)


def fold(*observations: Observation) -> Progress:
    progress = Progress.start(observations[0])
    for now in observations[1:]:
        progress = progress.seen(now)
    return progress


def test_a_train_task_is_done_once_the_loss_is_under_its_value_after_training():
    task = TrainTask(loss_below=0.05)
    start = Observation(0, 0.5)
    assert not check(task, fold(start, Observation(100, 0.5, 0.2))).done
    done = check(task, fold(start, Observation(100, 0.5, 0.2), Observation(220, 0.5, 0.049)))
    assert done.done and done.status == "220 epochs trained, L = 0.049"


def test_a_loss_already_low_when_the_step_began_does_not_count():
    assert not check(TrainTask(0.05), fold(Observation(300, 0.5, 0.01))).done


def test_a_reset_does_not_take_back_the_epochs_trained_but_forgets_the_loss():
    progress = fold(Observation(0, 0.5), Observation(40, 0.5, 0.3), Observation(0, 0.5, None))
    assert progress.epochs == 40 and progress.loss is None
    assert not check(TrainTask(0.5), progress).done
    assert check(TrainTask(None, 40), progress).done


def test_a_diverged_loss_is_never_under_the_value():
    progress = fold(Observation(0, 0.5), Observation(5, 0.5, float("nan")))
    assert not check(TrainTask(0.05), progress).done


def test_a_rate_task_needs_a_changed_eta_within_bounds_then_its_epochs():
    task = LearningRateTask(at_most=0.01, epochs=60)
    start = Observation(0, 0.05)
    assert not check(task, fold(start, Observation(60, 0.05, 0.1))).done
    lowered = fold(start, Observation(0, 0.00625), Observation(59, 0.00625, 0.1))
    assert not check(task, lowered).done
    finished = lowered.seen(Observation(60, 0.00625, 0.09))
    result = check(task, finished)
    assert result.done and result.status.startswith("η = 0.00625 (was 0.05), 60 epochs since")
    assert not check(LearningRateTask(at_least=0.1), finished).done


def test_epochs_count_from_the_last_change_of_eta():
    progress = fold(
        Observation(0, 0.05), Observation(0, 0.1), Observation(30, 0.1, 1.0), Observation(30, 0.2)
    )
    assert progress.epochs - progress.lr_epochs == 0
    assert not check(LearningRateTask(epochs=10), progress).done


def test_a_diverge_task_needs_the_loss_to_diverge_after_eta_changed():
    task = LearningRateTask(at_least=0.6, diverge=True)
    raised = fold(Observation(0, 0.05), Observation(0, 0.8), Observation(60, 0.8, 1e41, "finished"))
    assert not check(task, raised).done
    diverged = raised.seen(Observation(450, 0.8, 6e307, "diverged"))
    assert check(task, diverged).done and check(task, diverged).status.endswith("diverged")


def test_a_divergence_before_the_change_does_not_count():
    task = LearningRateTask(at_least=0.6, diverge=True)
    progress = fold(
        Observation(0, 0.05),
        Observation(10, 0.05, 1.0, "diverged"),
        Observation(10, 0.8, 1.0, "diverged"),
    )
    assert not check(task, progress).done


def test_a_predict_task_is_done_by_a_session_at_its_level_or_a_harder_one():
    task = PredictTask("gradients")
    assert not check(task, None).done
    assert not check(task, None, (TaskEvent.predicted("updates", 4, 4),)).done
    assert check(task, None, (TaskEvent.predicted("gradients", 8, 0),)).done
    assert check(task, None, (TaskEvent.predicted("all", 15, 3),)).done


def test_a_predict_task_with_a_pass_mark_needs_enough_right():
    task = PredictTask("backward", min_right=0.5)
    tried = check(task, None, (TaskEvent.predicted("backward", 10, 4),))
    assert not tried.done and tried.status == "4/10 right; try again"
    assert check(task, None, (TaskEvent.predicted("backward", 10, 5),)).done


def test_a_hunt_task_is_done_when_the_named_bug_is_the_planted_one():
    assert not check(HuntTask("no-transpose"), None, (TaskEvent.hunted("update-sign", True),)).done
    assert not check(HuntTask(), None, (TaskEvent.hunted("update-sign", False),)).done
    assert check(HuntTask("no-transpose"), None, (TaskEvent.hunted("no-transpose", True),)).done
    assert check(HuntTask(), None, (TaskEvent("hunt", {"bug": "x", "solved": True}),)).done


def test_a_task_state_stays_done_once_done():
    state = TaskState(TrainTask(0.05)).seen(Observation(0, 0.5))
    state = state.seen(Observation(10, 0.5, 0.01))
    assert state.done and state.status.startswith("done · ")
    assert state.seen(Observation(0, 0.5)).done


def test_events_reported_before_the_first_snapshot_are_kept():
    state = TaskState(PredictTask("updates")).reported(TaskEvent.predicted("updates", 4, 1))
    assert state.done and state.seen(Observation(0, 0.5)).done


def test_a_step_without_a_task_has_no_status():
    assert TaskState(None).seen(Observation(0, 0.5)).status == ""

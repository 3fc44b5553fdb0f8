"""The training controller: commands between steps, exact steps and resets, read-only
snapshots, divergence, and a prompt quit — for the process and the thread worker."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace

import numpy as np
import pytest
from backprop_tui.core.training.history import HistoryView
from backprop_tui.tui.worker.commands import (
    EditCell,
    Epoch,
    LoadPreset,
    Pause,
    Reinit,
    Reset,
    Run,
    ScaleLearningRate,
    SetLearningRate,
    SetOptions,
    Settings,
    Step,
    TrainOn,
)
from backprop_tui.tui.worker.controller import (
    ProcessController,
    QueueInbox,
    ThreadController,
    TrainingController,
)
from backprop_tui.tui.worker.events import (
    CommandFailed,
    SnapshotReady,
    TrainingDiverged,
    TrainingFinished,
)
from backprop_tui.tui.worker.loop import TrainingLoop
from toy_presets import BROKEN, EXPLODING, SEED_TOY, XOR, build_toy

XOR_INPUTS = np.array(XOR.inputs)

TIMEOUT = 60.0


class Inbox:
    """Collects every message a controller posts (from any thread)."""

    def __init__(self) -> None:
        self.messages: list[object] = []
        self.lock = threading.Lock()

    def post(self, message: object) -> None:
        with self.lock:
            self.messages.append(message)

    def of(self, kind: type) -> list:
        with self.lock:
            return [m for m in self.messages if isinstance(m, kind)]

    @property
    def latest(self) -> SnapshotReady | None:
        ready = self.of(SnapshotReady)
        return ready[-1] if ready else None

    def wait(self, condition: Callable[[SnapshotReady], bool], what: str) -> SnapshotReady:
        """The first newest snapshot that meets `condition` (polls; generous timeout)."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            latest = self.latest
            if latest is not None and condition(latest):
                return latest
            time.sleep(0.01)
        last = self.latest
        shown = (last.status, last.snapshot.global_step) if last else None
        raise AssertionError(f"timed out waiting for {what}; last: {shown}")

    def wait_for(self, kind: type, what: str) -> object:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            found = self.of(kind)
            if found:
                return found[-1]
            time.sleep(0.01)
        raise AssertionError(f"timed out waiting for {what}")

    def count(self) -> int:
        with self.lock:
            return len(self.messages)

    def settle(self, token: int, steps: int) -> SnapshotReady:
        return self.wait(
            lambda m: m.status.token == token and m.snapshot.global_step == steps,
            f"step {steps}",
        )


KINDS = {"process": ProcessController, "thread": ThreadController}


@pytest.fixture(params=sorted(KINDS))
def make(
    request: pytest.FixtureRequest,
) -> Iterator[Callable[[], tuple[TrainingController, Inbox]]]:
    made: list[TrainingController] = []

    def factory() -> tuple[TrainingController, Inbox]:
        inbox = Inbox()
        controller = KINDS[request.param](inbox.post, build=build_toy)
        made.append(controller)
        return controller, inbox

    yield factory
    for controller in made:
        controller.close(timeout=5.0)


def reference_after(preset, steps: int, lr_after: dict[int, float] | None = None):
    trainer = build_toy(preset)
    for i in range(steps):
        if lr_after and i in lr_after:
            trainer.optimizer.lr = lr_after[i]
        trainer.step()
    return trainer


def test_a_loaded_preset_is_paused_at_step_zero_with_its_settings(make) -> None:
    controller, inbox = make()
    token = controller.start(SEED_TOY)
    ready = inbox.settle(token, 0)
    assert ready.status.state == "paused"
    assert ready.status.preset_name == "seed-toy"
    assert ready.status.settings == Settings(0.5, 0, 1000, "sgd", None)
    assert ready.status.steps_per_second is None
    np.testing.assert_array_equal(ready.snapshot.W[0], SEED_TOY.weights[0])


def test_one_step_command_trains_exactly_one_batch(make) -> None:
    controller, inbox = make()
    token = controller.start(SEED_TOY)
    inbox.settle(token, 0)
    controller.send(Step())
    ready = inbox.settle(token, 1)
    expected = reference_after(SEED_TOY, 1)
    for got, want in zip(ready.snapshot.W, expected.network.W, strict=True):
        np.testing.assert_array_equal(got, want)
    assert ready.status.state == "paused"
    assert ready.snapshot.batch_loss == pytest.approx(0.2870, abs=1e-4)


def test_commands_take_effect_between_steps(make) -> None:
    controller, inbox = make()
    token = controller.start(SEED_TOY)
    controller.send(Step())
    controller.send(SetLearningRate(0.125))
    controller.send(Step())
    controller.send(Step())
    ready = inbox.settle(token, 3)
    expected = reference_after(SEED_TOY, 3, lr_after={1: 0.125})
    for got, want in zip(
        ready.snapshot.W + ready.snapshot.b, expected.network.W + expected.network.b, strict=True
    ):
        np.testing.assert_array_equal(got, want)
    assert ready.snapshot.lr == 0.125


def test_run_trains_until_paused_and_the_history_arrives_whole(make) -> None:
    controller, inbox = make()
    token = controller.start(XOR)
    controller.send(Run())
    inbox.wait(lambda m: m.snapshot.epoch >= 5, "five epochs")
    controller.send(Pause())
    paused = inbox.wait(lambda m: m.status.state == "paused" and m.status.token == token, "pause")
    assert len(paused.snapshot.history) == paused.snapshot.epoch
    assert [r.epoch for r in paused.snapshot.history] == list(range(1, paused.snapshot.epoch + 1))
    assert paused.snapshot.global_step == 2 * paused.snapshot.epoch + paused.snapshot.step


def test_reset_restores_the_initial_weights_exactly(make) -> None:
    controller, inbox = make()
    token = controller.start(XOR)
    initial = inbox.settle(token, 0).snapshot
    controller.send(Run())
    inbox.wait(lambda m: m.snapshot.epoch >= 3, "three epochs")
    controller.send(Reset())
    reset = inbox.wait(
        lambda m: m.status.state == "paused" and m.snapshot.global_step == 0, "the reset"
    )
    for got, want in zip(reset.snapshot.W + reset.snapshot.b, initial.W + initial.b, strict=True):
        np.testing.assert_array_equal(got, want)
    assert reset.snapshot.history == ()


def test_reinit_draws_new_weights_even_where_the_preset_gives_them(make) -> None:
    controller, inbox = make()
    token = controller.start(SEED_TOY)
    initial = inbox.settle(token, 0).snapshot
    controller.send(Reinit())
    ready = inbox.wait(lambda m: m.status.seed == 1, "seed 1")
    assert not np.array_equal(ready.snapshot.W[0], initial.W[0])
    controller.send(Step())
    inbox.settle(token, 1)
    controller.send(Reset())
    again = inbox.settle(token, 0)
    np.testing.assert_array_equal(again.snapshot.W[0], ready.snapshot.W[0])


def test_epoch_command_finishes_the_current_epoch_then_pauses(make) -> None:
    controller, inbox = make()
    token = controller.start(XOR)
    controller.send(Step())
    inbox.settle(token, 1)
    controller.send(Epoch())
    ready = inbox.wait(lambda m: m.snapshot.epoch == 1 and m.status.state == "paused", "epoch 1")
    assert ready.snapshot.global_step == 2
    assert ready.snapshot.step == 0


def test_snapshots_hold_read_only_copies_never_live_arrays(make) -> None:
    controller, inbox = make()
    token = controller.start(XOR)
    controller.send(Step())
    ready = inbox.settle(token, 1)
    snapshot = ready.snapshot
    arrays = [*snapshot.W, *snapshot.b, *snapshot.dW, *snapshot.db, *snapshot.z, *snapshot.a]
    arrays += [*snapshot.delta, snapshot.x, snapshot.y, snapshot.next_batch]
    arrays += [v for state in snapshot.optimizer_state for v in state.values()]
    assert arrays
    assert all(not array.flags.writeable for array in arrays)
    if isinstance(controller, ThreadController):
        live = build_toy(XOR)
        live.step()
        for array in arrays:
            assert not any(np.shares_memory(array, p) for p in live.parameters())


def test_the_worker_never_shares_memory_with_the_thread_trainer() -> None:
    inbox = Inbox()
    trainers = []

    def build(preset, seed):
        trainer = build_toy(preset, seed)
        trainers.append(trainer)
        return trainer

    controller = ThreadController(inbox.post, build=build)
    try:
        token = controller.start(XOR)
        controller.send(Step())
        snapshot = inbox.settle(token, 1).snapshot
        live = [*trainers[-1].network.W, *trainers[-1].network.b]
        for array in (*snapshot.W, *snapshot.b):
            assert not any(np.shares_memory(array, p) for p in live)
    finally:
        controller.close()


def test_finishing_the_epoch_target_is_announced_and_run_goes_on_past_it(make) -> None:
    controller, inbox = make()
    token = controller.start(XOR)
    controller.send(SetOptions(Settings(0.5, 2, 3, "sgd", None)))
    controller.send(Run())
    finished = inbox.wait(lambda m: m.status.state == "finished", "finished")
    assert finished.snapshot.epoch == 3
    assert "3 epochs" in inbox.wait_for(TrainingFinished, "the notice").text
    controller.send(Run())
    past = inbox.wait(lambda m: m.status.token == token and m.snapshot.epoch > 3, "past it")
    assert past.status.state == "running" and past.status.settings.epochs == 3


def test_divergence_pauses_keeps_finite_weights_and_a_lower_rate_recovers(make) -> None:
    controller, inbox = make()
    token = controller.start(EXPLODING)
    controller.send(Run())
    diverged = inbox.wait(lambda m: m.status.state == "diverged", "divergence")
    assert "diverged at epoch" in diverged.status.message
    assert "learning rate" in diverged.status.message
    assert all(np.isfinite(w).all() for w in diverged.snapshot.W)
    assert isinstance(inbox.wait_for(TrainingDiverged, "the notice"), TrainingDiverged)
    steps = diverged.snapshot.global_step
    controller.send(Reset())
    inbox.settle(token, 0)
    controller.send(SetLearningRate(0.01))
    lowered = inbox.wait(lambda m: m.status.settings.lr == 0.01, "the lower rate")
    # Its 1000 whole-set epochs are quick: more, so the run cannot end before the pause.
    controller.send(SetOptions(replace(lowered.status.settings, epochs=10**6)))
    controller.send(Run())
    inbox.wait(lambda m: m.snapshot.global_step > steps + 50, "training after divergence")
    controller.send(Pause())
    calm = inbox.wait(lambda m: m.status.state == "paused", "pause")
    assert all(np.isfinite(w).all() for w in calm.snapshot.W)


def test_an_edit_changes_the_network_and_a_bad_one_fails_without_harm(make) -> None:
    controller, inbox = make()
    token = controller.start(SEED_TOY)
    inbox.settle(token, 0)
    controller.send(EditCell(2, "W", (0, 1), -3.5))
    edited = inbox.wait(lambda m: m.snapshot.W[1][0, 1] == -3.5, "the edit")
    assert edited.snapshot.W[1][0, 0] == 0.4
    controller.send(EditCell(2, "W", (5, 5), 1.0))
    failed = inbox.wait_for(CommandFailed, "the failure")
    assert failed.command == "EditCell"
    controller.send(Step())
    stepped = inbox.settle(token, 1)
    expected = build_toy(SEED_TOY)
    expected.set_parameter(2, "W", (0, 1), -3.5)
    expected.step()
    for got, want in zip(stepped.snapshot.W, expected.network.W, strict=True):
        np.testing.assert_array_equal(got, want)


def test_train_on_one_sample_counts_as_the_epochs_next_step(make) -> None:
    controller, inbox = make()
    token = controller.start(XOR)  # batches of 2: two steps an epoch
    controller.send(TrainOn((3,)))
    ready = inbox.settle(token, 1)
    assert (ready.snapshot.epoch, ready.snapshot.step, ready.snapshot.steps_per_epoch) == (0, 1, 2)
    np.testing.assert_array_equal(ready.snapshot.x, [[1.0, 1.0]])
    controller.send(TrainOn((0,)))
    ended = inbox.settle(token, 2)
    assert (ended.snapshot.epoch, ended.snapshot.step) == (1, 0)
    assert len(ended.snapshot.history) == 1


def test_a_new_batch_size_applies_from_the_next_step_and_the_snapshot_says_so(make) -> None:
    controller, inbox = make()
    token = controller.start(replace(XOR, batch_size=0))  # the whole set: one step an epoch
    loaded = inbox.settle(token, 0)
    assert (loaded.snapshot.steps_per_epoch, len(loaded.snapshot.next_batch)) == (1, 4)
    controller.send(SetOptions(replace(loaded.status.settings, batch_size=1)))
    changed = inbox.wait(lambda m: m.status.settings.batch_size == 1, "batch size 1")
    assert changed.snapshot.steps_per_epoch == 4
    upcoming = changed.snapshot.next_batch
    assert len(upcoming) == 1
    controller.send(Step())
    stepped = inbox.settle(token, 1).snapshot
    assert (stepped.epoch, stepped.step, stepped.steps_per_epoch) == (0, 1, 4)
    np.testing.assert_array_equal(stepped.x, XOR_INPUTS[upcoming])


def test_an_edit_publishes_the_loss_and_accuracy_of_the_edited_weights_at_once(make) -> None:
    controller, inbox = make()
    controller.start(XOR)
    controller.send(Epoch())
    epoch = inbox.wait(lambda m: m.snapshot.epoch == 1 and m.status.state == "paused", "an epoch")
    assert epoch.snapshot.latest == epoch.snapshot.history[-1]
    controller.send(EditCell(2, "W", (0, 1), 4.0))
    edited = inbox.wait(lambda m: m.snapshot.W[1][0, 1] == 4.0, "the edit").snapshot
    reference = reference_after(XOR, 2)
    reference.set_parameter(2, "W", (0, 1), 4.0)
    assert edited.measured == reference.measure() == edited.latest
    assert edited.global_step == 2


def test_invalid_settings_are_rejected_whole(make) -> None:
    controller, inbox = make()
    token = controller.start(XOR)
    inbox.settle(token, 0)
    controller.send(SetOptions(Settings(-1.0, 4, 10, "adam", None)))
    failed = inbox.wait_for(CommandFailed, "the failure")
    assert "learning rate" in failed.text
    controller.send(SetOptions(Settings(0.01, 4, 10, "adam", 0.1)))
    ready = inbox.wait(lambda m: m.status.settings.optimizer == "adam", "adam")
    assert ready.status.settings == Settings(0.01, 4, 10, "adam", 0.1)
    assert ready.snapshot.lr == 0.01


def test_a_preset_that_fails_to_build_leaves_the_old_one_running(make) -> None:
    controller, inbox = make()
    token = controller.start(XOR)
    inbox.settle(token, 0)
    controller.start(BROKEN)
    failed = inbox.wait_for(CommandFailed, "the failure")
    assert "broken on purpose" in failed.text
    controller.send(Step())
    ready = inbox.settle(token, 1)
    assert ready.status.preset_name == "xor"


def test_loading_another_preset_tags_its_snapshots_with_a_new_token(make) -> None:
    controller, inbox = make()
    first = controller.start(XOR)
    controller.send(Step())
    inbox.settle(first, 1)
    second = controller.start(SEED_TOY)
    ready = inbox.settle(second, 0)
    assert second != first
    assert ready.status.preset_name == "seed-toy"
    assert ready.snapshot.history == ()


def test_quitting_while_running_stops_the_worker_cleanly() -> None:
    inbox = Inbox()
    controller = ProcessController(inbox.post, build=build_toy)
    controller.start(XOR)
    controller.send(Run())
    inbox.wait(lambda m: m.status.state == "running" and m.snapshot.epoch > 2, "running")
    # A generous bound: a clean exit (code 0) shows Quit was served between steps.
    controller.close(timeout=10.0)
    assert controller._process.exitcode == 0


def test_close_always_leaves_no_worker_behind() -> None:
    inbox = Inbox()
    controller = ProcessController(inbox.post, build=build_toy)
    controller.start(XOR)
    controller.send(Run())
    controller.close(timeout=1.0)
    assert not controller._process.is_alive()


def test_a_paused_worker_sends_nothing_on_its_own() -> None:
    inbox = Inbox()
    controller = ThreadController(inbox.post, build=build_toy)
    try:
        token = controller.start(XOR)
        inbox.settle(token, 0)
        before = inbox.count()
        controller.send(Step())
        inbox.settle(token, 1)
        assert inbox.count() == before + 1
    finally:
        controller.close()


def test_the_worker_process_code_never_imports_textual() -> None:
    import subprocess
    import sys

    code = "import sys, backprop_tui.tui.worker.process; print('textual' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_scaling_the_learning_rate_compounds_every_request(make) -> None:
    controller, inbox = make()
    token = controller.start(SEED_TOY)
    for _ in range(3):
        controller.send(ScaleLearningRate(2.0))
    controller.send(ScaleLearningRate(0.5))
    ready = inbox.wait(lambda m: m.status.token == token and m.snapshot.lr == 2.0, "η = 2")
    assert ready.status.settings.lr == 2.0


def test_the_ui_rebuilds_a_long_run_the_worker_no_longer_holds_epoch_by_epoch() -> None:
    events: list[object] = []
    loop = TrainingLoop(QueueInbox(), events.append, build=build_toy)
    loop._handle(LoadPreset(XOR, 1))
    ui = ThreadController(events.append)  # not started: only its event handling
    history = loop.trainer.history
    epochs = np.arange(1.0, 500_001.0)
    rows = np.column_stack([epochs, 1 / epochs, *[np.ones(len(epochs))] * 3])
    for start in range(0, len(rows), 125_000):  # more epochs than are held, between updates
        history.extend(HistoryView(rows[start : start + 125_000]))
        loop.publish()
        ui._receive(events[-1])
    assert not history.view().complete
    for _ in range(3):  # and then the usual increments
        loop.trainer.step()
        loop.trainer.step()
        loop.publish()
        assert events[-1].history_start > 0
        ui._receive(events[-1])
    shown = events[-1].snapshot.history
    assert shown == history.view() and shown.epochs == 500_003
    assert shown.drawn(160) == history.view().drawn(160)

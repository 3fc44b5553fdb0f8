"""The trainer's state between steps: reading it changes nothing, a new batch size applies
from the next step, a chosen sample's update is a step, an edit is measured at once."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from backprop_tui.core.config.presets import build_trainer, load
from backprop_tui.core.trace.record import trace_trainer
from backprop_tui.core.training.trainer import Trainer


def circles() -> Trainer:
    return build_trainer(load("circles"))


def xor() -> Trainer:
    return build_trainer(load("xor"))


def finish_epoch(trainer: Trainer) -> None:
    epoch = trainer.epoch
    while trainer.epoch == epoch:
        trainer.step()


def same_state(a: Trainer, b: Trainer) -> bool:
    """The same counters, weights, history and generator state."""
    return (
        (a.epoch, a.step_in_epoch, a.global_step) == (b.epoch, b.step_in_epoch, b.global_step)
        and all(np.array_equal(x, y) for x, y in zip(a.parameters(), b.parameters(), strict=True))
        and a.history == b.history
        and a._rng.bit_generator.state == b._rng.bit_generator.state
    )


# -- reading changes nothing ---------------------------------------------------------


@pytest.mark.parametrize("read", ["snapshot", "trace_trainer", "next_batch"])
def test_a_batch_size_change_at_an_epoch_boundary_applies_whether_or_not_the_state_was_read(
    read,
) -> None:
    looked, untouched = circles(), circles()
    for trainer in (looked, untouched):
        finish_epoch(trainer)
    {"snapshot": looked.snapshot, "next_batch": looked.next_batch}.get(
        read, lambda: trace_trainer(looked)
    )()
    for trainer in (looked, untouched):
        trainer.batch_size = 0  # the whole set
        trainer.step()
    assert len(looked.last_batch) == len(untouched.last_batch) == 300
    assert same_state(looked, untouched)


def test_snapshots_and_traces_leave_every_later_step_bit_for_bit_the_same() -> None:
    looked, untouched = circles(), circles()
    for step in range(40):  # across two epoch boundaries (19 steps an epoch)
        looked.snapshot()
        trace_trainer(looked)
        trace_trainer(looked, sample=step)
        looked.step()
        untouched.step()
        assert same_state(looked, untouched)


def test_reading_the_next_batch_does_not_draw_from_the_generator() -> None:
    trainer = circles()
    finish_epoch(trainer)
    state = copy.deepcopy(trainer._rng.bit_generator.state)
    upcoming = trainer.next_batch()
    assert trainer._rng.bit_generator.state == state
    trainer.step()
    np.testing.assert_array_equal(trainer.last_batch, upcoming)


# -- a batch-size change applies from the next step -------------------------------------


def test_after_setting_batch_size_one_on_xor_the_next_step_trains_one_row() -> None:
    trainer = xor()
    trainer.snapshot()  # what the dashboard does after loading
    trainer.batch_size = 1
    assert trainer.steps_per_epoch == 4 and len(trainer.next_batch()) == 1
    upcoming = trainer.next_batch()
    trainer.step()
    np.testing.assert_array_equal(trainer.last_batch, upcoming)
    assert (trainer.epoch, trainer.step_in_epoch, trainer.steps_per_epoch) == (0, 1, 4)


def test_a_change_mid_epoch_cuts_the_rest_of_the_epoch_and_the_count_says_so() -> None:
    trainer = circles()  # 300 rows, batches of 16: 19 steps
    for _ in range(5):
        trainer.step()  # 80 rows taken
    trainer.batch_size = 100
    assert trainer.steps_per_epoch == 5 + 3  # 220 rows left: 100, 100, 20
    sizes = []
    while trainer.epoch == 0:
        sizes.append(len(trainer.next_batch()))
        trainer.step()
    assert sizes == [100, 100, 20]
    trainer.batch_size = 0
    assert trainer.steps_per_epoch == 1 and len(trainer.next_batch()) == 300


def test_every_row_is_visited_once_an_epoch_whatever_the_batch_size_changes() -> None:
    trainer = circles()
    seen = []
    for size in (16, 7, 0, 3, 50, 1, 16, 300, 16):
        if trainer.epoch:
            break
        trainer.batch_size = size
        trainer.step()
        seen.extend(trainer.last_batch.tolist())
    while trainer.epoch == 0:
        trainer.step()
        seen.extend(trainer.last_batch.tolist())
    assert sorted(seen) == list(range(300))


def test_steps_per_epoch_is_what_the_epoch_then_takes() -> None:
    trainer = circles()
    trainer.step()
    trainer.batch_size = 40
    expected = trainer.steps_per_epoch
    while trainer.epoch == 0:
        trainer.step()
    assert trainer.global_step == expected
    assert trainer.steps_per_epoch == 8  # 300 rows in batches of 40, from the start


# -- a chosen sample's update is a step -----------------------------------------------


def test_an_update_on_a_chosen_sample_counts_as_the_epochs_next_step() -> None:
    trainer, reference = circles(), circles()
    reference.step()
    trainer.train_on(np.array([5]))
    assert (trainer.epoch, trainer.step_in_epoch, trainer.global_step) == (0, 1, 1)
    np.testing.assert_array_equal(trainer.next_batch(), reference.next_batch())
    np.testing.assert_array_equal(trainer.last_batch, [5])


def test_on_a_one_step_epoch_a_chosen_samples_update_ends_the_epoch_with_its_loss() -> None:
    trainer = xor()
    loss = trainer.train_on(np.array([2]))
    assert (trainer.epoch, trainer.step_in_epoch, trainer.global_step) == (1, 0, 1)
    assert trainer.history[-1].train_loss == loss


# -- an edit is measured at once ------------------------------------------------------


def test_an_edited_weight_is_measured_at_once_and_a_step_clears_the_measure() -> None:
    trainer = circles()
    finish_epoch(trainer)
    before = trainer.history[-1]
    trainer.set_parameter(1, "W", (0, 0), 5.0)
    measured = trainer.measured
    assert measured is not None and measured.epoch == 1
    loss, acc = trainer.evaluate(trainer.train_data)
    assert (measured.train_loss, measured.train_accuracy) == (loss, acc)
    assert measured.train_loss != before.train_loss
    snapshot = trainer.snapshot()
    assert snapshot.measured == measured and snapshot.latest == measured
    trainer.step()
    assert trainer.measured is None and trainer.snapshot().latest == trainer.history[-1]

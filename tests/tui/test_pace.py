"""The training pace: at most so many steps a second while running, so a person can watch
a run, and full speed on request. The loop is driven by a fake clock here (no timing)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from backprop_tui.tui.worker.commands import (
    PACES,
    LoadPreset,
    Pause,
    Quit,
    Run,
    ScaleLearningRate,
    SetOptions,
    SetPace,
    Status,
    Update,
    default_pace,
    faster,
    slower,
)
from backprop_tui.tui.worker.loop import TrainingLoop
from toy_presets import XOR, build_toy


def test_the_default_pace_shows_the_configured_run_in_about_ten_seconds() -> None:
    assert default_pace(500) == 50.0  # xor: 500 epochs of one step, 10 s at 50 a second
    assert default_pace(10) == 1.0
    assert default_pace(50_000) == 5000.0
    assert default_pace(50_001) is None  # past the fastest pace: full speed


def test_faster_and_slower_walk_the_paces_and_full_speed_is_past_the_top() -> None:
    assert faster(50.0) == 100.0 and slower(50.0) == 20.0
    assert faster(PACES[-1]) is None and faster(None) is None
    assert slower(None) == PACES[-1] and slower(PACES[0]) == PACES[0]
    assert faster(7.0) == 10.0 and slower(7.0) == 5.0  # an unlisted pace snaps to a neighbour


class FakeClock:
    """Time that moves only when read (by a tick, so a loop that never waits still ends)
    and when the inbox waits."""

    def __init__(self, tick: float = 0.0005) -> None:
        self.now, self.tick = 0.0, tick

    def __call__(self) -> float:
        self.now += self.tick
        return self.now


class ClockInbox:
    """Commands queued up front; a wait with a timeout advances the fake clock by it,
    and once the clock passes `quit_at` the loop is told to quit."""

    def __init__(self, clock: FakeClock, commands: list, quit_at: float) -> None:
        self.clock, self.commands, self.quit_at = clock, list(commands), quit_at
        self.waits: list[float] = []

    def get(self, block: bool, timeout: float | None = None):
        if self.commands:
            return self.commands.pop(0)
        if self.clock.now >= self.quit_at:
            return Quit()
        if block and timeout is not None:
            self.waits.append(timeout)
            self.clock.now += timeout
        elif block:
            raise AssertionError("a blocking wait without a timeout while running")
        return None


def loaded_loop(
    pace: float | None, quit_at: float
) -> tuple[TrainingLoop, ClockInbox, FakeClock, list]:
    """A loop on XOR at `pace` with no epoch target in sight and Run queued."""
    clock = FakeClock()
    events: list = []
    inbox = ClockInbox(clock, [LoadPreset(XOR, 1)], quit_at=quit_at)
    loop = TrainingLoop(inbox, events.append, build_toy, clock=clock)
    loop._handle(inbox.get(False))
    assert loop.settings is not None
    loop._handle(SetOptions(replace(loop.settings, epochs=10**9)))
    loop._handle(SetPace(pace))
    inbox.commands.append(Run())
    return loop, inbox, clock, events


def run_loop(pace: float | None, seconds: float) -> tuple[list, ClockInbox, TrainingLoop]:
    loop, inbox, _, events = loaded_loop(pace, seconds)
    loop.run()
    return events, inbox, loop


def steps_of(events: list) -> int:
    return max(e.snapshot.global_step for e in events if isinstance(e, Update))


@pytest.mark.parametrize("pace", [1.0, 10.0, 50.0])
def test_running_at_a_pace_waits_one_interval_between_steps(pace) -> None:
    events, inbox, loop = run_loop(pace, seconds=2.0)
    # A step at t = 0, then one every 1/pace until the clock reaches 2 s.
    assert loop.trainer.global_step == pytest.approx(2.0 * pace + 1, abs=1)
    assert inbox.waits and 0.5 / pace < max(inbox.waits) <= 1.0 / pace
    last = [e.status for e in events if isinstance(e, Update)][-1]
    assert isinstance(last, Status) and last.pace == pace and last.state == "running"


def test_a_fast_pace_catches_up_the_steps_an_oversleeping_wait_cost() -> None:
    # A timed wait on a real queue lasts a millisecond or more: at 2000 steps/s (0.5 ms
    # apart) each wait oversleeps by several steps, which the loop makes up at once
    # (before, it restarted its schedule after every late wait: ~600 steps/s).
    loop, inbox, clock, _ = loaded_loop(2000.0, quit_at=1.0)
    clock.tick = 1e-6  # reading the clock costs (almost) nothing here
    original = inbox.get

    def oversleeping(block, timeout=None):
        command = original(block, timeout)
        if block and timeout is not None and command is None:
            clock.now += 0.0015
        return command

    inbox.get = oversleeping
    loop.run()
    assert loop.trainer.global_step == pytest.approx(2000, rel=0.05)


def test_after_a_long_stall_the_pace_starts_again_instead_of_bursting() -> None:
    loop, _, clock, _ = loaded_loop(10.0, quit_at=2.0)
    original = loop.trainer.step
    stalled = [False]

    def stalling():
        if not stalled[0] and clock.now > 0.5:
            stalled[0] = True
            clock.now += 1.0  # a second lost (the machine was busy)
        return original()

    loop.trainer.step = stalling
    loop.run()
    # About 2 s at 10/s, less the lost second: no burst of ten steps to catch up.
    assert loop.trainer.global_step == pytest.approx(11, abs=2)


def test_a_fast_pace_after_a_long_stall_starts_again_instead_of_bursting() -> None:
    # Catching up is for the milliseconds a wait oversleeps, not for a lost second.
    loop, _, clock, _ = loaded_loop(2000.0, quit_at=2.0)
    clock.tick = 1e-6
    original = loop.trainer.step
    stalled = [False]

    def stalling():
        if not stalled[0] and clock.now > 0.5:
            stalled[0] = True
            clock.now += 1.0
        return original()

    loop.trainer.step = stalling
    loop.run()
    assert loop.trainer.global_step == pytest.approx(2000, rel=0.05)  # not ~4000


def test_full_speed_never_waits() -> None:
    loop, inbox, clock, _ = loaded_loop(None, quit_at=float("inf"))
    # With no wait the fake clock never moves: stop after a fixed number of steps.
    original = loop.trainer.step
    count = [0]

    def counted():
        count[0] += 1
        if count[0] == 200:
            clock.now = inbox.quit_at = 1.0
        return original()

    loop.trainer.step = counted
    loop.run()
    assert inbox.waits == [] and count[0] >= 200


def test_a_command_during_the_wait_is_handled_at_once() -> None:
    loop, inbox, _, events = loaded_loop(1.0, quit_at=100.0)
    original = inbox.get

    def get(block, timeout=None):
        if timeout is not None:  # the first wait after the first step: pause
            inbox.get = original
            return Pause()
        return original(block, timeout)

    inbox.get = get
    inbox.commands.append(Quit())  # after the pause, the blocking get quits
    loop.run()
    assert loop.state == "paused" and steps_of(events) == 1


def test_loading_a_preset_sets_its_default_pace_and_a_bad_pace_is_refused() -> None:
    events: list = []
    clock = FakeClock()
    inbox = ClockInbox(clock, [], quit_at=0.0)
    loop = TrainingLoop(inbox, events.append, build_toy, clock=clock)
    loop._handle(LoadPreset(replace(XOR, epochs=500), 1))
    assert loop.pace == default_pace(500 * loop.trainer.steps_per_epoch)
    loop._handle(SetPace(-3.0))
    assert loop.pace == default_pace(500 * loop.trainer.steps_per_epoch)
    assert any("pace" in getattr(e, "text", "") for e in events)


def test_commands_during_the_waits_never_buy_extra_steps() -> None:
    loop, inbox, clock, _ = loaded_loop(1.0, quit_at=3.0)
    original = inbox.get
    presses = [0]

    def get(block, timeout=None):
        if timeout is not None and presses[0] < 20:  # a key in the middle of every wait
            presses[0] += 1
            clock.now += min(timeout, 0.1)
            return ScaleLearningRate(1.0)
        return original(block, timeout)

    inbox.get = get
    loop.run()
    assert presses[0] == 20
    assert loop.trainer.global_step <= 4  # t = 0, 1, 2 (and 3): one a second, keys or not


def test_at_a_slow_pace_every_step_is_shown() -> None:
    events, _, loop = run_loop(5.0, seconds=2.0)
    shown = {e.snapshot.global_step for e in events if isinstance(e, Update)}
    # Every step but the one the quit came after (a quit publishes nothing).
    assert set(range(1, loop.trainer.global_step)) <= shown

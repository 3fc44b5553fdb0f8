"""The training worker's loop: apply commands between steps, train, publish snapshots.

The same loop runs in a separate process (`tui.worker.process`) or in a thread
(`tui.worker.controller.ThreadController`); it only sees an inbox of commands and an `emit`
callable for events. While running it trains at the pace (at most so many steps a
second, waiting on the inbox in between, so a person can watch; None is full speed),
looks at the inbox every couple of milliseconds and publishes at most `max_rate`
snapshots a second, fewer for a big network (at most `SNAPSHOT_BYTES_PER_SECOND` of
arrays); while paused it blocks on the inbox (no busy waiting). Every command is
followed by a snapshot so the UI shows its effect at once.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Protocol

import numpy as np
from backprop_tui.core.errors import DivergedError
from backprop_tui.core.nn.init import init_parameters
from backprop_tui.core.training.settings import apply_settings
from backprop_tui.core.training.trainer import Trainer
from backprop_tui.tui.worker.commands import (
    Command,
    EditCell,
    Epoch,
    Failure,
    LoadPreset,
    Notice,
    Pause,
    Quit,
    Reinit,
    Reset,
    Run,
    RunState,
    ScaleLearningRate,
    SetLearningRate,
    SetOptions,
    SetPace,
    Settings,
    Status,
    Step,
    TrainOn,
    Update,
    default_pace,
)

BuildTrainer = Callable[[Any, int | None], Trainer]
"""(preset, seed or None for the preset's own) → a fresh Trainer."""

RATE_WINDOW = 0.5
"""Seconds of training over which steps per second is measured."""

SNAPSHOT_BYTES_PER_SECOND = 32e6
"""The most bytes of arrays the snapshots of a run carry a second. Each one is copied,
pickled, sent and unpickled; for xor that is 2 kB, at 15 a second, but a
2 → 1000 → 1000 → 1 network's W and ∂W are 16 MB, and 15 of them a second took a fifth
of the UI's time and most of the worker's between steps. A big network's snapshots come
less often (that one's twice a second); a command's effect is still published at once."""

CATCH_UP = 0.05
"""Seconds a paced run may fall behind and still catch up (at 2000 steps/s a timed wait
oversleeps by several steps; a run that lagged longer starts its schedule again)."""


class Inbox(Protocol):
    """Where commands arrive. `get` waits for one when `block` (at most `timeout`
    seconds when given; None when none came) and raises EOFError once the sender is gone."""

    def get(self, block: bool, timeout: float | None = None) -> Command | None: ...


def default_build(preset: Any, seed: int | None) -> Trainer:
    """`core.config.presets.build_trainer`, imported late so tests can run without presets."""
    from backprop_tui.core.config.presets import build_trainer

    return build_trainer(preset, seed)


class TrainingLoop:
    """Owns the Trainer inside the worker; everything else reaches it through commands."""

    def __init__(
        self,
        inbox: Inbox,
        emit: Callable[[object], None],
        build: BuildTrainer | None = None,
        max_rate: float = 15.0,
        poll_interval: float = 0.002,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.inbox = inbox
        self.emit = emit
        self.build = build or default_build
        self.publish_interval = 1.0 / max_rate
        self.poll_interval = poll_interval
        self.clock = clock
        self.trainer: Trainer | None = None
        self.preset: Any = None
        self.settings: Settings | None = None
        self.state: RunState = "paused"
        self.seed: int | None = None
        self.token = 0
        self.message = ""
        self.until_epoch: int | None = None
        self.past_target = False
        self.sent_history = 0
        self.steps_per_second: float | None = None
        self.pace: float | None = None
        self._next_step = 0.0  # when the next paced step is due (clock time)
        self._rate_mark = (0.0, 0)
        self.snapshot_bytes = 0
        """The bytes of arrays the last snapshot published carried."""

    # -- the loop ---------------------------------------------------------------------

    def run(self) -> None:
        """Serve commands until Quit or until the inbox is closed."""
        try:
            while True:
                if self.state == "running" and self.trainer is not None:
                    if not self._train_burst():
                        return
                elif not self._handle(self.inbox.get(block=True)):
                    return
        except EOFError:
            return

    def _train_burst(self) -> bool:
        """Train until a command arrives or training stops; False when told to quit."""
        trainer, clock = self.trainer, self.clock
        assert trainer is not None
        now = clock()
        self._rate_mark = (now, trainer.global_step)
        next_poll = now + self.poll_interval
        next_publish = now + self.publish_every
        interval = 1.0 / self.pace if self.pace else 0.0
        # A command handled during a wait ends this burst; the next one keeps the step's
        # due time, so a key press never buys an extra step.
        next_step = max(self._next_step, now)
        epoch = trainer.epoch
        while True:
            if interval:
                # At the pace: wait for the step's time on the inbox, so a command ends
                # the wait. Each step is due one interval after the previous one was, so
                # steps a wait overslept (a timed wait lasts a millisecond or more) are
                # caught up at once; after a longer delay, one interval from now.
                wait = next_step - clock()
                if wait > 0:
                    command = self.inbox.get(block=True, timeout=wait)
                    if command is not None:
                        return self._handle(command)
                    continue
                late = -wait > max(interval, CATCH_UP)
                next_step = (clock() if late else next_step) + interval
                self._next_step = next_step
            try:
                trainer.step()
            except DivergedError as error:
                self._diverged(error)
                return True
            if trainer.epoch != epoch:
                epoch = trainer.epoch
                if self._reached_goal():
                    return True
            now = clock()
            if now >= next_poll:
                next_poll = now + self.poll_interval
                command = self.inbox.get(block=False)
                if command is not None:
                    return self._handle(command)
            # Slower than the snapshot rate, every step is shown.
            if now >= next_publish or interval >= self.publish_every:
                self._measure_rate(now)
                self.publish()
                next_publish = now + self.publish_every

    @property
    def publish_every(self) -> float:
        """Seconds between two snapshots while running: 1 / `max_rate`, or longer when
        the last snapshot's arrays at that rate would pass `SNAPSHOT_BYTES_PER_SECOND`."""
        return max(self.publish_interval, self.snapshot_bytes / SNAPSHOT_BYTES_PER_SECOND)

    def _reached_goal(self) -> bool:
        """After an epoch: pause for `epoch`; finish when the run's goal (the epoch target
        or the stop-at loss, `core.training.run`) is reached, unless training past it."""
        trainer, settings = self.trainer, self.settings
        assert trainer is not None and settings is not None
        if self.until_epoch is not None and trainer.epoch >= self.until_epoch:
            self._stop("paused")
            return True
        if self.past_target:
            return False
        reached = settings.goal.reached(trainer)
        if reached is None:
            return False
        last = trainer.history.last
        assert last is not None
        if reached == "stop_loss":
            stop = f"{settings.stop_loss:g}"
            self._stop("finished", f"reached the stop-at loss: {last.train_loss:.6g} ≤ {stop}")
        else:
            # The status line already says "finished" and "epoch N/N": only a notice.
            self._stop(
                "finished",
                notice=f"{settings.epochs} epochs, loss {last.train_loss:.4g}. "
                "Space trains on past the target.",
            )
        return True

    def _stop(self, state: RunState, message: str = "", notice: str = "") -> None:
        self.state, self.message, self.until_epoch = state, message, None
        self.steps_per_second = None
        self.publish()
        if state == "finished":
            self.emit(Notice("finished", notice or message, self.token))

    def _diverged(self, error: DivergedError) -> None:
        text = (
            f"diverged at epoch {error.epoch}, step {error.step} — learning rate too high? "
            "Lower it (−) and run, or reset (r)"
        )
        self._stop("diverged", text)
        self.emit(Notice("diverged", text, self.token))

    def _measure_rate(self, now: float) -> None:
        assert self.trainer is not None
        since, steps = self._rate_mark
        if now - since >= RATE_WINDOW:
            self.steps_per_second = (self.trainer.global_step - steps) / (now - since)
            self._rate_mark = (now, self.trainer.global_step)

    # -- commands ---------------------------------------------------------------------

    def _handle(self, command: Command | None) -> bool:
        """Apply one command and publish its effect; False when told to quit."""
        if command is None:
            return True
        if isinstance(command, Quit):
            return False
        if self.trainer is None and not isinstance(command, LoadPreset):
            self.emit(Failure("no preset is loaded yet", type(command).__name__))
            return True
        try:
            self._apply(command)
        except Exception as error:  # the worker must outlive any bad command
            self.emit(Failure(str(error) or type(error).__name__, type(command).__name__))
        if self.trainer is not None:
            self.publish()
        return True

    def _apply(self, command: Command) -> None:
        trainer = self.trainer
        match command:
            case LoadPreset(preset=preset, token=token):
                self._load(preset, token)
            case Run():
                self._resume_if_diverged()
                if self.state == "finished":
                    self.past_target = True
                self._start_running()
            case Pause():
                self._set_paused()
            case Step():
                self._set_paused()
                self._resume_if_diverged()
                self._guarded(trainer.step)
            case Epoch():
                self._resume_if_diverged()
                self.until_epoch = trainer.epoch + 1
                self._start_running()
            case Reset():
                self._replace_trainer(self.seed)
            case Reinit(seed=seed):
                base = self.preset.seed if self.seed is None else self.seed
                self._replace_trainer(base + 1 if seed is None else seed)
            case SetLearningRate(lr=lr):
                assert self.settings is not None
                self._set_settings(replace(self.settings, lr=lr))
            case SetPace(steps_per_second=pace):
                if pace is not None and not (math.isfinite(pace) and pace > 0):
                    raise ValueError(f"the pace must be a positive number of steps/s, not {pace}")
                self.pace = pace
                self._next_step = 0.0  # the new pace starts from the next step
            case ScaleLearningRate(factor=factor):
                assert self.settings is not None
                self._set_settings(replace(self.settings, lr=self.settings.lr * factor))
            case SetOptions(settings=settings):
                self._set_settings(settings)
            case EditCell(layer=layer, quantity=quantity, index=index, value=value):
                trainer.set_parameter(layer, quantity, tuple(index), float(value))
            case TrainOn(indices=indices):
                self._set_paused()
                self._resume_if_diverged()
                self._guarded(lambda: trainer.train_on(np.asarray(indices, dtype=int)))
            case _:
                raise ValueError(f"unknown command {command!r}")

    def _guarded(self, train: Callable[[], object]) -> None:
        try:
            train()
        except DivergedError as error:
            self._diverged(error)

    def _start_running(self) -> None:
        self.state, self.message = "running", ""
        self.steps_per_second = None

    def _set_paused(self) -> None:
        if self.state == "running":
            self.state, self.until_epoch = "paused", None
            self.steps_per_second = None

    def _resume_if_diverged(self) -> None:
        assert self.trainer is not None
        if self.state == "diverged" or self.trainer.diverged is not None:
            self.trainer.resume()
            self.state, self.message = "paused", ""

    def _load(self, preset: Any, token: int) -> None:
        trainer = self.build(preset, None)
        self.preset, self.token, self.seed = preset, token, None
        self.settings = Settings.of(trainer, preset)
        self.pace = default_pace(preset.epochs * trainer.steps_per_epoch)
        self._install(trainer)

    def _replace_trainer(self, seed: int | None) -> None:
        """A fresh trainer for `seed` with the current settings: reset and re-init."""
        trainer = self.build(self.preset, seed)
        if seed is not None:
            _draw_explicit_parameters(trainer, self.preset, seed)
        assert self.settings is not None
        apply_settings(trainer, self.settings, self.preset)
        self.seed = seed
        self._install(trainer)

    def _install(self, trainer: Trainer) -> None:
        self.trainer = trainer
        self.state, self.message, self.until_epoch = "paused", "", None
        self.past_target = False
        self.sent_history = 0
        self.steps_per_second = None

    def _set_settings(self, settings: Settings) -> None:
        settings.check()
        assert self.trainer is not None and self.settings is not None
        if settings.goal != self.settings.goal:
            self.past_target = False
        apply_settings(self.trainer, settings, self.preset)
        self.settings = settings

    # -- publishing -------------------------------------------------------------------

    def status(self) -> Status:
        assert self.settings is not None
        return Status(
            state=self.state,
            settings=self.settings,
            seed=self.preset.seed if self.seed is None else self.seed,
            token=self.token,
            preset_name=str(self.preset.name),
            steps_per_second=self.steps_per_second if self.state == "running" else None,
            message=self.message,
            pace=self.pace,
        )

    def publish(self) -> None:
        """Send the newest snapshot with only the history rows not sent before (the whole
        history after a reset, or when rows not sent are no longer held one by one)."""
        trainer = self.trainer
        assert trainer is not None
        history = trainer.history
        start = self.sent_history
        if not history.exact_from <= start <= history.epochs:
            start = 0
        self.sent_history = history.epochs
        new = history.view(start)
        snapshot = trainer.snapshot(with_history=False)
        self.snapshot_bytes = snapshot.nbytes
        self.emit(Update(snapshot, self.status(), start, new))


def _draw_explicit_parameters(trainer: Trainer, preset: Any, seed: int) -> None:
    """Explicit weights or biases in a preset win over its seed; a re-init with a new
    seed must draw them too, or it would change nothing on presets like seed-toy."""
    network = trainer.network
    W, b = init_parameters(preset.sizes, preset.init, seed, network.dtype.type)
    if preset.weights is not None:
        for target, source in zip(network.W, W, strict=True):
            np.copyto(target, source)
    if preset.biases is not None:
        for target, source in zip(network.b, b, strict=True):
            np.copyto(target, source)

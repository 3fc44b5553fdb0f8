"""One interface to the training worker, two ways to run it.

`ProcessController` runs the `TrainingLoop` in a separate process ("spawn" context), so
training never competes with rendering for the GIL; `ThreadController` runs the same
loop in a thread (handy in tests). Both hand plain events (`worker.events`) to `post`
(the app wraps each in a Textual message and posts it, which is thread-safe):
`SnapshotReady` with the full history rebuilt from the increments the worker sends,
`TrainingFinished`, `TrainingDiverged`, `CommandFailed`, `WorkerStopped`.

A controller also keeps track of whether the worker answers (`silence`, `unanswered`): a
worker that is stopped (SIGSTOP, a debugger) or stuck sends nothing and says nothing, so
the UI has to notice the quiet itself.
"""

from __future__ import annotations

import itertools
import multiprocessing
import queue
import sys
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import numpy as np
from backprop_tui.core.training.history import History
from backprop_tui.core.training.trainer import Snapshot
from backprop_tui.tui.worker.commands import Command, Failure, LoadPreset, Notice, Quit, Update
from backprop_tui.tui.worker.events import (
    CommandFailed,
    SnapshotReady,
    TrainingDiverged,
    TrainingFinished,
    WorkerStopped,
)
from backprop_tui.tui.worker.loop import BuildTrainer, TrainingLoop
from backprop_tui.tui.worker.process import serve

Post = Callable[[Any], object]

TOKENS = itertools.count(1)
"""Load tokens, unique across controllers: a replacement worker's snapshots never pass
for its predecessor's."""


class TrainingController(ABC):
    """start(preset) loads a preset (starting the worker the first time), send(command)
    queues a command for between two steps, close() stops the worker within ~1 s."""

    def __init__(
        self, post: Post, build: BuildTrainer | None = None, max_rate: float = 15.0
    ) -> None:
        self.post = post
        self.build = build
        self.max_rate = max_rate
        self.token = 0
        self.closed = False
        self._started = False
        self._history = History()
        self._heard_at = time.monotonic()  # when the worker last sent anything
        self._asked_at: float | None = None  # the first command since then
        self._asked = 0  # commands sent since the worker last sent anything
        self._running = False  # the last status said "running": snapshots are due

    def start(self, preset: Any) -> int:
        """Load `preset` in the worker; returns the token its snapshots will carry."""
        if not self._started:
            self._launch()
            self._started = True
        self.token = next(TOKENS)
        self.send(LoadPreset(preset, self.token))
        return self.token

    @abstractmethod
    def _launch(self) -> None: ...

    @abstractmethod
    def send(self, command: Command) -> None:
        """Queue `command`; the worker applies it between two steps."""

    @abstractmethod
    def close(self, timeout: float = 1.0) -> None:
        """Stop the worker; returns within about `timeout` seconds."""

    def _sent(self, command: Command) -> None:
        """Note that `command` went to the worker, which owes an answer."""
        if not isinstance(command, Quit):
            if self._asked_at is None:
                self._asked_at = time.monotonic()
            self._asked += 1

    def silence(self, now: float | None = None) -> float | None:
        """Seconds the worker has owed an answer without sending anything: since the
        first command it has not answered, or, while it runs (and so sends snapshots),
        since its last event. None when it owes nothing (paused, every command answered)
        or is closed."""
        if self.closed or not self._started:
            return None
        due = [self._heard_at] if self._running else []
        if self._asked_at is not None:
            due.append(self._asked_at)
        if not due:
            return None
        return (time.monotonic() if now is None else now) - min(due)

    @property
    def unanswered(self) -> int:
        """Commands sent since the worker last sent anything."""
        return self._asked

    def _receive(self, event: object) -> None:
        """Turn one worker event into an event for the UI."""
        # Any event shows the worker is alive and reading: it answers whatever was sent
        # before within a poll interval (commands are served in order between steps).
        self._heard_at, self._asked_at, self._asked = time.monotonic(), None, 0
        match event:
            case Update():
                self._running = event.status.state == "running"
                self._history.truncate(event.history_start)
                self._history.extend(event.history_new)
                snapshot = replace(event.snapshot, history=self._history.view())
                self.post(SnapshotReady(read_only(snapshot), event.status))
            case Notice(kind="finished"):
                self.post(TrainingFinished(event.text, event.token))
            case Notice():
                self.post(TrainingDiverged(event.text, event.token))
            case Failure():
                self.post(CommandFailed(event.text, event.command))


def read_only(snapshot: Snapshot) -> Snapshot:
    """Mark every array of `snapshot` read-only (unpickled arrays arrive writeable)."""
    for value in vars(snapshot).values():
        for array in _arrays(value):
            array.flags.writeable = False
    return snapshot


def _arrays(value: object) -> list[np.ndarray]:
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, tuple):
        return [a for item in value for a in _arrays(item)]
    if isinstance(value, dict):
        return [a for item in value.values() for a in _arrays(item)]
    return []


@contextmanager
def real_std_streams() -> Iterator[None]:
    """The interpreter's own stdout and stderr for a moment: Textual replaces them with
    objects whose fileno() is -1, which multiprocessing cannot hand to a child."""
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.__stdout__ or saved[0]
    sys.stderr = sys.__stderr__ or saved[1]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


class ProcessController(TrainingController):
    """The loop in a spawned process; a reader thread turns its events into messages."""

    def _launch(self) -> None:
        context = multiprocessing.get_context("spawn")
        commands_out, commands_in = context.Pipe(duplex=False)
        events_out, events_in = context.Pipe(duplex=False)
        self._process = context.Process(
            target=serve,
            args=(commands_out, events_in, self.build, self.max_rate),
            name="backprop-trainer",
            daemon=True,
        )
        with real_std_streams():
            self._process.start()
        # Our copies of the child's ends must go, or EOF would never arrive.
        commands_out.close()
        events_in.close()
        self._commands = commands_in
        self._events = events_out
        self._send_lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, name="trainer-events", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                event = self._events.recv()
            except (EOFError, OSError):
                if not self.closed:
                    self.post(WorkerStopped("the training process stopped unexpectedly"))
                return
            self._receive(event)

    def send(self, command: Command) -> None:
        if self.closed or not self._started:
            return
        self._sent(command)  # first: the answer may come before send() returns
        try:
            with self._send_lock:
                self._commands.send(command)
        except (BrokenPipeError, OSError):
            self.post(CommandFailed("the training process is not running", type(command).__name__))

    def close(self, timeout: float = 1.0) -> None:
        if self.closed:
            return
        self.closed = True
        if not self._started:
            return
        try:
            with self._send_lock:
                self._commands.send(Quit())
        except (BrokenPipeError, OSError):
            pass
        process = self._process
        process.join(timeout * 0.7)
        if process.is_alive():
            process.terminate()
            process.join(timeout * 0.2)
        if process.is_alive():
            process.kill()
            process.join(timeout * 0.1)
        self._commands.close()
        self._reader.join(timeout * 0.1)

    @property
    def pid(self) -> int | None:
        """The worker process's id (None before start)."""
        return self._process.pid if self._started else None


class QueueInbox:
    """Commands from a thread-safe queue."""

    def __init__(self) -> None:
        self.queue: queue.SimpleQueue[Command] = queue.SimpleQueue()

    def get(self, block: bool, timeout: float | None = None) -> Command | None:
        try:
            return self.queue.get(block=block, timeout=timeout if block else None)
        except queue.Empty:
            return None


class ThreadController(TrainingController):
    """The loop in a daemon thread of this process: same commands, same messages."""

    def _launch(self) -> None:
        self._inbox = QueueInbox()
        loop = TrainingLoop(self._inbox, self._receive, self.build, self.max_rate)
        self._thread = threading.Thread(target=loop.run, name="trainer", daemon=True)
        self._thread.start()

    def send(self, command: Command) -> None:
        if not self.closed and self._started:
            self._sent(command)
            self._inbox.queue.put(command)

    def close(self, timeout: float = 1.0) -> None:
        if self.closed:
            return
        self.closed = True
        if self._started:
            self._inbox.queue.put(Quit())
            self._thread.join(timeout)


ControllerFactory = Callable[[Post], TrainingController]
"""What the app calls with its event poster to get a controller."""

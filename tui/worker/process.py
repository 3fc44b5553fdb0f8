"""The entry point of the training process: a `TrainingLoop` between two pipes.

Started with the "spawn" context, so it imports only numpy, `core` and `tui.worker.commands`
(never Textual) and shares no memory with the UI: events cross the pipe pickled. An
array of `SPILL_BYTES` or more (a big network's W and ∂W) crosses through a file in
shared memory instead, which the UI maps read-only and unlinks (`load_spilled`): through
the pipe, a 2 → 1000 → 1000 → 1 network's 16 MB took ~50 ms a snapshot, and a key's
effect waited for it.
"""

from __future__ import annotations

import contextlib
import io
import mmap
import os
import pickle
import signal
import sys
import tempfile
from multiprocessing.connection import Connection
from typing import Any

import numpy as np
from backprop_tui.tui.worker.commands import Command
from backprop_tui.tui.worker.loop import BuildTrainer, TrainingLoop
from backprop_tui.tui.worker.threads import training_threads

SPILL_BYTES = 1 << 20
"""Arrays at least this big cross through a file rather than the pipe."""

SPILL_PREFIX = "backprop-tui-"
"""How the files are named (in /dev/shm, or the temporary folder where there is none)."""


class PipeInbox:
    """Commands from the UI's end of a one-way pipe."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def get(self, block: bool, timeout: float | None = None) -> Command | None:
        """The next command; waits when `block` (at most `timeout` s when given).
        Raises EOFError when the UI is gone."""
        if (block and timeout is None) or self.connection.poll(timeout if block else 0.0):
            return self.connection.recv()
        return None


def load_spilled(path: str, dtype: str, shape: tuple[int, ...]) -> np.ndarray:
    """A spilled array, on the UI's side (unpickling calls this): the file mapped
    read-only, its name removed (the mapping keeps the data as long as the array lives)."""
    with open(path, "rb") as file:
        mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    os.unlink(path)
    return np.frombuffer(mapped, dtype=np.dtype(dtype)).reshape(shape)


class Spiller:
    """Pickles events for the pipe, writing big arrays to files; remembers the files the
    UI has not taken yet, and removes them when the worker ends (`clean`)."""

    def __init__(self, directory: str | None = None) -> None:
        if directory is None and os.path.isdir("/dev/shm"):
            directory = "/dev/shm"
        self.directory = directory
        self.waiting: list[str] = []

    def dumps(self, event: object) -> memoryview:
        # Files the UI has taken are gone (it unlinks each as it maps it).
        self.waiting = [path for path in self.waiting if os.path.exists(path)]
        buffer = io.BytesIO()
        _SpillingPickler(buffer, self).dump(event)
        return buffer.getbuffer()

    def spill(self, array: np.ndarray) -> tuple[Any, ...]:
        """Write `array` to a new file; what unpickling calls to get it back."""
        descriptor, path = tempfile.mkstemp(prefix=SPILL_PREFIX, dir=self.directory)
        self.waiting.append(path)
        with os.fdopen(descriptor, "wb") as file:
            np.ascontiguousarray(array).tofile(file)
        return load_spilled, (path, array.dtype.str, array.shape)

    def clean(self) -> None:
        for path in self.waiting:
            with contextlib.suppress(OSError):
                os.unlink(path)
        self.waiting = []


class _SpillingPickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, spiller: Spiller) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.spiller = spiller

    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is np.ndarray and obj.nbytes >= SPILL_BYTES and not obj.dtype.hasobject:
            return self.spiller.spill(obj)
        return NotImplemented


def _terminated(signum: int, frame: object) -> None:
    # SIGTERM (the UI stopping a worker that did not quit in time) ends the process
    # through its `finally`, so no spilled file is left behind.
    sys.exit(0)


def serve(
    commands: Connection,
    events: Connection,
    build: BuildTrainer | None = None,
    max_rate: float = 15.0,
) -> None:
    """Run the loop until Quit or until the UI closes its end of the pipes."""
    # The terminal's Ctrl+C belongs to the UI, which stops this process itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _terminated)
    spiller = Spiller()

    def emit(event: object) -> None:
        try:
            events.send_bytes(spiller.dumps(event))
        except (BrokenPipeError, ConnectionResetError) as error:
            raise EOFError("the UI has gone") from error

    try:
        with training_threads():
            TrainingLoop(PipeInbox(commands), emit, build, max_rate).run()
    finally:
        spiller.clean()
        events.close()
        commands.close()

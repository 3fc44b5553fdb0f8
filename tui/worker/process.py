"""The entry point of the training process: a `TrainingLoop` between two pipes.

Started with the "spawn" context, so it imports only numpy, `core` and `tui.worker.commands`
(never Textual) and shares no memory with the UI: snapshots cross the pipe pickled.
"""

from __future__ import annotations

import signal
from multiprocessing.connection import Connection

from backprop_tui.tui.worker.commands import Command
from backprop_tui.tui.worker.loop import BuildTrainer, TrainingLoop
from backprop_tui.tui.worker.threads import training_threads


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


def serve(
    commands: Connection,
    events: Connection,
    build: BuildTrainer | None = None,
    max_rate: float = 15.0,
) -> None:
    """Run the loop until Quit or until the UI closes its end of the pipes."""
    # The terminal's Ctrl+C belongs to the UI, which stops this process itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def emit(event: object) -> None:
        try:
            events.send(event)
        except (BrokenPipeError, ConnectionResetError) as error:
            raise EOFError("the UI has gone") from error

    try:
        with training_threads():
            TrainingLoop(PipeInbox(commands), emit, build, max_rate).run()
    finally:
        events.close()
        commands.close()

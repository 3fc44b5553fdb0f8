"""What `train` shows while it runs: nothing, one line per epoch, or a progress bar."""

from __future__ import annotations

import contextlib
import sys
import time
from typing import TYPE_CHECKING, TextIO

from backprop_tui.tui.cli import report as cf

if TYPE_CHECKING:
    from backprop_tui.core.training.history import EpochRecord


def is_tty(stream: TextIO) -> bool:
    """Whether `stream` is a terminal (a closed or replaced stream is not)."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Reporter(contextlib.AbstractContextManager):
    """Shows training progress; the default shows nothing."""

    def epoch(self, record: EpochRecord) -> None:
        """Called after every finished epoch."""

    def __exit__(self, *exc: object) -> None:
        return None


class LineReporter(Reporter):
    """One line per epoch (thinned to about fifty for long runs, always the last)."""

    def __init__(self, total: int, out: TextIO) -> None:
        self.total, self.out = total, out
        self.every = cf.report_every(total)

    def epoch(self, record: EpochRecord) -> None:
        if cf.should_report(record.epoch, self.total, self.every):
            print(cf.epoch_line(record.as_dict(), self.total), file=self.out, flush=True)


class ProgressReporter(Reporter):
    """A rich progress bar on stderr with the latest loss and accuracy."""

    def __init__(self, total: int, title: str) -> None:
        from rich.console import Console
        from rich.markup import escape
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[stats]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(file=sys.stderr),
        )
        self.task = self.progress.add_task(escape(title), total=total, stats="")
        self.last = 0.0
        self.record: EpochRecord | None = None

    def __enter__(self) -> ProgressReporter:
        self.progress.start()
        return self

    def epoch(self, record: EpochRecord) -> None:
        self.record = record
        now = time.monotonic()
        if now - self.last < 0.05:  # rich redraws at 10 Hz; formatting every epoch is waste
            self.progress.update(self.task, completed=record.epoch)
            return
        self.last = now
        self.progress.update(self.task, completed=record.epoch, stats=self.stats(record))

    @staticmethod
    def stats(record: EpochRecord) -> str:
        """`loss 0.6931  test 0.7012  test acc 0.500`: the figures beside the bar."""
        text = f"loss {cf.fmt(record.train_loss, 4)}"
        if record.test_loss is not None:
            text += f"  test {cf.fmt(record.test_loss, 4)}"
        label, accuracy = cf.accuracy_of(record.as_dict())
        if accuracy is not None:
            text += f"  {label.replace('accuracy', 'acc')} {accuracy:.3f}"
        return text

    def __exit__(self, *exc: object) -> None:
        if self.record is not None:
            self.progress.update(self.task, stats=self.stats(self.record))
        self.progress.stop()


def reporter_for(total: int, title: str, quiet: bool, json: bool) -> Reporter:
    """Nothing with --quiet, a bar when stderr is a terminal, else nothing with --json
    (stdout holds the document) and one line per epoch without."""
    if quiet:
        return Reporter()
    if is_tty(sys.stderr):
        return ProgressReporter(total, title)
    if json:
        return Reporter()
    return LineReporter(total, sys.stdout)

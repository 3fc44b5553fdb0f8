"""The loss history as CSV, written atomically (a temporary file, then a rename)."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from pathlib import Path

from backprop_tui.core.atomic import write_text_atomic
from backprop_tui.core.training.history import EpochRecord

COLUMNS = ("epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy")


def write_history_csv(path: str | os.PathLike[str], history: Sequence[EpochRecord]) -> Path:
    """One row per epoch (empty cells where a figure does not apply); returns the path.
    The file appears whole or not at all."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for record in history:
        row = [getattr(record, column) for column in COLUMNS]
        writer.writerow(["" if value is None else repr(value) for value in row])
    return write_text_atomic(path, buffer.getvalue(), newline="")

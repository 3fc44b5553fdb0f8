"""The loss history as CSV, written atomically (a temporary file, then a rename)."""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from core.trainer import EpochRecord

COLUMNS = ("epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy")


def write_history_csv(path: str | os.PathLike[str], history: Sequence[EpochRecord]) -> Path:
    """One row per epoch (empty cells where a figure does not apply); returns the path.
    The file appears whole or not at all."""
    target = Path(path).expanduser()
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 is for secrets, not a CSV
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            for record in history:
                row = [getattr(record, column) for column in COLUMNS]
                writer.writerow(["" if value is None else repr(value) for value in row])
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target

"""The per-epoch history of a run, kept as columns of numbers.

A run of a tiny preset records thousands of epochs a second, and the history travels
from the trainer to every viewer. As one Python object per epoch it cost about 450
bytes an epoch and a copy per snapshot; as rows of five float64 it costs 40 bytes an
epoch, crosses a pipe as one array, and a snapshot's view of it is free.

`History` grows at its end (the trainer appends one `EpochRecord` per epoch).
`History.view()` gives the rows so far as a `HistoryView`: an immutable sequence of
`EpochRecord` whose rows are read-only and never written again (appending writes
past them; shortening starts new buffers), so a view can be handed to another thread.
A missing figure (no test set, a regression task) is stored as NaN and read as None.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np

Array = np.ndarray

COLUMNS = ("epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy")
"""The columns, in EpochRecord's field order."""


@dataclass(frozen=True)
class EpochRecord:
    """One row of the history. Train figures are running means over the epoch's batches
    (before each update, as a training loop reports them); test figures are measured at
    the end of the epoch."""

    epoch: int
    train_loss: float
    test_loss: float | None = None
    train_accuracy: float | None = None
    test_accuracy: float | None = None

    @property
    def accuracy(self) -> float | None:
        """Test accuracy when there is a test set, train accuracy otherwise."""
        return self.test_accuracy if self.test_accuracy is not None else self.train_accuracy

    def as_dict(self) -> dict[str, float | int]:
        out: dict[str, float | int] = {"epoch": self.epoch, "train_loss": self.train_loss}
        if self.test_loss is not None:
            out["test_loss"] = self.test_loss
        if self.accuracy is not None:
            out["accuracy"] = self.accuracy
        if self.train_accuracy is not None:
            out["train_accuracy"] = self.train_accuracy
        if self.test_accuracy is not None:
            out["test_accuracy"] = self.test_accuracy
        return out


def _empty_rows(capacity: int) -> Array:
    return np.empty((capacity, len(COLUMNS)))


_INDEX = {name: k for k, name in enumerate(COLUMNS)}


def _optional(value: float) -> float | None:
    return None if value != value else value  # NaN stands for "not measured"


def _record(row: Array) -> EpochRecord:
    epoch, train, test, train_acc, test_acc = row.tolist()
    return EpochRecord(
        int(epoch), train, _optional(test), _optional(train_acc), _optional(test_acc)
    )


class HistoryView(Sequence[EpochRecord]):
    """Immutable rows of a history: a sequence of `EpochRecord`, and its columns as
    read-only arrays (`column(name)`, `accuracy`). Slicing gives a view, not a copy."""

    __slots__ = ("_rows",)

    def __init__(self, rows: Array) -> None:
        if rows.ndim != 2 or rows.shape[1] != len(COLUMNS):
            raise ValueError(f"history rows must be n × {len(COLUMNS)}, not {rows.shape}")
        if rows.flags.writeable:
            rows = rows.view()
            rows.flags.writeable = False
        self._rows = rows

    @classmethod
    def of(cls, records: Iterable[EpochRecord]) -> HistoryView:
        """The view of some records (tests, and callers that built records by hand)."""
        if isinstance(records, HistoryView):
            return records
        history = History()
        for record in records:
            history.append(record)
        return history.view()

    def column(self, name: str) -> Array:
        """One column (read-only floats): the epoch numbers (whole), the losses, and the
        accuracies, with NaN where a figure was not measured."""
        return self._rows[:, _INDEX[name]]

    @property
    def accuracy(self) -> Array:
        """Test accuracy where there is one, train accuracy otherwise (as the records'
        `accuracy`), NaN where neither was measured."""
        test = self.column("test_accuracy")
        return np.where(np.isnan(test), self.column("train_accuracy"), test)

    def at(self, indices: Array) -> HistoryView:
        """The rows at `indices` (positions, in order): the ones a chart draws."""
        return HistoryView(self._rows[indices])

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> EpochRecord: ...

    @overload
    def __getitem__(self, index: slice) -> HistoryView: ...

    def __getitem__(self, index: int | slice) -> EpochRecord | HistoryView:
        if isinstance(index, slice):
            return HistoryView(self._rows[index])
        return _record(self._rows[index])

    def __iter__(self) -> Iterator[EpochRecord]:
        for epoch, train, test, train_acc, test_acc in self._rows.tolist():
            yield EpochRecord(
                int(epoch), train, _optional(test), _optional(train_acc), _optional(test_acc)
            )

    def __eq__(self, other: object) -> bool:
        if isinstance(other, HistoryView):
            return np.array_equal(self._rows, other._rows, equal_nan=True)
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(other) == len(self) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"HistoryView({len(self)} epochs)"

    def __reduce__(self) -> tuple[type, tuple[Array]]:
        # Pickled (across the pipe) as one array of only the rows it holds.
        return (HistoryView, (np.ascontiguousarray(self._rows),))


EMPTY = HistoryView(_empty_rows(0))
"""The history of a run that has not finished an epoch."""


class History(Sequence[EpochRecord]):
    """The history of one run: grows by `append` / `extend`, read through `view()`."""

    def __init__(self, capacity: int = 256) -> None:
        self._rows = _empty_rows(max(capacity, 1))
        self._n = 0
        self._last: EpochRecord | None = None

    @property
    def last(self) -> EpochRecord | None:
        """The newest epoch's record (None before the first), without a lookup."""
        if self._last is None and self._n:
            self._last = _record(self._rows[self._n - 1])
        return self._last

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, index: int) -> EpochRecord: ...

    @overload
    def __getitem__(self, index: slice) -> HistoryView: ...

    def __getitem__(self, index: int | slice) -> EpochRecord | HistoryView:
        if isinstance(index, slice):
            return self.view()[index]
        if not -self._n <= index < self._n:
            raise IndexError(f"history index {index} out of range for {self._n} epochs")
        return _record(self._rows[index % self._n])

    def __iter__(self) -> Iterator[EpochRecord]:
        return iter(self.view())

    def __eq__(self, other: object) -> bool:
        return self.view() == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"History({self._n} epochs)"

    def view(self, start: int = 0) -> HistoryView:
        """Rows `start`… so far, as an immutable view (no copy)."""
        return HistoryView(self._rows[start : self._n])

    def append(self, record: EpochRecord) -> None:
        """Add one epoch."""
        n = self._n
        if n == len(self._rows):
            self._grow(n + 1)
        test, train_acc, test_acc = record.test_loss, record.train_accuracy, record.test_accuracy
        self._rows[n] = (
            record.epoch,
            record.train_loss,
            np.nan if test is None else test,
            np.nan if train_acc is None else train_acc,
            np.nan if test_acc is None else test_acc,
        )
        self._n = n + 1
        self._last = record

    def extend(self, rows: HistoryView) -> None:
        """Add the rows of a view (the increments a worker sends)."""
        n, count = self._n, len(rows)
        if n + count > len(self._rows):
            self._grow(n + count)
        self._rows[n : n + count] = rows._rows
        self._n = n + count
        self._last = None

    def truncate(self, length: int) -> None:
        """Keep the first `length` rows. Views already handed out keep theirs: the rest
        is written into a new buffer, never over rows a view may still show."""
        if length >= self._n:
            return
        length = max(length, 0)
        rows = _empty_rows(max(2 * length, 256))
        rows[:length] = self._rows[:length]
        self._rows, self._n, self._last = rows, length, None

    def _grow(self, need: int) -> None:
        rows = _empty_rows(max(need, 2 * len(self._rows)))
        rows[: self._n] = self._rows[: self._n]
        self._rows = rows

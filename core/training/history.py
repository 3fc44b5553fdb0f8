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

However long the run, a history's memory stays bounded: it holds its newest `RECENT`
epochs (up to twice as many) row by row and, of the older ones, the first and the rows
its loss chart draws (`HistoryView.drawn`, exact for charts of up to `CHART_POINTS`
points; `core.training.summary`). Runs of up to `RECENT` epochs are held whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np
from backprop_tui.core.training.summary import CHART_POINTS, Summary, blocks_for, chart_rows

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


RECENT = 1 << 15
"""Epochs a history holds row by row at its end (at most twice as many: it drops the
older half at a time). Older epochs are kept as the rows a chart draws (`Summary`)."""

MAX_BLOCKS = blocks_for(CHART_POINTS)
"""Blocks a summary keeps: enough for a chart of up to `CHART_POINTS` points."""


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


def _read_only(array: Array) -> Array:
    if array.flags.writeable:
        array = array.view()
        array.flags.writeable = False
    return array


class HistoryView(Sequence[EpochRecord]):
    """Immutable rows of a history: a sequence of `EpochRecord`, and its columns as
    read-only arrays (`column(name)`, `accuracy`). Slicing gives a view, not a copy.

    `HistoryView(rows)` holds every epoch of `rows` (n × 5). A view of a long `History`
    holds the first epoch, the rows its chart draws of the epochs before `exact_from`,
    and every epoch from there on: its records are those, in order (`epochs` counts
    all of the run's epochs, `complete` says whether every one is held)."""

    __slots__ = ("_first", "_held", "_rows", "_start", "_summary")

    def __init__(self, rows: Array) -> None:
        if rows.ndim != 2 or rows.shape[1] != len(COLUMNS):
            shape = " × ".join(map(str, rows.shape)) or "a number"
            raise ValueError(f"history rows must be n × {len(COLUMNS)}, not {shape}")
        self._rows = _read_only(rows)
        self._start = 0
        self._first: Array | None = None
        self._summary: Summary | None = None
        self._held: Array | None = None

    @classmethod
    def of(cls, records: Iterable[EpochRecord]) -> HistoryView:
        """The view of some records (tests, and callers that built records by hand)."""
        if isinstance(records, HistoryView):
            return records
        history = History()
        for record in records:
            history.append(record)
        return history.view()

    @property
    def epochs(self) -> int:
        """How many epochs the run had (all of them, held or summarized)."""
        return self._start + len(self._rows)

    @property
    def complete(self) -> bool:
        """Whether every epoch is held (always, for runs of up to `RECENT` epochs)."""
        return self._start == 0

    @property
    def exact_from(self) -> int:
        """The position from which every epoch is held (0 when `complete`)."""
        return self._start

    def _all(self) -> Array:
        """Every row held, in order (n × 5, read-only)."""
        if not self._start:
            return self._rows
        if self._held is None:
            assert self._first is not None and self._summary is not None
            older = self._summary.rows_before(self._start)
            self._held = _read_only(np.concatenate([self._first[None], older, self._rows]))
        return self._held

    def column(self, name: str) -> Array:
        """One column (read-only floats): the epoch numbers (whole), the losses, and the
        accuracies, with NaN where a figure was not measured."""
        return self._all()[:, _INDEX[name]]

    @property
    def accuracy(self) -> Array:
        """Test accuracy where there is one, train accuracy otherwise (as the records'
        `accuracy`), NaN where neither was measured."""
        test = self.column("test_accuracy")
        return np.where(np.isnan(test), self.column("train_accuracy"), test)

    def at(self, indices: Array) -> HistoryView:
        """The rows at `indices` (positions among the rows held, in order)."""
        return HistoryView(self._all()[indices])

    def drawn(self, points: int) -> HistoryView:
        """The rows a chart of at most `points` points draws of the whole run: every
        epoch while there are no more than `points`; else the first and the last epoch
        and, for consecutive blocks of epochs (the smallest power-of-two size that makes
        at most ⌊(points − 4) / 2⌋ of them, the last one unfinished), the epochs of each
        block's smallest and largest train loss. The same rows for a long history as if
        it held every epoch, for `points` ≤ `CHART_POINTS`."""
        rows = chart_rows(self._rows, self._start, self._first, self._summary, points)
        return self if rows is None else HistoryView(rows)

    def __len__(self) -> int:
        return len(self._all())

    @overload
    def __getitem__(self, index: int) -> EpochRecord: ...

    @overload
    def __getitem__(self, index: slice) -> HistoryView: ...

    def __getitem__(self, index: int | slice) -> EpochRecord | HistoryView:
        if isinstance(index, slice):
            return HistoryView(self._all()[index])
        if -len(self._rows) <= index < 0:  # the newest rows: no need to gather the rest
            return _record(self._rows[index])
        return _record(self._all()[index])

    def __iter__(self) -> Iterator[EpochRecord]:
        for epoch, train, test, train_acc, test_acc in self._all().tolist():
            yield EpochRecord(
                int(epoch), train, _optional(test), _optional(train_acc), _optional(test_acc)
            )

    def __eq__(self, other: object) -> bool:
        if isinstance(other, HistoryView):
            return self.epochs == other.epochs and np.array_equal(
                self._all(), other._all(), equal_nan=True
            )
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(other) == len(self) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"HistoryView({self.epochs} epochs)"

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        # Pickled (across the pipe) with only the rows it holds.
        rows = np.ascontiguousarray(self._rows)
        if self._summary is None:
            return (HistoryView, (rows,))
        return (_restore, (rows, self._start, self._first, self._summary))


def _restore(rows: Array, start: int, first: Array | None, summary: Summary) -> HistoryView:
    """The view of rows at positions start … of a history whose first row is `first`
    and whose rows 1 … summary.covered − 1 are summarized by `summary`."""
    view = HistoryView(rows)
    view._start, view._first, view._summary = start, first, summary
    return view


EMPTY = HistoryView(_empty_rows(0))
"""The history of a run that has not finished an epoch."""


class History(Sequence[EpochRecord]):
    """The history of one run: grows by `append` / `extend`, read through `view()`.

    It holds the newest `recent` to 2 · `recent` epochs row by row; of the older ones,
    the first and the rows a chart draws (see `HistoryView.drawn`), so its memory stays
    bounded (about 80 · `recent` bytes) however long the run."""

    def __init__(self, capacity: int = 256, recent: int = RECENT) -> None:
        self.recent = max(recent, 1)
        self._limit = 2 * self.recent
        self._rows = _empty_rows(max(min(capacity, self._limit), 1))
        self._clear()

    def _clear(self) -> None:
        self._start = 0  # the position of self._rows[0]
        self._held = 0  # rows used in self._rows
        self._first: Array | None = None
        self._summary = Summary()
        self._last: EpochRecord | None = None

    @property
    def epochs(self) -> int:
        """How many epochs were appended (held or summarized)."""
        return self._start + self._held

    @property
    def exact_from(self) -> int:
        """The position from which every epoch is held: `view(start)` works from there."""
        return self._start

    @property
    def nbytes(self) -> int:
        """Bytes of numbers held: the rows buffer and the summary of older epochs."""
        spans, _ = self._summary.spans()
        return self._rows.nbytes + sum(field.nbytes for field in spans.fields())

    @property
    def last(self) -> EpochRecord | None:
        """The newest epoch's record (None before the first), without a lookup."""
        if self._last is None and self._held:
            self._last = _record(self._rows[self._held - 1])
        return self._last

    def __len__(self) -> int:
        return self._held if not self._start else len(self.view())

    @overload
    def __getitem__(self, index: int) -> EpochRecord: ...

    @overload
    def __getitem__(self, index: slice) -> HistoryView: ...

    def __getitem__(self, index: int | slice) -> EpochRecord | HistoryView:
        if not isinstance(index, slice) and -self._held <= index < 0:
            return _record(self._rows[self._held + index])  # the newest: no gathering
        if isinstance(index, slice) or self._start:
            return self.view()[index]
        if not -self._held <= index < self._held:
            raise IndexError(f"history index {index} out of range for {self._held} epochs")
        return _record(self._rows[index % self._held])

    def __iter__(self) -> Iterator[EpochRecord]:
        return iter(self.view())

    def __eq__(self, other: object) -> bool:
        return self.view() == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"History({self.epochs} epochs)"

    def view(self, start: int = 0) -> HistoryView:
        """The run so far (start 0), or the epochs from position `start` on (a view of
        held rows: `start` ≥ `exact_from`), as an immutable view (no copy of the rows)."""
        if start <= 0:
            self._sync()
            rows = self._rows[: self._held]
            return _restore(rows, self._start, self._first, self._summary)
        if start < self._start:
            raise ValueError(f"epochs before {self._start} are summarized; asked from {start}")
        return HistoryView(self._rows[start - self._start : self._held])

    def append(self, record: EpochRecord) -> None:
        """Add one epoch."""
        if self._held == len(self._rows):
            self._make_room(1)
        test, train_acc, test_acc = record.test_loss, record.train_accuracy, record.test_accuracy
        row = self._rows[self._held]
        row[:] = (
            record.epoch,
            record.train_loss,
            np.nan if test is None else test,
            np.nan if train_acc is None else train_acc,
            np.nan if test_acc is None else test_acc,
        )
        if self._first is None:
            self._first = _read_only(row.copy())
        self._held += 1
        self._last = record

    def extend(self, rows: HistoryView) -> None:
        """Add the epochs of a view (the increments a worker sends); a summarized view
        (a whole long run) only to an empty history."""
        if rows.exact_from:
            if self.epochs:
                raise ValueError("a summarized history can only extend an empty one")
            held = rows._rows
            self._rows = _empty_rows(max(self._limit, len(held)))
            self._rows[: len(held)] = held
            self._start, self._held = rows._start, len(held)
            self._first, self._last = rows._first, None
            self._summary = rows._summary or Summary()
            return
        added = rows._rows
        for at in range(0, len(added), self.recent):
            chunk = added[at : at + self.recent]
            if self._held + len(chunk) > len(self._rows):
                self._make_room(len(chunk))
            self._rows[self._held : self._held + len(chunk)] = chunk
            if self._first is None:
                self._first = _read_only(chunk[0].copy())
            self._held += len(chunk)
        self._last = None

    def truncate(self, length: int) -> None:
        """Keep the first `length` epochs. Views already handed out keep theirs: the rest
        is written into a new buffer, never over rows a view may still show. A summarized
        history can only be cleared (length 0)."""
        if length >= self.epochs:
            return
        length = max(length, 0)
        if self._start and length:
            raise ValueError(f"a summarized history cannot be cut to {length} epochs")
        rows = _empty_rows(min(max(2 * length, 256), self._limit))
        rows[:length] = self._rows[:length]
        first = self._first if length else None
        self._rows = rows
        self._clear()
        self._held, self._first = length, first

    def _make_room(self, more: int) -> None:
        """Room for `more` (≤ `recent`) rows: a bigger buffer up to 2 · `recent`, then one
        holding only the newest `recent` rows (the older ones summarized first). Halving
        the rows held makes the copy happen once every `recent` epochs, not at each one
        (which cost a copy of 2 · `recent` rows per epoch: xor fell from 21k steps a
        second to 6k once 65k epochs were held)."""
        need = self._held + more
        if need <= self._limit:
            size = min(self._limit, max(need, 2 * len(self._rows)))
            keep = self._held
        else:
            self._sync()
            size, keep = self._limit, min(self._held, self.recent)
        rows = _empty_rows(size)
        rows[:keep] = self._rows[self._held - keep : self._held]
        self._start += self._held - keep
        self._rows, self._held = rows, keep

    def _sync(self) -> None:
        """Bring the summary up to the newest epoch."""
        covered = self._summary.covered
        if covered < self.epochs:
            rows = self._rows[covered - self._start : self._held]
            self._summary = self._summary.ingest(rows, MAX_BLOCKS)

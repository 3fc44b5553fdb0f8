"""What a long history keeps of the epochs it no longer holds: block extremes.

A loss chart of a long run draws, for consecutive blocks of epochs, the epoch of each
block's smallest and of its largest train loss (with the first and the last epoch).
`Summary` keeps exactly those rows, whatever the run's length, at a resolution fine
enough for every chart of up to `CHART_POINTS` points, in memory that does not grow.

Positions count epochs in the order they were appended, from 0. Position 0 is kept
apart (by the history); the summary covers positions 1 … covered − 1 with blocks of
`size` positions (a power of two) starting at position 1, plus the extremes of the
unfinished block after them. When there would be more than `max_blocks` blocks,
neighbours merge and the size doubles, so after any number of rows the blocks are those
of the smallest size s with ⌊(covered − 1) / s⌋ ≤ max_blocks, which is also what a chart
of the whole run draws (`drawn_positions`).

Ranking: the train loss, where a non-finite value (NaN, ±inf) counts as the largest for
the minimum and as the smallest for the maximum (never an extreme while a finite value
is there); among equals, the earliest position wins.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Array = np.ndarray

WIDTH = 5
"""Numbers per row (the history's columns)."""

LOSS = 1
"""The column ranked: the train loss."""

CHART_POINTS = 1024
"""The most points a chart may ask for and still get exactly the rows of the full run."""


def blocks_for(points: int) -> int:
    """How many blocks a chart of `points` points draws the extremes of: ⌊(points − 4) / 2⌋
    (two per block, plus the first, the last and the unfinished block's two), at least 1."""
    return max((points - 4) // 2, 1)


def low_key(loss: Array) -> Array:
    """The loss ranked for the minimum: non-finite counts as +inf."""
    return np.where(np.isfinite(loss), loss, np.inf)


def high_key(loss: Array) -> Array:
    """The loss ranked for the maximum: non-finite counts as −inf."""
    return np.where(np.isfinite(loss), loss, -np.inf)


@dataclass(frozen=True, eq=False)
class Extremes:
    """For k consecutive spans of positions: where each span's smallest and largest
    train loss is (`lo_pos`, `hi_pos`, (k,)), its ranking key (`lo_key`, `hi_key`,
    (k,)) and its whole row (`lo_rows`, `hi_rows`, (k × 5)). Never written after it is
    made: a history hands these arrays to views."""

    lo_pos: Array
    lo_key: Array
    lo_rows: Array
    hi_pos: Array
    hi_key: Array
    hi_rows: Array

    def __len__(self) -> int:
        return len(self.lo_pos)

    @classmethod
    def of_spans(cls, rows: Array, start: int, size: int) -> Extremes:
        """The extremes of `rows` (at positions start, start + 1, …) cut into spans of
        `size` rows; `len(rows)` must be a multiple of `size`."""
        k = len(rows) // size
        spans = rows.reshape(k, size, WIDTH)
        low, high = low_key(spans[:, :, LOSS]), high_key(spans[:, :, LOSS])
        lo, hi = np.argmin(low, axis=1), np.argmax(high, axis=1)
        every = np.arange(k)
        base = start + size * every
        return cls(
            base + lo,
            low[every, lo],
            spans[every, lo],
            base + hi,
            high[every, hi],
            spans[every, hi],
        )

    def then(self, later: Extremes) -> Extremes:
        """Each span joined with the span of `later` at the same index (which comes after
        it): the earlier extreme wins a tie."""
        low = self.lo_key <= later.lo_key
        high = self.hi_key >= later.hi_key
        return Extremes(
            np.where(low, self.lo_pos, later.lo_pos),
            np.where(low, self.lo_key, later.lo_key),
            np.where(low[:, None], self.lo_rows, later.lo_rows),
            np.where(high, self.hi_pos, later.hi_pos),
            np.where(high, self.hi_key, later.hi_key),
            np.where(high[:, None], self.hi_rows, later.hi_rows),
        )

    def __add__(self, other: Extremes) -> Extremes:
        """The spans of both, `self`'s first."""
        return Extremes(
            *(
                np.concatenate([mine, theirs])
                for mine, theirs in zip(self.fields(), other.fields(), strict=True)
            )
        )

    def __getitem__(self, index: slice) -> Extremes:
        return Extremes(*(field[index] for field in self.fields()))

    def fields(self) -> tuple[Array, ...]:
        return (self.lo_pos, self.lo_key, self.lo_rows, self.hi_pos, self.hi_key, self.hi_rows)


NONE = Extremes.of_spans(np.empty((0, WIDTH)), 1, 1)
"""No spans."""


@dataclass(frozen=True, eq=False)
class Summary:
    """Block extremes over positions 1 … covered − 1: `blocks` of `size` positions from
    position 1, then `rest` (no span, or one for the unfinished block). Immutable:
    `ingest` returns a new one."""

    size: int = 1
    blocks: Extremes = NONE
    rest: Extremes = NONE
    covered: int = 1

    def ingest(self, rows: Array, max_blocks: int) -> Summary:
        """The summary after the rows at positions covered, covered + 1, … (a (m × 5)
        array), keeping at most `max_blocks` blocks."""
        size, blocks, rest, covered = self.size, self.blocks, self.rest, self.covered
        i, m = 0, len(rows)
        while i < m:
            end = 1 + (len(blocks) + 1) * size  # where the unfinished block ends
            if not len(rest) and m - i >= size:
                whole = (m - i) // size * size
                blocks = blocks + Extremes.of_spans(rows[i : i + whole], covered, size)
            else:
                whole = min(m - i, end - covered)
                span = Extremes.of_spans(rows[i : i + whole], covered, whole)
                rest = rest.then(span) if len(rest) else span
                if covered + whole == end:
                    blocks, rest = blocks + rest, NONE
            i += whole
            covered += whole
            while len(blocks) > max_blocks:
                if len(blocks) % 2:  # the odd one out goes back to the unfinished block
                    last = blocks[-1:]
                    rest = last.then(rest) if len(rest) else last
                    blocks = blocks[:-1]
                blocks = blocks[0::2].then(blocks[1::2])
                size *= 2
        return Summary(size, blocks, rest, covered)

    def rows_before(self, start: int) -> Array:
        """The extremes' rows at positions 1 … start − 1, in order (k × 5)."""
        spans, _ = self.spans()
        positions = np.concatenate([spans.lo_pos, spans.hi_pos])
        rows = np.concatenate([spans.lo_rows, spans.hi_rows])
        before = positions < start
        _, unique = np.unique(positions[before], return_index=True)
        return rows[before][unique]

    def spans(self) -> tuple[Extremes, Array]:
        """Every span (the blocks, then the unfinished one) and where each starts."""
        starts = 1 + self.size * np.arange(len(self.blocks) + len(self.rest))
        return self.blocks + self.rest, starts


def drawn_rows(
    n: int, points: int, spans: Extremes, starts: Array, first: Array, last: Array
) -> tuple[Array, Array]:
    """What a chart of `points` points draws of a history of `n` rows: sorted positions
    and their rows (k × 5).

    The chart's blocks have the smallest power-of-two size S with ⌊(n − 1) / S⌋ ≤
    `blocks_for(points)`, from position 1; it draws the `first` row (position 0), the
    `last` (n − 1) and each block's (and the unfinished block's) smallest and largest
    train loss. `spans`, starting at `starts`, each inside one such block and together
    covering positions 1 … n − 1, are joined per block.
    """
    most = blocks_for(points)
    size = 1
    while (n - 1) // size > most:
        size *= 2
    block = (starts - 1) // size
    chosen = []
    for key, pos in ((spans.lo_key, spans.lo_pos), (-spans.hi_key, spans.hi_pos)):
        # Per block, the smallest key; among equal keys, the earliest position.
        order = np.lexsort((pos, key, block))
        head = np.ones(len(order), dtype=bool)
        head[1:] = block[order][1:] != block[order][:-1]
        chosen.append(order[head])
    low, high = chosen
    positions = np.concatenate([[0, n - 1], spans.lo_pos[low], spans.hi_pos[high]])
    rows = np.concatenate([first[None], last[None], spans.lo_rows[low], spans.hi_rows[high]])
    positions, unique = np.unique(positions, return_index=True)
    return positions, rows[unique]


def chart_rows(
    rows: Array, start: int, first: Array | None, summary: Summary | None, points: int
) -> Array | None:
    """The rows a chart of at most `points` points draws of a history (None: all of
    them) that holds `rows` from position `start` on, `first` at position 0 and the
    extremes of positions 1 … summary.covered − 1 in `summary` (see `drawn_rows`).
    Raises ValueError when the rows held cannot give the chart exactly."""
    n = start + len(rows)
    if not max(points, 2) < min(n, CHART_POINTS + 1):
        summary = None
    if summary is None and start:
        raise ValueError(f"{n} epochs, summarized: a chart of {points} points is not exact")
    if n <= max(points, 2):
        return None
    summary = summary or Summary()
    spans, starts = summary.spans()
    if summary.covered < n:  # rows the summary has not seen, one span each
        spans = spans + Extremes.of_spans(rows[summary.covered - start :], summary.covered, 1)
        starts = np.concatenate([starts, np.arange(summary.covered, n)])
    if not start:
        first = rows[0]
    assert first is not None
    return drawn_rows(n, points, spans, starts, first, rows[-1])[1]

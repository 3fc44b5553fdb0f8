"""A downsampled view of a growing series that costs the same to draw after a million
entries as after a hundred.

`Decimator` keeps, for consecutive blocks of the series, the positions of each block's
smallest and largest value; when there are too many blocks, neighbours merge and the
block size doubles. Only the entries appended since the last call are looked at (and
the unfinished last block), so the cost of `indices()` does not grow with the run.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def _low(values: Array) -> Array:
    """Values where non-finite ones count as the largest (so never a minimum)."""
    return np.where(np.isfinite(values), values, np.inf)


def _high(values: Array) -> Array:
    """Values where non-finite ones count as the smallest (so never a maximum)."""
    return np.where(np.isfinite(values), values, -np.inf)


class Decimator:
    """Sorted positions of at most `max_points` entries of a growing series that keep
    its shape: the first and the last entry and each block's smallest and largest."""

    def __init__(self, max_points: int) -> None:
        self.max_points = max_points
        self._max_blocks = max((max_points - 4) // 2, 1)
        self.clear()

    def clear(self) -> None:
        self._size = 1  # entries per block
        self._covered = 1  # blocks cover values[1 : covered]; entry 0 is always kept
        self._lo = np.zeros(0, dtype=np.intp)
        self._hi = np.zeros(0, dtype=np.intp)

    def indices(self, values: Array) -> Array:
        """The positions to draw for `values`, the series so far (it may only have
        grown since the last call; after any other change, `clear()` first)."""
        n = len(values)
        if n <= max(self.max_points, 2):
            return np.arange(n)
        self._add_blocks(values)
        rest = values[self._covered :]
        keep = [self._lo, self._hi, np.array([0, n - 1])]
        if len(rest) > 1:
            keep.append(np.array([np.argmin(_low(rest)), np.argmax(_high(rest))]) + self._covered)
        return np.unique(np.concatenate(keep))

    def _add_blocks(self, values: Array) -> None:
        while True:
            count = (len(values) - self._covered) // self._size
            if count:
                stop = self._covered + count * self._size
                blocks = values[self._covered : stop].reshape(count, self._size)
                offsets = self._covered + self._size * np.arange(count)
                self._lo = np.concatenate([self._lo, offsets + np.argmin(_low(blocks), axis=1)])
                self._hi = np.concatenate([self._hi, offsets + np.argmax(_high(blocks), axis=1)])
                self._covered = stop
            if len(self._lo) <= self._max_blocks:
                return
            self._merge(values)

    def _merge(self, values: Array) -> None:
        """Pair up neighbouring blocks (an odd last one is given back to the unfinished
        part) and double the block size."""
        if len(self._lo) % 2:
            self._lo, self._hi = self._lo[:-1], self._hi[:-1]
            self._covered -= self._size
        lo_a, lo_b = self._lo[0::2], self._lo[1::2]
        hi_a, hi_b = self._hi[0::2], self._hi[1::2]
        low, high = _low(values[self._lo]), _high(values[self._hi])
        self._lo = np.where(low[0::2] <= low[1::2], lo_a, lo_b)
        self._hi = np.where(high[0::2] >= high[1::2], hi_a, hi_b)
        self._size *= 2

"""A fix to Textual applied when the dashboard starts, and the collector settings it uses.

`Strip.divide(cuts)` caches its result on the strip, and when the only cut is the
strip's own length the result is `[self]`: the strip then refers to itself through its
cache. The compositor divides every line of every widget on each paint, so a live
dashboard made thousands of such cycles a second, which only Python's cyclic garbage
collector frees; its full collections then took 40–100 ms and froze a frame (and the
answer to a key) every second or two. The fix returns `[self]` without caching it, the
same value; a strip then dies as soon as nothing uses it.

With that garbage gone, `tune_collector()` lets full collections come ten times less
often than Python's default (each walks every long-lived object, ~30 ms here) and moves
what the app built at start (modules, the DOM, styles) out of the collector's sight.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable

from textual.strip import Strip

_original_divide = Strip.divide


def _divide(self: Strip, cuts: Iterable[int]) -> list[Strip]:
    cuts = list(cuts)
    length = self.cell_length
    if [cut for cut in cuts if cut <= length] == [length]:
        return [self]  # what the original returns, but not cached on the strip itself
    return _original_divide(self, cuts)


def apply() -> None:
    """Install the fix (once)."""
    Strip.divide = _divide  # type: ignore[method-assign]


def tune_collector() -> None:
    """Full collections a tenth as often, and everything alive now left out of them."""
    gen0, gen1, _ = gc.get_threshold()
    gc.set_threshold(gen0, gen1, 100)
    gc.freeze()

"""Fixes to Textual's painting, applied by the dashboard, and the collector settings.

`Strip.divide(cuts)` caches its result on the strip, and when the only cut is the
strip's own length the result is `[self]`: the strip then refers to itself through its
cache. The compositor divides every line of every widget on each paint, so a live
dashboard made thousands of such cycles a second, which only Python's cyclic garbage
collector frees; its full collections then took 40–100 ms and froze a frame (and the
answer to a key) every second or two. The fix returns `[self]` without caching it, the
same value; a strip then dies as soon as nothing uses it.

`paint_now(widget)` paints one widget at once, for a key's effect on the status line.

With the garbage gone, `tune_collector()` lets full collections come ten times less
often than Python's default (each walks every long-lived object, ~30 ms here) and moves
what the app built at start (modules, the DOM, styles) out of the collector's sight.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable

from textual.dom import NoScreen
from textual.strip import Strip
from textual.widget import Widget

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


def paint_now(widget: Widget) -> None:
    """Paint `widget` (which has asked to be refreshed) now, alone, and leave every other
    pending repaint for the next frame. Textual's refresh takes a few hops through the
    event loop and then paints everything dirty at once, so a key's effect on the status
    line waited for the panels' paint (10–30 ms) too. Private parts of Textual's screen
    are used; when they are not there, the normal refresh does the job."""
    try:
        screen, app = widget.screen, widget.app
        if screen is not app.screen or app._batch_count or screen._layout_required:
            # Under a dialog, inside a batch (which drops the frame) or before a pending
            # re-layout: the normal refresh paints it.
            return
        pending = set(screen._dirty_widgets)
        screen._compositor.update_widgets({widget})
        screen._compositor_refresh()
        screen._dirty_widgets.update(pending - {widget})
    except (AttributeError, NoScreen):
        return


def tune_collector() -> None:
    """Full collections a tenth as often, and everything alive now left out of them."""
    gen0, gen1, _ = gc.get_threshold()
    gc.set_threshold(gen0, gen1, 100)
    gc.freeze()

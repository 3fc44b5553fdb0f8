"""The one place that uses private parts of Textual (and of textual-plotext and plotext).

Private names can change in any release, so this module is written against one minor
version of Textual, `SUPPORTED` (pyproject.toml pins the same range), and importing it
fails with `UnsupportedTextualError`, naming the version found, on any other. What it
uses, and why:

- `Strip.divide`, patched (`apply`). `Strip.divide(cuts)` caches its result on the strip,
  and when the only cut is the strip's own length the result is `[self]`: the strip then
  refers to itself through its cache. The compositor divides every line of every widget
  on each paint, so a live dashboard made thousands of such cycles a second, which only
  Python's cyclic garbage collector frees; its full collections then took 40–100 ms and
  froze a frame (and the answer to a key) every second or two. The patch returns
  `[self]` without caching it, the same value; a strip then dies as soon as nothing
  uses it.
- The screen's compositor and dirty set, and the app's batch count (`paint_now`): a
  key's effect on the status line is painted at once, alone.
- `App._exit` and `App._closing` (`is_exiting`): whether the app is shutting down, when a
  worker's last message can still arrive.
- `App._handle_exception` and `App._exit_renderables` (`on_crash`): Textual's answer to
  an unhandled error (exit code 1, a rich traceback printed at exit), with the app's own
  handler first (save the person's work, log the traceback) and the traceback kept off
  the terminal unless asked for.
- plotext's `Plot._set_size` and textual-plotext's `_get_plotext_theme_name`
  (`prepare_plot`): what `PlotextPlot.render` does before it builds a figure, for a chart
  that turns the figure into strips itself.

With the garbage gone, `tune_collector()` (no private names) lets full collections come
ten times less often than Python's default (each walks every long-lived object, ~30 ms
here) and moves what the app built at start (modules, the DOM, styles) out of the
collector's sight.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterable, Sequence
from importlib.metadata import version

from backprop_tui.core.errors import BackpropError
from textual.app import App
from textual.dom import NoScreen
from textual.strip import Strip
from textual.widget import Widget
from textual_plotext import PlotextPlot

SUPPORTED = (8, 2)
"""The minor version of Textual this module is written (and the tests run) against."""

SUPPORTED_RANGE = ">=8.2,<8.3"
"""`SUPPORTED` as a requirement (pyproject.toml says the same)."""


class UnsupportedTextualError(BackpropError):
    """The installed Textual is not the version whose private parts `compat` uses."""


def check_textual_version(found: str | None = None) -> None:
    """Raise `UnsupportedTextualError` unless `found` (default: the installed Textual's
    version) is in `SUPPORTED_RANGE`."""
    found = version("textual") if found is None else found
    match = re.match(r"(\d+)\.(\d+)", found)
    if match is None or (int(match[1]), int(match[2])) != SUPPORTED:
        raise UnsupportedTextualError(
            f"Textual {found} is installed, but backprop-tui needs Textual {SUPPORTED_RANGE} "
            f"(it relies on private parts of Textual, which change between versions); "
            f"install it with: pip install 'textual{SUPPORTED_RANGE}'"
        )


check_textual_version()

_original_divide = Strip.divide


def _divide(self: Strip, cuts: Iterable[int]) -> Sequence[Strip]:
    cuts = list(cuts)
    length = self.cell_length
    if [cut for cut in cuts if cut <= length] == [length]:
        return [self]  # what the original returns, but not cached on the strip itself
    return _original_divide(self, cuts)


def apply() -> None:
    """Install the `Strip.divide` fix (once)."""
    Strip.divide = _divide  # type: ignore[method-assign]


def paint_now(widget: Widget) -> None:
    """Paint `widget` (which has asked to be refreshed) now, alone, and leave every other
    pending repaint for the next frame. Textual's refresh takes a few hops through the
    event loop and then paints everything dirty at once, so a key's effect on the status
    line waited for the panels' paint (10–30 ms) too."""
    try:
        screen, app = widget.screen, widget.app
    except NoScreen:
        return
    if screen is not app.screen or app._batch_count or screen._layout_required:
        # Under a dialog, inside a batch (which drops the frame) or before a pending
        # re-layout: the normal refresh paints it.
        return
    pending = set(screen._dirty_widgets)
    screen._compositor.update_widgets({widget})
    screen._compositor_refresh()
    screen._dirty_widgets.update(pending - {widget})


def is_exiting(app: App) -> bool:
    """Whether `app` has been asked to exit or is closing."""
    return bool(app._exit or app._closing)


def on_crash(app: App, handler: Callable[[BaseException], object], traceback: bool) -> None:
    """Call `handler(error)` at `app`'s first unhandled error, before Textual ends the
    app with return code 1 (the app's state is still there to be saved). Textual prints
    the error's rich traceback after the app leaves the screen only when `traceback`.
    `handler` must not raise."""
    textual_handler = app._handle_exception
    seen: list[BaseException] = []

    def handle(error: Exception) -> None:
        if not seen:
            seen.append(error)
            handler(error)
        textual_handler(error)
        if not traceback:
            app._exit_renderables.clear()

    app._handle_exception = handle  # type: ignore[method-assign]


def prepare_plot(chart: PlotextPlot, width: int, height: int) -> None:
    """Size `chart`'s figure to width × height and give it the chart's theme, as
    `PlotextPlot.render` does before it builds the figure."""
    plot = chart.plt
    plot.plotsize(width, height)
    # textual-plotext sets the size a second time, privately: without it, a resized
    # figure keeps its old size (textual-plotext issue 5).
    plot._set_size(width, height)
    plot.theme(chart._get_plotext_theme_name(chart.app.theme))


def tune_collector() -> None:
    """Full collections a tenth as often, and everything alive now left out of them."""
    gen0, gen1, _ = gc.get_threshold()
    gc.set_threshold(gen0, gen1, 100)
    gc.freeze()

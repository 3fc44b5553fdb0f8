"""The dashboard panels' shared wiring: a context per preset, snapshots, a throttled redraw.

Every panel (loss chart, network view, output map, layer tables) is told
`set_context(ViewContext)` when a preset is loaded and `show(Snapshot)` for every
snapshot the app hands it. A panel only says what it keeps of each (`reset`, `take`) and
how it redraws (`redraw`); when the redraw runs is decided here, by one `Throttle` per
panel: at most `MAX_RATE` times a second (`LIVE_RATE` while training runs), held for a
moment after a key press (`hold`), and at once when a preset was loaded.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from backprop_tui.core.training.trainer import Snapshot
from backprop_tui.tui.widgets.context import ViewContext
from backprop_tui.tui.widgets.throttle import Throttle
from textual.widget import Widget

SHOWN = "-shown"
"""The class of the one panel a small terminal shows (see styles/app.tcss)."""


class Panel(Widget):
    """A widget that draws the loaded preset's snapshots at a capped rate.

    Subclasses set `MAX_RATE` (and `LIVE_RATE`, the cap while training runs; None: the
    same) and implement `reset`, `take` and `redraw`. `max_rate` and `live_rate` given to
    the constructor override each (a `max_rate` of 0: every snapshot is drawn at once, for
    tests and deterministic screenshots).
    """

    MAX_RATE: ClassVar[float] = 15.0
    """Redraws a second at most."""

    LIVE_RATE: ClassVar[float | None] = None
    """Redraws a second at most while training runs (None: `MAX_RATE`)."""

    def __init__(
        self,
        *,
        max_rate: float | None = None,
        live_rate: float | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.context: ViewContext | None = None
        """The loaded preset's fixed facts (None before the first `set_context`)."""
        rate = self.MAX_RATE if max_rate is None else max_rate
        live = self.LIVE_RATE if live_rate is None else live_rate
        self._throttle = Throttle(self, rate, self.redraw, live)

    # -- the panel contract ----------------------------------------------------------

    def set_context(self, context: ViewContext) -> None:
        """A preset was loaded: forget the old one's state and draw the empty panel now."""
        self.context = context
        self.reset()
        self._throttle.run()

    def show(self, snapshot: Snapshot) -> None:
        """Take the newest snapshot; redraw (throttled) when what the panel draws changed."""
        if self.take(snapshot):
            self._throttle.request()

    def set_live(self, live: bool) -> None:
        """Training started (True) or stopped (False): the redraw cap to use."""
        self._throttle.set_live(live)

    def hold(self, seconds: float) -> None:
        """No redraw for `seconds` (see `Throttle.hold`)."""
        self._throttle.hold(seconds)

    # -- what a panel implements -----------------------------------------------------

    def reset(self) -> None:
        """Forget what was kept of the previous preset (`self.context` is the new one)."""

    def take(self, snapshot: Snapshot) -> bool:
        """Keep what the panel draws of `snapshot`; True when a redraw is due."""
        raise NotImplementedError

    def redraw(self) -> None:
        """Draw what was taken (called by the throttle, never more often than it allows)."""
        raise NotImplementedError


class WeightsPanel(Panel):
    """A panel that draws the weights and biases: it redraws only when they moved."""

    W: tuple[np.ndarray, ...] = ()
    """W(1) … W(L) of the newest snapshot taken (empty before the first)."""
    b: tuple[np.ndarray, ...] = ()
    """b(1) … b(L) of the newest snapshot taken."""

    def reset(self) -> None:
        self.W, self.b = (), ()

    def take(self, snapshot: Snapshot) -> bool:
        """Keep the snapshot's W and b; True when either differs from those kept."""
        if same_arrays(self.W, snapshot.W) and same_arrays(self.b, snapshot.b):
            return False
        self.W, self.b = snapshot.W, snapshot.b
        return True


def same_arrays(old: tuple[np.ndarray, ...], new: tuple[np.ndarray, ...]) -> bool:
    """Whether two tuples of arrays hold the same values (the same objects: no compare)."""
    return len(old) == len(new) and all(
        o is n or np.array_equal(o, n) for o, n in zip(old, new, strict=True)
    )

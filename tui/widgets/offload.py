"""Work a panel must not do on the UI's thread: one computation at a time in a
background thread, its result handed back on the event loop.

A forward pass of a big network over the output map's grid takes a tenth of a second
or more; on the event loop it would hold every key press that long. numpy releases the
GIL in its products, so in a thread the loop goes on reading keys meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import Any


class Offload:
    """Runs `compute()` in a daemon thread and then, on the event loop that started it,
    `deliver(tag, result)`. One computation at a time: `start` refuses while one runs
    (`busy`), so a panel asks again when the result arrives, with the newest state, and
    never queues work it would throw away. A computation that raises delivers None."""

    def __init__(self, deliver: Callable[[Any, Any], None]) -> None:
        self.deliver = deliver
        self.busy = False

    def start(self, tag: Any, compute: Callable[[], Any]) -> bool:
        """Start `compute` unless one is running (then False); call from the event loop."""
        if self.busy:
            return False
        loop = asyncio.get_running_loop()
        self.busy = True

        def work() -> None:
            try:
                result = compute()
            except Exception:  # a failed map is not drawn; the panel must not die of it
                result = None
            # A closed loop (the app is gone) takes no result.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._finish, tag, result)

        threading.Thread(target=work, name="panel-offload", daemon=True).start()
        return True

    def _finish(self, tag: Any, result: Any) -> None:
        self.busy = False
        self.deliver(tag, result)

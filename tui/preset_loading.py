"""Loading a preset without blocking the UI.

Reading a preset parses its TOML and reads or makes its data set (a CSV of up to
10 MB), which can take a while; a file that never ends (a FIFO on a system that lets
one through, a stalled network drive) would take forever. So it happens in a daemon
thread: keys are answered all the while, and q quits even if the read never ends. On the
UI thread the app then hands the preset to the training worker, and the view switches
to it with the worker's first snapshot (`BackpropApp._switch`). The status line says
"loading NAME…" until then.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from functools import partial
from typing import Any, TypeAlias, TypeVar

from backprop_tui.core.config.presets import Preset, load
from backprop_tui.core.text import shown
from backprop_tui.tui.files import LOAD_ERRORS, failure_text
from backprop_tui.tui.widgets import ViewContext
from backprop_tui.tui.worker.controller import TrainingController
from textual.worker import Worker

T = TypeVar("T")

PresetSource: TypeAlias = Preset | str
"""A loaded preset, a shipped preset's name or a TOML path."""

READ_ERRORS = (*LOAD_ERRORS, MemoryError, RecursionError)
"""What reading a preset may raise that is the file's doing: a notice, not a crash (core
bounds what a preset may ask for; these are what it could not foresee)."""


def read_preset(source: PresetSource) -> tuple[Preset, ViewContext]:
    """The preset `source` names and its view context (its data read): slow work, for a
    thread. Raises what `core.config.presets.load` and `ViewContext.from_preset` raise."""
    preset = source if isinstance(source, Preset) else load(source)
    return preset, ViewContext.from_preset(preset)


async def in_daemon_thread(function: Callable[..., T], *args: Any) -> T:
    """`function(*args)` in a daemon thread, awaited: its result, or what it raised.
    Unlike `asyncio.to_thread`, whose threads the interpreter waits for at exit, a call
    that never returns cannot keep the program from ending."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: Any, error: BaseException | None) -> None:
        if future.done():  # the waiting task was cancelled: a newer load won
            return
        if error is None:
            future.set_result(result)
        else:
            future.set_exception(error)

    def run() -> None:
        try:
            result, error = function(*args), None
        except BaseException as caught:  # handed to the awaiting task, which decides
            result, error = None, caught
        with contextlib.suppress(RuntimeError):  # the app's loop has closed meanwhile
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=run, name="preset-reader", daemon=True).start()
    return await future


class PresetLoading:
    """Mixed into the app, which provides the state below, `run_worker`, `notify`,
    `_refresh_alert` and `_switch`."""

    controller: TrainingController | None
    _pending: dict[int, tuple[Preset, ViewContext]]
    _loading: str | None
    run_worker: Callable[..., Worker[Any]]
    notify: Callable[..., None]
    _refresh_alert: Callable[[], None]
    _worker_silence: Callable[[], float | None]

    def load_preset(self, source: PresetSource) -> Worker[bool]:
        """Read `source` in a thread, then ask the worker to switch to it; the view
        switches with its first snapshot. A preset that cannot be read is reported and
        changes nothing; a newer load replaces one still being read. The returned
        worker's result says whether the preset went to the training worker."""
        self._loading = shown(source.name if isinstance(source, Preset) else source)
        self._refresh_alert()
        # The coroutine function, not a coroutine: a load replaced before it starts is
        # then never made, rather than made and never awaited.
        read = partial(self._read_then_start, source)
        return self.run_worker(read, group="load", exclusive=True)

    async def _read_then_start(self, source: PresetSource) -> bool:
        name = self._loading
        try:
            preset, context = await in_daemon_thread(read_preset, source)
        except READ_ERRORS as error:
            self._loading = None
            self._refresh_alert()
            self.notify(failure_text(error), title=f"could not load {name}", severity="error")
            return False
        silence = self._worker_silence()
        if silence is not None:
            self._loading = None
            self._refresh_alert()
            self.notify(
                f"the training process has not answered for {silence:.0f} s",
                title=f"could not load {name}",
                severity="error",
            )
            return False
        assert self.controller is not None
        token = self.controller.start(preset)
        self._pending[token] = (preset, context)
        return True

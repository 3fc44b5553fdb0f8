"""When the app meets an error it has no answer for (a bug): the person's work saved
first, then one line on stderr and exit code 1.

`CrashGuard(app)` hooks the app's first unhandled error (`compat.on_crash`). Before the
app closes it writes, to the state folder (`state_folder`):

- `backprop-tui-TIME-PID-KEY.toml`: the preset with the network's current weights and
  optimizer, the document ctrl+s saves (`backprop-tui PATH` opens it again);
- `backprop-tui-TIME-PID-KEY-history.csv`: the loss history, as x exports it;
- `backprop-tui-TIME-PID-crash.log`: the traceback.

Each file is written atomically. `message` is then the one line for stderr, naming the
files; the traceback reaches the terminal too only with `--debug`.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
import traceback
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from backprop_tui.core.atomic import write_text_atomic
from backprop_tui.core.config.presets import Preset
from backprop_tui.core.text import shown
from backprop_tui.core.training.snapshot import restore_network, restore_optimizer
from backprop_tui.tui import compat
from backprop_tui.tui.history_csv import write_history_csv
from backprop_tui.tui.preset_writer import save
from textual.worker import WorkerFailed

PROG = "backprop-tui"


def state_folder() -> Path:
    """Where recovery and log files go: `$XDG_STATE_HOME/backprop-tui` (when that is an
    absolute path, as the XDG spec asks), else `~/.local/state/backprop-tui`; the temp
    folder when that one cannot be made or written."""
    base = os.environ.get("XDG_STATE_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".local", "state")
    folder = Path(base) / PROG
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return Path(tempfile.gettempdir())
    return folder if os.access(folder, os.W_OK | os.X_OK) else Path(tempfile.gettempdir())


def stamp() -> str:
    """The files' common stem: the program, the time and the process."""
    return f"{PROG}-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"


def safe_key(key: str | None) -> str:
    """A preset's key for a file name: letters, digits, - and _ only, at most 40."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", key or "")[:40].strip("-") or "network"


def save_work(preset: Preset, snapshot: Any, folder: Path, stem: str) -> list[Path]:
    """The preset with `snapshot`'s weights (STEM-KEY.toml), then its history as CSV
    (STEM-KEY-history.csv), into `folder`; returns the paths written."""
    name = f"{stem}-{safe_key(preset.key)}"
    network, optimizer = restore_network(snapshot), restore_optimizer(snapshot)
    weights = save(folder / f"{name}.toml", preset, network, optimizer)
    return [weights, write_history_csv(folder / f"{name}-history.csv", snapshot.history)]


def write_log(error: BaseException, folder: Path, stem: str) -> Path:
    """The traceback of `error`, with the program's version, in STEM-crash.log."""
    try:
        release = version(PROG)
    except PackageNotFoundError:
        release = "unknown"
    header = f"{PROG} {release}: unhandled error at {time.strftime('%Y-%m-%d %H:%M:%S')}\n\n"
    text = header + "".join(traceback.format_exception(error))
    return write_text_atomic(folder / f"{stem}-crash.log", text)


class CrashGuard:
    """Installed on `app` before it runs: at its first unhandled error the work (the
    app's `preset` and newest `snapshot`, when it has them) is saved and the traceback
    logged, and `message` becomes the line for stderr (None until then). Textual's own
    traceback is printed only when `show_traceback`."""

    def __init__(self, app: Any, show_traceback: bool = False) -> None:
        self.app = app
        self.show_traceback = show_traceback
        self.message: str | None = None
        self.saved: list[Path] = []
        self.log: Path | None = None
        compat.on_crash(app, self._crashed, traceback=show_traceback)

    def _crashed(self, error: BaseException) -> None:
        if isinstance(error, WorkerFailed):  # a bug in a Textual worker: name the bug
            error = error.error
        what = f"{type(error).__name__}: {shown(error, 200)}"
        parts = [f"{PROG}: internal error: {what}"]
        try:
            parts += self._keep(error)
        except Exception as failure:  # the guard must never be a second crash
            parts.append(f"the crash handler failed too ({type(failure).__name__})")
        self.message = "; ".join(parts)

    def _keep(self, error: BaseException) -> list[str]:
        """Save the work and log the traceback; what the message says of each."""
        folder, stem = state_folder(), stamp()
        parts = []
        preset = getattr(self.app, "preset", None)
        snapshot = getattr(self.app, "snapshot", None)
        if isinstance(preset, Preset) and snapshot is not None:
            try:
                self.saved = save_work(preset, snapshot, folder, stem)
            except Exception as failure:
                parts.append(f"your work could not be saved: {shown(failure, 200)}")
            else:
                weights, history = (shown(path, None) for path in self.saved)
                parts.append(
                    f"your work is saved: {weights} (the weights, a preset {PROG} opens) "
                    f"and {history} (the loss history)"
                )
        try:
            self.log = write_log(error, folder, stem)
        except Exception:
            parts.append("run it again with --debug to see the traceback")
        else:
            where = "above and " if self.show_traceback else ""
            note = "" if self.show_traceback else " (--debug prints it here)"
            parts.append(f"the traceback is {where}in {shown(self.log, None)}{note}")
        return parts

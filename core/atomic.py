"""Atomic file writes: a temporary file in the target's folder, flushed to disk, then
renamed over the target, so a reader (or a crash) never sees half a file and an old
file survives a failed write."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from backprop_tui.core.errors import BackpropError


class WriteError(BackpropError, OSError):
    """A file could not be written; the message names the file and the reason."""


def write_text_atomic(path: str | os.PathLike[str], text: str, newline: str | None = None) -> Path:
    """Write `text` (UTF-8) to `path` atomically; returns the path written.

    `newline` is passed to `open` (use "" for text that already has its line endings,
    such as the csv module's output). Raises `WriteError` for a missing folder, a folder
    given as the file, or any operating-system refusal.
    """
    target = Path(path).expanduser()
    if not target.name:
        raise WriteError("no file name given")
    if target.is_dir():
        raise WriteError(f"{str(target)!r} is a folder; give a file name")
    folder = target.parent
    if not folder.is_dir():
        raise WriteError(f"cannot write {str(target)!r}: folder {str(folder)!r} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as err:
        raise WriteError(f"cannot write {str(target)!r}: {err.strerror or err}") from None
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 is for secrets, not for a preset or a CSV
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(err, OSError):
            raise WriteError(f"cannot write {str(target)!r}: {err.strerror or err}") from None
        raise
    return target.resolve()

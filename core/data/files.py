"""Reading a file a person named: only a regular file, at most a set number of bytes.

A path can name a FIFO (reading it waits for a writer forever), a device such as
/dev/zero (reading it never ends), a folder, or a name too long for the file system
(`Path.exists()` raises OSError for it). `read_regular_file` looks at the path with
`os.stat` before opening it, opens it without blocking, checks again on the open file,
and reads at most `limit` bytes, so each of these is an `UnreadableFileError` at once.
"""

from __future__ import annotations

import errno
import os
import stat

from backprop_tui.core.data.limits import size
from backprop_tui.core.errors import BackpropError
from backprop_tui.core.text import PATH_LIMIT, shown


class DataError(BackpropError, ValueError):
    """Data that cannot be used: a missing file or column, a cell that is not a number,
    NaN or infinity, more than a limit allows. The message names the file, line and
    column where it can."""


class UnreadableFileError(DataError):
    """A file that cannot be read: `reason` says why ("no such file", "is a FIFO, not a
    regular file", "is 40 MB; the limit is 32 MB") without naming the file."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        self.path = os.fspath(path)
        self.reason = reason
        super().__init__(f"{shown(self.path, PATH_LIMIT)}: {reason}")


_KINDS = (
    (stat.S_ISDIR, "is a folder, not a file"),
    (stat.S_ISFIFO, "is a FIFO (named pipe), not a regular file"),
    (stat.S_ISCHR, "is a device, not a regular file"),
    (stat.S_ISBLK, "is a device, not a regular file"),
    (stat.S_ISSOCK, "is a socket, not a regular file"),
)


def _os_reason(error: OSError) -> str:
    if error.errno == errno.ENOENT:
        return "no such file"
    if error.errno == errno.ENAMETOOLONG:
        return "the file name is too long"
    if error.errno == errno.EISDIR:
        return "is a folder, not a file"
    return f"cannot read the file ({error.strerror or error})"


def _kind_problem(mode: int) -> str | None:
    for test, reason in _KINDS:
        if test(mode):
            return reason
    return None if stat.S_ISREG(mode) else "is not a regular file"


def file_status(path: str | os.PathLike[str]) -> os.stat_result | None:
    """`os.stat(path)`, or None when nothing is there; a name the file system refuses
    (too long, a loop of links) is a `UnreadableFileError` rather than an OSError."""
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        return None
    except OSError as error:
        raise UnreadableFileError(path, _os_reason(error)) from None


def read_regular_file(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of the regular file at `path`, or a `UnreadableFileError`: missing, not a
    regular file (folder, FIFO, device, socket), larger than `limit` bytes, or refused
    by the operating system. Never blocks on a FIFO or reads past `limit`."""
    info = file_status(path)
    if info is None:
        raise UnreadableFileError(path, "no such file")
    problem = _kind_problem(info.st_mode)
    if problem is None and info.st_size > limit:
        problem = f"is {size(info.st_size)}; the limit is {size(limit)}"
    if problem is not None:
        raise UnreadableFileError(path, problem)
    try:
        # O_NONBLOCK: if the path became a FIFO since the stat, opening it returns at once.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise UnreadableFileError(path, _os_reason(error)) from None
    try:
        problem = _kind_problem(os.fstat(fd).st_mode)
        if problem is not None:
            raise UnreadableFileError(path, problem)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    except OSError as error:
        raise UnreadableFileError(path, _os_reason(error)) from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise UnreadableFileError(path, f"is larger than the limit of {size(limit)}")
    return data

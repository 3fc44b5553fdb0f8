"""The program's name, its exit codes, and the one-line form of an error on stderr."""

from __future__ import annotations

import sys

from backprop_tui.core.errors import BackpropError
from backprop_tui.core.text import shown

PROG = "backprop-tui"

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_DIVERGED = 3
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141

MESSAGE_LIMIT = 500
"""The longest error line: the values a message quotes are capped one by one (`shown`);
this caps the whole line, whatever it quotes."""


class CliError(BackpropError):
    """A mistake in the command line's own input (a repeated variable, an unwritable file)."""


def one_line(message: object) -> str:
    """`message` as one line safe for a terminal: control characters escaped, capped."""
    return shown(message, MESSAGE_LIMIT)


def report_error(message: object, label: str = "error: ") -> None:
    """`backprop-tui: error: MESSAGE` on stderr, one line."""
    print(f"{PROG}: {label}{one_line(message)}", file=sys.stderr)


def quoted(text: object) -> str:
    """`text` shown safe (`shown`) in quotes: single, or double when it holds a single
    quote and no double one, as Python's repr chooses."""
    safe = shown(text)
    mark = '"' if "'" in safe and '"' not in safe else "'"
    return f"{mark}{safe}{mark}"

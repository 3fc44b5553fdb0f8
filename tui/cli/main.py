"""The `backprop-tui` entry point: parse, run the command's handler, turn what went wrong
into one line on stderr and an exit code.

Exit codes: 0 done; 2 bad input (any `BackpropError`, bad arguments, a file that cannot be
read, input too large or too deeply nested for memory or the interpreter); 3 training
diverged; 130 interrupted; 141 the reader of stdout went away; 1 an internal error (a bug:
`--debug` shows its traceback).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence

from backprop_tui.core.errors import BackpropError, DivergedError, SampleRangeError
from backprop_tui.core.text import shown
from backprop_tui.tui.cli.exits import (
    EXIT_BROKEN_PIPE,
    EXIT_DIVERGED,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    PROG,
    one_line,
    report_error,
)
from backprop_tui.tui.cli.handlers import HANDLERS
from backprop_tui.tui.cli.parser import build_parser, normalize_argv


def _silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so the interpreter's final flush
    does not complain."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _dispatch(argv: list[str]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(normalize_argv(argv))
    except SystemExit as stop:  # --help, --version, or a usage error argparse reported
        return stop.code if isinstance(stop.code, int) else EXIT_USAGE
    return HANDLERS[args.command](args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (the console script exits with it).

    A `BackpropError` (bad preset, data, expression…) is one line on stderr and exit 2,
    and so is input that exhausts memory or the recursion limit; a divergence exit 3;
    ctrl-c exit 130; anything unexpected one line pointing at `--debug`, which re-raises
    instead."""
    raw = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in raw
    try:
        code = _dispatch(raw)
        sys.stdout.flush()  # a closed pipe shows up here, where it can be handled
        return code
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except DivergedError as err:
        if debug:
            raise
        print(f"{PROG}: {one_line(err)}", file=sys.stderr)
        return EXIT_DIVERGED
    except BackpropError as err:
        if debug:
            raise
        report_error(err.from_one() if isinstance(err, SampleRangeError) else err)
        return EXIT_USAGE
    except KeyboardInterrupt:
        if debug:
            raise
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except MemoryError as err:
        if debug:
            raise
        # The limits in core refuse what they can foresee; this is what they could not.
        detail = f" ({err})" if str(err) else ""
        report_error(f"not enough memory for what the input asks{detail}")
        return EXIT_USAGE
    except RecursionError:
        if debug:
            raise
        report_error("the input is nested too deeply to read")
        return EXIT_USAGE
    except OSError as err:
        if debug:
            raise
        where = f": {err.filename}" if err.filename else ""
        report_error(f"{err.strerror or err}{where}")
        return EXIT_USAGE
    except Exception as err:
        if debug:
            raise
        report_error(
            f"{type(err).__name__}: {shown(err, 200)} "
            "(run the command again with --debug to see the traceback)",
            label="internal error: ",
        )
        return EXIT_INTERNAL

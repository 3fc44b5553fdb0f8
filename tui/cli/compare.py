"""`backprop-tui compare`: a person's own numbers for one step against the reference.

Prints every phase in the notes' order — ok, not given, differs (the first cell, both
values, the relative error and the catalogue mistake in square brackets), or follows
from an earlier difference — then a verdict. Exit 0 when everything given agrees, 4
when something differs, 2 when the numbers cannot be compared (core.learn.given says
which key and what shape). The check itself is `backprop_tui.core.compare`.
"""

from __future__ import annotations

import argparse
from typing import Any

from backprop_tui.tui.cli.arg_types import add_step_arguments
from backprop_tui.tui.cli.exits import EXIT_OK, PROG

EXIT_DIFFERS = 4
"""Some value given differs from the reference."""

SUMMARY = "compare your own backprop's numbers with the reference, phase by phase"

DESCRIPTION = (
    "Compare the numbers of your own backprop with one step of the reference (the step\n"
    "`trace` records for the same preset, --sample and --seed). THEIRS is a JSON file in\n"
    "the layout `trace --format json` writes (top-level loss; layers[l] with any of z, a,\n"
    "delta, dW, db, W_new, b_new) or an .npz archive with keys loss, z1, a1, delta1, dW1,\n"
    "db1, W1_new, b1_new, … (layers counted from 1); any subset. W is out × in and z, a,\n"
    "delta are samples × units; a matrix given transposed is compared as such.\n"
    "Each phase is ok, not given, differs (its first differing cell, both values, the\n"
    "relative error and, when a classic mistake gives those numbers, its name in square\n"
    "brackets), or follows from an earlier difference (it is right for the values you\n"
    "had), so the first real error stands out. Exit codes: 0 everything given agrees,\n"
    "4 something differs, 2 the file cannot be compared."
)

EXAMPLES = (
    f"{PROG} compare seed-toy mine.json",
    f"{PROG} compare xor my-step.npz --sample 2",
    f"{PROG} compare seed-toy mine.npz --rtol 1e-4 --json",
)


def tolerance(text: str) -> float:
    """A relative tolerance: a number above 0 and below 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number such as 1e-6, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a number above 0 and below 1, got {text}")
    return value


def add_arguments(p: argparse.ArgumentParser, count: Any) -> None:
    """The command's arguments; `count` is the parser's whole-number type."""
    p.add_argument("preset", metavar="PRESET", help="shipped name or .toml path")
    p.add_argument("theirs", metavar="THEIRS", help="your numbers: a .json or .npz file")
    add_step_arguments(p, "compare on")
    p.add_argument(
        "--rtol",
        type=tolerance,
        default=None,
        metavar="R",
        help="relative tolerance (default: 1e-6)",
    )
    p.add_argument("--json", action="store_true", help="the report as one JSON document")


def cmd_compare(args: argparse.Namespace) -> int:
    from backprop_tui.core.learn.compare import DEFAULT_RTOL, compare
    from backprop_tui.tui.cli.documents import dump_json

    rtol = DEFAULT_RTOL if args.rtol is None else args.rtol
    report = compare(args.preset, args.theirs, sample=args.sample, rtol=rtol, seed=args.seed)
    if args.json:
        print(dump_json(report.to_dict()))
    else:
        print(report.text)  # the preset's key in it is shown safe (core.text.shown)
    return EXIT_OK if report.ok else EXIT_DIFFERS

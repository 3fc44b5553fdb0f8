"""`backprop-tui hunt`: open the dashboard on an engine that carries one planted bug.

The bug is one of the catalogue's classic mistakes (`core.learn.bugs`), named with
--bug or drawn with --seed from those that change a number of the preset's network; its
name is not shown until the learner names it. `--list` prints every bug's name and one
line about it. An unknown name is one line with the closest name, exit 2.
"""

from __future__ import annotations

import argparse
from typing import Any

from backprop_tui.tui.cli.exits import EXIT_OK, PROG, CliError

DEFAULT_PRESET = "xor"

SUMMARY = "find a bug planted in the engine"

DESCRIPTION = (
    "Open the dashboard on a network whose engine carries one planted bug: a classic\n"
    "backprop mistake, in the backward pass or in the update. Its name stays hidden.\n"
    "Watch the loss misbehave, turn on the finite-difference check in the step-through\n"
    "(d, then c), find the first phase whose numbers break its own equation, and name\n"
    "the phase and the mistake (b). Named right, the correct and the planted numbers are\n"
    "shown side by side. --bug plants a chosen bug; otherwise --seed S draws one (a new\n"
    "one each time without it) from those that change a number of PRESET's network\n"
    f"(default {DEFAULT_PRESET}). --list prints every bug."
)

EXAMPLES = (
    f"{PROG} hunt",
    f"{PROG} hunt seed-toy --seed 3",
    f"{PROG} hunt xor --bug no-transpose",
    f"{PROG} hunt --list",
)

SYMBOLS = {
    "delta_output": "δ(L)",
    "delta_hidden": "δ(l)",
    "grad_W": "∂L/∂W(l)",
    "update_W": "W(l) ←",
}
"""Where each bug first shows, as `--list` writes it."""


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The hunt's arguments."""
    p.add_argument(
        "preset",
        nargs="?",
        metavar="PRESET",
        help=f"shipped name or .toml path (default: {DEFAULT_PRESET})",
    )
    p.add_argument("--bug", metavar="NAME", help="plant this bug (see --list)")
    p.add_argument("--seed", type=int, metavar="S", help="draw the bug with this seed")
    p.add_argument("--list", action="store_true", help="print every bug and leave")


def list_lines() -> list[str]:
    """One line per bug: its name, where it first shows, and one line about it."""
    from backprop_tui.core.learn.bugs import BUGS

    width = max(len(bug.name) for bug in BUGS)
    where = max(len(symbol) for symbol in SYMBOLS.values())
    return [
        f"{bug.name:<{width}}  {SYMBOLS[bug.phase]:<{where}}  {bug.description}" for bug in BUGS
    ]


def cmd_hunt(args: argparse.Namespace) -> int:
    from backprop_tui.core.config.presets import load
    from backprop_tui.core.learn.bugs import get_bug
    from backprop_tui.core.learn.hunt import pick_bug
    from backprop_tui.tui.cli.commands import open_app

    if args.list:
        print("\n".join(list_lines()))
        return EXIT_OK
    if args.bug is not None:
        get_bug(args.bug)  # an unknown name is reported before the preset is read
    preset = load(args.preset or DEFAULT_PRESET)
    try:
        bug = pick_bug(preset, args.bug, args.seed)
    except ValueError as err:
        raise CliError(str(err)) from None
    options: dict[str, Any] = {"hunt": bug.name}
    return open_app(preset, args, **options)

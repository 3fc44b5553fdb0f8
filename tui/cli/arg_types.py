"""Whole-number argument types the commands share: a count, and a training row as a
person counts it (from 1)."""

from __future__ import annotations

import argparse

from backprop_tui.tui.cli.exits import quoted


def _whole(text: str, least: int, what: str) -> int:
    """`text` as a whole number of at least `least`; else argparse's error, saying `what`."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {quoted(text)}") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"{what}expected {least} or more, got {value}")
    return value


def count(text: str) -> int:
    """A whole number ≥ 0 (epochs, steps)."""
    return _whole(text, 0, "")


def row_number(text: str) -> int:
    """A training row counted from 1, as a person counts (`--sample 1` is the first);
    returns Python's 0-based index."""
    return _whole(text, 1, "rows count from 1: ") - 1


def add_step_arguments(p: argparse.ArgumentParser, verb: str) -> None:
    """--sample and --seed, which choose the one traced step that `trace`, `compare`,
    `gradcheck` and `quiz` look at; `verb` says what the command does with it."""
    p.add_argument(
        "--sample", type=row_number, metavar="I", help=f"{verb} training sample I only (from 1)"
    )
    p.add_argument(
        "--seed",
        type=int,
        metavar="S",
        help="seed for the initial weights and the shuffling order (the data keep the preset's)",
    )

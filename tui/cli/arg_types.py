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

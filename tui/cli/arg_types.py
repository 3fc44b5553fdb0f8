"""Whole-number argument types the commands share: a count, and a training row as a
person counts it (from 1)."""

from __future__ import annotations

import argparse

from backprop_tui.tui.cli.exits import quoted


def count(text: str) -> int:
    """A whole number ≥ 0 (epochs, a sample's row)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {quoted(text)}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, got {value}")
    return value


def row_number(text: str) -> int:
    """A training row counted from 1, as a person counts (`--sample 1` is the first);
    returns Python's 0-based index."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {quoted(text)}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"rows count from 1: expected 1 or more, got {value}")
    return value - 1

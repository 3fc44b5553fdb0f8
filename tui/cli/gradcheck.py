"""`backprop-tui gradcheck`: backprop's gradients, the autodiff graph's and the finite
difference, entry by entry (core.nn.threeway).

Prints one row per weight and bias entry checked — backprop, autodiff, finite difference,
backprop's relative error against each, the finite difference's own error bound and a
verdict — then a summary. Exit 0 when the three agree, 4 when some entry differs, 2 for
bad input.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from backprop_tui.tui.cli.arg_types import add_step_arguments
from backprop_tui.tui.cli.exits import EXIT_OK, PROG

if TYPE_CHECKING:
    from backprop_tui.core.nn.threeway import ThreeWayCheck

EXIT_DIFFERS = 4
"""Backprop differs from the finite difference or the autodiff graph somewhere."""

SUMMARY = "backprop's gradients beside autodiff's and finite differences"

DESCRIPTION = (
    "Check one step's gradients three ways: for every weight and bias entry, backprop's\n"
    "∂L/∂θ (as the step records it), the same from the MLP built as a scalar autodiff\n"
    "graph, and the central finite difference (L(θ + ε) − L(θ − ε)) / 2ε on a float64\n"
    "copy. An entry differs when backprop is further from either than the finite\n"
    "difference's own error (its truncation and round-off), so a correct gradient is\n"
    "never flagged; an entry whose step crosses a relu's kink is marked, not flagged.\n"
    "The autodiff graph knows the half_sse and mse losses; for others its column is\n"
    "empty and says why. A network with more entries than --max gets an evenly spaced\n"
    "selection of each W and b, and the report says so.\n"
    "Exit codes: 0 the three agree, 4 some entry differs, 2 bad input."
)

EXAMPLES = (
    f"{PROG} gradcheck seed-toy",
    f"{PROG} gradcheck xor --sample 2 --json",
    f"{PROG} gradcheck spiral --max 200",
)

DEFAULT_MAX = 2000


def add_arguments(p: argparse.ArgumentParser, count: Any) -> None:
    """The command's arguments; `count` is the parser's whole-number type."""
    p.add_argument("preset", metavar="PRESET", help="shipped name or .toml path")
    add_step_arguments(p, "check on")
    p.add_argument(
        "--max",
        type=count,
        default=DEFAULT_MAX,
        metavar="N",
        help=f"check about N entries, evenly spaced (default: {DEFAULT_MAX}; 0: every one)",
    )
    p.add_argument("--json", action="store_true", help="the report as one JSON document")


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.6g}"


def columns(rows: list[tuple[str, ...]]) -> str:
    """Rows aligned in columns two spaces apart: the first left, the others right."""
    widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            c.ljust(w) if k == 0 else c.rjust(w)
            for k, (c, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    )


def render(check: ThreeWayCheck, title: str) -> str:
    """The report as text: one row per entry, then the summary."""
    lines = [f"gradient check of {title}: L = {check.loss:.6g}, ε = {check.eps:g}"]
    if check.autodiff_note:
        lines.append(f"autodiff: {check.autodiff_note}")
    if check.sampled:
        lines.append(
            f"{len(check.checked)} of {check.total} entries checked, evenly spaced in each W and b"
            " (--max 0 checks every one)"
        )
    rows = [("entry", "backprop", "autodiff", "finite diff.", "rel. err fd", "rel. err ad",
             "check ±", "verdict")]  # fmt: skip
    for name, e in check.entries():
        rows.append(
            (
                name,
                _number(e.analytic),
                _number(e.autodiff),
                _number(e.numeric),
                f"{e.relative_error:.1e}",
                "—" if e.autodiff_error is None else f"{e.autodiff_error:.1e}",
                "kink" if e.kink else f"{e.relative_bound:.0e}",
                e.verdict,
            )
        )
    lines.append("")
    lines.append(columns(rows))
    lines.append("")
    flagged = check.n_flagged
    if flagged:
        lines.append(
            f"differs: {flagged} entr{'y' if flagged == 1 else 'ies'} beyond the check's own"
            f" error (largest relative error {check.max_relative_error:.1e})"
        )
    else:
        lines.append(
            "ok: backprop agrees with "
            + (
                "the finite difference"
                if check.autodiff_note
                else "autodiff and the finite difference"
            )
            + " within the check's own error"
            + f" (largest relative error {check.max_relative_error:.1e})"
        )
    if check.n_kinks:
        lines.append(f"{check.n_kinks} entries at a kink, where the slope is not defined")
    return "\n".join(lines)


def cmd_gradcheck(args: argparse.Namespace) -> int:
    from backprop_tui.core.config.presets import build_trainer, load
    from backprop_tui.core.nn.threeway import three_way_check
    from backprop_tui.core.text import shown
    from backprop_tui.core.trace.record import trace_trainer
    from backprop_tui.tui.cli.documents import dump_json

    preset = load(args.preset)
    trace = trace_trainer(build_trainer(preset, seed=args.seed), args.sample)
    check = three_way_check(trace, max_entries=args.max or None)
    if args.json:
        print(
            dump_json(
                {
                    "preset": preset.key,
                    "sample": None if args.sample is None else args.sample + 1,
                    **check.to_dict(),
                }
            )
        )
    else:
        print(render(check, shown(preset.key)))
    return EXIT_OK if check.ok else EXIT_DIFFERS

"""A benchmark's figures as a Markdown table (what bench/README.md quotes)."""

from __future__ import annotations

from collections.abc import Sequence


def print_markdown(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """`header` and `rows` as a Markdown table, after a blank line."""
    print()
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")

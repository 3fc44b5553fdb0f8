"""A quiz session written as Markdown: the learner's answers beside the right ones, which
phases were right first time, and which mistakes were made, each in words beside the
equation it broke. Plain Markdown (a table, a list, code spans), no LaTeX."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from backprop_tui.core.learn.check import CORRECT
from backprop_tui.core.learn.quiz import NOT_ANSWERED, REVEALED
from backprop_tui.core.learn.targets import LEVEL_WORDS
from backprop_tui.core.text import shown

if TYPE_CHECKING:
    from backprop_tui.core.learn.diagnose import Assessment
    from backprop_tui.core.learn.quiz import QuizItem, QuizSummary

ANSWER_LIMIT = 120
"""How much of one typed answer the table shows."""

_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def _escaped(text: str, limit: int = ANSWER_LIMIT) -> str:
    """Typed text as inert Markdown: one line, capped, its markup characters escaped."""
    return _SPECIAL.sub(r"\\\1", shown(text, limit))


def _code(text: str) -> str:
    return f"`{text}`"


def _try_text(attempt: Assessment) -> str:
    text = _escaped(attempt.typed) if attempt.typed.strip() else "(empty)"
    return text if attempt.problem is None else f"{text} ({_escaped(attempt.problem)})"


def _answers(item: QuizItem) -> str:
    parts = [_try_text(t) for t in item.tries]
    if item.revealed:
        parts.append("shown")
    return " → ".join(parts) if parts else "—"


def _result(item: QuizItem) -> str:
    outcome = item.outcome
    if outcome == NOT_ANSWERED:
        return "not answered"
    if outcome == REVEALED:
        return "shown"
    names = item.mistakes
    text = outcome if len(item.tries) == 1 else f"{outcome} (try {len(item.tries)})"
    return text + (f": {', '.join(names)}" if names else "")


def _arrow(item: QuizItem) -> str:
    return "←" if item.phase.kind.startswith("update") else "="


def quiz_markdown(summary: QuizSummary) -> str:
    """The session as a Markdown document (see the module docstring)."""
    trace = summary.trace
    sizes = "-".join(map(str, trace.sizes))
    rows = ""
    if trace.sample_indices is not None:
        rows = ", ".join(str(i + 1) for i in trace.sample_indices[:8])  # counted from 1
        more = ", …" if len(trace.sample_indices) > 8 else ""
        word = "row" if len(trace.sample_indices) == 1 else "rows"
        rows = f" (training {word} {rows}{more})"
    made = summary.mistakes
    out = [
        f"# Quiz: one training step of a {sizes} network",
        "",
        f"- Batch: {trace.batch_size} sample{'s' if trace.batch_size != 1 else ''}{rows}",
        f"- Level: {summary.level} — {LEVEL_WORDS.get(summary.level, summary.level)} "
        f"({summary.asked} of {len(trace.phases)} phases asked)",
        f"- Right first time: {summary.right_first_time}/{summary.asked}",
        "- Mistakes made: "
        + (
            ", ".join(
                f"{name} ({', '.join(item.phase.symbol for item in items)})"
                for name, items in made.items()
            )
            or "none named"
        ),
    ]
    if summary.not_answered:
        out.append(f"- Not answered: {summary.not_answered}")
    out += [
        "",
        "| # | Phase | Your answer | Right answer | First time | Result |",
        "|---|---|---|---|---|---|",
    ]
    for item in summary.items:
        right = _code(f"{item.phase.symbol} {_arrow(item)} {item.phase.result}")
        first = "✓" if item.right_first_time else ""
        out.append(
            f"| {item.number} | {item.phase.symbol} | {_answers(item)} | {right} | {first} "
            f"| {_result(item)} |"
        )
    if made:
        out += ["", "## Mistakes", ""]
        for name, items in made.items():
            for item in items:
                match = next(m for t in item.tries for m in t.mistakes if m.name == name)
                out.append(
                    f"- **{name}** at {item.phase.symbol} (phase {item.number}): "
                    f"{match.message}. The equation: {_code(item.phase.equation)}"
                )
    wrong_unnamed = [
        item
        for item in summary.items
        if item.tries and item.outcome != CORRECT and not item.mistakes
    ]
    if wrong_unnamed:
        out += ["", "## To look at again", ""]
        out += [
            f"- {item.phase.symbol} (phase {item.number}): {_code(item.phase.equation)}"
            for item in wrong_unnamed
        ]
    out.append("")
    return "\n".join(out)

"""`backprop-tui quiz`: predict the numbers of one training step, phase by phase, headless.

Each asked phase prints its equation and its inputs with their numbers (not its result),
then reads one line from standard input: the result's numbers row by row, separated by
spaces or commas; an empty line shows the answer. It answers with one line that begins
with `correct`, `close`, `wrong` (with the catalogue mistake's name in square brackets
when the numbers are one; `wrong (shown, not answered)` after an empty line), and ends
with `N/M right first time`. End of input ends the quiz; the phases left count as not
answered. The phases not asked are shown worked, so the quiz reads as a worked example
whose last steps are left to do.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from backprop_tui.core.text import shown
from backprop_tui.tui.cli.arg_types import add_step_arguments
from backprop_tui.tui.cli.exits import EXIT_OK, PROG, CliError

if TYPE_CHECKING:
    from backprop_tui.core.learn.diagnose import Assessment
    from backprop_tui.core.learn.quiz import Quiz
    from backprop_tui.core.trace.record import Phase, StepTrace

LEVEL_CHOICES = ("updates", "gradients", "backward", "all")

SUMMARY = "predict each phase's numbers and have them checked"

DESCRIPTION = (
    "Quiz yourself on one training step (the one `trace` records, on the first batch or\n"
    "on one sample with --sample). Each asked phase prints its equation and inputs with\n"
    "their numbers; type the result's numbers row by row, in the order `trace` prints\n"
    "them, separated by spaces or commas; an empty line shows the answer. An answer is\n"
    "correct within one unit of its last digit with at least three significant digits\n"
    "(0.139 or 0.1391 for 0.13912877), close within 1 %, wrong otherwise; a wrong answer\n"
    "that a classic mistake gives is named, e.g. [missing-activation-derivative].\n"
    "--ask chooses the phases: updates; gradients (and updates); backward (the δ's,\n"
    "gradients and updates; the default); all (the forward pass and the loss too)."
)

EXAMPLES = (
    f"{PROG} quiz seed-toy",
    f"{PROG} quiz seed-toy --ask all --markdown my-answers.md",
    f"{PROG} quiz xor --sample 2 --ask updates",
)

OFF_LISTED = 6
"""How many wrong cells a verdict line names before "and N more"."""


def add_arguments(p: argparse.ArgumentParser, count: Any) -> None:
    """The quiz's arguments; `count` is the parser's whole-number type."""
    p.add_argument("preset", metavar="PRESET", help="shipped name or .toml path")
    add_step_arguments(p, "quiz on")
    p.add_argument(
        "--ask",
        choices=LEVEL_CHOICES,
        default="backward",
        help="which phases to ask (default: backward)",
    )
    p.add_argument(
        "--markdown",
        metavar="FILE",
        help="write your answers beside the right ones as Markdown to FILE (atomically)",
    )


# -- reading -----------------------------------------------------------------------------


def _read_line(stream: IO[str]) -> str | None:
    """One line without its ending; None at the end of input. Bytes that are not UTF-8
    become U+FFFD (then the answer is not a number, not a crash)."""
    buffer = getattr(stream, "buffer", None)
    raw: bytes | str = buffer.readline() if buffer is not None else stream.readline()
    if not raw:
        return None
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    return text.rstrip("\r\n")


def _is_tty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


# -- writing -----------------------------------------------------------------------------


def _arrow(phase: Phase) -> str:
    return "←" if phase.kind.startswith("update") else "="


def _right(phase: Phase) -> str:
    return f"{phase.symbol} {_arrow(phase)} {phase.result}"


def _question(trace: StepTrace, quiz: Quiz, position: int) -> list[str]:
    from backprop_tui.core.learn.targets import count_text, phase_inputs, value_text

    phase = trace.phases[position]
    lines = [
        f"  {position + 1}. {phase.title}   (question {quiz.question} of {len(quiz.asked)})",
        f"     {phase.equation}",
    ]
    for item in phase_inputs(trace, phase):
        lines.append(f"     {item.name} = {value_text(trace, item.value, item.per_sample)}")
    lines.append(f"     {phase.symbol} {_arrow(phase)} ?   ({count_text(trace, phase)})")
    return lines


def _cells(trace: StepTrace, phase: Phase, cells: list[tuple[int, ...]]) -> str:
    from backprop_tui.core.learn.targets import cell_label

    names = [cell_label(trace, phase, index) for index in cells[:OFF_LISTED]]
    more = len(cells) - OFF_LISTED
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def verdict_lines(trace: StepTrace, result: Assessment) -> list[str]:
    """The line that begins with the grade, then what explains it (indented)."""
    from backprop_tui.core.learn.answer import MIN_DIGITS

    phase, verdict = result.phase, result.verdict
    line = f"{result.grade}: {_right(phase)}"
    if verdict is None:
        line += f"; {shown(result.problem, 200)}"
    elif result.grade == "close":
        few = (verdict.answer.digits.reshape(verdict.slips.shape)[verdict.slips] < MIN_DIGITS).any()
        hint = "type at least three significant digits" if few else "a rounding slip"
        line += f" (within 1 %: {hint})"
    elif result.grade == "wrong":
        cells = verdict.off_cells or verdict.slip_cells
        line += f"; yours is off at {_cells(trace, phase, cells)}"
    if result.mistakes:
        line += " " + " ".join(f"[{m.name}]" for m in result.mistakes)
    lines = [line]
    for match in result.mistakes:
        lines.append(f"    {match.name}: {match.message}; the equation is {phase.equation}")
    if result.grade == "wrong":
        lines += [f"    {text}" for text in phase.substituted.splitlines()]
    return lines


# -- the command -------------------------------------------------------------------------


def cmd_quiz(args: argparse.Namespace, stdin: IO[str] | None = None) -> int:
    from backprop_tui.core.config.presets import build_trainer
    from backprop_tui.core.config.presets import load as load_preset
    from backprop_tui.core.learn.quiz import Quiz
    from backprop_tui.core.learn.targets import LEVEL_WORDS
    from backprop_tui.core.trace.record import trace_trainer

    if args.markdown:
        folder = Path(args.markdown).expanduser().parent
        if not folder.is_dir():
            raise CliError(f"cannot write {shown(args.markdown)!r}: its folder does not exist")
    preset = load_preset(args.preset)
    trace = trace_trainer(build_trainer(preset, seed=args.seed), args.sample)
    quiz = Quiz(trace, args.ask, tries=1)
    stream = sys.stdin if stdin is None else stdin
    interactive = _is_tty(stream)

    rows = ", ".join(str(i + 1) for i in trace.sample_indices or ())
    batch = f"training row {rows}" if trace.batch_size == 1 else f"a batch of {trace.batch_size}"
    sizes = "-".join(map(str, trace.sizes))
    print(f"Quiz on {shown(preset.key)}: one training step of a {sizes} network, {batch}.")
    asked = f"{len(quiz.asked)} of its {len(trace.phases)} phases"
    print(f"Asked ({args.ask}): {LEVEL_WORDS[args.ask]}, {asked}.")
    print("Type each result's numbers row by row, separated by spaces or commas, with at least")
    print("three significant digits (0.139 for 0.13912877); an empty line shows the answer.")

    section = None
    for position, phase in enumerate(trace.phases):
        if quiz.finished:
            break
        if phase.section != section:
            section = phase.section
            print(f"\n{section}")
        if position != quiz.current:
            print(f"  {position + 1}. {_right(phase)}")
            continue
        print("\n" + "\n".join(_question(trace, quiz, position)))
        if interactive:
            sys.stdout.write("> ")
            sys.stdout.flush()
        line = _read_line(stream)
        if line is None:
            left = len(quiz.asked) - quiz.question + 1
            quiz.stop()
            print(f"no more answers: {left} phase{'s' if left != 1 else ''} not answered")
            break
        if not interactive:
            print(f"> {shown(line, 200)}")
        if not line.strip():
            quiz.reveal()
            print(f"wrong (shown, not answered): {_right(phase)}")
            print("\n".join(f"    {text}" for text in phase.substituted.splitlines()))
            continue
        result = quiz.answer(line, unreadable_is_wrong=True)
        print("\n".join(verdict_lines(trace, result)))

    summary = quiz.summary()
    print()
    if summary.mistakes:
        made = ", ".join(
            f"{name} ({', '.join(item.phase.symbol for item in items)})"
            for name, items in summary.mistakes.items()
        )
        print(f"mistakes named: {made}")
    if args.markdown:
        from backprop_tui.core.atomic import write_text_atomic

        write_text_atomic(args.markdown, summary.to_markdown())
        print(f"wrote your answers to {shown(args.markdown, 500)}")
    print(summary.tally())
    return EXIT_OK

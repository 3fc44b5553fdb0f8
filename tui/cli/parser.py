"""The command line's grammar: global options, one subcommand per command, argument types,
and the rewrites argparse needs first (the implicit `run`, an expression that starts with
a minus)."""

from __future__ import annotations

import argparse
import difflib
import itertools
import math
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from backprop_tui.core.text import shown
from backprop_tui.tui.cli import compare, gradcheck, hunt, lesson, quiz
from backprop_tui.tui.cli.arg_types import add_step_arguments, count, row_number
from backprop_tui.tui.cli.exits import EXIT_USAGE, PROG, CliError, one_line, quoted

COMMANDS = (
    "run",
    "presets",
    "check",
    "train",
    "trace",
    "grad",
    "step",
    "graph",
    "quiz",
    "compare",
    "hunt",
    "lessons",
    "lesson",
    "gradcheck",
)

EXPRESSION_COMMANDS = ("grad", "graph")
"""The commands whose positional may be an expression, which may start with a minus. Their
only short option is -h: any other word that starts with one '-' is the expression."""

VALUE_OPTIONS = ("--var", "--vars")
"""The options of the expression commands that take the next word as their value."""

README_ARCHITECTURE = 'the README\'s "Architecture" section'


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose error is the usage and one safe line: argparse echoes the
    offending words raw, and they may hold control characters or be a megabyte long."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {one_line(message)}\n")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(PROG)
    except PackageNotFoundError:
        return "unknown"


# -- argument types ---------------------------------------------------------------------


def assignment(text: str) -> tuple[str, float]:
    """`NAME=VALUE` → (name, value)."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE such as w=1.5, got {quoted(text)}")
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"the value of {shown(name)} is not a number: {quoted(value.strip())}"
        ) from None
    if not math.isfinite(number):
        raise argparse.ArgumentTypeError(f"the value of {shown(name)} must be finite, got {number}")
    return name, number


def variables(args: argparse.Namespace) -> dict[str, float]:
    """The variables of `--var` and `--vars`, in the order given; a name given twice is an
    error."""
    pairs: list[tuple[str, float]] = []
    for item in args.assignments or []:
        if isinstance(item, tuple):
            pairs.append(item)
            continue
        from backprop_tui.core.autodiff.parse import ExpressionError, parse_assignments

        try:
            pairs.extend(parse_assignments(item).items())
        except ExpressionError as err:
            raise CliError(f"--vars {quoted(item)}: {err}") from None
    values: dict[str, float] = {}
    for name, value in pairs:
        if name in values:
            raise CliError(f"variable {quoted(name)} is given twice")
        values[name] = float(value)
    return values


# -- the parser -------------------------------------------------------------------------


class _FORMATTER(argparse.RawDescriptionHelpFormatter):
    """Measures each command's name at the indent it is written at: Python before 3.13
    measured it at the section's, two columns less, and wrapped the help of a command of
    nine letters (gradcheck) onto the next line."""

    def add_argument(self, action: argparse.Action) -> None:
        super().add_argument(action)
        if action.help is not argparse.SUPPRESS:
            for sub in self._iter_indented_subactions(action):
                length = len(self._format_action_invocation(sub)) + self._current_indent
                self._action_max_length = max(self._action_max_length, length)


def _examples(*lines: str, note: str = "") -> str:
    text = "examples:\n" + "\n".join(f"  {line}" for line in lines)
    return text + (f"\n\n{note}" if note else "")


def _add_variables(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--var",
        action="append",
        dest="assignments",
        type=assignment,
        metavar="NAME=VALUE",
        help="a variable's value (repeat for each variable)",
    )
    p.add_argument(
        "--vars",
        action="append",
        dest="assignments",
        metavar='"N=V, …"',
        help='several variables at once, e.g. "w=1.5, x=2, t=5"',
    )


def build_parser() -> Parser:
    """The parser: global options and one subparser per command (`args.command` names it)."""
    parser = Parser(
        prog=PROG,
        formatter_class=_FORMATTER,
        description=(
            "Watch a multi-layer perceptron learn in your terminal and step through its\n"
            "backward pass one equation at a time.\n\n"
            f"`{PROG} [PRESET]` opens the dashboard (with PRESET loaded); the commands\n"
            "below work headless. PRESET is a shipped name (see `presets`) or a path to a\n"
            ".toml file."
        ),
        epilog=_examples(
            f"{PROG} xor                         open the dashboard on the xor preset",
            f"{PROG} presets                     list the shipped presets",
            f"{PROG} check my-net.toml           validate a preset file",
            f"{PROG} train moons --epochs 50     train headless",
            f"{PROG} trace seed-toy              one step of backprop, with the numbers",
            f"{PROG} quiz seed-toy               predict that step's numbers, checked",
            f"{PROG} compare seed-toy mine.npz   your own backprop's numbers, phase by phase",
            f"{PROG} lesson worked-example       the notes' example by hand, step by step",
            f"{PROG} gradcheck seed-toy          backprop, autodiff and finite differences",
            f'{PROG} grad "0.5 * (w * x - t) ** 2" --var w=1.5 --var x=2 --var t=5',
            note=f"`{PROG} COMMAND --help` explains each command. Exit codes: 0 ok, 1 internal\n"
            "error, 2 bad input, 3 training diverged, 4 a difference found (compare)\n"
            "or gradients that disagree (gradcheck), 130 interrupted.",
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument(
        "--debug", action="store_true", help="show the full traceback of an unexpected error"
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show the full traceback of an unexpected error",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    def command(name: str, summary: str, description: str, examples: Sequence[str]) -> Any:
        return sub.add_parser(
            name,
            help=summary,
            description=description,
            epilog=_examples(*examples),
            formatter_class=_FORMATTER,
            parents=[common],
        )

    p = command(
        "run",
        "open the dashboard (the same as a bare PRESET)",
        "Open the interactive dashboard, with PRESET loaded if given.",
        [f"{PROG} run xor", f"{PROG} xor", f"{PROG} run ./my-net.toml"],
    )
    p.add_argument("preset", nargs="?", metavar="PRESET", help="shipped name or .toml path")

    command(
        "presets",
        "list the shipped presets",
        "List the presets shipped with backprop-tui, with their layer sizes and what each\n"
        "one shows.",
        [f"{PROG} presets", f"{PROG} presets | grep moons"],
    )

    p = command(
        "check",
        "validate a preset and summarize it",
        "Load and validate a preset (network, data, loss, optimizer), then print a summary:\n"
        "layers, parameter count, data shapes, task, loss, optimizer, training settings.\n"
        "A mistake is reported with the file, key or line and exit code 2.",
        [f"{PROG} check xor", f"{PROG} check ./my-net.toml"],
    )
    p.add_argument("preset", metavar="PRESET", help="shipped name or .toml path")

    p = command(
        "train",
        "train a preset headless",
        "Train a preset without the TUI: a progress bar on a terminal, one line per epoch\n"
        "otherwise (about fifty for long runs), then a summary. Accuracy is measured on the\n"
        "test set when the preset has one, else on the training set, and says which. The\n"
        "preset's stop_loss ends the run early. If the loss becomes NaN or infinite the run\n"
        "stops, keeps the last finite weights, says at which epoch and step, and exits with\n"
        "code 3. BLAS runs on one thread, as in the dashboard, so the numbers are the same.",
        [
            f"{PROG} train xor",
            f"{PROG} train moons --epochs 50 --seed 3",
            f"{PROG} train seed-toy --epochs 3 --json > result.json",
        ],
    )
    p.add_argument("preset", metavar="PRESET", help="shipped name or .toml path")
    p.add_argument("--epochs", type=count, metavar="N", help="epochs to train (default: preset)")
    p.add_argument(
        "--seed",
        type=int,
        metavar="S",
        help="seed for the initial weights and the shuffling order, as the dashboard's "
        "re-init (the data and the test split keep the preset's [data] seed)",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print one JSON document: history, gradient health per epoch, final weights "
        "and biases",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="no progress, only the summary")

    p = command(
        "trace",
        "record one training step with every number",
        "Record one training step (forward, loss, backward, update) on the first batch, or\n"
        "on one sample with --sample, and print it phase by phase with each equation in\n"
        f"the notes' notation and its numbers. The json format: see {README_ARCHITECTURE}.",
        [
            f"{PROG} trace seed-toy",
            f"{PROG} trace two-two-two --format markdown --output worked-example.md",
            f"{PROG} trace xor --sample 3 --format json",
        ],
    )
    p.add_argument("preset", metavar="PRESET", help="shipped name or .toml path")
    add_step_arguments(p, "trace")
    p.add_argument(
        "--format", choices=("text", "markdown", "json"), default="text", help="(default: text)"
    )
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE (atomically)")

    p = command(
        "grad",
        "differentiate a scalar expression",
        "Build the computation graph of a scalar expression and print its value and the\n"
        "gradient of every variable. Allowed: numbers, variables, + - * / **, and\n"
        "exp, log, tanh, sigmoid, relu, sqrt. The expression may start with a minus.",
        [
            f'{PROG} grad "0.5 * (w * x - t) ** 2" --var w=1.5 --var x=2 --var t=5',
            f'{PROG} grad "sigmoid(w * x + b)" --vars "w=0.15, x=1, b=0.35" --json',
            f'{PROG} grad "-t" --var t=1',
        ],
    )
    p.add_argument("expression", metavar="EXPR", help="the expression, quoted")
    _add_variables(p)
    p.add_argument("--json", action="store_true", help="value, gradients and graph nodes as JSON")

    p = command(
        "step",
        "step through one backward pass in the TUI",
        "Open the step-through screen: one backward pass, equation by equation, with the\n"
        "numbers and the cells each phase reads and writes.",
        [f"{PROG} step seed-toy", f"{PROG} step xor --sample 2"],
    )
    p.add_argument("preset", metavar="PRESET", help="shipped name or .toml path")
    p.add_argument(
        "--sample", type=row_number, metavar="I", help="trace training sample I only (from 1)"
    )

    p = command(
        "graph",
        "show a computation graph in the TUI",
        "Open the computation-graph view of a preset (e.g. seed-scalar) or of a scalar\n"
        "expression with its variable values.",
        [
            f"{PROG} graph seed-scalar",
            f'{PROG} graph "0.5 * (w * x - t) ** 2" --vars "w=1.5, x=2, t=5"',
        ],
    )
    p.add_argument("target", metavar="PRESET|EXPR", help="a preset, or an expression (quoted)")
    _add_variables(p)

    quiz.add_arguments(command("quiz", quiz.SUMMARY, quiz.DESCRIPTION, quiz.EXAMPLES), count)
    compare.add_arguments(
        command("compare", compare.SUMMARY, compare.DESCRIPTION, compare.EXAMPLES), count
    )
    hunt.add_arguments(command("hunt", hunt.SUMMARY, hunt.DESCRIPTION, hunt.EXAMPLES))
    command("lessons", lesson.LIST_SUMMARY, lesson.LIST_DESCRIPTION, lesson.LIST_EXAMPLES)
    lesson.add_arguments(command("lesson", lesson.SUMMARY, lesson.DESCRIPTION, lesson.EXAMPLES))
    gradcheck.add_arguments(
        command("gradcheck", gradcheck.SUMMARY, gradcheck.DESCRIPTION, gradcheck.EXAMPLES), count
    )
    return parser


# -- rewrites before argparse -----------------------------------------------------------


def _expression_last(args: list[str]) -> list[str]:
    """The words after `grad` or `graph` with a word that starts with one '-' and is not an
    option (`-t`, `-w*x`) moved behind `--` at the end, where argparse reads it as the
    expression rather than as an unknown option. `--help` and `-h` still answer."""
    kept: list[str] = []
    expressions: list[str] = []
    words = iter(args)
    for word in words:
        if word == "--":
            kept += [word, *words]
        elif word in VALUE_OPTIONS:
            kept += [word, *itertools.islice(words, 1)]
        elif word.startswith("-") and not word.startswith("--") and word not in ("-", "-h"):
            expressions.append(word)
        else:
            kept.append(word)
    if not expressions:
        return kept
    return [*kept, "--", *expressions] if "--" not in kept else [*kept, *expressions]


def normalize_argv(argv: Sequence[str]) -> list[str]:
    """Insert the implicit `run` command: `backprop-tui xor` means `backprop-tui run xor`,
    and a bare `backprop-tui` opens the dashboard. A word close to a command name
    (`trian`) is reported as a typo rather than taken for a preset. After `grad` or
    `graph`, an expression that starts with a minus is kept as the expression."""
    argv = list(argv)
    for i, token in enumerate(argv):
        if token == "--":
            return [*argv[:i], "run", *argv[i:]]
        if token.startswith("-"):
            continue
        if token in EXPRESSION_COMMANDS:
            return [*argv[: i + 1], *_expression_last(argv[i + 1 :])]
        if token in COMMANDS:
            return argv
        close = difflib.get_close_matches(token, COMMANDS, n=1, cutoff=0.75)
        looks_like_path = os.sep in token or token.endswith(".toml") or os.path.exists(token)
        if close and not looks_like_path:
            raise CliError(f"unknown command {quoted(token)} (did you mean {close[0]!r}?)")
        return [*argv[:i], "run", *argv[i:]]
    if any(t in ("-h", "--help", "--version") for t in argv):
        return argv
    return [*argv, "run"]

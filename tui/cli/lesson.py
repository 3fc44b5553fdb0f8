"""`backprop-tui lessons` (list the shipped lessons) and `backprop-tui lesson NAME|PATH`
(run one in the dashboard, with its steps beside it; `--check` validates it instead).

A lesson that cannot be read is one line on stderr naming the file, the line and the key,
with exit code 2, before anything opens (`core.lessons`).
"""

from __future__ import annotations

import argparse
import sys

from backprop_tui.core.text import shown
from backprop_tui.tui.cli import report as cf
from backprop_tui.tui.cli.exits import EXIT_OK, PROG
from backprop_tui.tui.cli.progress import is_tty

LIST_SUMMARY = "list the shipped lessons"
LIST_DESCRIPTION = (
    "List the lessons shipped with backprop-tui: each one's name, title and number of\n"
    "steps. Run one with `backprop-tui lesson NAME`."
)
LIST_EXAMPLES = (f"{PROG} lessons",)

SUMMARY = "run a lesson beside the dashboard"
DESCRIPTION = (
    "Open the dashboard with a lesson beside it: its steps one at a time, each with its\n"
    "text, the preset it opens (or the network already loaded) and a task the app checks\n"
    "(predict a phase, train until the loss is under a value, change η and watch, find a\n"
    "planted bug). N and P go to the next and previous step. NAME is a shipped lesson\n"
    '(see `lessons`) or a path to a lesson .toml file (the README\'s "Lessons" section\n'
    "describes the format). A mistake in the file is one line naming the file, the line\n"
    "and the key, with exit code 2; --check only validates the file and lists its steps."
)
EXAMPLES = (
    f"{PROG} lesson worked-example",
    f"{PROG} lesson ./my-lesson.toml --check",
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The `lesson` command's arguments."""
    p.add_argument("lesson", metavar="NAME|PATH", help="a shipped lesson or a lesson .toml path")
    p.add_argument(
        "--check", action="store_true", help="validate the lesson and list its steps; no TUI"
    )


def cmd_lessons(args: argparse.Namespace) -> int:
    from backprop_tui.core.lessons import list_lessons

    rows = [(shown(s.key), shown(s.title, 100), str(s.steps)) for s in list_lessons()]
    if is_tty(sys.stdout):
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table

        table = Table(title="Shipped lessons", title_justify="left")
        table.add_column("lesson", style="bold cyan", no_wrap=True)
        table.add_column("title")
        table.add_column("steps", justify="right")
        for row in rows:
            table.add_row(*map(escape, row))
        Console(file=sys.stdout).print(table)
        print(f"Run one with `{PROG} lesson NAME`.")
    else:
        print(cf.plain_table(("lesson", "title", "steps"), rows))
    return EXIT_OK


def cmd_lesson(args: argparse.Namespace) -> int:
    from backprop_tui.core.lessons import load, task_words

    lesson = load(args.lesson)
    if args.check:
        print(f"{shown(lesson.key)}: {lesson.title}")
        for number, step in enumerate(lesson.steps, start=1):
            preset = shown(step.preset, 200) if step.preset is not None else "(current network)"
            task = task_words(step.task) if step.task is not None else "no task"
            print(f"  {number}. {step.title} · {preset} · {task}")
        print(f"ok: the lesson is valid ({cf.plural(len(lesson.steps), 'step')})")
        return EXIT_OK
    from backprop_tui.tui.lesson_app import run_lesson

    return int(run_lesson(lesson, debug=bool(getattr(args, "debug", False))) or 0)

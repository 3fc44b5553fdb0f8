"""The table from a command's name (`args.command`) to its handler: the parsed arguments
in, the exit code out."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from backprop_tui.tui.cli import commands
from backprop_tui.tui.cli.compare import cmd_compare
from backprop_tui.tui.cli.gradcheck import cmd_gradcheck
from backprop_tui.tui.cli.hunt import cmd_hunt
from backprop_tui.tui.cli.lesson import cmd_lesson, cmd_lessons
from backprop_tui.tui.cli.quiz import cmd_quiz
from backprop_tui.tui.cli.train import cmd_train

Handler = Callable[[argparse.Namespace], int]

HANDLERS: dict[str, Handler] = {
    "run": commands.cmd_run,
    "presets": commands.cmd_presets,
    "check": commands.cmd_check,
    "train": cmd_train,
    "trace": commands.cmd_trace,
    "grad": commands.cmd_grad,
    "step": commands.cmd_step,
    "graph": commands.cmd_graph,
    "quiz": cmd_quiz,
    "compare": cmd_compare,
    "hunt": cmd_hunt,
    "lessons": cmd_lessons,
    "lesson": cmd_lesson,
    "gradcheck": cmd_gradcheck,
}

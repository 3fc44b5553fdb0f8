"""What each command but `train` does (`train` is in `tui.cli.train`).

Every handler takes the parsed arguments and returns the exit code. The engine is
imported inside each handler, so `--help` answers at once; the TUI (Textual) only when a
command opens it. Everything echoed from a file or an argument goes through `shown`.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from backprop_tui.core.text import shown
from backprop_tui.tui.cli import report as cf
from backprop_tui.tui.cli.documents import dump_json, grad_document, terminal_safe
from backprop_tui.tui.cli.exits import EXIT_OK, PROG, CliError, quoted
from backprop_tui.tui.cli.parser import variables
from backprop_tui.tui.cli.progress import is_tty

if TYPE_CHECKING:
    from backprop_tui.core.autodiff.node import Node
    from backprop_tui.core.config.presets import Preset
    from backprop_tui.core.training.trainer import Trainer


def load(name_or_path: str) -> Preset:
    """The preset named or at `name_or_path` (a `BackpropError` says what is wrong)."""
    from backprop_tui.core.config.presets import load as load_preset

    return load_preset(name_or_path)


# -- opening the TUI --------------------------------------------------------------------


def open_app(preset: Preset | None, args: argparse.Namespace, **options: Any) -> int:
    """Hand over to the dashboard, `tui.app.run_app(preset, **options)` (imported only now:
    Textual is heavy and the headless commands never need it); its exit code is ours: 1
    after an unhandled error in the app, which `--debug` shows with its traceback."""
    from backprop_tui.tui.app import run_app

    return int(run_app(preset, debug=bool(getattr(args, "debug", False)), **options) or 0)


def cmd_run(args: argparse.Namespace) -> int:
    return open_app(load(args.preset) if args.preset else None, args)


def cmd_step(args: argparse.Namespace) -> int:
    options: dict[str, Any] = {"screen": "step"}
    preset = load(args.preset)
    if args.sample is not None:
        from backprop_tui.core.config.presets import load_data
        from backprop_tui.core.errors import SampleRangeError

        rows = len(load_data(preset)[0])
        if not args.sample < rows:  # said before the app opens, counting from 1
            raise SampleRangeError(args.sample, rows)
        options["sample"] = args.sample
    return open_app(preset, args, **options)


def _is_preset(target: str) -> bool:
    """Whether `graph`'s argument names a preset rather than an expression."""
    if target.endswith(".toml") or os.path.isfile(target):
        return True
    from backprop_tui.core.config.presets import shipped_names

    return target in shipped_names()


def cmd_graph(args: argparse.Namespace) -> int:
    if _is_preset(args.target):
        return open_app(load(args.target), args, screen="graph")
    values = variables(args)
    parse(args.target, values)  # reject a bad expression here, not in the TUI
    return open_app(None, args, screen="graph", expression=args.target, variables=values)


# -- presets, check ---------------------------------------------------------------------


def cmd_presets(args: argparse.Namespace) -> int:
    from backprop_tui.core.config.presets import list_presets

    rows = [
        (shown(p.key), "-".join(map(str, p.sizes)), shown(cf.first_sentence(p.description), 100))
        for p in list_presets()
    ]
    if is_tty(sys.stdout):
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table

        table = Table(title="Shipped presets", title_justify="left")
        table.add_column("preset", style="bold cyan", no_wrap=True)
        table.add_column("network", no_wrap=True)
        table.add_column("description")
        for row in rows:
            table.add_row(*map(escape, row))
        Console(file=sys.stdout).print(table)
        print(f"Open one with `{PROG} NAME`; train it headless with `{PROG} train NAME`.")
    else:
        print(cf.plain_table(("preset", "network", "description"), rows))
    return EXIT_OK


def _data_source(data: dict[str, Any]) -> str:
    """Where a preset's data comes from, in a few words (values from the file shown safe)."""
    if "generator" in data:
        extras = ", ".join(
            f"{shown(k)} {shown(cf.fmt_setting(v))}" for k, v in data.items() if k != "generator"
        )
        return f"generator {shown(data['generator'])}" + (f" ({extras})" if extras else "")
    if "csv" in data:
        target = f", target {shown(data['target'])}" if "target" in data else ""
        return f"csv {shown(data['csv'])}{target}"
    return "inline inputs and targets"


def _shape(dataset: Any) -> str:
    return f"{len(dataset)} × {dataset.n_inputs} → {dataset.n_outputs}"


def summary_pairs(preset: Preset, trainer: Trainer) -> list[tuple[str, str]]:
    """The facts `check` prints about a valid preset, as (label, value) pairs."""
    network = trainer.network
    sizes = network.sizes
    activations = [act.name for act in network.activations]
    n_W, n_b = cf.parameter_count(sizes)
    params = f"{n_W + n_b} ({cf.plural(n_W, 'weight')}, {cf.plural(n_b, 'bias', 'biases')}"
    params += ")" if trainer.train_biases else "; biases fixed)"
    test = trainer.test_data
    data = f"train {_shape(trainer.train_data)}, test " + (_shape(test) if test else "none")
    optimizer = trainer.optimizer
    settings = ", ".join(
        f"{'lr' if k == 'learning_rate' else k} {cf.fmt_setting(v)}"
        for k, v in optimizer.hyperparameters().items()
        if not (k == "weight_decay" and v == 0)
    )
    batch = trainer.batch_size
    steps = trainer.steps_per_epoch
    batch_text = "whole set" if batch <= 0 else str(batch)
    training = (
        f"{cf.plural(preset.epochs, 'epoch')}, batch size {batch_text} "
        f"({cf.plural(steps, 'step')} per epoch)"
    )
    if preset.stop_loss is not None:
        training += f", stop at loss {cf.fmt(preset.stop_loss)}"
    init = f"{preset.init}, seed {preset.seed}"
    if preset.weights is not None:
        init = "explicit weights"
    pairs = [
        ("layers", cf.layers_summary(sizes, activations)),
        ("parameters", params),
        ("data", f"{data}; {_data_source(dict(preset.data))}"),
        ("task", trainer.train_data.task),
        ("loss", trainer.loss.name),
        ("optimizer", f"{optimizer.kind} ({settings})"),
        ("training", training),
        ("init", init),
        ("dtype", str(network.dtype)),
    ]
    if preset.path:
        pairs.insert(0, ("file", shown(preset.path, 500)))
    return pairs


def cmd_check(args: argparse.Namespace) -> int:
    from backprop_tui.core.config.presets import build_trainer

    preset = load(args.preset)
    trainer = build_trainer(preset)
    print(f"{shown(preset.key)}: {shown(preset.name)}")
    print(cf.key_value_block(summary_pairs(preset, trainer)))
    print("ok: the preset is valid")
    return EXIT_OK


# -- trace, grad ------------------------------------------------------------------------


def cmd_trace(args: argparse.Namespace) -> int:
    from backprop_tui.core.config.presets import build_trainer
    from backprop_tui.core.trace.record import trace_trainer

    preset = load(args.preset)
    trainer = build_trainer(preset, seed=args.seed)
    step_trace = trace_trainer(trainer, args.sample)
    if args.format == "text":
        text = step_trace.to_text()
    elif args.format == "markdown":
        text = step_trace.to_markdown()
    else:
        document = step_trace.to_json()
        text = terminal_safe(document) if isinstance(document, str) else dump_json(document)
    if not text.endswith("\n"):
        text += "\n"
    if args.output:
        from backprop_tui.core.atomic import write_text_atomic

        write_text_atomic(args.output, text)
        print(f"wrote the {args.format} trace of {shown(preset.key)} to {shown(args.output, 500)}")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def parse(expression: str, values: dict[str, float]) -> Node:
    """The expression's graph; a rejected expression's message quotes it (capped)."""
    from backprop_tui.core.autodiff.parse import ExpressionError, parse_expression

    try:
        return parse_expression(expression, values)
    except ExpressionError as err:
        raise CliError(f"expression {quoted(expression)}: {err}") from None


GRAD_HEADER_LIMIT = 200
"""How much of the expression `grad` echoes above its table."""


def cmd_grad(args: argparse.Namespace) -> int:
    from backprop_tui.core.autodiff import graph as autodiff

    values = variables(args)
    root = parse(args.expression, values)
    autodiff.backward(root)
    found = autodiff.gradients(root)
    # A variable the expression does not use has gradient 0; list the given ones in the
    # order given, then any the expression names that were not given (none, normally).
    gradients = {name: found.get(name, 0.0) for name in values}
    gradients.update({name: g for name, g in found.items() if name not in gradients})
    nodes = autodiff.to_dict(root)["nodes"]
    if args.json:
        doc = grad_document(args.expression, values, root.value, gradients, nodes)
        print(dump_json(doc))
        return EXIT_OK
    given = ", ".join(f"{shown(k)} = {cf.fmt(v)}" for k, v in values.items())
    header = shown(args.expression, GRAD_HEADER_LIMIT)
    print(f"L = {header}" + (f"   with {given}" if given else ""))
    print()
    print(cf.graph_table(nodes))
    print()
    rows = [("L", f"= {cf.fmt(root.value)}")]
    for name, grad in gradients.items():
        note = "" if name in found else "   (not in the expression)"
        rows.append((f"dL/d{shown(name)}", f"= {cf.fmt(grad)}{note}"))
    print(cf.key_value_block(rows, indent=0))
    return EXIT_OK

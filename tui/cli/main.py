"""The `backprop-tui` command line: open the TUI, or check, train, trace and differentiate
headless.

`backprop-tui [PRESET]` opens the dashboard; `backprop-tui COMMAND …` runs one of
`presets`, `check`, `train`, `trace`, `grad`, `step`, `graph`. This module never imports
textual (the TUI is imported only when a command opens it) and imports the engine inside
each command, so `--help` answers at once.

Exit codes: 0 done, 1 internal error, 2 bad input (any `BackpropError`, bad arguments),
3 training diverged, 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import importlib.util
import inspect
import json
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from backprop_tui.core.errors import BackpropError, DivergedError
from backprop_tui.tui.cli import report as cf

if TYPE_CHECKING:
    from backprop_tui.core.config.presets import Preset
    from backprop_tui.core.training.history import EpochRecord
    from backprop_tui.core.training.trainer import Trainer

PROG = "backprop-tui"
COMMANDS = ("run", "presets", "check", "train", "trace", "grad", "step", "graph")

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_DIVERGED = 3
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141


class CliError(BackpropError):
    """A mistake in the command line's own input (a repeated variable, an unwritable file)."""


# -- helpers ----------------------------------------------------------------------------


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(PROG)
    except PackageNotFoundError:
        return "unknown"


def _error(message: str) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr)


def _jsonable(value: Any) -> Any:
    """Plain JSON values: numpy arrays and scalars become lists and floats, and NaN or
    infinity (which JSON cannot hold) become null."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _is_flat(value: Any) -> bool:
    """A list of plain values, or a dict of plain values and such lists: one line."""
    if isinstance(value, list):
        return all(not isinstance(v, list | dict) for v in value)
    if isinstance(value, dict):
        return all(
            (isinstance(v, list) and _is_flat(v)) or not isinstance(v, dict) for v in value.values()
        )
    return True


def _format_json(value: Any, indent: int) -> str:
    """Indented JSON in which rows of numbers and flat records stay on one line, so a
    weight matrix reads as its rows and a history as one record per line."""
    if _is_flat(value):
        return json.dumps(value, ensure_ascii=False, allow_nan=False)
    pad, inner = " " * indent, " " * (indent + 2)
    if isinstance(value, dict):
        items = [
            f"{inner}{json.dumps(k, ensure_ascii=False)}: {_format_json(v, indent + 2)}"
            for k, v in value.items()
        ]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    items = [f"{inner}{_format_json(v, indent + 2)}" for v in value]
    return "[\n" + ",\n".join(items) + f"\n{pad}]"


def _dump_json(document: Any) -> str:
    """One JSON document: plain floats (NaN and infinity as null), readable layout."""
    return _format_json(_jsonable(document), 0)


def _load(name_or_path: str) -> Preset:
    from backprop_tui.core.config.presets import load

    return load(name_or_path)


# -- argument types ---------------------------------------------------------------------


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, got {value}")
    return value


def _assignment(text: str) -> tuple[str, float]:
    """`NAME=VALUE` → (name, value)."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE such as w=1.5, got {text!r}")
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"the value of {name} is not a number: {value.strip()!r}"
        ) from None
    if not math.isfinite(number):
        raise argparse.ArgumentTypeError(f"the value of {name} must be finite, got {number}")
    return name, number


def _variables(args: argparse.Namespace) -> dict[str, float]:
    """The variables of `--var` and `--vars`, in the order given; a name given twice is an
    error."""
    pairs: list[tuple[str, float]] = []
    for item in args.assignments or []:
        if isinstance(item, tuple):
            pairs.append(item)
            continue
        from backprop_tui.core.autodiff.graph import ExpressionError, parse_assignments

        try:
            pairs.extend(parse_assignments(item).items())
        except ExpressionError as err:
            raise CliError(f"--vars {item!r}: {err}") from None
    values: dict[str, float] = {}
    for name, value in pairs:
        if name in values:
            raise CliError(f"variable {name!r} is given twice")
        values[name] = float(value)
    return values


# -- opening the TUI --------------------------------------------------------------------


def _find_run_app() -> Callable[..., Any] | None:
    """`tui.app.run_app`, imported only now (textual is heavy and the headless commands
    never need it), or None while the app does not exist."""
    if importlib.util.find_spec("backprop_tui.tui.app") is None:
        return None
    from backprop_tui.tui.app import run_app

    return run_app


def _open_tui(preset: Preset | None, **options: Any) -> int:
    """Hand over to `run_app(preset, **options)`; options it does not take are dropped,
    and a screen it does not have is reported before opening the dashboard."""
    run_app = _find_run_app()
    if run_app is None:
        what = f"the {options['screen']} screen" if options.get("screen") else "the dashboard"
        print(
            f"{PROG}: {what} is not built yet. The headless commands work: "
            f"`{PROG} train PRESET`, `{PROG} trace PRESET`, `{PROG} grad EXPR` "
            f"(see `{PROG} --help`)."
        )
        return EXIT_OK
    if options:
        params = inspect.signature(run_app).parameters
        takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
        if not takes_any and "screen" not in params:
            screen = options["screen"]
            print(f"{PROG}: the {screen} screen is not built yet; opening the dashboard.")
            options = {}
        elif not takes_any:
            options = {k: v for k, v in options.items() if k in params}
    return int(run_app(preset, **options) or 0)


def cmd_run(args: argparse.Namespace) -> int:
    preset = _load(args.preset) if args.preset else None
    return _open_tui(preset)


def cmd_step(args: argparse.Namespace) -> int:
    preset = _load(args.preset)
    options: dict[str, Any] = {"screen": "step"}
    if args.sample is not None:
        options["sample"] = args.sample
    return _open_tui(preset, **options)


def _is_preset(target: str) -> bool:
    """Whether `graph`'s argument names a preset rather than an expression."""
    if target.endswith(".toml") or os.path.isfile(target):
        return True
    from backprop_tui.core.config.presets import shipped_names

    return target in shipped_names()


def cmd_graph(args: argparse.Namespace) -> int:
    if _is_preset(args.target):
        return _open_tui(_load(args.target), screen="graph")
    variables = _variables(args)
    _parse_expression(args.target, variables)  # reject a bad expression here, not in the TUI
    return _open_tui(None, screen="graph", expression=args.target, variables=variables)


# -- presets, check ---------------------------------------------------------------------


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def cmd_presets(args: argparse.Namespace) -> int:
    from backprop_tui.core.config.presets import list_presets

    rows = [
        (p.key, "-".join(map(str, p.sizes)), cf.first_sentence(p.description))
        for p in list_presets()
    ]
    if _is_tty(sys.stdout):
        from rich.console import Console
        from rich.table import Table

        table = Table(title="Shipped presets", title_justify="left")
        table.add_column("preset", style="bold cyan", no_wrap=True)
        table.add_column("network", no_wrap=True)
        table.add_column("description")
        for row in rows:
            table.add_row(*row)
        Console(file=sys.stdout).print(table)
        print(f"Open one with `{PROG} NAME`; train it headless with `{PROG} train NAME`.")
    else:
        print(cf.plain_table(("preset", "network", "description"), rows))
    return EXIT_OK


def _data_source(data: dict[str, Any]) -> str:
    """Where a preset's data comes from, in a few words."""
    if "generator" in data:
        extras = ", ".join(f"{k} {cf.fmt_setting(v)}" for k, v in data.items() if k != "generator")
        return f"generator {data['generator']}" + (f" ({extras})" if extras else "")
    if "csv" in data:
        return f"csv {data['csv']}" + (f", target {data['target']}" if "target" in data else "")
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
        pairs.insert(0, ("file", str(preset.path)))
    return pairs


def cmd_check(args: argparse.Namespace) -> int:
    from backprop_tui.core.config.presets import build_trainer

    preset = _load(args.preset)
    trainer = build_trainer(preset)
    print(f"{preset.key}: {preset.name}")
    print(cf.key_value_block(summary_pairs(preset, trainer)))
    print("ok: the preset is valid")
    return EXIT_OK


# -- train ------------------------------------------------------------------------------


class _Reporter(contextlib.AbstractContextManager):
    """Shows training progress; the default shows nothing."""

    def epoch(self, record: EpochRecord) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        return None


class _LineReporter(_Reporter):
    """One line per epoch (thinned to about fifty for long runs, always the last)."""

    def __init__(self, total: int, out: TextIO) -> None:
        self.total, self.out = total, out
        self.every = cf.report_every(total)

    def epoch(self, record: EpochRecord) -> None:
        if cf.should_report(record.epoch, self.total, self.every):
            print(cf.epoch_line(record.as_dict(), self.total), file=self.out, flush=True)


class _ProgressReporter(_Reporter):
    """A rich progress bar on stderr with the latest loss and accuracy."""

    def __init__(self, total: int, title: str) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[stats]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(file=sys.stderr),
        )
        self.task = self.progress.add_task(title, total=total, stats="")
        self.last = 0.0
        self.record: EpochRecord | None = None

    def __enter__(self) -> _ProgressReporter:
        self.progress.start()
        return self

    def epoch(self, record: EpochRecord) -> None:
        self.record = record
        now = time.monotonic()
        if now - self.last < 0.05:  # rich redraws at 10 Hz; formatting every epoch is waste
            self.progress.update(self.task, completed=record.epoch)
            return
        self.last = now
        self.progress.update(self.task, completed=record.epoch, stats=self.stats(record))

    @staticmethod
    def stats(record: EpochRecord) -> str:
        text = f"loss {cf.fmt(record.train_loss, 4)}"
        if record.test_loss is not None:
            text += f"  test {cf.fmt(record.test_loss, 4)}"
        if record.accuracy is not None:
            text += f"  acc {record.accuracy:.3f}"
        return text

    def __exit__(self, *exc: object) -> None:
        if self.record is not None:
            self.progress.update(self.task, stats=self.stats(self.record))
        self.progress.stop()


class _DeferredInterrupt(contextlib.AbstractContextManager):
    """Turn the first ctrl-c into a request to stop after the current step, so the
    weights are never left half-updated; a second ctrl-c interrupts at once. Only the
    main thread can install signal handlers; elsewhere ctrl-c behaves as usual."""

    def __init__(self) -> None:
        self.requested = False
        self.previous: Any = None

    def _handle(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self) -> _DeferredInterrupt:
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


def _train_loop(
    trainer: Trainer, total: int, stop_loss: float | None, on_epoch: Callable[[Any], None]
) -> tuple[str, DivergedError | None]:
    """Train until `total` epochs, the stop loss, a divergence or ctrl-c; returns why it
    stopped ("epochs", "stop_loss", "diverged", "interrupted") and the divergence.
    Steps one batch at a time so that ctrl-c takes effect between two steps."""
    with _DeferredInterrupt() as interrupt:
        try:
            while trainer.epoch < total:
                finished = len(trainer.history)
                trainer.step()
                if len(trainer.history) > finished:
                    record = trainer.history[-1]
                    on_epoch(record)
                    if stop_loss is not None and record.train_loss <= stop_loss:
                        return "stop_loss", None
                if interrupt.requested:
                    return "interrupted", None
        except DivergedError as err:
            return "diverged", err
        except KeyboardInterrupt:
            return "interrupted", None
    return "epochs", None


def training_document(
    preset: Preset,
    trainer: Trainer,
    seed: int | None,
    requested: int,
    stopped: str,
    diverged: DivergedError | None,
) -> dict[str, Any]:
    """The `train --json` result (ARCHITECTURE.md "Training result"): the run's facts, the
    per-epoch `history`, then the final `weights` and `biases` in the preset's layout
    (layer l: W (out × in) as rows, b as a list) so they paste back into a preset."""
    doc: dict[str, Any] = {
        "preset": preset.key,
        "name": preset.name,
        "seed": seed,
        "epochs": trainer.epoch,
        "epochs_requested": requested,
        "steps": trainer.global_step,
        "stopped": stopped,
    }
    if diverged is not None:
        doc["diverged"] = {
            "epoch": diverged.epoch,
            "step": diverged.step,
            "loss": diverged.loss,
            "message": str(diverged),
        }
    doc["history"] = [record.as_dict() for record in trainer.history]
    doc["weights"] = [W.tolist() for W in trainer.network.W]
    doc["biases"] = [b.tolist() for b in trainer.network.b]
    return doc


def _final_line(trainer: Trainer) -> str:
    if not trainer.history:
        return "no epoch finished"
    last = trainer.history[-1]
    parts = [f"train loss {cf.fmt(last.train_loss)}"]
    if last.test_loss is not None:
        parts.append(f"test loss {cf.fmt(last.test_loss)}")
    if last.accuracy is not None:
        parts.append(f"accuracy {last.accuracy:.4f}")
    return "final: " + "  ".join(parts)


def cmd_train(args: argparse.Namespace) -> int:
    from backprop_tui.core.config.presets import build_trainer

    preset = _load(args.preset)
    trainer = build_trainer(preset, seed=args.seed)
    total = preset.epochs if args.epochs is None else args.epochs
    seed = preset.seed if args.seed is None else args.seed
    key = preset.key

    reporter: _Reporter
    if args.quiet:
        reporter = _Reporter()
    elif _is_tty(sys.stderr):
        reporter = _ProgressReporter(total, key)
    elif args.json:
        reporter = _Reporter()
    else:
        reporter = _LineReporter(total, sys.stdout)
    with reporter:
        stopped, diverged = _train_loop(trainer, total, preset.stop_loss, reporter.epoch)

    if args.json:
        print(_dump_json(training_document(preset, trainer, seed, total, stopped, diverged)))
    else:
        print(
            f"{key}: {cf.plural(trainer.epoch, 'epoch')}, "
            f"{cf.plural(trainer.global_step, 'step')} (seed {seed})"
        )
        print(_final_line(trainer))
        if stopped == "stop_loss":
            print(f"stopped early: train loss reached the preset's stop_loss {preset.stop_loss}")
    if diverged is not None:
        print(f"{PROG}: {diverged}", file=sys.stderr)
        return EXIT_DIVERGED
    if stopped == "interrupted":
        print(f"{PROG}: interrupted after {cf.plural(trainer.epoch, 'epoch')}", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_OK


# -- trace, grad ------------------------------------------------------------------------


def cmd_trace(args: argparse.Namespace) -> int:
    from backprop_tui.core.config.presets import build_trainer
    from backprop_tui.core.trace.record import trace_trainer

    preset = _load(args.preset)
    trainer = build_trainer(preset, seed=args.seed)
    step_trace = trace_trainer(trainer, args.sample)
    if args.format == "text":
        text = step_trace.to_text()
    elif args.format == "markdown":
        text = step_trace.to_markdown()
    else:
        document = step_trace.to_json()
        text = document if isinstance(document, str) else _dump_json(document)
    if not text.endswith("\n"):
        text += "\n"
    if args.output:
        from backprop_tui.core.atomic import write_text_atomic

        write_text_atomic(args.output, text)
        print(f"wrote the {args.format} trace of {preset.key} to {args.output}")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _parse_expression(expression: str, variables: dict[str, float]) -> Any:
    """The expression's graph; a rejected expression's message quotes the expression."""
    from backprop_tui.core.autodiff.graph import ExpressionError, parse_expression

    try:
        return parse_expression(expression, variables)
    except ExpressionError as err:
        raise CliError(f"expression {expression!r}: {err}") from None


def cmd_grad(args: argparse.Namespace) -> int:
    from backprop_tui.core.autodiff import graph as autodiff

    variables = _variables(args)
    root = _parse_expression(args.expression, variables)
    autodiff.backward(root)
    found = autodiff.gradients(root)
    # A variable the expression does not use has gradient 0; list the given ones in the
    # order given, then any the expression names that were not given (none, normally).
    gradients = {name: found.get(name, 0.0) for name in variables}
    gradients.update({name: g for name, g in found.items() if name not in gradients})
    if args.json:
        doc = {
            "expression": args.expression,
            "variables": variables,
            "value": root.value,
            "gradients": gradients,
            "nodes": autodiff.to_dict(root)["nodes"],
        }
        print(_dump_json(doc))
        return EXIT_OK
    given = ", ".join(f"{k} = {cf.fmt(v)}" for k, v in variables.items())
    print(f"L = {args.expression}" + (f"   with {given}" if given else ""))
    print()
    print(cf.graph_table(autodiff.to_dict(root)["nodes"]))
    print()
    rows = [("L", f"= {cf.fmt(root.value)}")]
    for name, grad in gradients.items():
        note = "" if name in found else "   (not in the expression)"
        rows.append((f"dL/d{name}", f"= {cf.fmt(grad)}{note}"))
    print(cf.key_value_block(rows, indent=0))
    return EXIT_OK


# -- the parser -------------------------------------------------------------------------

_FORMATTER = argparse.RawDescriptionHelpFormatter


def _examples(*lines: str, note: str = "") -> str:
    text = "examples:\n" + "\n".join(f"  {line}" for line in lines)
    return text + (f"\n\n{note}" if note else "")


def build_parser() -> argparse.ArgumentParser:
    """The parser: global options and one subparser per command."""
    parser = argparse.ArgumentParser(
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
            f'{PROG} grad "0.5 * (w * x - t) ** 2" --var w=1.5 --var x=2 --var t=5',
            note=f"`{PROG} COMMAND --help` explains each command. Exit codes: 0 ok, 1 internal\n"
            "error, 2 bad input, 3 training diverged, 130 interrupted.",
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
        p = sub.add_parser(
            name,
            help=summary,
            description=description,
            epilog=_examples(*examples),
            formatter_class=_FORMATTER,
            parents=[common],
        )
        p.set_defaults(handler=globals()[f"cmd_{name}"])
        return p

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
        "otherwise (about fifty for long runs), then a summary. The preset's stop_loss ends\n"
        "the run early. If the loss becomes NaN or infinite the run stops, keeps the last\n"
        "finite weights, says at which epoch and step, and exits with code 3.",
        [
            f"{PROG} train xor",
            f"{PROG} train moons --epochs 50 --seed 3",
            f"{PROG} train seed-toy --epochs 3 --json > result.json",
        ],
    )
    p.add_argument("preset", metavar="PRESET", help="shipped name or .toml path")
    p.add_argument("--epochs", type=_count, metavar="N", help="epochs to train (default: preset)")
    p.add_argument(
        "--seed", type=int, metavar="S", help="seed for initialization, data and shuffling"
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print one JSON document: history, final weights and biases",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="no progress, only the summary")

    p = command(
        "trace",
        "record one training step with every number",
        "Record one training step (forward, loss, backward, update) on the first batch, or\n"
        "on one sample with --sample, and print it phase by phase with each equation in\n"
        "the notes' notation and its numbers. json follows ARCHITECTURE.md.",
        [
            f"{PROG} trace seed-toy",
            f"{PROG} trace two-two-two --format markdown --output worked-example.md",
            f"{PROG} trace xor --sample 3 --format json",
        ],
    )
    p.add_argument("preset", metavar="PRESET", help="shipped name or .toml path")
    p.add_argument("--sample", type=_count, metavar="I", help="trace training sample I only")
    p.add_argument(
        "--format", choices=("text", "markdown", "json"), default="text", help="(default: text)"
    )
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE (atomically)")
    p.add_argument("--seed", type=int, metavar="S", help="seed for initialization and data")

    def add_variables(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--var",
            action="append",
            dest="assignments",
            type=_assignment,
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

    p = command(
        "grad",
        "differentiate a scalar expression",
        "Build the computation graph of a scalar expression and print its value and the\n"
        "gradient of every variable. Allowed: numbers, variables, + - * / **, and\n"
        "exp, log, tanh, sigmoid, relu.",
        [
            f'{PROG} grad "0.5 * (w * x - t) ** 2" --var w=1.5 --var x=2 --var t=5',
            f'{PROG} grad "sigmoid(w * x + b)" --vars "w=0.15, x=1, b=0.35" --json',
        ],
    )
    p.add_argument("expression", metavar="EXPR", help="the expression, quoted")
    add_variables(p)
    p.add_argument("--json", action="store_true", help="value, gradients and graph nodes as JSON")

    p = command(
        "step",
        "step through one backward pass in the TUI",
        "Open the step-through screen: one backward pass, equation by equation, with the\n"
        "numbers and the cells each phase reads and writes.",
        [f"{PROG} step seed-toy", f"{PROG} step xor --sample 2"],
    )
    p.add_argument("preset", metavar="PRESET", help="shipped name or .toml path")
    p.add_argument("--sample", type=_count, metavar="I", help="trace training sample I only")

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
    add_variables(p)
    return parser


def normalize_argv(argv: Sequence[str]) -> list[str]:
    """Insert the implicit `run` command: `backprop-tui xor` means `backprop-tui run xor`,
    and a bare `backprop-tui` opens the dashboard. A word close to a command name
    (`trian`) is reported as a typo rather than taken for a preset."""
    argv = list(argv)
    for i, token in enumerate(argv):
        if token == "--":
            return [*argv[:i], "run", *argv[i:]]
        if token.startswith("-"):
            continue
        if token in COMMANDS:
            return argv
        close = difflib.get_close_matches(token, COMMANDS, n=1, cutoff=0.75)
        looks_like_path = os.sep in token or token.endswith(".toml") or os.path.exists(token)
        if close and not looks_like_path:
            raise CliError(f"unknown command {token!r} (did you mean {close[0]!r}?)")
        return [*argv[:i], "run", *argv[i:]]
    if any(t in ("-h", "--help", "--version") for t in argv):
        return argv
    return [*argv, "run"]


def _silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so the interpreter's final flush
    does not complain."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _dispatch(argv: list[str]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(normalize_argv(argv))
    except SystemExit as stop:  # --help, --version, or a usage error argparse reported
        return stop.code if isinstance(stop.code, int) else EXIT_USAGE
    return args.handler(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (the console script exits with it).

    A `BackpropError` (bad preset, data, expression…) is one line on stderr and exit 2;
    a divergence exit 3; ctrl-c exit 130; anything unexpected a short note pointing at
    `--debug`, which re-raises instead."""
    raw = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in raw
    try:
        code = _dispatch(raw)
        sys.stdout.flush()  # a closed pipe shows up here, where it can be handled
        return code
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except DivergedError as err:
        if debug:
            raise
        print(f"{PROG}: {err}", file=sys.stderr)
        return EXIT_DIVERGED
    except BackpropError as err:
        if debug:
            raise
        _error(str(err))
        return EXIT_USAGE
    except KeyboardInterrupt:
        if debug:
            raise
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as err:
        if debug:
            raise
        where = f": {err.filename}" if err.filename else ""
        _error(f"{err.strerror or err}{where}")
        return EXIT_USAGE
    except Exception as err:
        if debug:
            raise
        print(
            f"{PROG}: internal error: {type(err).__name__}: {err}\n"
            f"(run the command again with --debug to see the traceback)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL

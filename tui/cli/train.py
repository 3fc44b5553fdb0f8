"""`backprop-tui train`: train a preset headless, show progress, print a summary or JSON.

With `--json` the trainer's gradient-health bookkeeping measures every epoch
(`core.training.health`), and the document carries its figures per epoch under "health"
and what they warn of at the end under "health_warnings" (`health_document`).

Training runs with BLAS on the dashboard's thread count (`tui.worker.threads`), so the
numbers match the dashboard's to the last bit. When a run stops is decided in one
function, `run_until_stopped`.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from backprop_tui.core.errors import DivergedError
from backprop_tui.core.text import shown
from backprop_tui.tui.cli import report as cf
from backprop_tui.tui.cli.commands import load
from backprop_tui.tui.cli.documents import dump_json, training_document
from backprop_tui.tui.cli.exits import EXIT_DIVERGED, EXIT_INTERRUPTED, EXIT_OK, PROG, one_line
from backprop_tui.tui.cli.progress import reporter_for

if TYPE_CHECKING:
    from backprop_tui.core.training.forensics import DivergenceReport
    from backprop_tui.core.training.health import EpochHealth
    from backprop_tui.core.training.history import EpochRecord
    from backprop_tui.core.training.trainer import Trainer


class DeferredInterrupt(contextlib.AbstractContextManager):
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

    def __enter__(self) -> DeferredInterrupt:
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


def run_until_stopped(
    trainer: Trainer,
    total: int,
    stop_loss: float | None,
    on_epoch: Callable[[EpochRecord], None],
) -> tuple[str, DivergedError | None]:
    """Train until `total` epochs, the stop loss, a divergence or ctrl-c (the one stop
    rule, `core.training.run`); returns why it stopped ("epochs", "stop_loss",
    "diverged", "interrupted") and the divergence. ctrl-c takes effect between two steps."""
    from backprop_tui.core.training.run import Goal, Outcome, train

    with DeferredInterrupt() as interrupt:
        try:
            outcome = train(trainer, Goal(total, stop_loss), on_epoch, lambda: interrupt.requested)
        except KeyboardInterrupt:
            outcome = Outcome("interrupted")
    return outcome.stopped, outcome.diverged


def divergence_line(diverged: DivergedError, forensics: DivergenceReport) -> str:
    """The one line a divergence ends with: when, the first value out of range in the
    failing step replayed, and that the last finite weights were kept."""
    return (
        f"training diverged at epoch {diverged.epoch}, step {diverged.step} "
        f"(loss = {diverged.loss}); {forensics.headline}; the last finite weights were kept"
    )


def _final_line(trainer: Trainer) -> str:
    if not trainer.history:
        return "no epoch finished"
    return "final: " + cf.figures(trainer.history[-1].as_dict())


def health_document(
    document: dict[str, Any], records: list[EpochHealth], trainer: Trainer
) -> dict[str, Any]:
    """`document` with "health" (one flat row per epoch and layer: `EpochHealth.rows`)
    and "health_warnings" (what the newest records warn of, `HealthWarning.as_dict`)
    after its "history", before the weights."""
    out: dict[str, Any] = {}
    for key, value in document.items():
        out[key] = value
        if key == "history":
            out["health"] = [row for record in records for row in record.rows()]
            warnings = trainer.health.warnings() if trainer.health is not None else ()
            out["health_warnings"] = [warning.as_dict() for warning in warnings]
    return out


def cmd_train(args: argparse.Namespace) -> int:
    from backprop_tui.core.config.presets import build_trainer
    from backprop_tui.core.training.health import HealthMonitor
    from backprop_tui.tui.worker.threads import training_threads

    preset = load(args.preset)
    trainer = build_trainer(preset, seed=args.seed)
    total = preset.epochs if args.epochs is None else args.epochs
    seed = preset.seed if args.seed is None else args.seed
    key = shown(preset.key)

    # --json writes every epoch, while the trainer's own history keeps a bounded summary
    # of a long run: the records are kept here as they come.
    records: list[EpochRecord] = []
    health: list[EpochHealth] = []
    if args.json:
        # Every epoch measured (the default spacing keeps the dashboard's steps cheap).
        trainer.health = HealthMonitor(trainer.network, every=1)
    with reporter_for(total, key, args.quiet, args.json) as reporter, training_threads():

        def on_epoch(record: EpochRecord) -> None:
            if args.json:
                records.append(record)
                latest = trainer.health.latest if trainer.health is not None else None
                if latest is not None and latest.epoch == record.epoch:
                    health.append(latest)
            reporter.epoch(record)

        stopped, diverged = run_until_stopped(trainer, total, preset.stop_loss, on_epoch)

    forensics = None
    if diverged is not None:
        from backprop_tui.core.training.forensics import trainer_divergence_report

        forensics = trainer_divergence_report(trainer)
    if args.json:
        document = training_document(
            preset, trainer, seed, total, stopped, diverged, records, forensics
        )
        print(dump_json(health_document(document, health, trainer)))
    else:
        print(
            f"{key}: {cf.plural(trainer.epoch, 'epoch')}, "
            f"{cf.plural(trainer.global_step, 'step')} (seed {seed})"
        )
        print(_final_line(trainer))
        if stopped == "stop_loss":
            print(f"stopped early: train loss reached the preset's stop_loss {preset.stop_loss}")
    if diverged is not None and forensics is not None:
        print(f"{PROG}: {one_line(divergence_line(diverged, forensics))}", file=sys.stderr)
        if not args.json:  # with --json the details are in the document, under "diverged"
            for line in forensics.detail_lines():
                print(f"  {one_line(line)}", file=sys.stderr)
        return EXIT_DIVERGED
    if stopped == "interrupted":
        print(f"{PROG}: interrupted after {cf.plural(trainer.epoch, 'epoch')}", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_OK

"""What the gradient-health bookkeeping costs a training step.

Run by hand:  python bench/bench_health.py [--quick] [--markdown]

Each case times `Trainer.step()` on one trainer in alternating blocks, with its monitor
removed (`trainer.health = None`), with the default monitor (measuring epochs at least
`EVERY` steps apart), and with a monitor measuring every epoch (`HealthMonitor(every=1)`,
what `train --json` uses). One trainer for all three, so they share arrays, caches and
the machine's slow moments; each keeps its fastest block. Blocks are timed in the
process's CPU time (`time.process_time`), with BLAS on one thread as the dashboard and
`train` run it, so other programs on a busy machine disturb the figures less than they
would wall-clock time. "cost" is (with − without) / without. The goal is at most 10 %
on xor and on 784-128-10.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backprop_tui.core.config.presets import build_trainer, load
from backprop_tui.core.data.dataset import Dataset
from backprop_tui.core.nn.init import init_parameters
from backprop_tui.core.nn.losses import get_loss
from backprop_tui.core.nn.network import Network
from backprop_tui.core.nn.optimizers import make_optimizer
from backprop_tui.core.training.health import EVERY, HealthMonitor
from backprop_tui.core.training.trainer import Trainer
from backprop_tui.tui.worker.threads import training_threads
from tables import print_markdown


@dataclass(frozen=True)
class Case:
    label: str
    build: Callable[[], Trainer]


def preset(name: str) -> Callable[[], Trainer]:
    return lambda: build_trainer(load(name))


def mlp(sizes: tuple[int, ...], batch: int, batches: int, dtype: str) -> Callable[[], Trainer]:
    """784-128-10 and the like: relu hidden layers, a linear output, mse, SGD; random
    data of `batches` batches of `batch` rows (the steps of one epoch)."""

    def build() -> Trainer:
        W, b = init_parameters(sizes, "he", seed=0, dtype=np.dtype(dtype).type)
        acts = ["relu"] * (len(sizes) - 2) + ["linear"]
        rng = np.random.default_rng(0)
        X = rng.normal(size=(batch * batches, sizes[0])).astype(dtype)
        Y = rng.normal(size=(batch * batches, sizes[-1])).astype(dtype)
        return Trainer(
            Network(W, b, acts),
            get_loss("mse"),
            make_optimizer("sgd", 1e-3),
            Dataset(X, Y),
            batch_size=batch,
        )

    return build


CASES = [
    Case("xor (2-4-1 tanh, 1 step an epoch)", preset("xor")),
    Case("seed-toy (1-2-1 sigmoid, 1 step an epoch)", preset("seed-toy")),
    Case("spiral (2-32-32-1 relu, 10 steps an epoch)", preset("spiral")),
    Case(
        "784-128-10 relu batch 64 float64, 4 steps an epoch", mlp((784, 128, 10), 64, 4, "float64")
    ),
    Case(
        "784-128-10 relu batch 64 float64, 64 steps an epoch",
        mlp((784, 128, 10), 64, 64, "float64"),
    ),
    Case(
        "784-128-10 relu batch 64 float32, 4 steps an epoch", mlp((784, 128, 10), 64, 4, "float32")
    ),
]


def block_time(step: Callable[[], object], calls: int) -> float:
    start = time.process_time()
    for _ in range(calls):
        step()
    return (time.process_time() - start) / calls


def compare(trainer: Trainer, monitors: list[HealthMonitor | None], budget: float) -> list[float]:
    """Seconds per `trainer.step()` with each of `monitors` in turn (None: without):
    the fastest of alternating blocks."""
    for monitor in monitors:
        trainer.health = monitor
        for _ in range(20):
            trainer.step()
    start, calls = time.perf_counter(), 0
    while time.perf_counter() - start < 0.05:
        trainer.step()
        calls += 1
    # Whole cycles of measured and unmeasured epochs (16 one-step epochs, four of four
    # steps, one of 64) in every block, so each block pays its share of the measuring.
    per_block = -(-max(calls, 5) // 64) * 64
    best = [float("inf")] * len(monitors)
    deadline = time.perf_counter() + budget
    rounds = 0
    while time.perf_counter() < deadline or rounds < 5:
        for k, monitor in enumerate(monitors):
            trainer.health = monitor
            best[k] = min(best[k], block_time(trainer.step, per_block))
        rounds += 1
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter timing budgets")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args(argv)
    budget = 1.0 if args.quick else 4.0
    header = ["case", "without µs/step", "with µs/step", "cost", "every epoch µs/step", "cost"]
    rows = []
    print(f"health measured on epochs at least {EVERY} steps apart (default), or every epoch")
    for case in CASES:
        trainer = case.build()
        monitors = [None, HealthMonitor(trainer.network), HealthMonitor(trainer.network, every=1)]
        with training_threads():
            without, with_, every = compare(trainer, monitors, budget)
        rows.append(
            [
                case.label,
                f"{without * 1e6:,.1f}",
                f"{with_ * 1e6:,.1f}",
                f"{(with_ - without) / without:+.1%}",
                f"{every * 1e6:,.1f}",
                f"{(every - without) / without:+.1%}",
            ]
        )
        print("  ".join(rows[-1]), flush=True)
    if args.markdown:
        print_markdown(header, rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

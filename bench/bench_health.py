"""What the gradient-health bookkeeping costs a training step.

Run by hand:  python bench/bench_health.py [--quick] [--markdown]

Each case builds two trainers that differ only in `watch_health` and times
`Trainer.step()` on both, in alternating blocks (so a slow moment of the machine hits
both sides), keeping each side's fastest block. "cost" is (with − without) / without.
The "every epoch" column times a third trainer whose monitor measures every epoch
(`HealthMonitor(every=1)`): the bookkeeping's cost before its spacing of `EVERY` steps.
The goal is at most 10 % on xor and on 784-128-10.
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


@dataclass(frozen=True)
class Case:
    label: str
    build: Callable[[bool], Trainer]


def preset(name: str) -> Callable[[bool], Trainer]:
    def build(watch: bool) -> Trainer:
        trainer = build_trainer(load(name))
        if not watch:
            trainer.health = None
        return trainer

    return build


def mlp(sizes: tuple[int, ...], batch: int, batches: int, dtype: str) -> Callable[[bool], Trainer]:
    """784-128-10 and the like: relu hidden layers, a linear output, mse, SGD; random
    data of `batches` batches of `batch` rows (the steps of one epoch)."""

    def build(watch: bool) -> Trainer:
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
            watch_health=watch,
        )

    return build


CASES = [
    Case("xor (2-4-1, 1 step an epoch)", preset("xor")),
    Case("seed-toy (1-2-1, 1 step an epoch)", preset("seed-toy")),
    Case("spiral (2-32-32-1 relu, 10 steps an epoch)", preset("spiral")),
    Case("784-128-10 batch 64 float64, 4 steps an epoch", mlp((784, 128, 10), 64, 4, "float64")),
    Case("784-128-10 batch 64 float64, 64 steps an epoch", mlp((784, 128, 10), 64, 64, "float64")),
    Case("784-128-10 batch 64 float32, 4 steps an epoch", mlp((784, 128, 10), 64, 4, "float32")),
]


def every_epoch(build: Callable[[bool], Trainer]) -> Trainer:
    trainer = build(True)
    trainer.health = HealthMonitor(trainer.network, every=1)
    return trainer


def block_time(step: Callable[[], object], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        step()
    return (time.perf_counter() - start) / calls


def compare(steps: list[Callable[[], object]], budget: float) -> list[float]:
    """Seconds per call of each step function: the fastest of alternating blocks."""
    for step in steps:
        for _ in range(20):
            step()
    start, calls = time.perf_counter(), 0
    while time.perf_counter() - start < 0.05:
        steps[0]()
        calls += 1
    per_block = max(calls, 5)
    best = [float("inf")] * len(steps)
    deadline = time.perf_counter() + budget
    rounds = 0
    while time.perf_counter() < deadline or rounds < 5:
        for k, step in enumerate(steps):
            best[k] = min(best[k], block_time(step, per_block))
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
        trainers = [case.build(False), case.build(True), every_epoch(case.build)]
        without, with_, every = compare([t.step for t in trainers], budget)
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
        print()
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for row in rows:
            print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""How long checking one typed answer takes on a 784-128-10 network (the goal: under 50 ms).

Run by hand:  python bench/bench_check.py [--repeat 7] [--batch 64]

"Checking" is what a quiz does per answer, `core.learn.assess`: read the typed text,
grade every cell, and (for an answer that is not right) compare it with every catalogue
mistake at that phase. The largest phase is ∂L/∂W(1), 128 × 784 = 100 352 numbers. Each
case is timed on a right answer, on a named mistake's numbers and on numbers that are
wrong for no named reason; the figure is the fastest of `--repeat` runs (the least
disturbed, as `timeit` advises). Writing the text is not timed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backprop_tui.core.learn import PhaseKey, assess, get_mistake, phase_value
from backprop_tui.core.nn.init import init_parameters
from backprop_tui.core.nn.network import Network
from backprop_tui.core.nn.optimizers import make_optimizer
from backprop_tui.core.trace.record import trace_step

GOAL_MS = 50.0

CASES = [
    ("∂L/∂W(1)", PhaseKey("grad_W", 1), "missing-batch-mean"),
    ("W(1) update", PhaseKey("update_W", 1), "update-sign"),
    ("δ(1)", PhaseKey("delta_hidden", 1), "missing-activation-derivative"),
    ("∂L/∂W(2)", PhaseKey("grad_W", 2), "missing-batch-mean"),
]


def text(values: np.ndarray) -> str:
    return " ".join(f"{v:.5e}" for v in np.asarray(values).ravel())


def fastest(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    W, b = init_parameters([784, 128, 10], "he", 0)
    net = Network(W, b, ["relu", "softmax"])
    x = rng.uniform(size=(args.batch, 784))
    y = np.eye(10)[rng.integers(0, 10, size=args.batch)]
    trace = trace_step(net, "cross_entropy", make_optimizer("sgd", 0.1), x, y)

    print(f"784-128-10, batch {args.batch}, fastest of {args.repeat} (ms per answer)\n")
    print("| phase | numbers | right | named mistake | wrong, unnamed |")
    print("|---|---|---|---|---|")
    worst = 0.0
    for label, key, name in CASES:
        right = phase_value(trace, key)
        answers = {
            "right": text(right),
            "named": text(get_mistake(name).value(trace, key)),
            "wrong": text(right + 1.0),
        }
        results = {kind: assess(trace, key, typed) for kind, typed in answers.items()}
        assert results["right"].grade == "correct"
        assert name in results["named"].names, (label, results["named"].names)
        assert results["wrong"].grade == "wrong" and not results["wrong"].names
        times = {
            kind: fastest(lambda typed=typed, key=key: assess(trace, key, typed), args.repeat)
            for kind, typed in answers.items()
        }
        worst = max(worst, *times.values())
        print(
            f"| {label} | {right.size:,} | {times['right']:.1f} | {times['named']:.1f} "
            f"| {times['wrong']:.1f} |"
        )
    verdict = "under" if worst < GOAL_MS else "OVER"
    print(f"\nslowest: {worst:.1f} ms, {verdict} the {GOAL_MS:.0f} ms goal")


if __name__ == "__main__":
    main()

"""What bench_check.py and bench_predict.py share: a traced step of a 784-128-10 network,
the phases timed with a mistake of each, the three kinds of answer typed at each, and the
table they print. `run(time_answer)` does it all; `time_answer(trace, key, typed)` gives
the milliseconds one way of checking takes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backprop_tui.core.learn import PhaseKey, get_mistake, phase_value
from backprop_tui.core.nn.init import init_parameters
from backprop_tui.core.nn.network import Network
from backprop_tui.core.nn.optimizers import make_optimizer
from backprop_tui.core.trace.record import StepTrace, trace_step

GOAL_MS = 50.0

CASES = [
    ("∂L/∂W(1)", PhaseKey("grad_W", 1), "missing-batch-mean"),
    ("W(1) update", PhaseKey("update_W", 1), "update-sign"),
    ("δ(1)", PhaseKey("delta_hidden", 1), "missing-activation-derivative"),
    ("∂L/∂W(2)", PhaseKey("grad_W", 2), "missing-batch-mean"),
]

TimeAnswer = Callable[[StepTrace, PhaseKey, str, int], float]
Verify = Callable[[StepTrace, PhaseKey, str, dict[str, str]], None]


def text(values: np.ndarray) -> str:
    """The numbers as a person would type them, to 6 significant digits."""
    return " ".join(f"{v:.5e}" for v in np.asarray(values).ravel())


def traced_step(batch: int) -> StepTrace:
    """One step of a he-initialized 784-128-10 relu/softmax network on `batch` rows."""
    rng = np.random.default_rng(0)
    W, b = init_parameters([784, 128, 10], "he", 0)
    net = Network(W, b, ["relu", "softmax"])
    x = rng.uniform(size=(batch, 784))
    y = np.eye(10)[rng.integers(0, 10, size=batch)]
    return trace_step(net, "cross_entropy", make_optimizer("sgd", 0.1), x, y)


def run(description: str, time_answer: TimeAnswer, verify: Verify | None = None) -> None:
    """Parse --repeat and --batch, time every case's three answers with `time_answer`
    (milliseconds, the fastest of `repeat`), print the table and the verdict. `verify`
    (trace, key, mistake name, answers by kind) checks the answers are graded as meant
    before they are timed."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args()
    trace = traced_step(args.batch)

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
        if verify is not None:
            verify(trace, key, name, answers)
        times = {
            kind: time_answer(trace, key, typed, args.repeat) for kind, typed in answers.items()
        }
        worst = max(worst, *times.values())
        print(
            f"| {label} | {right.size:,} | {times['right']:.1f} | {times['named']:.1f} "
            f"| {times['wrong']:.1f} |"
        )
    verdict = "under" if worst < GOAL_MS else "OVER"
    print(f"\nslowest: {worst:.1f} ms, {verdict} the {GOAL_MS:.0f} ms goal")

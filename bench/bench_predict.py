"""How long predict mode takes to check one answer on a 784-128-10 network (the goal:
under 50 ms), from enter to the feedback's text.

Run by hand:  python bench/bench_predict.py [--repeat 7] [--batch 64]

Per answer the step-through's predict mode (tui/screens/predict.py) calls `Quiz.answer`
(read the text, grade every cell, match the catalogue mistakes) and builds the feedback
(`predict_panel.feedback`: the grade, the mistake's words, the wrong cells marked and
named). Both are timed here, for the largest phases, on a right answer, on a named
mistake's numbers and on numbers wrong for no named reason: each a fresh two-try quiz at
level "all" moved to that phase. The figure is the fastest of `--repeat` runs (the least
disturbed, as `timeit` advises). Redrawing the screen is not timed: it is the same
redraw as moving to a phase (`→`). The bench_check.py figures are `assess` alone.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backprop_tui.core.learn import PhaseKey, Quiz, get_mistake, phase_value
from backprop_tui.core.nn.init import init_parameters
from backprop_tui.core.nn.network import Network
from backprop_tui.core.nn.optimizers import make_optimizer
from backprop_tui.core.trace.record import trace_step
from backprop_tui.tui.widgets.predict_panel import feedback

GOAL_MS = 50.0

CASES = [
    ("∂L/∂W(1)", PhaseKey("grad_W", 1), "missing-batch-mean"),
    ("W(1) update", PhaseKey("update_W", 1), "update-sign"),
    ("δ(1)", PhaseKey("delta_hidden", 1), "missing-activation-derivative"),
]


def text(values: np.ndarray) -> str:
    return " ".join(f"{v:.5e}" for v in np.asarray(values).ravel())


def quiz_at(trace, key: PhaseKey) -> Quiz:
    """A two-try quiz over every phase, the phases before `key` shown."""
    quiz = Quiz(trace, "all", tries=2)
    position = trace.phase_index(key.kind, key.layer)
    while quiz.current != position:
        quiz.reveal()
    return quiz


def check_once(trace, key: PhaseKey, typed: str) -> float:
    quiz = quiz_at(trace, key)
    start = time.perf_counter()
    result = quiz.answer(typed)
    feedback(trace, result, quiz.tries_left)
    return time.perf_counter() - start


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
        times = {
            kind: 1e3 * min(check_once(trace, key, typed) for _ in range(args.repeat))
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

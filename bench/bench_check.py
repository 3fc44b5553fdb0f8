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

import time

from answers import run
from backprop_tui.core.learn import PhaseKey, assess
from backprop_tui.core.trace.record import StepTrace


def graded_as_meant(trace: StepTrace, key: PhaseKey, name: str, answers: dict[str, str]) -> None:
    """The right answer is correct, the mistake's numbers are named, the others are not."""
    results = {kind: assess(trace, key, typed) for kind, typed in answers.items()}
    assert results["right"].grade == "correct"
    assert name in results["named"].names, (key, results["named"].names)
    assert results["wrong"].grade == "wrong" and not results["wrong"].names


def time_assess(trace: StepTrace, key: PhaseKey, typed: str, repeat: int) -> float:
    """Milliseconds `assess` takes on `typed`, the fastest of `repeat` runs."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        assess(trace, key, typed)
        best = min(best, time.perf_counter() - start)
    return best * 1e3


if __name__ == "__main__":
    run(__doc__.splitlines()[0], time_assess, graded_as_meant)

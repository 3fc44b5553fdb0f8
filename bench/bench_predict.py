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

import time

from answers import run
from backprop_tui.core.learn import PhaseKey, Quiz
from backprop_tui.core.trace.record import StepTrace
from backprop_tui.tui.widgets.predict_panel import feedback


def quiz_at(trace: StepTrace, key: PhaseKey) -> Quiz:
    """A two-try quiz over every phase, the phases before `key` shown."""
    quiz = Quiz(trace, "all", tries=2)
    position = trace.phase_index(key.kind, key.layer)
    while quiz.current != position:
        quiz.reveal()
    return quiz


def check_once(trace: StepTrace, key: PhaseKey, typed: str) -> float:
    quiz = quiz_at(trace, key)
    start = time.perf_counter()
    result = quiz.answer(typed)
    feedback(trace, result, quiz.tries_left)
    return time.perf_counter() - start


def time_check(trace: StepTrace, key: PhaseKey, typed: str, repeat: int) -> float:
    """Milliseconds from enter to the feedback's text, the fastest of `repeat` runs."""
    return 1e3 * min(check_once(trace, key, typed) for _ in range(repeat))


if __name__ == "__main__":
    run(__doc__.splitlines()[0], time_check)

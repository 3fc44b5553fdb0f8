"""A quiz session: the levels that choose the phases, tries, reveal, stop, the summary and
its Markdown; and what a phase asks for (its value, inputs, count and cell names)."""

import numpy as np
import pytest
from backprop_tui.core.errors import BackpropError
from backprop_tui.core.learn import (
    LEVELS,
    AnswerError,
    PhaseKey,
    Quiz,
    QuizError,
    asked_phases,
    cell_label,
    count_text,
    phase_inputs,
    phase_value,
)
from backprop_tui.core.nn.network import Network
from backprop_tui.core.nn.optimizers import make_optimizer
from backprop_tui.core.trace.record import trace_step


def batch_trace(optimizer="sgd"):
    rng = np.random.default_rng(5)
    net = Network(
        [rng.normal(size=(12, 3)), rng.normal(size=(2, 12))],
        [rng.normal(size=12), rng.normal(size=2)],
        ["tanh", "sigmoid"],
    )
    x, y = rng.normal(size=(4, 3)), rng.uniform(size=(4, 2))
    return trace_step(net, "mse", make_optimizer(optimizer, 0.1), x, y)


def right_text(trace, position):
    return " ".join(f"{v:.6e}" for v in phase_value(trace, position).ravel())


@pytest.mark.parametrize(
    ("level", "count"), [("updates", 4), ("gradients", 8), ("backward", 10), ("all", 15)]
)
def test_each_level_asks_its_phases_of_the_toy_example(level, count, seed_toy_trace):
    trace = seed_toy_trace()
    asked = asked_phases(trace, level)
    assert len(asked) == count
    assert asked == tuple(sorted(asked))
    assert asked[-1] == len(trace.phases) - 1  # every level ends with the last update
    assert {trace.phases[i].kind for i in asked} <= set(LEVELS[level])


def test_an_unknown_level_is_refused_with_the_levels_known(seed_toy_trace):
    with pytest.raises(BackpropError, match=r"unknown level 'update'.*did you mean 'updates'"):
        Quiz(seed_toy_trace(), "update")


def test_the_default_level_is_the_backward_pass(seed_toy_trace):
    quiz = Quiz(seed_toy_trace())
    assert quiz.level == "backward" and quiz.phase.symbol == "δ(2)"


def test_answering_every_phase_right_counts_every_phase_right_first_time(seed_toy_trace):
    trace = seed_toy_trace()
    quiz = Quiz(trace, "all")
    while not quiz.finished:
        assert quiz.answer(right_text(trace, quiz.current)).grade == "correct"
    summary = quiz.summary()
    assert summary.tally() == "15/15 right first time"
    assert summary.mistakes == {}


def test_a_wrong_try_keeps_the_phase_while_tries_are_left(seed_toy_trace):
    trace = seed_toy_trace()
    quiz = Quiz(trace, "backward", tries=2)
    first = quiz.answer("0.0557")  # δ(2): not a mistake's value, just wrong
    assert first.grade == "wrong" and quiz.current == 5 and quiz.tries_left == 1
    quiz.answer("0.1391")
    assert quiz.current == 6
    (item, *_) = quiz.summary().items
    assert item.outcome == "correct" and not item.right_first_time
    assert [t.grade for t in item.tries] == ["wrong", "correct"]


def test_with_one_try_a_wrong_answer_moves_on_and_names_its_mistake(seed_toy_trace):
    quiz = Quiz(seed_toy_trace(), "backward")
    quiz.answer("0.139")
    result = quiz.answer("0.0557 0.0626")
    assert result.names == ("missing-activation-derivative",)
    assert quiz.phase.symbol == "∂L/∂W(2)"
    summary = quiz.summary()
    assert list(summary.mistakes) == ["missing-activation-derivative"]
    assert summary.tally() == "1/10 right first time"


def test_a_close_answer_ends_the_phase_but_is_not_right_first_time(seed_toy_trace):
    quiz = Quiz(seed_toy_trace(), "backward", tries=2)
    assert quiz.answer("0.14").grade == "close"
    assert quiz.question == 2
    assert not quiz.summary().items[0].right_first_time


def test_reveal_shows_the_phase_and_counts_it_not_right(seed_toy_trace):
    quiz = Quiz(seed_toy_trace(), "updates")
    phase = quiz.reveal()
    assert phase.symbol == "W(2)" and phase.result == "[[0.3567, 0.4051]]"
    item = quiz.summary().items[0]
    assert item.outcome == "revealed" and not item.right_first_time


def test_stopping_leaves_the_rest_not_answered(seed_toy_trace):
    quiz = Quiz(seed_toy_trace(), "updates")
    quiz.answer("0.3567 0.4051")
    quiz.stop()
    summary = quiz.summary()
    assert quiz.finished and summary.not_answered == 3
    assert summary.tally() == "1/4 right first time"
    with pytest.raises(QuizError, match="the quiz is over"):
        quiz.answer("1")


def test_an_unreadable_answer_is_not_a_try_unless_asked_to_count_it(seed_toy_trace):
    quiz = Quiz(seed_toy_trace(), "updates", tries=1)
    with pytest.raises(AnswerError, match="expected 2 numbers"):
        quiz.answer("0.3567")
    assert quiz.question == 1
    result = quiz.answer("0.3567", unreadable_is_wrong=True)
    assert result.grade == "wrong" and result.verdict is None
    assert result.problem == "expected 2 numbers, got 1"
    assert quiz.question == 2


def test_the_markdown_puts_answers_beside_the_right_ones_and_names_the_mistakes(seed_toy_trace):
    quiz = Quiz(seed_toy_trace(), "backward")
    quiz.answer("0.139")
    quiz.answer("0.0557 0.0626")
    quiz.reveal()
    quiz.answer("0.5 | <b>`x`</b>", unreadable_is_wrong=True)
    quiz.stop()
    text = quiz.summary().to_markdown()
    assert text.startswith("# Quiz: one training step of a 1-2-1 network\n")
    assert "- Right first time: 1/10" in text
    assert "| 6 | δ(2) | 0.139 | `δ(2) = 0.1391` | ✓ | correct |" in text
    assert "| 7 | δ(1) | 0.0557 0.0626 | `δ(1) = [0.0131, 0.0143]` |  | wrong: " in text
    assert "| 8 | ∂L/∂W(2) | shown |" in text
    assert "\\| \\<b\\>\\`x\\`\\</b\\>" in text  # typed markup is inert
    assert "| 12 | W(2) | — |" in text and "not answered" in text
    assert (
        "- **missing-activation-derivative** at δ(1) (phase 7): this is (W(2)ᵀ δ(2)) "
        "without ⊙ σ'(z(1)): the activation's slope is missing. The equation: "
        "`δ(1) = (W(2)ᵀ δ(2)) ⊙ σ'(z(1))`" in text
    )


def test_a_phases_inputs_are_what_its_equation_reads_and_never_its_result(seed_toy_trace):
    trace = seed_toy_trace()
    names = {(p.kind, p.layer): [i.name for i in phase_inputs(trace, p)] for p in trace.phases}
    assert names[("forward_z", 1)] == ["x", "W(1)", "b(1)"]
    assert names[("delta_output", 2)] == ["ŷ", "y", "z(2)"]
    assert names[("delta_hidden", 1)] == ["W(2)", "δ(2)", "z(1)", "a(1)"]
    assert names[("grad_W", 1)] == ["δ(1)", "x"]
    assert names[("update_W", 2)] == ["W(2)", "∂L/∂W(2)", "η"]


def test_an_optimizer_with_state_shows_its_state_before_the_step():
    trace = batch_trace("momentum")
    names = [i.name for i in phase_inputs(trace, PhaseKey("update_W", 1))]
    assert names == ["W(1)", "∂L/∂W(1)", "η"]  # the first step has no v before it


def test_a_phase_value_keeps_the_traces_layout():
    trace = batch_trace()
    assert phase_value(trace, PhaseKey("forward_z", 1)).shape == (4, 12)
    assert phase_value(trace, PhaseKey("grad_W", 1)).shape == (12, 3)
    assert phase_value(trace, PhaseKey("update_b", 2)).shape == (2,)
    assert phase_value(trace, PhaseKey("loss")).shape == ()


def test_the_count_says_how_many_numbers_and_in_what_order(seed_toy_trace):
    toy, batch = seed_toy_trace(), batch_trace()
    assert count_text(toy, PhaseKey("delta_output", 2)) == "1 number"
    assert count_text(toy, PhaseKey("delta_hidden", 1)) == "2 numbers"
    assert count_text(toy, PhaseKey("grad_W", 2)) == "2 numbers: 1 × 2"
    assert count_text(batch, PhaseKey("grad_W", 1)) == "36 numbers: 12 × 3, row by row"
    assert count_text(batch, PhaseKey("forward_a", 2)) == (
        "8 numbers: 4 samples × 2 units, one sample's row after another"
    )


def test_cells_are_named_from_one_as_the_trace_names_them(seed_toy_trace):
    toy, batch = seed_toy_trace(), batch_trace()
    assert cell_label(toy, PhaseKey("delta_hidden", 1), (0, 1)) == "δ(1)₂"
    assert cell_label(toy, PhaseKey("grad_W", 2), (0, 1)) == "∂L/∂W(2)₁₂"
    assert cell_label(toy, PhaseKey("update_b", 2), (0,)) == "b(2)"
    assert cell_label(toy, 5, (0, 0)) == "δ(2)"
    assert cell_label(batch, PhaseKey("forward_z", 1), (1, 0)) == "z(1)₁ of sample 2"
    assert cell_label(batch, PhaseKey("grad_W", 1), (11, 2)) == "∂L/∂W(1)₁₂,₃"

"""`backprop-tui quiz` through the real entry point, answers on standard input."""

import re
import subprocess
import sys

import pytest
from backprop_tui.core.config.presets import build_trainer, load
from backprop_tui.core.learn import asked_phases, phase_value
from backprop_tui.core.trace.record import trace_trainer
from cli_support import run_cli

VERDICT = re.compile(r"^(correct|close|wrong|wrong \(shown, not answered\)): ")


def right_answers(level="backward", preset="seed-toy"):
    """The asked phases' values as a learner would type them (four decimals as the
    trace prints them would do; six significant digits are surer)."""
    trace = trace_trainer(build_trainer(load(preset)))
    return [
        " ".join(f"{v:.6g}" for v in phase_value(trace, i).ravel())
        for i in asked_phases(trace, level)
    ]


def quiz(*args, answers=(), raw=None):
    stdin = raw if raw is not None else "".join(f"{a}\n" for a in answers)
    return run_cli("quiz", *args, input=stdin)


def verdicts(out: str) -> list[str]:
    return [line for line in out.splitlines() if VERDICT.match(line)]


def test_every_answer_right_is_every_phase_right_first_time():
    result = quiz("seed-toy", answers=right_answers())
    assert result.returncode == 0, result.stderr
    lines = verdicts(result.stdout)
    assert len(lines) == 10 and all(line.startswith("correct: ") for line in lines)
    assert lines[0] == "correct: δ(2) = 0.1391"
    assert result.stdout.splitlines()[-1] == "10/10 right first time"
    assert result.stderr == ""


def test_each_asked_phase_shows_its_equation_and_inputs_but_not_its_result():
    out = quiz("seed-toy", answers=[""]).stdout
    question = out[out.index("6. δ(2)") : out.index("> ")]
    assert "δ(2) = (ŷ − y) ⊙ σ'(z(2))" in question
    assert "ŷ = 0.7576" in question and "z(2) = 1.1395" in question
    assert "δ(2) = ?   (1 number)" in question
    assert "0.1391" not in question
    assert "  5. L = 0.2870" in out  # phases not asked are shown worked


def test_a_rounded_answer_is_close():
    answers = right_answers()
    answers[0] = "0.14"
    lines = verdicts(quiz("seed-toy", answers=answers).stdout)
    assert lines[0] == "close: δ(2) = 0.1391 (within 1 %: type at least three significant digits)"


def test_a_wrong_answer_shows_the_right_value_and_the_cells_off():
    answers = right_answers()
    answers[1] = "0.0131 0.9"
    out = quiz("seed-toy", answers=answers).stdout
    (line,) = [v for v in verdicts(out) if v.startswith("wrong")]
    assert line == "wrong: δ(1) = [0.0131, 0.0143]; yours is off at δ(1)₂"
    assert "    δ(1)₂ = (0.45 · 0.1391) · 0.2288 = 0.0143" in out
    assert out.splitlines()[-1] == "9/10 right first time"


def test_a_wrong_answer_that_a_classic_mistake_gives_is_named():
    answers = right_answers()
    answers[1] = "0.0557 0.0626"
    answers[6] = "0.4433, 0.4949"
    out = quiz("seed-toy", answers=answers).stdout
    wrong = [v for v in verdicts(out) if v.startswith("wrong")]
    assert wrong[0].endswith("; yours is off at δ(1)₁, δ(1)₂ [missing-activation-derivative]")
    assert wrong[1].startswith("wrong: W(2) ← [[0.3567, 0.4051]]")
    assert wrong[1].endswith("[update-sign]")
    assert (
        "    missing-activation-derivative: this is (W(2)ᵀ δ(2)) without ⊙ σ'(z(1)): the "
        "activation's slope is missing; the equation is δ(1) = (W(2)ᵀ δ(2)) ⊙ σ'(z(1))"
    ) in out
    assert "mistakes named: missing-activation-derivative (δ(1)), update-sign (W(2))" in out
    assert out.splitlines()[-1] == "8/10 right first time"


def test_an_empty_line_reveals_the_answer_and_counts_not_right():
    answers = right_answers()
    answers[2] = ""
    out = quiz("seed-toy", answers=answers).stdout
    assert "wrong (shown, not answered): ∂L/∂W(2) = [[0.0866, 0.0898]]" in verdicts(out)
    assert "    ∂L/∂W(2)₁₂ = 0.1391 · 0.6457 = 0.0898" in out
    assert out.splitlines()[-1] == "9/10 right first time"


def test_an_answer_that_is_not_numbers_is_wrong_and_says_why():
    answers = right_answers()
    answers[0], answers[1] = "abc", "1 2 3"
    lines = verdicts(quiz("seed-toy", answers=answers).stdout)
    assert lines[0] == "wrong: δ(2) = 0.1391; 'abc' (number 1) is not a number"
    assert lines[1] == "wrong: δ(1) = [0.0131, 0.0143]; expected 2 numbers, got 3"


def test_the_end_of_input_ends_the_quiz_cleanly():
    result = quiz("seed-toy", answers=right_answers()[:2])
    assert result.returncode == 0 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert "no more answers: 8 phases not answered" in lines
    assert lines[-1] == "2/10 right first time"
    assert len(verdicts(result.stdout)) == 2


@pytest.mark.parametrize(
    ("level", "count"), [("updates", 4), ("gradients", 8), ("backward", 10), ("all", 15)]
)
def test_each_level_asks_its_count_of_phases(level, count):
    result = quiz("seed-toy", "--ask", level, answers=right_answers(level))
    assert result.returncode == 0, result.stderr
    assert len(verdicts(result.stdout)) == count
    assert f"(question {count} of {count})" in result.stdout
    assert result.stdout.splitlines()[-1] == f"{count}/{count} right first time"


def test_a_sample_of_a_batch_preset_is_quizzed_on_that_row():
    result = quiz("xor", "--sample", "2", "--ask", "updates", raw="")
    assert result.returncode == 0, result.stderr
    assert "training row 2" in result.stdout
    assert result.stdout.splitlines()[-1] == "0/4 right first time"


def test_a_bad_preset_or_sample_is_exit_2_with_one_line():
    for args in (["no-such-preset"], ["seed-toy", "--sample", "9"]):
        result = quiz(*args, raw="")
        assert result.returncode == 2
        assert result.stderr.startswith("backprop-tui: error: ")
        assert result.stderr.count("\n") == 1 and result.stdout == ""


def test_an_unknown_level_is_a_usage_error():
    result = quiz("seed-toy", "--ask", "some", raw="")
    assert result.returncode == 2 and "invalid choice: 'some'" in result.stderr


def test_typed_text_is_echoed_safely():
    result = quiz("seed-toy", "--ask", "updates", raw="\x1b]0;pwned\x07 1\n")
    assert "\x1b" not in result.stdout and "\\x1b]0;pwned\\x07 1" in result.stdout


def test_bytes_that_are_not_utf8_are_a_wrong_answer_not_a_crash(repo_root):
    result = subprocess.run(
        [sys.executable, "-m", "backprop_tui.tui", "quiz", "seed-toy", "--ask", "updates"],
        input=b"\xff\xfe\n",
        capture_output=True,
        cwd=repo_root,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert "wrong: W(2) ← [[0.3567, 0.4051]]; '\ufffd\ufffd' (number 1) is not a number" in out


def test_markdown_writes_the_answers_beside_the_right_ones(tmp_path):
    target = tmp_path / "answers.md"
    answers = right_answers("updates")
    answers[0] = "0.4433 0.4949"
    result = quiz("seed-toy", "--ask", "updates", "--markdown", str(target), answers=answers)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-2] == f"wrote your answers to {target}" and lines[-1] == "3/4 right first time"
    text = target.read_text(encoding="utf-8")
    assert (
        "| 12 | W(2) | 0.4433 0.4949 | `W(2) ← [[0.3567, 0.4051]]` |  | wrong: update-sign |"
        in text
    )
    assert "- Right first time: 3/4" in text


def test_markdown_into_a_missing_folder_is_refused_before_the_first_question(tmp_path):
    result = quiz("seed-toy", "--markdown", str(tmp_path / "no" / "a.md"), raw="0.139\n")
    assert result.returncode == 2 and "folder does not exist" in result.stderr
    assert result.stdout == ""


def test_the_help_lists_the_quiz_command():
    assert "quiz" in run_cli("--help").stdout
    out = run_cli("quiz", "--help").stdout
    assert "--ask {updates,gradients,backward,all}" in out and "--markdown FILE" in out

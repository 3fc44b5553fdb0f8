"""`backprop-tui lessons` and `backprop-tui lesson`, through the real entry point: the list,
a lesson checked, and a bad name or file as one line and exit code 2 before any TUI."""

from __future__ import annotations

import textwrap

from cli_support import run_cli


def one_line_error(result) -> str:
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith("backprop-tui: error: ") and result.stderr.count("\n") == 1
    return result.stderr


def test_lessons_lists_each_shipped_lesson_with_its_title_and_steps():
    result = run_cli("lessons")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["lesson", "title", "steps"]
    assert lines[1].startswith("worked-example") and lines[1].endswith("6")
    assert "Why XOR needs a hidden layer" in lines[2] and lines[2].endswith("3")
    assert "Learning rate: too small, right, too big" in lines[3]


def test_lesson_check_validates_a_shipped_lesson_and_lists_its_steps():
    result = run_cli("lesson", "learning-rate", "--check")
    assert result.returncode == 0, result.stderr
    assert "3. Too big · seed-scalar · Change η to η ≥ 0.6, then train until the loss" in (
        result.stdout
    )
    assert "4. What to do about it · (current network)" in result.stdout
    assert result.stdout.rstrip().endswith("ok: the lesson is valid (4 steps)")


def test_a_misspelt_lesson_is_one_line_with_a_did_you_mean():
    err = one_line_error(run_cli("lesson", "worked-exampel"))
    assert "did you mean 'worked-example'" in err and "shipped lessons:" in err


def test_a_lesson_file_with_a_misspelt_key_names_the_file_line_and_key(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(
        textwrap.dedent(
            """\
            title = "Mine"

            [[step]]
            preset = "xor"
            text = "Train it."
            [step.task]
            kind = "train"
            loss_belwo = 0.1
            """
        ),
        encoding="utf-8",
    )
    err = one_line_error(run_cli("lesson", str(path)))
    assert f"{path}, line 6: [[step]] 1 task.loss_belwo" in err
    assert "did you mean 'loss_below'" in err


def test_a_lesson_path_that_does_not_exist_is_one_line(tmp_path):
    err = one_line_error(run_cli("lesson", str(tmp_path / "nothing.toml")))
    assert "no such file" in err


def test_the_help_lists_the_lesson_commands():
    result = run_cli("--help")
    assert "lessons" in result.stdout and "lesson worked-example" in result.stdout

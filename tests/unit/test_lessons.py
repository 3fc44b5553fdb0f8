"""Lesson files: the shipped lessons load and name presets that load; a bad file is a
LessonError naming the file, the line of the step and the key, with a "did you mean";
only regular files within the size limit are read."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from backprop_tui.core.config.presets import load as load_preset
from backprop_tui.core.lessons import (
    SHIPPED,
    HuntTask,
    LearningRateTask,
    LessonError,
    PredictTask,
    TrainTask,
    list_lessons,
    load,
    parse,
    shipped_names,
    task_words,
)
from backprop_tui.core.lessons import files as lesson_files

GOOD = """\
title = "A lesson"
description = "What it teaches."

[[step]]
title = "First"
preset = "xor"
text = "Some *Markdown*."

[[step]]
text = "Go on."
[step.task]
kind = "train"
loss_below = 0.05
"""


def write(tmp_path: Path, text: str, name: str = "lesson.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str) -> LessonError:
    with pytest.raises(LessonError) as caught:
        load(write(tmp_path, text))
    return caught.value


# -- the shipped lessons ------------------------------------------------------------------


def test_the_three_shipped_lessons_are_listed_in_teaching_order_with_their_steps():
    summaries = list_lessons()
    assert [s.key for s in summaries] == list(SHIPPED) == shipped_names()
    titles = {s.key: s.title for s in summaries}
    assert titles["worked-example"] == "The notes' worked example by hand"
    assert titles["xor-hidden-layer"] == "Why XOR needs a hidden layer"
    assert titles["learning-rate"] == "Learning rate: too small, right, too big"
    assert all(s.steps >= 3 for s in summaries)


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_lesson_loads_and_every_preset_it_names_loads(name):
    lesson = load(name)
    assert lesson.key == name and lesson.steps[0].preset is not None
    for step in lesson.steps:
        assert step.text.strip()
        if step.preset is not None:
            load_preset(step.preset)


def test_the_worked_example_predicts_every_level_fading_from_the_updates_back():
    levels = [s.task.level for s in load("worked-example").steps if isinstance(s.task, PredictTask)]
    assert levels == ["updates", "gradients", "backward", "all"]
    assert {s.preset for s in load("worked-example").steps} == {"seed-toy"}


def test_the_worked_example_names_the_notes_slips_with_the_right_numbers():
    text = "\n".join(s.text for s in load("worked-example").steps)
    for printed, right in (("1.105", "1.1395"), ("0.751", "0.7576"), ("0.282", "0.2870")):
        assert printed in text and right in text
    assert "[0.37, 0.42]" in text and "0.3567" in text and "0.4051" in text


def test_the_xor_lesson_fails_without_a_hidden_layer_then_learns_with_one():
    steps = load("xor-hidden-layer").steps
    assert load_preset(steps[0].preset).sizes == (2, 1)
    assert load_preset(steps[1].preset).sizes == (2, 4, 1)
    assert isinstance(steps[1].task, TrainTask) and steps[1].task.loss_below == 0.05


def test_the_learning_rate_lesson_ends_in_a_divergence_and_its_cure():
    steps = load("learning-rate").steps
    tasks = [s.task for s in steps]
    assert isinstance(tasks[0], LearningRateTask) and tasks[0].at_most is not None
    assert any(isinstance(t, LearningRateTask) and t.diverge for t in tasks)
    assert isinstance(tasks[-1], TrainTask) and steps[-1].preset is None


# -- what a task asks, in words -----------------------------------------------------------


def test_each_task_kind_says_what_it_asks_in_the_notes_notation():
    assert "δ's" in task_words(PredictTask("backward"))
    assert task_words(TrainTask(0.05)) == "Train until the training loss L is under 0.05."
    assert task_words(TrainTask(None, 300)) == "Train for 300 epochs."
    assert task_words(LearningRateTask(at_least=0.6, diverge=True)) == (
        "Change η to η ≥ 0.6, then train until the loss diverges."
    )
    assert "no-transpose" in task_words(HuntTask("no-transpose"))


# -- a good file, and bad ones ---------------------------------------------------------------


def test_a_lesson_file_is_read_with_its_steps_presets_and_tasks(tmp_path):
    lesson = load(write(tmp_path, GOOD))
    assert lesson.title == "A lesson" and lesson.description == "What it teaches."
    assert lesson.key == "lesson" and [s.title for s in lesson.steps] == ["First", "Step 2"]
    assert lesson.steps[0].preset == "xor" and lesson.steps[1].preset is None
    assert lesson.steps[1].task == TrainTask(0.05)


def test_a_step_preset_path_is_relative_to_the_lessons_folder(tmp_path):
    (tmp_path / "nets").mkdir()
    (tmp_path / "nets" / "mine.toml").write_text("", encoding="utf-8")
    lesson = load(write(tmp_path, GOOD.replace('preset = "xor"', 'preset = "nets/mine.toml"')))
    assert lesson.steps[0].preset == str(tmp_path / "nets" / "mine.toml")


@pytest.mark.parametrize(
    ("change", "fragments"),
    [
        (('title = "A lesson"', 'titel = "A lesson"'), ["titel", "did you mean 'title'"]),
        (
            ('text = "Go on."', 'txt = "Go on."'),
            ["[[step]] 2 txt", "did you mean 'text'", "line 9"],
        ),
        (('kind = "train"', 'kind = "trian"'), ["[[step]] 2 task.kind", "did you mean 'train'"]),
        (("loss_below = 0.05", "los_below = 0.05"), ["task.los_below", "'loss_below'"]),
        (("loss_below = 0.05", "loss_below = -1"), ["task.loss_below", "> 0"]),
        (("loss_below = 0.05", 'loss_below = "low"'), ["task.loss_below", "a number"]),
        (('preset = "xor"', 'preset = "xro"'), ["[[step]] 1 preset", "did you mean 'xor'"]),
        (('preset = "xor"', 'preset = "gone.toml"'), ["[[step]] 1 preset", "no such file"]),
        (('preset = "xor"\n', ""), ["[[step]] 1 preset", "first step"]),
        (('text = "Some *Markdown*."', 'text = "  "'), ["[[step]] 1 text", "empty"]),
        (('title = "A lesson"\n', ""), ["title", "missing"]),
    ],
)
def test_a_bad_lesson_names_the_key_and_what_was_expected(tmp_path, change, fragments):
    message = str(error_of(tmp_path, GOOD.replace(*change)))
    assert message.startswith(str(tmp_path / "lesson.toml"))
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message


def test_a_task_table_names_its_own_line(tmp_path):
    error = error_of(tmp_path, GOOD.replace('kind = "train"', 'kind = "predict"'))
    assert error.line == 11 and error.key == "[[step]] 2 task.loss_below"


def test_a_predict_task_needs_a_known_level_and_a_fraction(tmp_path):
    predict = GOOD.replace('kind = "train"\nloss_below = 0.05', 'kind = "predict"\nlevel = "{}"')
    message = str(error_of(tmp_path, predict.format("update")))
    assert "task.level" in message and "did you mean 'updates'" in message
    right = predict.format("all") + "min_right = 1.5\n"
    assert "task.min_right" in str(error_of(tmp_path, right))


def test_a_hunt_task_names_a_catalogue_bug(tmp_path):
    hunt = GOOD.replace('kind = "train"\nloss_below = 0.05', 'kind = "hunt"\nbug = "{}"')
    assert load(write(tmp_path, hunt.format("no-transpose"))).steps[1].task == HuntTask(
        "no-transpose"
    )
    message = str(error_of(tmp_path, hunt.format("no-transpos")))
    assert "task.bug" in message and "did you mean 'no-transpose'" in message


def test_a_train_task_needs_a_goal_and_a_rate_task_ordered_bounds(tmp_path):
    assert "needs loss_below, epochs" in str(
        error_of(tmp_path, GOOD.replace("loss_below = 0.05", ""))
    )
    rate = GOOD.replace(
        'kind = "train"\nloss_below = 0.05', 'kind = "learning_rate"\nat_least = 1\nat_most = 0.1'
    )
    assert "at_least (1.0) is more than at_most (0.1)" in str(error_of(tmp_path, rate))


def test_invalid_toml_names_the_line(tmp_path):
    error = error_of(tmp_path, GOOD.replace('text = "Go on."', "text = "))
    assert error.line == 10 and "invalid TOML" in str(error)


def test_a_lesson_without_steps_is_refused(tmp_path):
    assert "[[step]]" in str(error_of(tmp_path, 'title = "Empty"\n'))


def test_an_unknown_name_suggests_a_shipped_lesson():
    with pytest.raises(LessonError) as caught:
        load("learning-rat")
    assert "did you mean 'learning-rate'" in str(caught.value)


def test_a_lesson_path_that_is_a_folder_or_fifo_is_refused_at_once(tmp_path):
    os.mkfifo(tmp_path / "pipe.toml")
    (tmp_path / "dir.toml").mkdir()
    for name, reason in (("pipe.toml", "FIFO"), ("dir.toml", "folder")):
        with pytest.raises(LessonError) as caught:
            load(tmp_path / name)
        assert reason in str(caught.value)


def test_a_lesson_file_over_the_size_limit_is_refused_unread(tmp_path, monkeypatch):
    monkeypatch.setattr(lesson_files, "MAX_LESSON_BYTES", 100)
    path = write(tmp_path, GOOD)
    with pytest.raises(LessonError) as caught:
        load(path)
    assert "the limit is" in str(caught.value)


def test_a_step_text_with_control_characters_is_kept_printable():
    lesson = parse(GOOD.replace("Some *Markdown*.", "a\\u001b]0;title\\u0007b"))
    assert "\x1b" not in lesson.steps[0].text and "\\x1b" in lesson.steps[0].text


CODE_WIDTH = 38
"""Columns a code line of a step's text may take: the lesson panel is 46 wide, less its
border, padding and the code block's own padding (a code line does not wrap)."""


@pytest.mark.parametrize("name", SHIPPED)
def test_every_equation_line_of_a_shipped_lesson_fits_the_panel(name):
    for step in load(name).steps:
        for line in step.text.splitlines():
            if line.startswith("    "):
                assert len(line.strip()) <= CODE_WIDTH, (step.title, line)


def test_the_lessons_and_their_networks_are_package_data(repo_root):
    import tomllib

    config = tomllib.loads((repo_root / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["backprop_tui.presets"]
    folder = repo_root / "presets"
    for path in (folder / "lessons").rglob("*.toml"):
        relative = path.relative_to(folder)
        # setuptools' patterns do not cross folders: "*.toml" is the top folder's only.
        assert any(
            len(Path(p).parts) == len(relative.parts) and relative.match(p) for p in patterns
        ), path

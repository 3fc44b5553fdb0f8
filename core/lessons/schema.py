"""The lesson format: which keys a lesson TOML file may hold, and the checks every value
must pass.

    title = "…"                  required: the lesson's title
    description = "…"            optional: a line or two on what it teaches
    [[step]]                     one table per step, in order (at least one)
    title = "…"                  optional (default "Step N")
    text = \"\"\"…\"\"\"               required: Markdown, shown beside the app
    preset = "seed-toy"          a shipped preset, or a .toml path relative to the
                                 lesson's file; left out: go on with the current
                                 network (the first step must name one)
    [step.task]                  optional: what the learner does, and when it is done
    kind = "predict"             level = "updates" | "gradients" | "backward" | "all",
                                 min_right = 0 … 1 (default 0: finishing is enough)
    kind = "train"               loss_below = L, epochs = N (at least one of them)
    kind = "learning_rate"       at_least = η, at_most = η, epochs = N, diverge = true
    kind = "hunt"                bug = a catalogue mistake's name (optional)

`validate(raw, text, file, folder)` walks a parsed file once and returns its `Lesson`,
or raises `LessonError` naming the file, the line of the step (or key) and the key, with
a "did you mean" for misspelt keys, kinds, levels, presets and bugs.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from backprop_tui.core.config.reader import PresetError, Reader, describe
from backprop_tui.core.data.files import UnreadableFileError, file_status
from backprop_tui.core.lessons.records import (
    HUNT,
    LEARNING_RATE,
    PREDICT,
    TASK_KINDS,
    TRAIN,
    HuntTask,
    LearningRateTask,
    Lesson,
    PredictTask,
    Step,
    Task,
    TrainTask,
)
from backprop_tui.core.text import did_you_mean, shown, shown_lines

__all__ = ["MAX_STEPS", "MAX_TEXT", "STEP_KEYS", "TASK_KEYS", "TOP_LEVEL", "LessonError"]

TOP_LEVEL = ("title", "description", "step")
STEP_KEYS = ("title", "text", "preset", "task")
TASK_KEYS: dict[str, tuple[str, ...]] = {
    PREDICT: ("kind", "level", "min_right"),
    TRAIN: ("kind", "loss_below", "epochs"),
    LEARNING_RATE: ("kind", "at_least", "at_most", "epochs", "diverge"),
    HUNT: ("kind", "bug"),
}

MAX_STEPS = 100
"""Steps in one lesson."""

MAX_TEXT = 20_000
"""Characters of one step's text."""

MAX_EPOCHS = 1_000_000
"""Epochs a task may ask for."""

_STEP_HEADER = re.compile(r"^\s*\[\[\s*step\s*\]\]")
_TASK_HEADER = re.compile(r"^\s*\[\s*step\s*\.\s*task\s*\]")


class LessonError(PresetError):
    """A lesson file that cannot be used: `file`, `line` (of the step or key, when known),
    `key` (e.g. "[[step]] 2 task.kind") and the reason; one line, as a PresetError's."""


def header_lines(text: str) -> list[tuple[int, int | None]]:
    """For each `[[step]]` table of `text`, in order: (its header's line, the line of its
    `[step.task]` header or None), 1-based."""
    found: list[tuple[int, int | None]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if _STEP_HEADER.match(line):
            found.append((number, None))
        elif _TASK_HEADER.match(line) and found and found[-1][1] is None:
            found[-1] = (found[-1][0], number)
    return found


def validate(raw: dict[str, Any], text: str, file: str, folder: Path | None) -> Lesson:
    """The lesson of a parsed TOML document, every value checked. `text` is the file's
    text (for the lines messages name), `file` how messages name the file and `folder`
    what a step's preset path is relative to (None: the working directory)."""
    return _Validator(file, text, folder).lesson(raw)


class _Validator(Reader):
    """Walks a parsed lesson once; `fail` makes LessonErrors on the current line."""

    def __init__(self, file: str, text: str, folder: Path | None) -> None:
        super().__init__(file)
        self.folder = folder
        self.headers = header_lines(text)
        self.line: int | None = None

    def fail(self, key: str | None, reason: str) -> PresetError:
        return LessonError(self.file, key, reason, self.line)

    def lesson(self, raw: dict[str, Any]) -> Lesson:
        for k, v in raw.items():
            if k not in TOP_LEVEL:
                raise self.fail(
                    f"[{k}]" if isinstance(v, dict) else k,
                    f"unknown key{did_you_mean(k, TOP_LEVEL)}; a lesson has: "
                    f"{', '.join(TOP_LEVEL)}",
                )
        if "title" not in raw:
            raise self.fail("title", 'missing; e.g. title = "Why XOR needs a hidden layer"')
        title = self.line_text("title", raw["title"])
        description = shown_lines(self.string("description", raw.get("description", "")))
        steps = raw.get("step")
        if steps is None:
            raise self.fail("[[step]]", "missing; a lesson needs at least one [[step]] table")
        if not isinstance(steps, list) or not all(isinstance(s, dict) for s in steps):
            raise self.fail("step", f"expected [[step]] tables, got {describe(steps)}")
        if not steps:
            raise self.fail("[[step]]", "missing; a lesson needs at least one [[step]] table")
        if len(steps) > MAX_STEPS:
            raise self.fail("[[step]]", f"{len(steps)} steps; a lesson has at most {MAX_STEPS}")
        return Lesson(
            title=title,
            steps=tuple(self.step(n, s) for n, s in enumerate(steps, start=1)),
            description=description.strip(),
        )

    def line_text(self, key: str, value: Any) -> str:
        """A one-line title: a non-empty string, shown safe."""
        text = self.string(key, value).strip()
        if not text:
            raise self.fail(key, "is empty")
        return shown(text)

    def step(self, number: int, raw: dict[str, Any]) -> Step:
        step_line, task_line = (
            self.headers[number - 1] if number <= len(self.headers) else (None, None)
        )
        self.line = step_line
        where = f"[[step]] {number}"
        for k in raw:
            if k not in STEP_KEYS:
                raise self.fail(
                    f"{where} {k}",
                    f"unknown key{did_you_mean(k, STEP_KEYS)}; a step has: {', '.join(STEP_KEYS)}",
                )
        title = self.line_text(f"{where} title", raw.get("title", f"Step {number}"))
        if "text" not in raw:
            raise self.fail(f"{where} text", "missing; the Markdown shown beside the app")
        text = self.string(f"{where} text", raw["text"])
        if not text.strip():
            raise self.fail(f"{where} text", "is empty")
        if len(text) > MAX_TEXT:
            raise self.fail(
                f"{where} text", f"{len(text):,} characters; a step's text has at most {MAX_TEXT:,}"
            )
        preset = self.preset(f"{where} preset", raw["preset"]) if "preset" in raw else None
        if preset is None and number == 1:
            raise self.fail(f"{where} preset", "missing; the first step names the preset to open")
        task = None
        if "task" in raw:
            self.line = task_line or step_line
            task = self.task(f"{where} task", raw["task"])
        return Step(title, shown_lines(text, MAX_TEXT), preset, task)

    def preset(self, key: str, value: Any) -> str:
        """A shipped preset's name, or a .toml file's absolute path (relative to the
        lesson's folder)."""
        from backprop_tui.core.config.presets import shipped_names

        name = self.string(key, value).strip()
        if not name:
            raise self.fail(key, "is empty; leave the key out to go on with the current network")
        path_like = name.endswith(".toml") or "/" in name or os.sep in name
        names = shipped_names()
        if not path_like:
            if name not in names:
                raise self.fail(
                    key,
                    f"not a shipped preset or a .toml file{did_you_mean(name, names)}; "
                    f"shipped presets: {', '.join(names)}",
                )
            return name
        path = Path(name).expanduser()
        if not path.is_absolute():
            path = (self.folder or Path.cwd()) / path
        try:
            found = file_status(path)
        except UnreadableFileError as exc:
            raise self.fail(key, exc.reason) from None
        if found is None:
            raise self.fail(key, f"no such file: {shown(path, 200)}")
        return str(path)

    def task(self, key: str, raw: Any) -> Task:
        if not isinstance(raw, dict):
            raise self.fail(key, f"expected a table, got {describe(raw)}")
        if "kind" not in raw:
            raise self.fail(f"{key}.kind", f"missing; one of: {', '.join(TASK_KINDS)}")
        kind = self.choice(f"{key}.kind", raw["kind"], "task kind", TASK_KINDS)
        allowed = TASK_KEYS[kind]
        for k in raw:
            if k not in allowed:
                hint = did_you_mean(k, allowed)
                raise self.fail(
                    f"{key}.{k}",
                    f"not a key of a {kind} task{hint}; its keys: {', '.join(allowed)}",
                )
        if kind == PREDICT:
            return self.predict(key, raw)
        if kind == TRAIN:
            return self.train(key, raw)
        if kind == LEARNING_RATE:
            return self.learning_rate(key, raw)
        return self.hunt(key, raw)

    def predict(self, key: str, raw: dict[str, Any]) -> PredictTask:
        from backprop_tui.core.learn.targets import LEVELS

        if "level" not in raw:
            raise self.fail(f"{key}.level", f"missing; one of: {', '.join(LEVELS)}")
        level = self.choice(f"{key}.level", raw["level"], "level", list(LEVELS))
        right = self.number(f"{key}.min_right", raw.get("min_right", 0.0))
        if not 0 <= right <= 1:
            raise self.fail(f"{key}.min_right", f"expected a fraction from 0 to 1, got {right}")
        return PredictTask(level, right)

    def epochs(self, key: str, raw: dict[str, Any]) -> int:
        epochs = self.integer(f"{key}.epochs", raw.get("epochs", 0), 0)
        if epochs > MAX_EPOCHS:
            raise self.fail(
                f"{key}.epochs", f"{epochs:,} epochs; a task asks at most {MAX_EPOCHS:,}"
            )
        return epochs

    def positive(self, key: str, value: Any) -> float:
        number = self.number(key, value)
        if number <= 0:
            raise self.fail(key, f"expected a number > 0, got {describe(value)}")
        return number

    def train(self, key: str, raw: dict[str, Any]) -> TrainTask:
        if "loss_below" not in raw and "epochs" not in raw:
            raise self.fail(key, "a train task needs loss_below, epochs or both")
        below = raw.get("loss_below")
        loss_below = None if below is None else self.positive(f"{key}.loss_below", below)
        return TrainTask(loss_below, self.epochs(key, raw))

    def learning_rate(self, key: str, raw: dict[str, Any]) -> LearningRateTask:
        low, high = raw.get("at_least"), raw.get("at_most")
        at_least = None if low is None else self.positive(f"{key}.at_least", low)
        at_most = None if high is None else self.positive(f"{key}.at_most", high)
        if at_least is not None and at_most is not None and at_least > at_most:
            raise self.fail(key, f"at_least ({at_least}) is more than at_most ({at_most})")
        diverge = self.boolean(f"{key}.diverge", raw.get("diverge", False))
        return LearningRateTask(at_least, at_most, self.epochs(key, raw), diverge)

    def hunt(self, key: str, raw: dict[str, Any]) -> HuntTask:
        if "bug" not in raw:
            return HuntTask()
        from backprop_tui.core.learn.mistakes import MISTAKES

        return HuntTask(self.choice(f"{key}.bug", raw["bug"], "bug", list(MISTAKES)))

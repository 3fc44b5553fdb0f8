"""Finding and reading lessons: the shipped ones (in the installed presets package's
`lessons` folder) by name, any other by path.

`load(name_or_path)` returns a checked `Lesson` or raises `LessonError` naming the file,
the line and the key; only regular files within `MAX_LESSON_BYTES` are read, as UTF-8
TOML. `list_lessons()` summarizes the shipped ones in teaching order. A step's preset
path is relative to its lesson's folder (the shipped lessons' own presets are in its
`networks` folder).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from backprop_tui.core.config.reader import read_toml_text, toml_document
from backprop_tui.core.data.files import UnreadableFileError, file_status
from backprop_tui.core.lessons.records import Lesson, LessonSummary
from backprop_tui.core.lessons.schema import LessonError, validate
from backprop_tui.core.text import did_you_mean, shown

__all__ = [
    "MAX_LESSON_BYTES",
    "SHIPPED",
    "list_lessons",
    "load",
    "parse",
    "shipped_folder",
    "shipped_names",
]

MAX_LESSON_BYTES = 1_000_000
"""Bytes of a lesson file."""

SHIPPED = ("worked-example", "xor-hidden-layer", "learning-rate")
"""The teaching order of the shipped lessons."""


def shipped_folder() -> Path:
    """The folder of the shipped lessons (`lessons` in the installed presets package)."""
    return Path(str(resources.files("backprop_tui.presets"))) / "lessons"


def shipped_names() -> list[str]:
    """Shipped lesson names: the teaching order first, then any other alphabetically."""
    found = {p.stem for p in shipped_folder().glob("*.toml")}
    return [n for n in SHIPPED if n in found] + sorted(found - set(SHIPPED))


def list_lessons() -> list[LessonSummary]:
    """Every shipped lesson's name, title and number of steps, in teaching order."""
    out = []
    for name in shipped_names():
        lesson = load(name)
        out.append(LessonSummary(name, lesson.title, len(lesson.steps), lesson.path or Path()))
    return out


def load(name_or_path: str | os.PathLike[str]) -> Lesson:
    """A shipped lesson by name (`"learning-rate"`) or a lesson file by path."""
    text = os.fspath(name_or_path)
    names = shipped_names()
    path_like = (
        isinstance(name_or_path, os.PathLike)
        or text.endswith(".toml")
        or "/" in text
        or os.sep in text
    )
    if not path_like and text in names:
        return _load_file(shipped_folder() / f"{text}.toml", text, f"{text}.toml")
    path = Path(text)
    try:
        found = path_like or file_status(path) is not None
    except UnreadableFileError as exc:
        raise LessonError(text, None, exc.reason) from None
    if found:
        return _load_file(path, path.stem, text)
    raise LessonError(
        text,
        None,
        f"not a shipped lesson or a .toml file{did_you_mean(text, names)}; "
        f"shipped lessons: {', '.join(names)}",
    )


def _load_file(path: Path, key: str, shown_as: str) -> Lesson:
    text = read_toml_text(path, shown_as, MAX_LESSON_BYTES, "lesson", LessonError)
    return parse(text, path=path, key=key, shown_as=shown_as)


def parse(
    text: str, path: Path | None = None, key: str = "", shown_as: str | None = None
) -> Lesson:
    """Validate TOML `text` as a lesson; `path` anchors its presets' relative paths
    (default: the working directory) and `shown_as` is how messages name the file."""
    file = shown_as if shown_as is not None else (str(path) if path is not None else "<lesson>")
    raw = toml_document(text, file, MAX_LESSON_BYTES, "lesson", LessonError)
    lesson = validate(raw, text, file, path.parent if path is not None else None)
    key = shown(key or (path.stem if path is not None else "lesson"))
    return Lesson(lesson.title, lesson.steps, lesson.description, key, path)

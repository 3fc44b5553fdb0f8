"""Lessons: a TOML file of ordered steps, each with Markdown shown beside the app, a preset
to open (or the network already loaded), and a task the app checks.

- `records`: `Lesson`, `Step`, the tasks (`PredictTask`, `TrainTask`,
  `LearningRateTask`, `HuntTask`) and `task_words`.
- `schema`: the format, its validation and `LessonError`.
- `files`: `load`, `parse`, `list_lessons`, `shipped_names`, `shipped_folder`.
- `checks`: what the app reports (`Observation`, `TaskEvent`), a step's `Progress`
  folded from them, and `check(task, progress)`.
"""

from backprop_tui.core.lessons.checks import (
    Check,
    Observation,
    Progress,
    TaskEvent,
    TaskState,
    check,
)
from backprop_tui.core.lessons.files import (
    MAX_LESSON_BYTES,
    SHIPPED,
    list_lessons,
    load,
    parse,
    shipped_folder,
    shipped_names,
)
from backprop_tui.core.lessons.records import (
    TASK_KINDS,
    HuntTask,
    LearningRateTask,
    Lesson,
    LessonSummary,
    PredictTask,
    Step,
    Task,
    TrainTask,
    task_words,
)
from backprop_tui.core.lessons.schema import LessonError

__all__ = [
    "MAX_LESSON_BYTES",
    "SHIPPED",
    "TASK_KINDS",
    "Check",
    "HuntTask",
    "LearningRateTask",
    "Lesson",
    "LessonError",
    "LessonSummary",
    "Observation",
    "PredictTask",
    "Progress",
    "Step",
    "Task",
    "TaskEvent",
    "TaskState",
    "TrainTask",
    "check",
    "list_lessons",
    "load",
    "parse",
    "shipped_folder",
    "shipped_names",
    "task_words",
]

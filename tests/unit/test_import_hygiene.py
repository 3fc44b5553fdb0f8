"""Import contracts, checked rather than kept by habit.

- core/ is a library: numpy and the standard library only, never textual, rich or plotext.
- tui/worker and tui/cli run without Textual (the training process, the headless commands).
- widgets never import screens or the app; screens never import the app.
- every import names the installed package, `backprop_tui.…`, never a bare `core` or `tui`.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UI_LIBRARIES = {"textual", "rich", "plotext", "textual_plotext"}


def _modules(folder: str) -> list[str]:
    """Every module below `folder` (core, tui/worker, …) by its installed name."""
    names = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__main__":
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append("backprop_tui." + ".".join(parts))
    return names


def _top_level_imports_of(modules: list[str]) -> set[str]:
    """The top-level packages that importing `modules` adds to sys.modules in a fresh
    interpreter (its start-up may import some of its own, certifi say, before)."""
    code = (
        "import importlib, json, sys; before = set(sys.modules); "
        f"[importlib.import_module(m) for m in {modules!r}]; "
        "print(json.dumps(sorted({m.split('.')[0] for m in set(sys.modules) - before})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT / "tests", capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return set(json.loads(out.stdout))


def test_the_module_lists_find_the_subpackages():
    core = _modules("core")
    assert "backprop_tui.core.nn.network" in core and "backprop_tui.core.training.history" in core
    assert "backprop_tui.tui.worker.loop" in _modules("tui/worker")


def test_importing_every_core_module_pulls_in_no_ui_library():
    assert not _top_level_imports_of(_modules("core")) & UI_LIBRARIES


def test_core_imports_nothing_but_numpy_and_the_standard_library():
    allowed = set(sys.stdlib_module_names) | {"backprop_tui", "numpy"}
    imported = _top_level_imports_of(_modules("core"))
    extra = sorted(m for m in imported - allowed if not m.startswith("_"))
    assert extra == [], f"core imports {extra}"


@pytest.mark.parametrize("folder", ["tui/worker", "tui/cli"])
def test_the_worker_and_the_command_line_import_no_textual(folder):
    assert not _top_level_imports_of(_modules(folder)) & UI_LIBRARIES


def _imports(path: Path) -> list[str]:
    """Every module name `path` imports (absolute, as written), at any depth."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _sources(*folders: str) -> list[Path]:
    return [p for folder in folders for p in sorted((ROOT / folder).rglob("*.py"))]


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("tui/widgets", ("backprop_tui.tui.screens", "backprop_tui.tui.app")),
        ("tui/screens", ("backprop_tui.tui.app",)),
        ("core", ("backprop_tui.tui",)),
    ],
)
def test_layers_import_only_downwards(folder, forbidden):
    offending = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in _sources(folder)
        for name in _imports(path)
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    ]
    assert offending == []


def test_every_import_names_the_installed_package():
    bare = {"core", "tui", "presets"}
    offending = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in _sources("core", "tui", "tests", "bench")
        for name in _imports(path)
        if name.split(".")[0] in bare
    ]
    assert offending == []

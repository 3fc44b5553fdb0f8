"""core/ is a library: numpy and the standard library only, never textual, rich or plotext."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imported_by_core() -> set[str]:
    """The top-level packages that importing every core module adds to sys.modules
    (the interpreter's start-up may import some of its own, certifi say, before)."""
    modules = sorted(f"core.{p.stem}" for p in (ROOT / "core").glob("*.py") if p.stem[0] != "_")
    assert "core.network" in modules and "core.history" in modules
    code = (
        "import json, sys; before = set(sys.modules); "
        f"import {', '.join(modules)}; "
        "print(json.dumps(sorted({m.split('.')[0] for m in set(sys.modules) - before})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(json.loads(out.stdout))


def test_importing_every_core_module_pulls_in_no_ui_library():
    assert not _imported_by_core() & {"textual", "rich", "plotext", "textual_plotext"}


def test_core_imports_nothing_but_numpy_and_the_standard_library():
    allowed = set(sys.stdlib_module_names) | {"core", "numpy", "json"}
    extra = sorted(m for m in _imported_by_core() - allowed if not m.startswith("_"))
    assert extra == [], f"core imports {extra}"

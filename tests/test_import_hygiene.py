"""core/ is a library: numpy and the standard library only, never textual, rich or plotext."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_importing_every_core_module_pulls_in_no_ui_library():
    modules = sorted(f"core.{p.stem}" for p in (ROOT / "core").glob("*.py") if p.stem[0] != "_")
    assert "core.network" in modules
    code = (
        f"import sys; import {', '.join(modules)}; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich', 'plotext')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"

"""Shared by the command-line tests: the real entry point in a subprocess, the check that
an error is one line, and the seed-scalar expression's arguments. (The preset texts the
tests write, and `preset_file` that writes them, are fixtures in conftest.py.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_cli(*args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    """The real entry point, as a shell would run it (stdout and stderr are pipes)."""
    return subprocess.run(
        [sys.executable, "-m", "backprop_tui.tui", *args],
        capture_output=True,
        text=True,
        cwd=kwargs.pop("cwd", REPO),
        timeout=120,
        **kwargs,
    )


def assert_one_line_error(capsys, *fragments: str) -> str:
    """stderr is `backprop-tui: error: …` on one line, with each fragment in it."""
    captured = capsys.readouterr()
    err = captured.err
    assert err.startswith("backprop-tui: error: ")
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err
    return err


SEED_SCALAR = ["0.5 * (w * x - t) ** 2", "--var", "w=1.5", "--var", "x=2", "--var", "t=5"]

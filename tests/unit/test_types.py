"""The type checker passes on core/: `bash .ci/typecheck` (mypy) exits 0 with no issues,
run by this interpreter (the one whose site-packages hold the test extras)."""

from __future__ import annotations

import os
import subprocess
import sys


def test_mypy_finds_no_issues_in_core(repo_root):
    result = subprocess.run(
        ["bash", str(repo_root / ".ci" / "typecheck")],
        cwd=repo_root,
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout, result.stdout

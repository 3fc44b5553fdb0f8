"""The code is lint-clean and formatted: `ruff check .` and `ruff format --check .` from the
repository's top folder (its pyproject.toml holds the rules) find nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def ruff(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_ruff_check_finds_no_lint_errors(repo_root):
    result = ruff(repo_root, "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All checks passed!" in result.stdout


def test_ruff_format_finds_every_file_formatted(repo_root):
    result = ruff(repo_root, "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "already formatted" in result.stdout

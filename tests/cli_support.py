"""Shared by the command-line tests: the real entry point in a subprocess, preset files,
and the check that an error is one line."""

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


def write_preset(tmp_path: Path, text: str, name: str = "net.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


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

TOY = """
name = "Toy"
description = "One input, one sigmoid output."

[network]
sizes = [1, 1]
activations = ["sigmoid"]
weights = [[[0.5]]]
biases = [[0.0]]

[loss]
kind = "half_sse"

[optimizer]
kind = "sgd"
learning_rate = 0.5

[training]
epochs = 20
batch_size = 1

[data]
inputs = [[1.0]]
targets = [[0.0]]
"""

DIVERGING = """
name = "Diverging"
description = "A learning rate a million times too large."

[network]
sizes = [1, 4, 1]
activations = ["relu", "linear"]
init = "he"

[loss]
kind = "mse"

[optimizer]
kind = "sgd"
learning_rate = 1e6

[training]
epochs = 50
batch_size = 4

[data]
inputs = [[1.0], [2.0], [3.0], [4.0], [5.0], [6.0], [7.0], [8.0]]
targets = [[2.0], [4.0], [6.0], [8.0], [10.0], [12.0], [14.0], [16.0]]
"""

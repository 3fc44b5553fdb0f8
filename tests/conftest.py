"""Fixtures every test group (unit, cli, tui, snapshots) shares.

- The notes' seed-toy example (x = 1, y = 0, two sigmoid hidden units, one sigmoid
  output, half SSE, SGD η = 0.5) as a network, a trainer and a traced step, all built from
  the one record `toy_presets.SEED_TOY` that holds its weights.
- Preset TOML texts more than one test file starts from, and `preset_file`, which writes a
  text to the test's temporary folder.
- `repo_root`, the repository's top folder.

Three plain modules sit beside this file, imported by name because a fixture would not
read better: `toy_presets` (preset records that cross into the worker process, which
unpickles them by module name), `app_pilot` (the app factory and the waits a Pilot test
calls mid-test with arguments) and `cli_support` (running the real entry point, reading
a one-line error).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from backprop_tui.core.nn.network import Network
from backprop_tui.core.nn.optimizers import make_optimizer
from backprop_tui.core.trace.record import StepTrace, trace_step
from backprop_tui.core.training.trainer import Trainer
from toy_presets import SEED_TOY, build_toy

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository's top folder (pyproject.toml, core/, tui/, presets/, tests/)."""
    return REPO


# -- the seed-toy example ------------------------------------------------------------------


@pytest.fixture
def seed_toy() -> Callable[..., Network]:
    """`seed_toy(dtype=np.float64)`: a fresh seed-toy network, W(1) = [[0.15], [0.25]],
    b(1) = [0.35, 0.35], W(2) = [[0.4, 0.45]], b(2) = [0.6], in `dtype`."""

    def make(dtype: Any = np.float64) -> Network:
        return Network(
            [np.array(w, dtype) for w in SEED_TOY.weights],
            [np.array(v, dtype) for v in SEED_TOY.biases],
            SEED_TOY.activations,
        )

    return make


@pytest.fixture
def seed_toy_trainer() -> Callable[..., Trainer]:
    """`seed_toy_trainer(train_biases=True)`: a fresh Trainer on the seed-toy example
    (one row, whole-set batches)."""

    def make(train_biases: bool = True) -> Trainer:
        return build_toy(replace(SEED_TOY, train_biases=train_biases))

    return make


@pytest.fixture
def seed_toy_trace(seed_toy: Callable[..., Network]) -> Callable[..., StepTrace]:
    """`seed_toy_trace(lr=0.5, **options)`: `trace_step` of one SGD step on the seed-toy
    example (the options go to `trace_step`, e.g. precision)."""

    def make(lr: float = 0.5, **options: Any) -> StepTrace:
        return trace_step(
            seed_toy(), "half_sse", make_optimizer("sgd", lr), [1.0], [0.0], **options
        )

    return make


# -- preset texts and files ------------------------------------------------------------------


@pytest.fixture
def preset_file(tmp_path: Path) -> Callable[..., Path]:
    """`preset_file(text, name="net.toml")`: `text`, dedented, written (UTF-8) to a file in
    the test's temporary folder; returns its path."""

    def write(text: str, name: str = "net.toml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


TINY = """
name = "Tiny"
description = "A tiny preset.\\nSecond line."

[network]
sizes = [2, 3, 1]
activations = ["tanh", "sigmoid"]

[loss]
kind = "bce"

[optimizer]
kind = "sgd"
learning_rate = 0.5

[training]
epochs = 5

[data]
inputs = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
targets = [[0.0], [1.0], [1.0], [0.0]]
"""


DEAD_RELU = """
name = "Dead"
description = "Three of four relu units start far below zero: they never fire."

[network]
sizes = [1, 4, 1]
activations = ["relu", "linear"]
weights = [[[1.0], [1.0], [1.0], [1.0]], [[0.5, 0.5, 0.5, 0.5]]]
biases = [[-50.0, -50.0, -50.0, 0.5], [0.0]]

[loss]
kind = "mse"

[optimizer]
kind = "sgd"
learning_rate = 0.01

[training]
epochs = 6
batch_size = 2

[data]
inputs = [[0.1], [0.2], [0.3], [0.4]]
targets = [[0.2], [0.4], [0.6], [0.8]]
"""


@pytest.fixture(scope="session")
def dead_relu_toml() -> str:
    """A 1-4-1 relu preset in which three of the four hidden units start far below zero
    and never fire (gradient health's dead-relu warning)."""
    return DEAD_RELU


@pytest.fixture(scope="session")
def tiny_toml() -> str:
    """A small valid preset with a name, a description and every table: 2-3-1, tanh then
    sigmoid, bce, SGD η = 0.5, five epochs, the four XOR rows."""
    return TINY


@pytest.fixture(scope="session")
def bare_toml() -> Callable[..., str]:
    """`bare_toml(data, sizes="[1, 1]", activations='["linear"]')`: a preset with only
    what is required, a network, an mse loss and the `[data]` lines given."""

    def text(data: str, sizes: str = "[1, 1]", activations: str = '["linear"]') -> str:
        return (
            f"[network]\nsizes = {sizes}\nactivations = {activations}\n"
            f'[loss]\nkind = "mse"\n[data]\n{data}\n'
        )

    return text


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


@pytest.fixture(scope="session")
def toy_toml() -> str:
    """One sigmoid unit with w = 0.5, b = 0 on x = 1, y = 0: half SSE, SGD η = 0.5,
    20 epochs of batch size 1."""
    return TOY


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


@pytest.fixture(scope="session")
def diverging_toml() -> str:
    """A 1-4-1 relu network on y = 2x with η = 10⁶, a million times too large: training
    diverges."""
    return DIVERGING

"""`backprop-tui train --json` carries the gradient-health figures of every epoch and what
they warn of, through the real entry point."""

from __future__ import annotations

import json

import numpy as np
import pytest
from backprop_tui.core.config.presets import build_trainer, load
from backprop_tui.core.training.health import HealthMonitor
from cli_support import run_cli


def train_json(*args: str) -> dict:
    result = run_cli("train", *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_train_json_has_one_health_row_per_epoch_and_layer_after_the_history() -> None:
    doc = train_json("xor", "--epochs", "5")
    keys = list(doc)
    assert keys.index("history") + 1 == keys.index("health") < keys.index("weights")
    assert [(row["epoch"], row["layer"]) for row in doc["health"]] == [
        (epoch, layer) for epoch in range(1, 6) for layer in (1, 2)
    ]
    hidden, output = doc["health"][:2]
    assert set(hidden) == {"epoch", "layer", "activation", "grad_norm", "update_ratio", "saturated"}
    assert hidden["activation"] == "tanh" and output["activation"] == "sigmoid"
    assert "saturated" not in output and "dead" not in output
    assert doc["health_warnings"] == []


def test_train_json_health_figures_are_the_trainers_own() -> None:
    doc = train_json("spiral", "--epochs", "2")
    trainer = build_trainer(load("spiral"))
    trainer.health = HealthMonitor(trainer.network, every=1)
    rows = []
    for _ in range(2):
        trainer.run_epoch()
        rows.extend(trainer.health.latest.rows())
    assert doc["health"] == rows
    assert doc["weights"] == [W.tolist() for W in trainer.network.W]


def test_train_json_weights_are_the_same_as_a_trainer_without_the_bookkeeping() -> None:
    doc = train_json("moons", "--epochs", "3")
    trainer = build_trainer(load("moons"))
    trainer.health = None
    trainer.train(3)
    for theirs, mine in zip(doc["weights"], trainer.network.W, strict=True):
        assert np.array_equal(np.array(theirs), mine)


def test_train_json_names_dead_relus_in_words(preset_file, dead_relu_toml) -> None:
    doc = train_json(str(preset_file(dead_relu_toml)))
    hidden = [row for row in doc["health"] if row["layer"] == 1]
    assert [row["dead"] for row in hidden] == [0.75] * 6
    assert {row["dead_since"] for row in hidden} == {1}
    [warning] = doc["health_warnings"]
    assert warning["kind"] == "dead" and warning["layers"] == [1] and warning["epoch"] == 6
    assert warning["text"].startswith(
        "layer 1: 75 % of its relu units have been dead since epoch 1"
    )


@pytest.mark.parametrize("flag", [[], ["--quiet"]])
def test_train_without_json_prints_no_health_figures(flag: list[str]) -> None:
    result = run_cli("train", "xor", "--epochs", "3", *flag)
    assert result.returncode == 0
    assert "grad_norm" not in result.stdout and "health" not in result.stdout

"""`backprop-tui train`: the JSON document, the progress lines, seeds, the stop loss,
divergence and ctrl-c, through `main(argv)`."""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import signal

import numpy as np
import pytest
from backprop_tui.core.config.presets import build_trainer, load, shipped_names
from backprop_tui.core.training.trainer import Trainer
from backprop_tui.tui.cli.main import main

SHIPPED = shipped_names()


def train_json(capsys, *args: str) -> tuple[int, dict]:
    code = main(["train", *args, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_train_json_has_the_contract_keys_and_one_record_per_epoch(capsys):
    code, doc = train_json(capsys, "seed-toy", "--epochs", "3")
    assert code == 0
    for key in ("preset", "epochs", "seed", "stopped", "history", "weights", "biases"):
        assert key in doc
    assert doc["preset"] == "seed-toy"
    assert (doc["epochs"], doc["stopped"]) == (3, "epochs")
    assert [r["epoch"] for r in doc["history"]] == [1, 2, 3]
    assert doc["history"][0]["train_loss"] == pytest.approx(0.2869737, abs=1e-7)
    assert [len(W) for W in doc["weights"]] == [2, 1]
    assert [len(W[0]) for W in doc["weights"]] == [1, 2]
    assert [len(b) for b in doc["biases"]] == [2, 1]


def test_train_json_weights_are_what_the_trainer_reaches(capsys):
    _, doc = train_json(capsys, "seed-toy", "--epochs", "3")
    trainer = build_trainer(load("seed-toy"))
    trainer.train(3)
    assert doc["weights"] == [W.tolist() for W in trainer.network.W]
    assert doc["biases"] == [b.tolist() for b in trainer.network.b]


def test_train_json_weights_load_back_into_a_preset(capsys, preset_file, toy_toml):
    _, doc = train_json(capsys, str(preset_file(toy_toml)), "--epochs", "2")
    text = toy_toml.replace("[[[0.5]]]", json.dumps(doc["weights"]))
    text = text.replace("[[0.0]]\n\n[loss]", json.dumps(doc["biases"]) + "\n\n[loss]")
    reloaded = load(str(preset_file(text, "again.toml")))
    assert reloaded.weights[0].tolist() == doc["weights"][0]
    assert reloaded.biases[0].tolist() == doc["biases"][0]


def test_train_prints_a_line_per_epoch_and_a_summary(capsys):
    assert main(["train", "seed-toy", "--epochs", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in lines[:3]] == ["1/3", "2/3", "3/3"]
    assert lines[0].startswith("epoch 1/3  train loss 0.286974")
    assert lines[3] == "seed-toy: 3 epochs, 3 steps (seed 0)"
    assert lines[4].startswith("final: train loss ")


def test_a_long_run_prints_about_fifty_lines_and_the_last_epoch(capsys):
    assert main(["train", "seed-toy", "--epochs", "321"]) == 0
    epoch_lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("epoch")]
    assert 45 <= len(epoch_lines) <= 52
    assert epoch_lines[-1].startswith("epoch 321/321")


def test_quiet_prints_only_the_summary(capsys):
    assert main(["train", "seed-toy", "--epochs", "3", "--quiet"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "seed-toy: 3 epochs, 3 steps (seed 0)"


def test_the_seed_option_draws_other_initial_weights_reproducibly(capsys, preset_file, toy_toml):
    drawn = toy_toml.replace("weights = [[[0.5]]]\nbiases = [[0.0]]", 'init = "normal"')
    path = str(preset_file(drawn))
    runs = [train_json(capsys, path, "--epochs", "0", "--seed", s)[1] for s in ("1", "2", "1")]
    assert [run["seed"] for run in runs] == [1, 2, 1]
    assert runs[0]["weights"] != runs[1]["weights"]
    assert runs[0]["weights"] == runs[2]["weights"]
    assert runs[0]["history"] == []


def test_the_stop_loss_ends_training_early(capsys, preset_file, toy_toml):
    path = str(preset_file(toy_toml.replace("batch_size = 1", "batch_size = 1\nstop_loss = 0.1")))
    code, doc = train_json(capsys, path)
    assert code == 0
    assert doc["stopped"] == "stop_loss"
    assert doc["history"][-1]["train_loss"] <= 0.1
    assert doc["history"][-2]["train_loss"] > 0.1
    assert doc["epochs"] < 20


def test_divergence_exits_3_naming_the_epoch_and_step(capsys, preset_file, diverging_toml):
    assert main(["train", str(preset_file(diverging_toml))]) == 3
    captured = capsys.readouterr()
    assert re.search(r"training diverged at epoch \d+, step \d+", captured.err)
    assert "last finite weights" in captured.err
    assert "Traceback" not in captured.err
    assert captured.out.splitlines()[-1].startswith("final: train loss ")


def test_divergence_with_json_still_prints_the_document(capsys, preset_file, diverging_toml):
    code, doc = train_json(capsys, str(preset_file(diverging_toml)))
    assert code == 3
    assert doc["stopped"] == "diverged"
    assert doc["diverged"]["epoch"] == doc["epochs"] + 1
    assert doc["diverged"]["step"] >= 1
    assert all(math.isfinite(v) for W in doc["weights"] for row in W for v in row)


def interrupt_at_step(monkeypatch, at: int, interrupt) -> None:
    """Make `Trainer.step` call `interrupt()` just before training step number `at`."""
    real_step = Trainer.step

    def step(self):
        if self.global_step == at:
            interrupt()
        return real_step(self)

    monkeypatch.setattr(Trainer, "step", step)


def test_ctrl_c_stops_after_the_current_step_and_exits_130(monkeypatch, capsys):
    three_steps = build_trainer(load("seed-toy"))
    three_steps.train(3)
    interrupt_at_step(monkeypatch, 2, lambda: os.kill(os.getpid(), signal.SIGINT))
    code = main(["train", "seed-toy", "--epochs", "10", "--json"])
    captured = capsys.readouterr()
    assert code == 130
    doc = json.loads(captured.out)
    assert (doc["stopped"], doc["steps"], len(doc["history"])) == ("interrupted", 3, 3)
    assert "interrupted after 3 epochs" in captured.err
    assert doc["weights"] == [W.tolist() for W in three_steps.network.W]


def test_a_keyboard_interrupt_inside_a_step_still_prints_what_was_done(monkeypatch, capsys):
    def interrupt():
        raise KeyboardInterrupt

    interrupt_at_step(monkeypatch, 2, interrupt)
    assert main(["train", "seed-toy", "--epochs", "10"]) == 130
    captured = capsys.readouterr()
    assert "seed-toy: 2 epochs, 2 steps (seed 0)" in captured.out
    assert "interrupted after 2 epochs" in captured.err


def test_training_restores_the_ctrl_c_handler(capsys):
    before = signal.getsignal(signal.SIGINT)
    assert main(["train", "seed-toy", "--epochs", "2", "--quiet"]) == 0
    assert signal.getsignal(signal.SIGINT) is before


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_preset_trains_one_epoch(name, capsys):
    code, doc = train_json(capsys, name, "--epochs", "1")
    assert code == 0
    assert [r["epoch"] for r in doc["history"]] == [1]
    assert [np.shape(W) for W in doc["weights"]] == [
        (n_out, n_in) for n_in, n_out in itertools.pairwise(load(name).sizes)
    ]


def test_train_json_writes_every_epoch_of_a_run_longer_than_the_history_keeps(capsys):
    # The trainer's history summarizes what is older than its newest 32,768–65,536
    # epochs; --json must not.
    code, doc = train_json(capsys, "seed-toy", "--epochs", "70000")
    assert code == 0
    epochs = [record["epoch"] for record in doc["history"]]
    assert epochs == list(range(1, 70001))

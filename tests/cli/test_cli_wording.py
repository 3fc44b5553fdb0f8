"""What the command line says: counts in the right number, which accuracy it reports,
what --seed seeds, where the trace's JSON format is described."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from backprop_tui.core.config.presets import build_trainer, load
from backprop_tui.tui.cli.main import main
from backprop_tui.tui.cli.parser import COMMANDS
from cli_support import assert_one_line_error, run_cli


def test_a_one_sample_training_set_is_one_sample_not_one_samples(capsys, preset_file, toy_toml):
    assert main(["trace", str(preset_file(toy_toml)), "--sample", "3"]) == 2
    err = assert_one_line_error(capsys, "sample 3 is out of range")
    assert "1 sample, number 1" in err  # rows count from 1 on the command line
    assert "1 samples" not in err


def test_several_samples_are_counted_in_the_plural(capsys):
    assert main(["trace", "xor", "--sample", "9"]) == 2
    assert_one_line_error(capsys, "the training set has 4 samples, numbered 1 to 4")


def test_train_with_a_test_set_says_its_accuracy_is_test_accuracy():
    result = run_cli("train", "moons", "--epochs", "2")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert re.match(r"epoch 1/2  train loss \S+  test loss \S+  test accuracy 0\.\d{4}$", lines[0])
    assert re.match(r"final: .*  test accuracy 0\.\d{4}$", lines[-1])


def test_train_without_a_test_set_says_its_accuracy_is_train_accuracy(capsys):
    assert main(["train", "xor", "--epochs", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert re.search(r"  train accuracy \d\.\d{4}$", lines[0])
    assert "test accuracy" not in "\n".join(lines)


def test_train_json_keeps_its_key_names(capsys):
    assert main(["train", "moons", "--epochs", "1", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)["history"][0]
    assert record["accuracy"] == record["test_accuracy"]
    assert "train_accuracy" in record


def test_the_seed_help_says_what_it_seeds_and_the_data_indeed_stay(capsys):
    assert main(["train", "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "seed for the initial weights and the shuffling order" in help_text
    assert "the data and the test split keep the preset's [data] seed" in help_text
    preset = load("moons")
    one, two = build_trainer(preset, seed=1), build_trainer(preset, seed=2)
    assert np.array_equal(one.train_data.X, two.train_data.X)
    assert np.array_equal(one.test_data.X, two.test_data.X)
    assert not np.array_equal(one.network.W[0], two.network.W[0])


@pytest.mark.parametrize("command", COMMANDS)
def test_no_help_points_to_a_file_that_is_not_shipped(command, capsys):
    assert main([command, "--help"]) == 0
    assert "ARCHITECTURE.md" not in capsys.readouterr().out


def test_trace_help_points_to_the_readme_architecture_section(capsys):
    assert main(["trace", "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert 'the README\'s "Architecture" section' in help_text


def test_the_progress_bar_names_the_accuracy_it_shows():
    from backprop_tui.core.training.history import EpochRecord
    from backprop_tui.tui.cli.progress import ProgressReporter

    tested = EpochRecord(1, 0.5, test_loss=0.6, train_accuracy=0.7, test_accuracy=0.8)
    assert ProgressReporter.stats(tested) == "loss 0.5  test 0.6  test acc 0.800"
    untested = EpochRecord(1, 0.5, train_accuracy=0.7)
    assert ProgressReporter.stats(untested) == "loss 0.5  train acc 0.700"

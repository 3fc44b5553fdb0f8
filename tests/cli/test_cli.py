"""The command line: parsing, help, error handling and every command's output.

Most tests call `main(argv)` in-process (fast); a few run the real entry point
`python -m tui` in a subprocess to check what a person at a shell sees.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from backprop_tui.core.config.presets import build_trainer, load, shipped_names
from backprop_tui.core.errors import BackpropError
from backprop_tui.core.training.trainer import Trainer
from backprop_tui.tui.cli import main as cli
from backprop_tui.tui.cli import report as cf
from backprop_tui.tui.cli.main import COMMANDS, main

REPO = Path(__file__).resolve().parents[2]


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


# -- parsing and help -------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_that_names_it_and_shows_examples(command, capsys):
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert f"backprop-tui {command}" in out
    assert "examples:" in out


def test_top_level_help_lists_every_command(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in COMMANDS:
        assert f"    {command} " in out
    assert "backprop-tui [PRESET]" in out


def test_version_prints_the_program_name_and_a_version(capsys):
    assert main(["--version"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("backprop-tui ")
    assert len(out.split()) == 2


def test_a_bare_word_means_open_the_dashboard_with_that_preset():
    assert cli.normalize_argv(["xor"]) == ["run", "xor"]
    assert cli.normalize_argv(["--debug", "my/net.toml"]) == ["--debug", "run", "my/net.toml"]
    assert cli.normalize_argv([]) == ["run"]


def test_known_commands_and_help_pass_through_unchanged():
    assert cli.normalize_argv(["train", "xor", "--json"]) == ["train", "xor", "--json"]
    assert cli.normalize_argv(["--help"]) == ["--help"]
    assert cli.normalize_argv(["--version"]) == ["--version"]


def test_a_misspelt_command_is_an_error_with_a_suggestion(capsys):
    assert main(["trian", "xor"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "backprop-tui: error: unknown command 'trian' (did you mean 'train'?)"


def test_a_var_without_an_equals_sign_is_a_usage_error(capsys):
    assert main(["grad", "w * x", "--var", "w"]) == 2
    err = capsys.readouterr().err
    assert "argument --var: expected NAME=VALUE" in err
    assert "Traceback" not in err


def test_a_var_whose_value_is_not_a_number_is_a_usage_error(capsys):
    assert main(["grad", "w * x", "--var", "w=abc"]) == 2
    assert "the value of w is not a number: 'abc'" in capsys.readouterr().err


def test_a_negative_epoch_count_is_a_usage_error(capsys):
    assert main(["train", "xor", "--epochs", "-1"]) == 2
    assert "argument --epochs: expected 0 or more" in capsys.readouterr().err


def test_an_unknown_trace_format_is_a_usage_error(capsys):
    assert main(["trace", "seed-toy", "--format", "html"]) == 2
    assert "invalid choice: 'html'" in capsys.readouterr().err


# -- faults -----------------------------------------------------------------------------


def replace_handler(monkeypatch, name: str, error: BaseException) -> None:
    def handler(args):
        raise error

    monkeypatch.setattr(cli, f"cmd_{name}", handler)


def test_a_backprop_error_is_one_line_on_stderr_and_exit_2(monkeypatch, capsys):
    replace_handler(monkeypatch, "presets", BackpropError("x.toml: [loss] kind: unknown"))
    assert main(["presets"]) == 2
    captured = capsys.readouterr()
    assert captured.err == "backprop-tui: error: x.toml: [loss] kind: unknown\n"
    assert captured.out == ""


def test_an_unexpected_error_points_at_debug_and_exits_1(monkeypatch, capsys):
    replace_handler(monkeypatch, "presets", RuntimeError("boom"))
    assert main(["presets"]) == 1
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: boom" in err
    assert "--debug" in err


def test_debug_re_raises_an_unexpected_error(monkeypatch):
    replace_handler(monkeypatch, "presets", RuntimeError("boom"))
    with pytest.raises(RuntimeError, match="boom"):
        main(["--debug", "presets"])


def test_debug_is_also_accepted_after_the_command(monkeypatch):
    replace_handler(monkeypatch, "presets", RuntimeError("boom"))
    with pytest.raises(RuntimeError, match="boom"):
        main(["presets", "--debug"])


def test_ctrl_c_exits_130_without_a_traceback(monkeypatch, capsys):
    replace_handler(monkeypatch, "presets", KeyboardInterrupt())
    assert main(["presets"]) == 130
    assert capsys.readouterr().err == "backprop-tui: interrupted\n"


def test_a_closed_pipe_ends_quietly(monkeypatch, capsys):
    replace_handler(monkeypatch, "presets", BrokenPipeError())
    assert main(["presets"]) == 141
    assert capsys.readouterr().err == ""


def test_an_os_error_names_the_file_and_exits_2(monkeypatch, capsys):
    replace_handler(monkeypatch, "presets", PermissionError(13, "Permission denied", "/x.toml"))
    assert main(["presets"]) == 2
    assert capsys.readouterr().err == "backprop-tui: error: Permission denied: /x.toml\n"


# -- opening the TUI --------------------------------------------------------------------


def test_without_the_app_opening_the_dashboard_says_so_and_exits_0(monkeypatch, capsys):
    monkeypatch.setattr(cli, "_find_run_app", lambda: None)
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "dashboard is not built yet" in out
    assert "backprop-tui train PRESET" in out


def test_the_app_receives_the_screen_and_the_options_it_accepts(monkeypatch):
    calls = []

    def run_app(preset, screen=None, expression=None):
        calls.append((preset, screen, expression))
        return 0

    monkeypatch.setattr(cli, "_find_run_app", lambda: run_app)
    assert cli._open_tui(None, screen="graph", expression="w * x", variables={"w": 1.0}) == 0
    assert calls == [(None, "graph", "w * x")]


def test_an_app_without_screens_opens_the_dashboard_and_says_why(monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(cli, "_find_run_app", lambda: lambda preset: calls.append(preset) or 0)
    assert cli._open_tui(None, screen="step", sample=2) == 0
    assert calls == [None]
    assert "the step screen is not built yet" in capsys.readouterr().out


def test_the_app_exit_code_becomes_the_command_exit_code(monkeypatch):
    monkeypatch.setattr(cli, "_find_run_app", lambda: lambda preset: 5)
    assert main(["run"]) == 5


# -- writing files ----------------------------------------------------------------------


# -- presets and check ------------------------------------------------------------------

SHIPPED = shipped_names()

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


def write_preset(tmp_path: Path, text: str, name: str = "net.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_presets_lists_every_shipped_preset_with_its_sizes(capsys):
    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    listed = [line.split()[0] for line in out.splitlines()[1:]]
    assert listed == SHIPPED
    assert re.search(r"^seed-toy\s+1-2-1\s+The notes' toy example", out, re.MULTILINE)


@pytest.mark.parametrize("name", SHIPPED)
def test_check_accepts_every_shipped_preset(name, capsys):
    assert main(["check", name]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{name}: ")
    for label in ("layers", "parameters", "data", "task", "loss", "optimizer", "training"):
        assert f"  {label} " in out
    assert out.rstrip().endswith("ok: the preset is valid")


def test_check_summarizes_the_seed_toy_network(capsys):
    assert main(["check", "seed-toy"]) == 0
    out = capsys.readouterr().out
    assert "1 → 2 (sigmoid) → 1 (sigmoid)" in out
    assert "7 (4 weights, 3 biases)" in out
    assert "train 1 × 1 → 1, test none" in out
    assert "sgd (lr 0.5)" in out
    assert "explicit weights" in out


def test_check_counts_a_single_weight_in_the_singular(capsys):
    assert main(["check", "seed-scalar"]) == 0
    assert "2 (1 weight, 1 bias; biases fixed)" in capsys.readouterr().out


def test_check_says_when_biases_are_fixed(capsys):
    assert main(["check", "two-two-two"]) == 0
    assert "biases fixed" in capsys.readouterr().out


# -- bad input --------------------------------------------------------------------------


def assert_one_line_error(capsys, *fragments: str) -> str:
    captured = capsys.readouterr()
    err = captured.err
    assert err.startswith("backprop-tui: error: ")
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err
    return err


@pytest.mark.parametrize("command", ["check", "train", "trace", "run", "step"])
def test_a_missing_preset_file_is_named(command, tmp_path, capsys):
    missing = str(tmp_path / "missing.toml")
    assert main([command, missing]) == 2
    assert_one_line_error(capsys, "missing.toml")


def test_malformed_toml_names_the_file_and_the_line(tmp_path, capsys):
    path = write_preset(tmp_path, 'name = "x"\n[network\nsizes = [1]\n', "broken.toml")
    assert main(["check", path]) == 2
    assert_one_line_error(capsys, "broken.toml", "line 2")


def test_an_unknown_preset_name_suggests_the_closest(capsys):
    assert main(["check", "seed-tyo"]) == 2
    assert_one_line_error(capsys, "seed-tyo", "did you mean 'seed-toy'")


def test_an_unknown_key_is_named_with_its_table(tmp_path, capsys):
    path = write_preset(tmp_path, TOY.replace("learning_rate", "learning_rat"))
    assert main(["train", path]) == 2
    assert_one_line_error(capsys, "net.toml", "[optimizer] learning_rat", "learning_rate")


def test_weights_of_the_wrong_shape_are_named(tmp_path, capsys):
    path = write_preset(tmp_path, TOY.replace("[[[0.5]]]", "[[[0.5, 0.1]]]"))
    assert main(["check", path]) == 2
    assert_one_line_error(capsys, "[network] weights")


def test_an_unknown_activation_suggests_the_closest(tmp_path, capsys):
    path = write_preset(tmp_path, TOY.replace('["sigmoid"]', '["sigmod"]'))
    assert main(["check", path]) == 2
    assert_one_line_error(capsys, "sigmod", "sigmoid")


def test_a_bare_unknown_preset_is_an_error_before_any_tui(monkeypatch, capsys):
    monkeypatch.setattr(cli, "_find_run_app", lambda: pytest.fail("the TUI was opened"))
    assert main(["no-such-preset"]) == 2
    assert_one_line_error(capsys, "no-such-preset")


# -- train ------------------------------------------------------------------------------


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


def test_train_json_weights_load_back_into_a_preset(tmp_path, capsys):
    _, doc = train_json(capsys, write_preset(tmp_path, TOY), "--epochs", "2")
    text = TOY.replace("[[[0.5]]]", json.dumps(doc["weights"]))
    text = text.replace("[[0.0]]\n\n[loss]", json.dumps(doc["biases"]) + "\n\n[loss]")
    reloaded = load(write_preset(tmp_path, text, "again.toml"))
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


def test_the_seed_option_draws_other_initial_weights_reproducibly(tmp_path, capsys):
    drawn = TOY.replace("weights = [[[0.5]]]\nbiases = [[0.0]]", 'init = "normal"')
    path = write_preset(tmp_path, drawn)
    runs = [train_json(capsys, path, "--epochs", "0", "--seed", s)[1] for s in ("1", "2", "1")]
    assert [run["seed"] for run in runs] == [1, 2, 1]
    assert runs[0]["weights"] != runs[1]["weights"]
    assert runs[0]["weights"] == runs[2]["weights"]
    assert runs[0]["history"] == []


def test_the_stop_loss_ends_training_early(tmp_path, capsys):
    path = write_preset(tmp_path, TOY.replace("batch_size = 1", "batch_size = 1\nstop_loss = 0.1"))
    code, doc = train_json(capsys, path)
    assert code == 0
    assert doc["stopped"] == "stop_loss"
    assert doc["history"][-1]["train_loss"] <= 0.1
    assert doc["history"][-2]["train_loss"] > 0.1
    assert doc["epochs"] < 20


def test_divergence_exits_3_naming_the_epoch_and_step(tmp_path, capsys):
    assert main(["train", write_preset(tmp_path, DIVERGING)]) == 3
    captured = capsys.readouterr()
    assert re.search(r"training diverged at epoch \d+, step \d+", captured.err)
    assert "last finite weights" in captured.err
    assert "Traceback" not in captured.err
    assert captured.out.splitlines()[-1].startswith("final: train loss ")


def test_divergence_with_json_still_prints_the_document(tmp_path, capsys):
    code, doc = train_json(capsys, write_preset(tmp_path, DIVERGING))
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


# -- trace ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_preset_traces_one_step(name, capsys):
    assert main(["trace", name, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["layers"]) == len(load(name).sizes) - 1


def test_trace_json_of_seed_toy_has_the_notes_numbers(capsys):
    assert main(["trace", "seed-toy", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    for key in ("input", "target", "output", "loss", "layers"):
        assert key in doc
    assert doc["output"] == [[pytest.approx(0.7575932, abs=1e-7)]]
    assert doc["loss"] == pytest.approx(0.2869737, abs=1e-7)
    first, second = doc["layers"]
    for key in ("W", "b", "z", "a", "delta", "dW", "db", "W_new", "b_new"):
        assert key in first
    assert second["z"] == [[pytest.approx(1.1395, abs=1e-4)]]
    assert second["delta"] == [[pytest.approx(0.1391, abs=1e-4)]]
    assert first["delta"][0] == [pytest.approx(0.0131, abs=1e-4), pytest.approx(0.0143, abs=1e-4)]
    assert second["W_new"] == [[pytest.approx(0.3567, abs=1e-4), pytest.approx(0.4051, abs=1e-4)]]


def test_trace_markdown_reads_like_the_worked_example(capsys):
    assert main(["trace", "seed-toy", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("#")
    assert "0.1391" in out
    assert "0.7576" in out


def test_trace_text_is_the_default_format(capsys):
    assert main(["trace", "seed-toy"]) == 0
    out = capsys.readouterr().out
    assert "0.1391" in out
    assert not out.startswith(("{", "#"))


def test_trace_output_writes_the_same_text_to_a_file(tmp_path, capsys):
    assert main(["trace", "seed-toy", "--format", "markdown"]) == 0
    printed = capsys.readouterr().out
    target = tmp_path / "toy.md"
    assert main(["trace", "seed-toy", "--format", "markdown", "--output", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == printed
    assert "toy.md" in capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir()] == ["toy.md"]


def test_trace_of_one_sample_out_of_range_is_an_error(capsys):
    assert main(["trace", "seed-toy", "--sample", "5"]) == 2
    assert_one_line_error(capsys, "sample 5")


# -- grad -------------------------------------------------------------------------------

SEED_SCALAR = ["0.5 * (w * x - t) ** 2", "--var", "w=1.5", "--var", "x=2", "--var", "t=5"]


def test_grad_prints_the_value_and_every_gradient(capsys):
    assert main(["grad", *SEED_SCALAR]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^dL/dw\s+= -4$", out, re.MULTILINE)
    assert re.search(r"^dL/dx\s+= -3$", out, re.MULTILINE)
    assert re.search(r"^dL/dt\s+= 2$", out, re.MULTILINE)
    assert re.search(r"^L\s+= 2$", out, re.MULTILINE)
    assert re.search(r"^z1\s+w \* x\s+3\s+-2$", out, re.MULTILINE)


def test_grad_json_has_value_gradients_and_nodes(capsys):
    assert main(["grad", *SEED_SCALAR, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["value"] == 2.0
    assert doc["gradients"] == {"w": -4.0, "x": -3.0, "t": 2.0}
    assert [n["name"] for n in doc["nodes"] if n["op"] == "var"] == ["w", "x", "t"]
    assert doc["nodes"][-1]["name"] == "L"


def test_grad_accepts_several_variables_in_one_vars(capsys):
    assert main(["grad", "0.5 * (w * x - t) ** 2", "--vars", "w=1.5, x=2", "--var", "t=5"]) == 0
    assert re.search(r"^dL/dw\s+= -4$", capsys.readouterr().out, re.MULTILINE)


def test_grad_of_an_unused_variable_is_zero(capsys):
    assert main(["grad", "2 * w", "--var", "w=1", "--var", "q=3", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["gradients"] == {"w": 2.0, "q": 0.0}


def test_a_rejected_expression_is_quoted_in_the_error(capsys):
    assert main(["grad", "__import__('os')"]) == 2
    assert_one_line_error(capsys, "expression \"__import__('os')\"", "__import__")


def test_a_syntax_error_in_the_expression_is_an_error(capsys):
    assert main(["grad", "w *", "--var", "w=1"]) == 2
    assert_one_line_error(capsys, "expression 'w *'")


def test_an_unknown_variable_is_named(capsys):
    assert main(["grad", "w * x", "--var", "w=1"]) == 2
    assert_one_line_error(capsys, "'x'")


def test_bad_vars_syntax_is_named(capsys):
    assert main(["grad", "w", "--vars", "w"]) == 2
    assert_one_line_error(capsys, "--vars 'w'", "NAME=VALUE")


def test_a_variable_given_twice_is_an_error(capsys):
    assert main(["grad", "w", "--vars", "w=1", "--var", "w=2"]) == 2
    assert_one_line_error(capsys, "'w' is given twice")


# -- step and graph open the TUI --------------------------------------------------------


@pytest.fixture
def app_calls(monkeypatch) -> list:
    calls: list = []

    def run_app(preset, screen=None, expression=None, variables=None, sample=None):
        calls.append({"preset": preset, "screen": screen, "expression": expression,
                      "variables": variables, "sample": sample})  # fmt: skip
        return 0

    monkeypatch.setattr(cli, "_find_run_app", lambda: run_app)
    return calls


def test_a_bare_preset_opens_the_dashboard_with_it_loaded(app_calls):
    assert main(["seed-toy"]) == 0
    assert app_calls[0]["preset"].key == "seed-toy"
    assert app_calls[0]["screen"] is None


def test_step_opens_the_step_screen_on_the_chosen_sample(app_calls):
    assert main(["step", "seed-toy", "--sample", "0"]) == 0
    call = app_calls[0]
    assert (call["preset"].key, call["screen"], call["sample"]) == ("seed-toy", "step", 0)


def test_graph_of_a_preset_opens_the_graph_screen(app_calls):
    assert main(["graph", "seed-scalar"]) == 0
    assert (app_calls[0]["preset"].key, app_calls[0]["screen"]) == ("seed-scalar", "graph")


def test_graph_of_an_expression_passes_the_expression_and_variables(app_calls):
    assert main(["graph", "w * x", "--vars", "w=1.5, x=2"]) == 0
    call = app_calls[0]
    assert (call["preset"], call["screen"], call["expression"]) == (None, "graph", "w * x")
    assert call["variables"] == {"w": 1.5, "x": 2.0}


def test_graph_of_a_bad_expression_is_an_error_before_any_tui(app_calls, capsys):
    assert main(["graph", "w * (x", "--var", "w=1", "--var", "x=2"]) == 2
    assert app_calls == []
    assert_one_line_error(capsys, "expression 'w * (x'")


# -- the real entry point ---------------------------------------------------------------


def test_the_cli_module_does_not_import_textual():
    code = (
        "import sys, backprop_tui.tui.cli.main; "
        "assert 'textual' not in sys.modules, 'textual imported'"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_python_m_tui_runs_the_command_line():
    result = run_cli("--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: backprop-tui")


def test_a_bad_preset_through_the_entry_point_is_one_line_and_exit_2(tmp_path):
    path = write_preset(tmp_path, TOY.replace("[loss]", "[loss\n"), "broken.toml")
    result = run_cli("train", path, "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("backprop-tui: error: ")
    assert "broken.toml" in result.stderr
    assert "line " in result.stderr
    assert "Traceback" not in result.stderr


def test_divergence_through_the_entry_point_exits_3_with_the_json(tmp_path):
    result = run_cli("train", write_preset(tmp_path, DIVERGING), "--json")
    assert result.returncode == 3
    assert json.loads(result.stdout)["stopped"] == "diverged"
    assert "diverged at epoch" in result.stderr
    assert "Traceback" not in result.stderr


def test_grad_through_the_entry_point_prints_dl_dw(tmp_path):
    result = run_cli("grad", *SEED_SCALAR)
    assert result.returncode == 0
    assert re.search(r"^dL/dw\s+= -4$", result.stdout, re.MULTILINE)


def test_a_closed_pipe_does_not_print_a_traceback():
    proc = subprocess.Popen(
        [sys.executable, "-m", "backprop_tui.tui", "--help"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "0"},
    )
    proc.stdout.close()  # the reader goes away before the command writes, as `| head -0`
    err = proc.stderr.read().decode()
    proc.stderr.close()
    proc.wait(timeout=60)
    assert "Traceback" not in err
    assert "Exception ignored" not in err
    assert proc.returncode in (0, 141)


# -- text formatting --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [(-4.0, "-4"), (0.75756729, "0.757567"), (None, "—"), (3, "3"), (-0.0, "0"),
     (float("inf"), "inf"), (float("nan"), "nan"), (1e-7, "1e-07")],
)  # fmt: skip
def test_numbers_are_shown_without_needless_digits(value, text):
    assert cf.fmt(value) == text


def test_layers_read_input_then_each_layer_with_its_activation():
    assert cf.layers_summary([1, 2, 1], ["sigmoid", "sigmoid"]) == "1 → 2 (sigmoid) → 1 (sigmoid)"


def test_parameter_count_splits_weights_and_biases():
    assert cf.parameter_count([2, 8, 8, 1]) == (16 + 64 + 8, 17)


def test_first_sentence_stops_at_the_first_full_stop_and_fits_the_limit():
    assert cf.first_sentence("One input.  Two\nhidden units.") == "One input."
    assert cf.first_sentence("Uses e.g. Adam. Then more.") == "Uses e.g. Adam."
    assert cf.first_sentence("x = 0.5 and y = 1. 2 layers.") == "x = 0.5 and y = 1."
    assert cf.first_sentence("x" * 200, limit=10) == "x" * 9 + "…"


def test_plain_table_aligns_columns():
    table = cf.plain_table(("a", "bb", "c"), [("xxx", "y", "zzz z"), ("1", "22", "3")])
    assert table.splitlines() == ["a    bb  c", "xxx  y   zzz z", "1    22  3"]


def test_epoch_lines_show_what_the_record_has():
    regression = {"epoch": 3, "train_loss": 0.5}
    assert cf.epoch_line(regression, 100) == "epoch   3/100  train loss 0.5"
    classification = {"epoch": 10, "train_loss": 0.1, "test_loss": 0.2, "accuracy": 0.95}
    assert cf.epoch_line(classification, 10) == (
        "epoch 10/10  train loss 0.1  test loss 0.2  accuracy 0.9500"
    )


def test_long_runs_report_about_fifty_epochs_and_always_the_last():
    total = 1234
    every = cf.report_every(total)
    shown = [e for e in range(1, total + 1) if cf.should_report(e, total, every)]
    assert 45 <= len(shown) <= 52
    assert shown[0] == 1
    assert shown[-1] == total


def test_short_runs_report_every_epoch():
    every = cf.report_every(30)
    assert all(cf.should_report(e, 30, every) for e in range(1, 31))

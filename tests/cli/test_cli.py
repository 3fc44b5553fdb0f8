"""The command line: parsing, help, error handling and every command's output but
`train`'s (test_cli_train.py).

Most tests call `main(argv)` in-process (fast); a few run the real entry point
`python -m backprop_tui.tui` in a subprocess to check what a person at a shell sees.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from backprop_tui.core.config.presets import load, shipped_names
from backprop_tui.core.errors import BackpropError
from backprop_tui.tui.cli import report as cf
from backprop_tui.tui.cli.handlers import HANDLERS
from backprop_tui.tui.cli.main import main
from backprop_tui.tui.cli.parser import COMMANDS, normalize_argv
from cli_support import SEED_SCALAR, assert_one_line_error, run_cli

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
    assert normalize_argv(["xor"]) == ["run", "xor"]
    assert normalize_argv(["--debug", "my/net.toml"]) == ["--debug", "run", "my/net.toml"]
    assert normalize_argv([]) == ["run"]


def test_known_commands_and_help_pass_through_unchanged():
    assert normalize_argv(["train", "xor", "--json"]) == ["train", "xor", "--json"]
    assert normalize_argv(["--help"]) == ["--help"]
    assert normalize_argv(["--version"]) == ["--version"]


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

    monkeypatch.setitem(HANDLERS, name, handler)


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


def fake_run_app(monkeypatch, run_app) -> None:
    """Stand in for the dashboard: `tui.app.run_app`, which the command line imports when a
    command opens the app."""
    import backprop_tui.tui.app

    monkeypatch.setattr(backprop_tui.tui.app, "run_app", run_app)


def test_every_command_has_a_handler_in_the_table():
    assert list(HANDLERS) == list(COMMANDS)
    assert all(callable(handler) for handler in HANDLERS.values())


def test_the_app_exit_code_becomes_the_command_exit_code(monkeypatch):
    fake_run_app(monkeypatch, lambda preset, debug: 5)
    assert main(["run"]) == 5


@pytest.mark.parametrize(
    "options",
    [{"debug": False}, {"screen": "step", "sample": 2, "debug": True},
     {"screen": "graph", "debug": False},
     {"screen": "graph", "expression": "w * x", "variables": {"w": 1.0}, "debug": False}],
)  # fmt: skip
def test_what_the_command_line_passes_is_what_run_app_takes(options):
    import inspect

    from backprop_tui.tui.app import run_app

    inspect.signature(run_app).bind(None, **options)


# -- presets and check ------------------------------------------------------------------

SHIPPED = shipped_names()


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


@pytest.mark.parametrize("command", ["check", "train", "trace", "run", "step"])
def test_a_missing_preset_file_is_named(command, tmp_path, capsys):
    missing = str(tmp_path / "missing.toml")
    assert main([command, missing]) == 2
    assert_one_line_error(capsys, "missing.toml")


def test_malformed_toml_names_the_file_and_the_line(capsys, preset_file):
    path = str(preset_file('name = "x"\n[network\nsizes = [1]\n', "broken.toml"))
    assert main(["check", path]) == 2
    assert_one_line_error(capsys, "broken.toml", "line 2")


def test_an_unknown_preset_name_suggests_the_closest(capsys):
    assert main(["check", "seed-tyo"]) == 2
    assert_one_line_error(capsys, "seed-tyo", "did you mean 'seed-toy'")


def test_an_unknown_key_is_named_with_its_table(capsys, preset_file, toy_toml):
    path = str(preset_file(toy_toml.replace("learning_rate", "learning_rat")))
    assert main(["train", path]) == 2
    assert_one_line_error(capsys, "net.toml", "[optimizer] learning_rat", "learning_rate")


def test_weights_of_the_wrong_shape_are_named(capsys, preset_file, toy_toml):
    path = str(preset_file(toy_toml.replace("[[[0.5]]]", "[[[0.5, 0.1]]]")))
    assert main(["check", path]) == 2
    assert_one_line_error(capsys, "[network] weights")


def test_an_unknown_activation_suggests_the_closest(capsys, preset_file, toy_toml):
    path = str(preset_file(toy_toml.replace('["sigmoid"]', '["sigmod"]')))
    assert main(["check", path]) == 2
    assert_one_line_error(capsys, "sigmod", "sigmoid")


def test_a_bare_unknown_preset_is_an_error_before_any_tui(monkeypatch, capsys):
    fake_run_app(monkeypatch, lambda *args, **kwargs: pytest.fail("the TUI was opened"))
    assert main(["no-such-preset"]) == 2
    assert_one_line_error(capsys, "no-such-preset")


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

    def run_app(preset, screen=None, expression=None, variables=None, sample=None, debug=False):
        calls.append({"preset": preset, "screen": screen, "expression": expression,
                      "variables": variables, "sample": sample, "debug": debug})  # fmt: skip
        return 0

    fake_run_app(monkeypatch, run_app)
    return calls


def test_a_bare_preset_opens_the_dashboard_with_it_loaded(app_calls):
    assert main(["seed-toy"]) == 0
    assert app_calls[0]["preset"].key == "seed-toy"
    assert app_calls[0]["screen"] is None


def test_step_opens_the_step_screen_on_the_chosen_sample(app_calls):
    assert main(["step", "seed-toy", "--sample", "1"]) == 0  # the first row: from 1
    call = app_calls[0]
    assert (call["preset"].key, call["screen"], call["sample"]) == ("seed-toy", "step", 0)


def test_step_with_a_row_past_the_training_set_is_refused_before_the_app_opens(app_calls, capsys):
    assert main(["step", "xor", "--sample", "5"]) == 2
    assert not app_calls
    assert_one_line_error(capsys, "sample 5 is out of range", "numbered 1 to 4")


def test_sample_counts_from_one_and_zero_is_refused(capsys):
    assert main(["trace", "xor", "--sample", "0"]) == 2
    assert "rows count from 1: expected 1 or more, got 0" in capsys.readouterr().err
    assert main(["trace", "xor", "--sample", "3"]) == 0
    out = capsys.readouterr().out
    assert "Batch: 1 sample (training row 3)" in out
    assert "x = [1, 0]" in out  # the third row of xor's data: (1, 0)


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


def test_a_bad_preset_through_the_entry_point_is_one_line_and_exit_2(preset_file, toy_toml):
    path = str(preset_file(toy_toml.replace("[loss]", "[loss\n"), "broken.toml"))
    result = run_cli("train", path, "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("backprop-tui: error: ")
    assert "broken.toml" in result.stderr
    assert "line " in result.stderr
    assert "Traceback" not in result.stderr


def test_divergence_through_the_entry_point_exits_3_with_the_json(preset_file, diverging_toml):
    result = run_cli("train", str(preset_file(diverging_toml)), "--json")
    assert result.returncode == 3
    assert json.loads(result.stdout)["stopped"] == "diverged"
    assert "diverged at epoch" in result.stderr
    assert "Traceback" not in result.stderr


def test_grad_through_the_entry_point_prints_dl_dw():
    result = run_cli("grad", *SEED_SCALAR)
    assert result.returncode == 0
    assert re.search(r"^dL/dw\s+= -4$", result.stdout, re.MULTILINE)


def test_a_closed_pipe_does_not_print_a_traceback(repo_root):
    proc = subprocess.Popen(
        [sys.executable, "-m", "backprop_tui.tui", "--help"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=repo_root,
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
    tested = {"epoch": 10, "train_loss": 0.1, "test_loss": 0.2, "accuracy": 0.95,
              "train_accuracy": 0.9, "test_accuracy": 0.95}  # fmt: skip
    assert cf.epoch_line(tested, 10) == (
        "epoch 10/10  train loss 0.1  test loss 0.2  test accuracy 0.9500"
    )
    untested = {"epoch": 1, "train_loss": 0.1, "accuracy": 0.75, "train_accuracy": 0.75}
    assert cf.epoch_line(untested, 1) == "epoch 1/1  train loss 0.1  train accuracy 0.7500"


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

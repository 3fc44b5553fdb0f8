"""The command line: parsing, help, error handling and every command's output.

Most tests call `main(argv)` in-process (fast); a few run the real entry point
`python -m tui` in a subprocess to check what a person at a shell sees.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.errors import BackpropError
from tui import cli
from tui import cli_format as cf
from tui.cli import COMMANDS, main

REPO = Path(__file__).resolve().parents[1]


def run_cli(*args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    """The real entry point, as a shell would run it (stdout and stderr are pipes)."""
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
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


def test_write_atomic_writes_the_text_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "trace.md"
    target.write_text("old")
    cli.write_atomic(target, "new text\n")
    assert target.read_text() == "new text\n"
    assert [p.name for p in tmp_path.iterdir()] == ["trace.md"]


def test_write_atomic_into_a_missing_folder_names_the_folder(tmp_path):
    with pytest.raises(BackpropError, match="does not exist"):
        cli.write_atomic(tmp_path / "nowhere" / "trace.md", "text")


# -- the real entry point ---------------------------------------------------------------


def test_the_cli_module_does_not_import_textual():
    code = "import sys, tui.cli; assert 'textual' not in sys.modules, 'textual imported'"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_python_m_tui_runs_the_command_line():
    result = run_cli("--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: backprop-tui")


def test_a_closed_pipe_does_not_print_a_traceback():
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", "--help"],
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

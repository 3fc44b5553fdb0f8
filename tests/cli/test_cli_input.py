"""What the command line does with hostile or careless input: bad input is exit 2 and one
clear line (never "internal error"), text from a file or an argument is echoed escaped and
capped, an expression may start with a minus and take a constant exponent of any form."""

from __future__ import annotations

import json
import re

import pytest
from backprop_tui.tui.cli.main import main
from cli_support import assert_one_line_error, run_cli

TITLE = "\x1b]0;PWNED\x07"
"""An escape sequence that sets the terminal's title."""


def assert_exit_2_one_line(result, *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("backprop-tui: error: "), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


def toml_string(text: str) -> str:
    """`text` as a TOML basic string (control characters as \\u escapes)."""
    return json.dumps(text)


# -- exit codes -------------------------------------------------------------------------


def test_a_byte_that_is_not_utf8_in_an_expression_is_bad_input():
    # The shell's $'w\xff': Python hands the byte over as the surrogate U+DCFF.
    assert_exit_2_one_line(run_cli("grad", "w\udcff"), "0xff", "column 2")


def test_sizes_nested_too_deep_are_bad_input(preset_file, toy_toml):
    deep = "[" * 500 + "1" + "]" * 500
    path = str(preset_file(toy_toml.replace("sizes = [1, 1]", f"sizes = {deep}")))
    assert_exit_2_one_line(run_cli("check", path))


def test_a_network_too_big_for_memory_is_bad_input(preset_file, toy_toml):
    text = toy_toml.replace("sizes = [1, 1]", "sizes = [1, 300000, 300000, 1]")
    text = text.replace('["sigmoid"]', '["sigmoid", "sigmoid", "sigmoid"]')
    text = text.replace("weights = [[[0.5]]]\nbiases = [[0.0]]\n", "")
    assert_exit_2_one_line(run_cli("check", str(preset_file(text))))


@pytest.mark.parametrize(
    ("error", "fragment"),
    [(MemoryError("Unable to allocate 671. GiB"), "not enough memory"),
     (RecursionError("maximum recursion depth exceeded"), "nested too deeply")],
)  # fmt: skip
def test_memory_and_recursion_errors_are_bad_input_not_internal_errors(
    monkeypatch, capsys, error, fragment
):
    from backprop_tui.core.config import presets

    def load(name_or_path):
        raise error

    monkeypatch.setattr(presets, "load", load)
    assert main(["check", "xor"]) == 2
    assert_one_line_error(capsys, fragment)


def test_an_internal_error_is_one_line_that_points_at_debug(monkeypatch, capsys):
    from backprop_tui.core.config import presets

    def load(name_or_path):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(presets, "load", load)
    assert main(["check", "xor"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "internal error: RuntimeError: boom\\nsecond line" in err
    assert "--debug" in err


def test_a_megabyte_expression_is_not_echoed_whole(capsys):
    assert main(["grad", "w" * 1_000_000]) == 2
    err = assert_one_line_error(capsys, "expression 'www")
    assert len(err) < 600


def test_a_megabyte_argument_is_not_echoed_whole_by_argparse(capsys):
    assert main(["train", "xor", "--epochs", "9" * 1_000_000 + "x"]) == 2
    last = capsys.readouterr().err.splitlines()[-1]
    assert last.startswith("backprop-tui train: error: argument --epochs")
    assert len(last) < 600


def test_the_grad_header_echoes_at_most_a_line_of_a_long_expression():
    expression = " + ".join(["w"] * 300)
    result = run_cli("grad", expression, "--var", "w=1")
    assert result.returncode == 0
    first = result.stdout.splitlines()[0]
    assert first.startswith("L = w + w") and "…" in first
    assert len(first) < 250
    assert re.search(r"^dL/dw\s+= 300$", result.stdout, re.MULTILINE)


# -- terminal safety --------------------------------------------------------------------


def test_check_echoes_a_preset_name_with_its_control_characters_escaped(preset_file, toy_toml):
    text = toy_toml.replace('name = "Toy"', f"name = {toml_string(TITLE + 'Toy')}")
    result = run_cli("check", str(preset_file(text)))
    assert result.returncode == 0
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert result.stdout.splitlines()[0] == "net: \\x1b]0;PWNED\\x07Toy"


def test_a_value_that_forges_a_verdict_stays_on_the_error_line(preset_file, toy_toml):
    forged = toml_string("0.5\nok: the preset is valid")
    text = toy_toml.replace("learning_rate = 0.5", f"learning_rate = {forged}")
    result = run_cli("check", str(preset_file(text)))
    assert_exit_2_one_line(result)
    assert "ok: the preset is valid" not in result.stdout
    assert not any(line.startswith("ok:") for line in result.stderr.splitlines())


def test_an_unknown_argument_is_echoed_escaped():
    result = run_cli("presets", TITLE)
    assert result.returncode == 2
    assert "\x1b" not in result.stderr
    assert "unrecognized arguments: \\x1b]0;PWNED\\x07" in result.stderr


def test_train_json_escapes_what_a_terminal_acts_on_and_keeps_the_text(
    capsys, preset_file, toy_toml
):
    name = "a\x9b31mb\u202ec\u2028d\x1b"
    text = toy_toml.replace('name = "Toy"', f"name = {toml_string(name)}")
    assert main(["train", str(preset_file(text)), "--epochs", "1", "--json"]) == 0
    out = capsys.readouterr().out
    assert not set(out) & {"\x9b", "\u202e", "\u2028", "\x1b"}
    assert json.loads(out)["name"] == name


def test_train_text_shows_the_key_of_an_oddly_named_file_escaped(capsys, preset_file, toy_toml):
    path = str(preset_file(toy_toml, "odd\x1b[2Jname.toml"))
    assert main(["train", path, "--epochs", "1", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert out.startswith("odd\\x1b[2Jname: 1 epoch")


def test_trace_output_names_its_file_escaped(tmp_path, capsys):
    target = tmp_path / "trace\x1b[2J.md"
    assert main(["trace", "seed-toy", "--output", str(target)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "trace\\x1b[2J.md" in out
    assert target.exists()


# -- expressions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "value", "slope"),
    [("x ** (1 + 1)", "4", "-4"), ("x ** 2 ** 2", "16", "-32"), ("x ** 2", "4", "-4")],
)
def test_a_constant_exponent_of_any_form_takes_a_negative_base(expression, value, slope):
    result = run_cli("grad", expression, "--var", "x=-2")
    assert result.returncode == 0, result.stderr
    assert re.search(rf"^L\s+= {value}$", result.stdout, re.MULTILINE)
    assert re.search(rf"^dL/dx\s+= {slope}$", result.stdout, re.MULTILINE)


@pytest.mark.parametrize(
    "argv",
    [["grad", "-t", "--var", "t=1"], ["grad", "--var", "t=1", "-t"],
     ["grad", "--var", "t=1", "--", "-t"], ["--debug", "grad", "-t", "--vars", "t=1"]],
)  # fmt: skip
def test_an_expression_may_start_with_a_minus(argv, capsys):
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("L = -t")
    assert re.search(r"^dL/dt\s+= -1$", out, re.MULTILINE)


def test_an_expression_with_a_minus_through_the_entry_point():
    result = run_cli("grad", "-w*x", "--json", "--var", "w=2", "--var", "x=3")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["gradients"] == {"w": -3.0, "x": -2.0}


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help_still_answers_beside_an_expression_with_a_minus(flag, capsys):
    assert main(["grad", "-t", flag]) == 0
    assert capsys.readouterr().out.startswith("usage: backprop-tui grad")


def test_an_unknown_long_option_is_still_an_unknown_option(capsys):
    assert main(["grad", "w", "--jsn", "--var", "w=1"]) == 2
    assert "unrecognized arguments: --jsn" in capsys.readouterr().err

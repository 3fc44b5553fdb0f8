"""`backprop-tui train` after a divergence: the exit-3 line names the phase where the failing
step, replayed from the last finite weights, first went out of range; the lines under it
give the equation, its numbers and the likely cause (in --json, under "diverged")."""

from __future__ import annotations

import json

from backprop_tui.tui.cli.main import main
from cli_support import run_cli


def test_the_divergence_line_names_the_phase_and_the_lines_under_it_the_cause(
    preset_file, diverging_toml
):
    result = run_cli("train", str(preset_file(diverging_toml)), "--quiet")
    assert result.returncode == 3
    lines = result.stderr.splitlines()
    assert lines[0].startswith("backprop-tui: training diverged at epoch 12, step 2 (loss = inf); ")
    assert (
        "first out of range: z(2) (phase 3 of the step), z(2) of sample 1 = 5.475e154" in lines[0]
    )
    assert lines[0].endswith("; the last finite weights were kept")
    assert lines[1:] == [
        "  z(2)ᵢ = W(2) a(1)ᵢ + b(2),  for each sample i = 1 … 4",
        "  z(2) of sample 1 = W(2)₁₁ · a(1)₁ + … + b(2)₁ = 9.971e6 · 0 + … + 5.475e154 = 5.475e154",
        "  likely cause: the parameters had already grown to 5.475e154 (b(2)) when this step "
        "began: earlier updates overshot — each step η × ∂L/∂W was larger than W itself, so "
        "every step made the weights larger until the numbers overflowed. Lower the learning "
        "rate (η = 1e6)",
    ]


def test_with_json_the_details_are_under_diverged_and_stderr_is_one_line(
    capsys, preset_file, diverging_toml
):
    assert main(["train", str(preset_file(diverging_toml)), "--json"]) == 3
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "z(2) (phase 3 of the step)" in captured.err
    forensics = json.loads(captured.out)["diverged"]["forensics"]
    assert (forensics["phase"], forensics["number"], forensics["cell"]) == ("z(2)", 3, [1, 1])
    assert forensics["cause"].startswith("the parameters had already grown to 5.475e154")
    assert forensics["equation"].startswith("z(2)ᵢ = W(2) a(1)ᵢ + b(2)")

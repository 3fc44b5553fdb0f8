"""`backprop-tui compare PRESET THEIRS`: a person's own numbers against the reference, through
the entry point (`main(argv)`, and the installed command in a subprocess)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from backprop_tui.core.config.presets import build_trainer, load
from backprop_tui.core.learn import PhaseKey, get_mistake
from backprop_tui.core.learn.given import KIND_FIELD, phase_key
from backprop_tui.core.trace.record import trace_trainer
from backprop_tui.tui.cli.main import main
from cli_support import assert_one_line_error, run_cli
from mistake_cases import MISTAKE_CASES


def reference(preset: str):
    return trace_trainer(build_trainer(load(preset)))


def write_json(tmp_path, document, name="mine.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def write_npz(tmp_path, name="mine.npz", **arrays) -> str:
    path = tmp_path / name
    np.savez(path, **arrays)
    return str(path)


def line_of(out: str, label: str) -> str:
    return next(line for line in out.splitlines() if line.split(". ", 1)[-1].startswith(label))


def test_a_trace_compared_with_itself_agrees_and_exits_0(tmp_path):
    trace_file = tmp_path / "trace.json"
    made = run_cli("trace", "two-two-two", "--format", "json", "--output", str(trace_file))
    assert made.returncode == 0, made.stderr
    result = run_cli("compare", "two-two-two", str(trace_file))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "ok: all 21 values given agree with the reference"
    assert line_of(result.stdout, "δ(1)") == "  7. δ(1)                         ok"
    assert result.stderr == ""


def test_a_missing_slope_in_an_npz_is_named_and_exits_4(tmp_path):
    trace = reference("seed-toy")
    delta1 = np.array(trace.layers[1].delta) @ np.array(trace.layers[1].W)
    path = write_npz(tmp_path, delta1=delta1, dW1=delta1.T @ np.array(trace.x))
    result = run_cli("compare", "seed-toy", path)
    assert result.returncode == 4, result.stderr
    line = line_of(result.stdout, "δ(1)")
    assert "differs δ(1)₁: yours 0.05565, reference 0.01308, relative error 3.26" in line
    assert line.endswith("[missing-activation-derivative]")
    assert "follows from δ(1)" in line_of(result.stdout, "∂L/∂W(1)")
    assert line_of(result.stdout, "z(1)").endswith("not given")
    assert result.stdout.splitlines()[-1].startswith(
        "differs: first at δ(1) [missing-activation-derivative]; 1 later value follows from it"
    )


@pytest.mark.parametrize("name", sorted(MISTAKE_CASES))
def test_every_catalogue_mistake_is_named_in_square_brackets(name, tmp_path, capsys):
    preset, kind, layer = MISTAKE_CASES[name]
    trace = reference(preset)
    wrong = np.asarray(get_mistake(name).value(trace, PhaseKey(kind, layer)))
    key = phase_key(kind, layer)
    # Half the cases as .npz, half as the trace's JSON layout.
    if sorted(MISTAKE_CASES).index(name) % 2:
        path = write_npz(tmp_path, **{key: wrong})
    else:
        layers: list[dict] = [{} for _ in trace.layers]
        layers[layer - 1][KIND_FIELD[kind]] = wrong.tolist()
        path = write_json(tmp_path, {"layers": layers})
    assert main(["compare", preset, path]) == 4
    out = capsys.readouterr().out
    assert f"[{name}]" in out
    assert out.splitlines()[-1].startswith("differs: first at ")


def test_a_matrix_given_transposed_is_compared_and_the_report_says_so(tmp_path, capsys):
    trace = reference("xor")
    path = write_npz(tmp_path, dW1=np.array(trace.layers[0].dW).T, W1_new=trace.layers[0].W_new)
    assert main(["compare", "xor", path]) == 0
    out = capsys.readouterr().out
    assert line_of(out, "∂L/∂W(1)").endswith("ok (given transposed)")
    assert line_of(out, "W(1) after the update").endswith("ok")


def test_json_output_is_one_document_with_the_verdict(tmp_path, capsys):
    path = write_npz(tmp_path, delta1=np.array([0.05565, 0.0143]))
    assert main(["compare", "seed-toy", path, "--json"]) == 4
    document = json.loads(capsys.readouterr().out)
    assert document["ok"] is False and document["first"] == "δ(1)"
    record = next(r for r in document["phases"] if r["key"] == "delta1")
    assert record["status"] == "differs" and record["cell"] == [1, 1]


def test_sample_and_rtol_choose_the_step_and_the_tolerance(tmp_path, capsys):
    trace = trace_trainer(build_trainer(load("xor")), 2)
    z1 = np.array(trace.layers[0].z) * (1 + 1e-5)
    path = write_npz(tmp_path, z1=z1)
    assert main(["compare", "xor", path, "--sample", "3"]) == 4  # row index 2, counted from 1
    assert main(["compare", "xor", path, "--sample", "3", "--rtol", "1e-4"]) == 0
    capsys.readouterr()


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        (b"not json at all", ("mine.json: neither JSON nor an .npz archive",)),
        (b"[1, 2, 3]", ("expected a JSON object with loss and layers",)),
        (b'{"detla1": [1, 2]}', ("unknown key 'detla1'", "did you mean 'delta1'?")),
        (b'{"dW1": [[1, 2, 3]]}', ("dW1: expected 2 × 1 (out × in), got 1 × 3",)),
        (b'{"loss": "low"}', ("loss: expected numbers, got the text 'low'",)),
        (b'{"layers": [{"delta": [true, 1]}]}', ("layers[0].delta: expected numbers",)),
        (b"{}", ("nothing to compare",)),
        (b'{"z\\u001b[31m": 1}', ("unknown key 'z\\x1b[31m'",)),
    ],
)
def test_input_that_cannot_be_compared_is_one_line_and_exit_2(tmp_path, capsys, content, fragments):
    path = tmp_path / "mine.json"
    path.write_bytes(content)
    assert main(["compare", "seed-toy", str(path)]) == 2
    err = assert_one_line_error(capsys, *fragments)
    assert "\x1b" not in err


def test_a_broken_npz_a_folder_and_a_missing_file_are_exit_2(tmp_path, capsys):
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"PK\x03\x04 and then nothing an archive needs")
    assert main(["compare", "seed-toy", str(broken)]) == 2
    assert_one_line_error(capsys, "not a readable .npz archive")
    assert main(["compare", "seed-toy", str(tmp_path)]) == 2
    assert_one_line_error(capsys, "is a folder, not a file")
    assert main(["compare", "seed-toy", str(tmp_path / "nowhere.json")]) == 2
    assert_one_line_error(capsys, "no such file")


def test_an_object_array_in_an_npz_is_refused_without_unpickling(tmp_path, capsys):
    path = tmp_path / "mine.npz"
    np.savez(path, delta1=np.array([{"evil": 1}], dtype=object))
    assert main(["compare", "seed-toy", str(path)]) == 2
    assert_one_line_error(capsys, "not a readable .npz archive")


def test_a_tolerance_outside_0_to_1_is_a_usage_error(tmp_path, capsys):
    path = write_npz(tmp_path, loss=np.array(0.287))
    assert main(["compare", "seed-toy", path, "--rtol", "2"]) == 2
    assert "expected a number above 0 and below 1" in capsys.readouterr().err


def test_help_lists_compare_with_exit_code_4():
    result = run_cli("--help")
    assert "compare" in result.stdout and "4 a difference found (compare)" in result.stdout

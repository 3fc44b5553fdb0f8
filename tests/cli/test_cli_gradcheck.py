"""`backprop-tui gradcheck PRESET`: backprop, autodiff and the finite difference side by side,
through the entry point (`main(argv)`, and the installed command in a subprocess)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from backprop_tui.core.nn import threeway
from backprop_tui.core.nn.network import Network
from backprop_tui.tui.cli.main import main
from cli_support import assert_one_line_error, run_cli


def test_gradcheck_of_a_correct_step_lists_three_agreeing_columns_and_exits_0() -> None:
    done = run_cli("gradcheck", "seed-toy")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    header = next(line for line in lines if line.startswith("entry"))
    for column in ("backprop", "autodiff", "finite diff.", "rel. err fd", "rel. err ad", "verdict"):
        assert column in header
    row = next(line for line in lines if line.startswith("∂L/∂W(2)₁,₁"))
    assert row.split()[1:4] == ["0.086602", "0.086602", "0.086602"]
    assert row.split()[-1] == "ok"
    assert lines[-1].startswith("ok: backprop agrees with autodiff and the finite difference")


def test_gradcheck_json_carries_every_entry_with_its_verdict() -> None:
    done = run_cli("gradcheck", "seed-toy", "--sample", "1", "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["ok"] is True and doc["preset"] == "seed-toy" and doc["sample"] == 1
    assert doc["entries_checked"] == doc["entries_total"] == 7
    first = doc["entries"][0]
    assert first["name"] == "∂L/∂W(1)₁,₁" and first["index"] == [1, 1]
    assert first["backprop"] == pytest.approx(first["autodiff"], abs=1e-15)
    assert first["backprop"] == pytest.approx(first["finite_difference"], rel=1e-6)
    assert {e["verdict"] for e in doc["entries"]} == {"ok"}


def test_losses_on_logits_have_all_three_columns() -> None:
    for preset in ("xor", "iris"):  # bce, cross-entropy
        done = run_cli("gradcheck", preset, "--json")
        assert done.returncode == 0, done.stderr
        doc = json.loads(done.stdout)
        assert doc["autodiff"] == "computed"
        for entry in doc["entries"]:
            assert entry["autodiff"] == pytest.approx(entry["backprop"], rel=1e-12, abs=1e-15)


def test_without_an_autodiff_graph_it_says_why_and_still_checks_the_finite_difference(
    monkeypatch, capsys
) -> None:
    monkeypatch.setattr(threeway, "AUTODIFF_LIMIT", 10)
    assert main(["gradcheck", "xor"]) == 0
    out = capsys.readouterr().out
    assert (
        "autodiff: not built: 17 parameters × 4 samples = 68 parameter nodes, more than 10" in out
    )
    assert "ok: backprop agrees with the finite difference" in out


def test_a_big_network_is_checked_on_a_selection_and_the_report_says_so() -> None:
    done = run_cli("gradcheck", "spiral", "--max", "50", "--json")
    doc = json.loads(done.stdout)
    assert done.returncode == 0
    assert doc["entries_total"] == 1185 and doc["entries_checked"] < 70
    text = run_cli("gradcheck", "spiral", "--max", "50").stdout
    assert "of 1185 entries checked, evenly spaced" in text


def test_a_wrong_backward_pass_is_flagged_and_exits_4(monkeypatch, capsys) -> None:
    right = Network.backward

    def bugged(self, fwd, y, loss):
        out = right(self, fwd, y, loss)
        return replace(out, dW=(out.dW[0] * 1.01, *out.dW[1:]))

    monkeypatch.setattr(Network, "backward", bugged)
    assert main(["gradcheck", "seed-toy"]) == 4
    out = capsys.readouterr().out
    flagged = [line.split()[0] for line in out.splitlines() if line.endswith("differs")]
    assert flagged == ["∂L/∂W(1)₁,₁", "∂L/∂W(1)₂,₁"]
    assert "differs: 2 entries beyond the check's own error" in out


def test_bad_input_is_one_line_and_exits_2(capsys) -> None:
    assert main(["gradcheck", "no-such-preset"]) == 2
    assert_one_line_error(capsys, "no-such-preset")
    assert main(["gradcheck", "xor", "--sample", "99"]) == 2
    assert_one_line_error(capsys, "sample 99 is out of range")

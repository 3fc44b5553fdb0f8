"""`backprop-tui hunt`: the list of bugs, bad names, and what it hands the dashboard (the
bug's name, never printed)."""

from __future__ import annotations

import backprop_tui.tui.app
import pytest
from backprop_tui.core.learn.bugs import BUGS, bugs_for
from backprop_tui.core.trace.record import trace_trainer
from backprop_tui.tui.cli.main import main
from cli_support import assert_one_line_error, run_cli


def test_hunt_list_prints_every_bug_s_name_and_one_line_about_it():
    done = run_cli("hunt", "--list")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == len(BUGS)
    for bug, line in zip(BUGS, lines, strict=True):
        assert line.startswith(bug.name + " ")
        assert line.endswith(bug.description)


def test_an_unknown_bug_is_one_line_with_the_closest_name_and_exit_2():
    done = run_cli("hunt", "xor", "--bug", "no-transpos")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("backprop-tui: error: unknown bug 'no-transpos'")
    assert "(did you mean 'no-transpose'?)" in done.stderr


def test_a_bug_that_changes_nothing_on_the_preset_is_refused_with_the_reason(capsys):
    assert main(["hunt", "seed-toy", "--bug", "missing-batch-mean"]) == 2
    assert_one_line_error(capsys, "'missing-batch-mean' changes no number", "a batch of 1")


def test_an_unknown_preset_is_refused_before_the_dashboard_opens(capsys):
    assert main(["hunt", "xr"]) == 2
    assert_one_line_error(capsys, "xr")


@pytest.fixture
def opened(monkeypatch) -> list[dict]:
    """What the command hands the dashboard, instead of opening it."""
    calls: list[dict] = []

    def run_app(preset, debug=False, **options):
        calls.append({"preset": preset, **options})
        return 0

    monkeypatch.setattr(backprop_tui.tui.app, "run_app", run_app)
    return calls


def test_hunt_opens_the_dashboard_on_the_named_bug_without_printing_its_name(opened, capsys):
    assert main(["hunt", "seed-toy", "--bug", "sign-flipped-error"]) == 0
    assert opened[0]["hunt"] == "sign-flipped-error"
    assert opened[0]["preset"].key == "seed-toy"
    out = capsys.readouterr()
    assert "sign-flipped" not in out.out + out.err


def test_hunt_without_a_preset_hunts_on_xor(opened):
    assert main(["hunt", "--seed", "1"]) == 0
    assert opened[0]["preset"].key == "xor"


def test_a_seed_draws_the_same_bug_each_time_and_one_that_changes_the_network(opened, capsys):
    from backprop_tui.core.config.presets import build_trainer, load

    for seed in ("4", "4", "5", "6", "7"):
        assert main(["hunt", "seed-toy", "--seed", seed]) == 0
    names = [call["hunt"] for call in opened]
    assert names[0] == names[1]
    trace = trace_trainer(build_trainer(load("seed-toy")))
    assert set(names) <= {bug.name for bug in bugs_for(trace)}
    out = capsys.readouterr()
    assert not any(name in out.out + out.err for name in names)

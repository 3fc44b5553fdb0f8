"""The engine's public API: what a notebook user imports from `backprop_tui.core`."""

from __future__ import annotations

import subprocess
import sys

import backprop_tui.core as core
import numpy as np
import pytest


def test_every_public_name_resolves():
    for name in core.__all__:
        assert getattr(core, name) is not None, name


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError):
        core.no_such_thing  # noqa: B018


def test_the_docstring_example_runs_and_leaves_the_trainer_unchanged_by_the_trace():
    trainer = core.build_trainer(core.load("seed-toy"))
    before = [w.copy() for w in trainer.network.W]
    trace = core.trace_step(trainer)
    assert all(np.array_equal(a, b) for a, b in zip(before, trainer.network.W, strict=True))
    assert "δ(1)" in trace.to_text()
    trainer.step()
    assert trainer.global_step == 1


def test_grad_gives_the_notes_value_and_gradient():
    value, gradients = core.grad("0.5 * (w * x - t) ** 2", {"w": 1.5, "x": 2, "t": 5})
    assert value == 2.0 and gradients["w"] == -4.0


def test_importing_one_core_module_does_not_import_the_whole_engine():
    code = (
        "import sys, backprop_tui.core.errors; "
        "assert 'backprop_tui.core.trace.record' not in sys.modules, 'eager import'"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_all_lists_exactly_the_lazy_exports():
    assert sorted(core.__all__) == sorted(core._EXPORTS)

"""The trace in the notes' own forms: ∂ℓ/∂ŷ on its own line before δ(L), the notes'
δ(l+1) W(l+1) beside W(l+1)ᵀ δ(l+1), and shapes written m × n, never numpy's (n,)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from backprop_tui.core.config.presets import build_trainer, load, shipped_names
from backprop_tui.core.format import fmt_shape
from backprop_tui.core.nn.losses import get_loss
from backprop_tui.core.trace.record import trace_trainer
from backprop_tui.core.trace.render import render_markdown, render_text

NUMPY_SHAPE = re.compile(r"\(\d+,\)")


def phase_of(trace, kind):
    return next(p for p in trace.phases if p.kind == kind)


def test_the_output_error_has_the_loss_slope_on_its_own_line_before_delta() -> None:
    trace = trace_trainer(build_trainer(load("seed-toy")))
    lines = phase_of(trace, "delta_output").substituted.splitlines()
    assert lines[0] == "∂ℓ/∂ŷ = ŷ − y = 0.7576"
    assert lines[-1].startswith("δ(2) = ")


def test_the_loss_slope_line_is_the_loss_records_formula() -> None:
    trace = trace_trainer(build_trainer(load("sine")))  # mse, a batch
    first = phase_of(trace, "delta_output").substituted.splitlines()[0]
    assert first.startswith(get_loss("mse").grad_formula + " = ")


def test_the_hidden_error_writes_the_notes_form_beside_the_transpose_and_says_why() -> None:
    trace = trace_trainer(build_trainer(load("seed-toy")))
    lines = phase_of(trace, "delta_hidden").substituted.splitlines()
    upstream = trace.layers[1].delta @ trace.layers[1].W
    assert lines[1] == f"W(2)ᵀ δ(2) = δ(2) W(2) = [{upstream[0, 0]:.4f}, {upstream[0, 1]:.4f}]"
    assert "the same sums" in lines[2] and "δ(2) W(2)" in lines[2]


def test_a_vectors_shape_is_written_as_a_column_not_as_numpy_writes_it() -> None:
    assert fmt_shape((8,)) == "(8 × 1)"
    assert fmt_shape((200, 2)) == "(200 × 2)"


@pytest.mark.parametrize("preset", shipped_names())
def test_no_traced_step_writes_a_numpy_shape(preset: str) -> None:
    trace = trace_trainer(build_trainer(load(preset)))
    for text in (render_text(trace), render_markdown(trace)):
        assert not NUMPY_SHAPE.search(text), NUMPY_SHAPE.search(text)


def test_the_numbers_of_the_traced_step_are_unchanged_by_the_new_lines() -> None:
    trace = trace_trainer(build_trainer(load("seed-toy")))
    assert np.allclose(trace.layers[0].delta, [[0.0131, 0.0143]], atol=5e-5)

"""The step-through's blocks of numbers: one sample's vectors are columns n × 1, a batch
is rows that say so, and no block writes numpy's (n,)."""

from __future__ import annotations

import numpy as np
from backprop_tui.core.config.presets import build_trainer, load
from backprop_tui.core.trace.record import trace_trainer
from backprop_tui.tui.widgets.equation_panel import matrix_block
from backprop_tui.tui.widgets.phase_cells import cell_blocks, pack


def test_a_vector_block_is_a_column_for_one_sample_and_a_row_otherwise() -> None:
    column = matrix_block("z(1)", np.array([[0.5, 0.6]]), 4, column=True)
    assert column.plain.splitlines() == ["z(1)  2 × 1", "⎡ 0.5 ⎤", "⎣ 0.6 ⎦"]
    row = matrix_block("b(1)", np.array([0.5, 0.6]), 4)
    assert row.plain.splitlines()[0] == "b(1)  1 × 2"
    assert "," not in row.plain.splitlines()[0]


def test_a_batch_block_says_its_rows_are_samples() -> None:
    trace = trace_trainer(build_trainer(load("xor")))
    phase = next(p for p in trace.phases if p.kind == "delta_hidden")
    text = pack(cell_blocks(trace, phase, 94), 94).plain
    assert "δ(1)  4 × 4  rows are samples" in text
    assert "W(2)  1 × 4" in text


def test_at_delta_1_every_cell_it_reads_and_writes_has_a_block() -> None:
    trace = trace_trainer(build_trainer(load("seed-toy")))
    phase = next(p for p in trace.phases if p.kind == "delta_hidden")
    names = [block.plain.split("  ")[0].split(" = ")[0] for block in cell_blocks(trace, phase, 94)]
    assert names == ["W(2)", "δ(2)", "z(1)", "a(1)", "δ(1)"]


def test_an_update_shows_the_weights_after_it() -> None:
    trace = trace_trainer(build_trainer(load("seed-toy")))
    phase = next(p for p in trace.phases if p.kind == "update_W" and p.layer == 2)
    blocks = cell_blocks(trace, phase, 94)
    after = f"{trace.layers[1].W_new[0, 0]:.4f}"
    assert after in blocks[-1].plain

"""core.nn.threeway: backprop's gradients from the step beside autodiff and finite differences."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from backprop_tui.core.config.presets import build_trainer, load
from backprop_tui.core.nn import threeway
from backprop_tui.core.nn.network import Network
from backprop_tui.core.nn.threeway import select_indices, three_way_check
from backprop_tui.core.trace.record import trace_step, trace_trainer


def trace_of(name: str, **kwargs):
    return trace_trainer(build_trainer(load(name)), **kwargs)


def with_dW(trace, layer: int, dW):
    """The trace as an engine with a wrong ∂W(layer) would have recorded it."""
    layers = list(trace.layers)
    layers[layer - 1] = replace(layers[layer - 1], dW=np.asarray(dW))
    return replace(trace, layers=tuple(layers))


def test_the_three_gradients_of_a_correct_step_agree_on_every_entry() -> None:
    check = three_way_check(trace_of("seed-toy"))
    assert check.ok and check.total == len(check.checked) == 7
    for _, entry in check.entries():
        assert entry.autodiff is not None
        assert abs(entry.analytic - entry.autodiff) < 1e-15
        assert abs(entry.analytic - entry.numeric) < 1e-8
        assert entry.verdict == "ok"


def test_a_wrong_gradient_recorded_by_the_engine_is_flagged_against_both_others() -> None:
    trace = trace_of("seed-toy")
    bugged = with_dW(trace, 2, np.asarray(trace.layers[1].dW) * 1.001)
    check = three_way_check(bugged)
    assert not check.ok
    flagged = [name for name, e in check.entries() if e.flagged]
    assert flagged == ["∂L/∂W(2)₁,₁", "∂L/∂W(2)₁,₂"]
    entry = check.entry("∂L/∂W(2)₁,₁")
    assert entry.autodiff_error is not None and entry.autodiff_error > 1e-4
    assert entry.relative_error > 1e-4


def test_losses_on_logits_get_the_autodiff_column_too() -> None:
    for name in ("xor", "iris"):  # bce on a sigmoid, cross-entropy on a softmax
        check = three_way_check(trace_of(name))
        assert check.ok and check.autodiff_note is None
        for _, entry in check.entries():
            assert entry.autodiff is not None
            assert abs(entry.analytic - entry.autodiff) <= 1e-13 * max(abs(entry.analytic), 1e-3)


def test_a_graph_too_big_to_build_leaves_the_autodiff_column_empty_and_says_why(
    monkeypatch,
) -> None:
    monkeypatch.setattr(threeway, "AUTODIFF_LIMIT", 10)
    check = three_way_check(trace_of("xor"))
    assert check.ok
    assert (
        check.autodiff_note
        == "not built: 17 parameters × 4 samples = 68 parameter nodes, more than 10"
    )
    assert all(e.autodiff is None for _, e in check.entries())


def test_a_big_network_gets_an_evenly_spaced_selection_including_both_ends() -> None:
    check = three_way_check(trace_of("spiral"), max_entries=100)
    assert check.sampled and check.total == 1185
    assert len(check.checked) <= 110
    names = [name for name, _ in check.entries()]
    assert "∂L/∂W(2)₁,₁" in names and "∂L/∂W(2)₃₂,₃₂" in names
    assert check.ok


def test_select_indices_spreads_over_the_whole_array() -> None:
    assert select_indices((2, 2), 10) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert select_indices((3, 3), 3) == [(0, 0), (1, 1), (2, 2)]


def test_a_float32_step_is_not_flagged_for_its_own_rounding() -> None:
    for name in ("sine", "iris", "spiral"):
        trainer = build_trainer(load(name))
        net = trainer.network
        W32 = [w.astype(np.float32) for w in net.W]
        net32 = Network(W32, [v.astype(np.float32) for v in net.b], net.activations)
        data = trainer.train_data
        trace = trace_step(net32, trainer.loss, trainer.optimizer, data.X[:16], data.Y[:16])
        assert trace.layers[0].dW.dtype == np.float32
        check = three_way_check(trace)
        assert check.ok, (name, [n for n, e in check.entries() if e.flagged][:5])

"""`backprop_tui.core.compare`: a person's own backprop against the reference, phase by
phase, from Python (dicts of arrays, a function, files)."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from backprop_tui.core import compare
from backprop_tui.core.config.presets import build_trainer, load, shipped_names
from backprop_tui.core.learn import CATALOGUE, PhaseKey, get_mistake
from backprop_tui.core.learn.compare import number_text
from backprop_tui.core.learn.given import MAX_GIVEN_BYTES, CompareInputError, phase_key
from backprop_tui.core.trace.record import trace_trainer
from mistake_cases import MISTAKE_CASES


def reference(preset: str = "seed-toy", **options):
    return trace_trainer(build_trainer(load(preset)), options.get("sample"))


def every_value(trace) -> dict[str, np.ndarray]:
    """The reference step as a learner's dict: every phase's result, by flat key."""
    values: dict[str, np.ndarray] = {"loss": np.asarray(trace.loss)}
    for lt in trace.layers:
        l = lt.layer
        for field in ("z", "a", "delta", "dW", "db"):
            values[f"{field}{l}"] = np.array(getattr(lt, field))
        values[f"W{l}_new"] = np.array(lt.W_new)
        if trace.train_biases:
            values[f"b{l}_new"] = np.array(lt.b_new)
    return values


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def my_backprop(W, b, x, y, lr):
    """seed-toy's step as a learner writes it: one sample, column vectors as the notes."""
    a0, t = x[0], y[0]
    z1 = W[0] @ a0 + b[0]
    a1 = sigmoid(z1)
    z2 = W[1] @ a1 + b[1]
    a2 = sigmoid(z2)
    delta2 = (a2 - t) * a2 * (1 - a2)
    delta1 = (W[1].T @ delta2) * a1 * (1 - a1)
    dW2, dW1 = np.outer(delta2, a1), np.outer(delta1, a0)
    return {
        "z1": z1,
        "a1": a1,
        "z2": z2,
        "a2": a2,
        "loss": 0.5 * np.sum((a2 - t) ** 2),
        "delta2": delta2,
        "delta1": delta1,
        "dW2": dW2,
        "db2": delta2,
        "dW1": dW1,
        "db1": delta1,
        "W2_new": W[1] - lr * dW2,
        "b2_new": b[1] - lr * delta2,
        "W1_new": W[0] - lr * dW1,
        "b1_new": b[0] - lr * delta1,
    }


def test_my_backprop_matches_the_reference():
    # As the README shows it in a learner's own test file.
    report = compare("seed-toy", my_backprop)
    assert report.ok, report.text


def test_a_backprop_without_the_hidden_slope_is_named_and_the_rest_follows_from_it():
    def forgetful(W, b, x, y, lr):
        values = my_backprop(W, b, x, y, lr)
        delta1 = W[1].T @ values["delta2"]  # ⊙ σ'(z(1)) forgotten
        dW1 = np.outer(delta1, x[0])
        values.update(delta1=delta1, dW1=dW1, db1=delta1)
        values.update(W1_new=W[0] - lr * dW1, b1_new=b[0] - lr * delta1)
        return values

    report = compare("seed-toy", forgetful)
    assert not report.ok
    assert (report.phase, report.mistake) == ("δ(1)", "missing-activation-derivative")
    by_key = {check.key: check for check in report.phases}
    assert by_key["delta1"].status == "differs"
    for key in ("dW1", "db1", "W1_new", "b1_new"):
        assert by_key[key].status == "follows" and by_key[key].follows_from == "δ(1)"
    for key in ("z1", "a1", "loss", "delta2", "dW2", "W2_new"):
        assert by_key[key].status == "ok"
    line = next(x for x in report.text.splitlines() if x.lstrip().startswith("7. δ(1)"))
    assert "differs δ(1)₁: yours 0.05565, reference 0.01308" in line
    assert line.endswith("[missing-activation-derivative]")
    assert "follows from δ(1)" in str(report)


def test_a_mistake_after_an_earlier_one_is_judged_on_the_learners_own_values():
    trace = reference()
    theirs = {"delta2": -np.array(trace.layers[1].delta)}  # y − ŷ for ŷ − y
    theirs["delta1"] = theirs["delta2"] @ np.array(trace.layers[1].W)  # and no σ'(z(1))
    report = compare("seed-toy", theirs)
    checks = {check.key: check for check in report.phases}
    assert checks["delta2"].names == ("sign-flipped-error",)
    assert checks["delta1"].status == "differs"
    assert checks["delta1"].names == ("missing-activation-derivative",)
    assert report.phase == "δ(2)"


@pytest.mark.parametrize("name", sorted(MISTAKE_CASES))
def test_every_catalogue_mistake_is_named_where_it_differs(name):
    preset, kind, layer = MISTAKE_CASES[name]
    trace = reference(preset)
    wrong = get_mistake(name).value(trace, PhaseKey(kind, layer))
    report = compare(preset, {phase_key(kind, layer): wrong})
    assert not report.ok
    assert name in report.first.names
    assert f"[{name}]" in report.text


def test_the_cases_cover_the_whole_catalogue():
    assert set(MISTAKE_CASES) == {mistake.name for mistake in CATALOGUE}


@pytest.mark.parametrize("preset", shipped_names())
def test_the_reference_step_agrees_with_itself_on_every_shipped_preset(preset):
    report = compare(preset, every_value(reference(preset)))
    assert report.ok, report.text
    assert report.first is None and report.mistake is None


def test_a_weight_matrix_given_in_by_out_is_compared_transposed_and_said_so():
    trace = reference("xor")  # W(1) is 4 × 2
    report = compare("xor", {"dW1": np.array(trace.layers[0].dW).T})
    check = next(c for c in report.phases if c.key == "dW1")
    assert report.ok and check.transposed
    assert "ok (given transposed)" in report.text


def test_a_square_matrix_given_transposed_is_recognized_by_its_numbers():
    trace = reference("two-two-two")  # W(2) is 2 × 2
    W_new = np.array(trace.layers[1].W_new)
    assert not np.allclose(W_new, W_new.T)
    report = compare("two-two-two", {"W2_new": W_new.T})
    assert report.ok and report.phases[-2].transposed


def test_per_sample_values_may_be_given_as_columns_one_sample_at_a_time():
    trace = reference("xor")  # a batch of 4: z(2) is 4 × 1
    z2 = np.array(trace.layers[1].z)
    report = compare("xor", {"z2": z2.ravel(), "a2": np.array(trace.layers[1].a).T})
    assert report.ok
    assert not any(check.transposed for check in report.phases)


def test_nan_where_the_reference_is_finite_is_a_difference_not_bad_input():
    report = compare("seed-toy", {"delta1": [np.nan, 0.0143]})
    assert not report.ok
    assert report.first.cell == (0, 0)
    assert "yours nan" in report.text


def test_the_tolerance_is_relative_and_can_be_widened():
    trace = reference()
    close = np.array(trace.layers[0].delta) * (1 + 1e-5)
    assert not compare("seed-toy", {"delta1": close}).ok
    assert compare("seed-toy", {"delta1": close}, rtol=1e-4).ok


def test_the_trace_json_layout_reads_as_the_npz_layout():
    trace = reference("two-two-two")
    document = json.loads(trace.to_json_text())
    report = compare("two-two-two", document)
    assert report.ok
    assert {check.key for check in report.start} >= {"x", "y", "W1", "b1", "b1_new"}
    partial = {"layers": [{"layer": 2, "delta": document["layers"][1]["delta"]}]}
    assert compare("two-two-two", partial).ok


def test_another_batch_or_other_starting_weights_are_named_as_the_cause(tmp_path):
    trace = trace_trainer(build_trainer(load("xor"), seed=5))
    report = compare("xor", json.loads(trace.to_json_text()))
    assert report.phase == "x (the inputs)"
    assert all(check.status == "follows" for check in report.phases)


def test_files_json_and_npz_are_read(tmp_path):
    trace = reference()
    values = every_value(trace)
    np.savez(tmp_path / "mine.npz", **values)
    assert compare("seed-toy", tmp_path / "mine.npz").ok
    (tmp_path / "mine.json").write_text(trace.to_json_text(), encoding="utf-8")
    assert compare("seed-toy", str(tmp_path / "mine.json")).ok


def test_a_momentum_or_adam_update_follows_from_a_wrong_gradient_with_the_optimizer_state():
    trainer = build_trainer(load("moons"))  # adam
    for _ in range(3):
        trainer.step()
    trace = trace_trainer(trainer)
    lt = trace.layers[0]
    dW1 = np.array(lt.dW) * 1.5
    beta1, beta2 = trace.hyperparameters["betas"]
    eps, t, lr = trace.hyperparameters["eps"], trace.optimizer_t, trace.lr
    m = beta1 * lt.state_W_before["m"] + (1 - beta1) * dW1
    s = beta2 * lt.state_W_before["s"] + (1 - beta2) * dW1**2
    W1_new = lt.W - lr / (1 - beta1**t) * m / (np.sqrt(s) / np.sqrt(1 - beta2**t) + eps)
    report = compare(trainer, {"dW1": dW1, "W1_new": W1_new})
    checks = {check.key: check for check in report.phases}
    assert checks["dW1"].status == "differs"
    assert checks["W1_new"].status == "follows" and checks["W1_new"].follows_from == "∂L/∂W(1)"


def test_a_trace_or_a_sample_can_be_compared():
    trace = reference("xor", sample=2)
    assert compare(trace, every_value(trace)).ok
    assert compare("xor", every_value(trace), sample=2).ok


def test_to_dict_names_the_first_difference_with_one_based_cells():
    report = compare("seed-toy", {"delta1": [0.05565, 0.0143]})
    data = report.to_dict()
    assert data["ok"] is False and data["first"] == "δ(1)"
    record = next(r for r in data["phases"] if r["key"] == "delta1")
    assert record["cell"] == [1, 1] and record["cell_name"] == "δ(1)₁"
    assert record["reference"] == pytest.approx(0.0130783, abs=1e-7)
    assert next(r for r in data["phases"] if r["key"] == "z1")["status"] == "not given"


@pytest.mark.parametrize(
    ("given", "fragment"),
    [
        ({}, "nothing to compare"),
        ({"detla1": [1, 2]}, "unknown key 'detla1' (did you mean 'delta1'?)"),
        ({"delta3": [1, 2]}, "delta3: the network has 2 weight layers, 1 to 2"),
        ({"dW1": np.zeros((3, 3))}, "dW1: expected 2 × 1 (out × in), got 3 × 3"),
        ({"dW2": np.zeros((2, 2))}, "dW2: expected 1 × 2 (out × in), got 2 × 2"),
        ({"delta1": ["0.1", "0.2"]}, "delta1: expected numbers, got the text '0.1'"),
        ({"delta1": [True, 0.2]}, "delta1: expected numbers, got true/false"),
        ({"delta1": [[0.1, 0.2], [0.3]]}, "delta1: the rows have different lengths"),
        ({"delta1": [[[[0.1]]]]}, "delta1: lists nested 4 deep"),
        ({"layers": [{"detla": [1, 2]}]}, "unknown key 'detla' in layers[0]"),
        ({"layers": [{"layer": 0, "delta": [1, 2]}]}, "layers[0].layer must be a layer number"),
        ({"loss": np.array(["a"])}, "loss: expected numbers, got an array of <U1"),
    ],
)
def test_numbers_that_cannot_be_compared_say_which_key_and_what_shape(given, fragment):
    with pytest.raises(CompareInputError) as caught:
        compare("seed-toy", given)
    assert fragment in str(caught.value)


def test_a_function_that_returns_no_dict_is_refused():
    with pytest.raises(CompareInputError, match="must return a dict"):
        compare("seed-toy", lambda W, b, x, y: 3)


def test_a_file_that_is_neither_json_nor_npz_is_refused(tmp_path):
    path = tmp_path / "mine.txt"
    path.write_text("delta1 = 0.1, 0.2\n", encoding="utf-8")
    with pytest.raises(CompareInputError, match=r"neither JSON nor an \.npz archive"):
        compare("seed-toy", path)


def test_a_folder_or_a_fifo_is_refused_without_blocking(tmp_path):
    from backprop_tui.core.data.files import UnreadableFileError

    with pytest.raises(UnreadableFileError, match="is a folder"):
        compare("seed-toy", tmp_path)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(UnreadableFileError, match="FIFO"):
        compare("seed-toy", fifo)


def test_an_npz_that_unpacks_beyond_the_limit_is_refused(tmp_path, monkeypatch):
    import backprop_tui.core.learn.given as given

    np.savez_compressed(tmp_path / "big.npz", delta1=np.zeros((1000, 1000)))
    assert (tmp_path / "big.npz").stat().st_size < MAX_GIVEN_BYTES
    monkeypatch.setattr(given, "MAX_GIVEN_BYTES", 1_000_000)
    with pytest.raises(CompareInputError, match="unpack to 8 MB; the limit is 1 MB"):
        compare("seed-toy", tmp_path / "big.npz")


def test_numbers_are_written_with_the_digits_that_tell_them_apart():
    assert number_text(0.0556512, 0.0130812) == "0.05565"
    assert number_text(0.1234567, 0.1234599) == "0.123457"
    assert number_text(0.1234599, 0.1234567) == "0.12346"
    assert number_text(-5.474853e154) == "−5.475e154"

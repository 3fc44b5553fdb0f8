"""Presets: every shipped file loads, the worked examples give their published numbers,
every user mistake is reported with its file, key or line, and saving round-trips."""

from __future__ import annotations

import os

import numpy as np
import pytest
from backprop_tui.core.config import presets
from backprop_tui.core.config.presets import (
    PresetError,
    build_network,
    build_trainer,
    load,
    load_data,
)
from backprop_tui.core.data import csv as csv_module
from backprop_tui.core.data import generators
from backprop_tui.core.errors import BackpropError
from backprop_tui.tui import preset_writer

SHIPPED = presets.shipped_names()


@pytest.fixture
def error_for(preset_file):
    """`error_for(text)`: the PresetError that loading `text` from a file raises; it names
    the file."""

    def load_error(text: str) -> PresetError:
        path = preset_file(text)
        with pytest.raises(PresetError) as info:
            load(path)
        assert info.value.file == str(path)
        return info.value

    return load_error


# -- shipped presets ------------------------------------------------------------------


def test_every_expected_preset_is_shipped():
    expected = {"seed-toy", "seed-scalar", "two-two-two", "xor", "circles", "moons"}
    expected |= {"spiral", "sine", "iris"}
    assert expected <= set(SHIPPED)
    assert SHIPPED[:3] == ["seed-toy", "seed-scalar", "two-two-two"]


@pytest.mark.parametrize("name", SHIPPED)
def test_each_shipped_preset_loads_builds_and_takes_a_step(name):
    preset = load(name)
    assert preset.key == name
    assert preset.name and preset.summary
    assert "\n" in preset.description.strip(), "descriptions explain more than one line"
    trainer = build_trainer(preset)
    assert trainer.network.sizes == list(preset.sizes)
    assert np.isfinite(trainer.step())


def test_list_presets_returns_every_shipped_preset_in_teaching_order():
    assert [p.key for p in presets.list_presets()] == SHIPPED


def counting_generate(monkeypatch) -> list[str]:
    """Every call of the data generators from now on, by generator name."""
    calls: list[str] = []
    real = generators.generate

    def generate(name, *args, **kwargs):
        calls.append(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(generators, "generate", generate)
    return calls


def test_listing_presets_reads_names_descriptions_and_sizes_but_builds_no_data(monkeypatch):
    calls = counting_generate(monkeypatch)
    monkeypatch.setattr(csv_module, "read_regular_file", None)  # any CSV read would fail
    listed = {p.key: p for p in presets.list_presets()}
    assert calls == []
    monkeypatch.undo()
    assert listed["xor"].sizes == load("xor").sizes
    assert listed["iris"].summary == load("iris").summary


def test_a_presets_data_is_built_once_however_often_it_is_used(monkeypatch):
    calls = counting_generate(monkeypatch)
    preset = load("moons")
    train, test = load_data(preset)
    trainer = build_trainer(preset)
    again = build_trainer(preset, seed=3)
    assert calls == ["moons"]
    assert np.array_equal(trainer.train_data.X, train.X)
    assert np.array_equal(again.test_data.Y, test.Y)


def test_a_presets_data_set_cannot_be_changed_by_its_users():
    preset = load("xor")
    with pytest.raises(ValueError, match="read-only"):
        load_data(preset)[0].X[0, 0] = 5.0


def test_seed_toy_one_step_gives_the_corrected_numbers_of_the_notes():
    trainer = build_trainer(load("seed-toy"))
    loss = trainer.step()
    fwd, bwd = trainer.last_forward, trainer.last_backward
    assert fwd.z[1][0, 0] == pytest.approx(1.1395, abs=5e-5)
    assert fwd.y_hat[0, 0] == pytest.approx(0.7576, abs=5e-5)
    assert loss == pytest.approx(0.2870, abs=5e-5)
    np.testing.assert_allclose(bwd.delta[1], [[0.1391]], atol=5e-5)
    np.testing.assert_allclose(bwd.delta[0], [[0.0131, 0.0143]], atol=5e-5)
    np.testing.assert_allclose(trainer.network.W[1], [[0.3567, 0.4051]], atol=5e-5)
    np.testing.assert_allclose(trainer.network.W[0], [[0.1435], [0.2428]], atol=5e-5)


def test_two_two_two_one_step_matches_the_published_walkthrough():
    trainer = build_trainer(load("two-two-two"))
    before = trainer.step()
    after, _ = trainer.evaluate(trainer.train_data)
    assert before == pytest.approx(0.298371109, abs=1e-9)
    assert after == pytest.approx(0.291027774, abs=1e-9)
    np.testing.assert_allclose(
        trainer.network.W[1],
        [[0.35891648, 0.40866619], [0.51130127, 0.56137012]],
        rtol=0,
        atol=1e-8,
    )
    np.testing.assert_array_equal(trainer.network.b[1], [0.6, 0.6])


def test_seed_scalar_gradient_is_minus_four_and_has_a_graph():
    preset = load("seed-scalar")
    trainer = build_trainer(preset)
    trainer.step()
    assert trainer.last_backward.dW[0][0, 0] == -4.0
    assert trainer.network.W[0][0, 0] == pytest.approx(1.7)
    assert preset.graph == {
        "expression": "0.5 * (w * x - t) ** 2",
        "variables": {"w": 1.5, "x": 2.0, "t": 5.0},
    }


def test_iris_reads_its_csv_with_three_one_hot_classes():
    preset = load("iris")
    train, test = load_data(preset)
    assert preset.task == "classification"
    assert train.X.shape == (120, 4) and test.X.shape == (30, 4)
    assert train.Y.shape[1] == 3 and np.all(train.Y.sum(axis=1) == 1)


def test_loading_a_shipped_preset_works_from_another_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    train, _ = load_data(load("iris"))
    assert len(train) == 120


def test_explicit_seed_changes_the_initial_weights_but_not_explicit_ones(seed_toy):
    xor = load("xor")
    first = build_network(xor).W[0]
    assert np.array_equal(first, build_network(xor).W[0])
    assert not np.array_equal(first, build_network(xor, seed=1).W[0])
    toy = load("seed-toy")
    assert np.array_equal(build_network(toy, seed=7).W[0], seed_toy().W[0])


def test_defaults_fill_what_a_preset_leaves_out(preset_file, tiny_toml):
    preset = load(preset_file(tiny_toml))
    assert (preset.init, preset.seed, preset.dtype) == ("xavier", 0, "float64")
    assert preset.train_biases and preset.shuffle
    assert (preset.batch_size, preset.test_fraction, preset.stop_loss) == (0, 0.0, None)
    assert preset.summary == "A tiny preset."
    assert preset.graph is None
    assert preset.task == "classification"


def test_float32_presets_build_float32_networks(preset_file, tiny_toml):
    text = tiny_toml.replace(
        'activations = ["tanh", "sigmoid"]', 'activations = ["tanh", "sigmoid"]\ndtype = "float32"'
    )
    trainer = build_trainer(load(preset_file(text)))
    assert trainer.network.dtype == np.float32
    assert trainer.train_data.X.dtype == np.float32


def test_class_index_targets_become_one_hot_rows_for_cross_entropy(preset_file):
    text = """
    [network]
    sizes = [1, 3]
    activations = ["softmax"]
    [loss]
    kind = "cross_entropy"
    [data]
    inputs = [[0.0], [1.0], [2.0]]
    targets = [0, 2, 1]
    """
    train, _ = load_data(load(preset_file(text)))
    np.testing.assert_array_equal(train.Y, [[1, 0, 0], [0, 0, 1], [0, 1, 0]])


def test_two_class_generator_fits_a_two_unit_softmax_output(preset_file):
    text = """
    [network]
    sizes = [2, 4, 2]
    activations = ["tanh", "softmax"]
    [loss]
    kind = "cross_entropy"
    [data]
    generator = "moons"
    n_samples = 20
    """
    train, _ = load_data(load(preset_file(text)))
    assert train.Y.shape == (20, 2)
    assert np.all(train.Y.sum(axis=1) == 1)


def test_stop_loss_ends_training_early(preset_file, tiny_toml):
    text = tiny_toml.replace("epochs = 5", "epochs = 5000\nstop_loss = 0.3")
    preset = load(preset_file(text))
    trainer = build_trainer(preset)
    history = presets.train(trainer, preset)
    assert history[-1].train_loss <= 0.3
    assert len(history) < 5000


# -- mistakes -------------------------------------------------------------------------


def test_toml_syntax_error_names_the_line(error_for):
    error = error_for('name = "x"\n[network]\nsizes = [1, 2\nactivations = 3\n')
    assert error.line is not None and error.line >= 3
    assert f", line {error.line}: invalid TOML: " in str(error)


def test_unknown_key_suggests_the_close_one(error_for, tiny_toml):
    error = error_for(tiny_toml.replace("learning_rate", "learning_rat"))
    assert error.key == "[optimizer] learning_rat"
    assert "unknown key (did you mean 'learning_rate'?)" in str(error)


def test_unknown_table_suggests_the_close_one(error_for, tiny_toml):
    error = error_for(tiny_toml.replace("[training]", "[trainig]"))
    assert "did you mean 'training'?" in str(error)


def test_wrong_weight_shape_names_the_layer_and_both_shapes(error_for, tiny_toml):
    text = tiny_toml.replace(
        'activations = ["tanh", "sigmoid"]',
        'activations = ["tanh", "sigmoid"]\nweights = [[[1, 2], [3, 4], [5, 6]], [[1, 2]]]',
    )
    error = error_for(text)
    assert error.key == "[network] weights"
    assert "layer 2 has shape (1 × 2)" in str(error)
    assert "(1 × 3)" in str(error)


def test_wrong_bias_length_names_the_layer(error_for, tiny_toml):
    text = tiny_toml.replace(
        'activations = ["tanh", "sigmoid"]',
        'activations = ["tanh", "sigmoid"]\nbiases = [[0, 0], [0]]',
    )
    error = error_for(text)
    assert "layer 1" in str(error) and "3 entries" in str(error)


def test_unknown_activation_suggests_the_close_one(error_for, tiny_toml):
    error = error_for(tiny_toml.replace('"tanh"', '"tahn"'))
    assert error.key == "[network] activations, item 1"
    assert "did you mean 'tanh'?" in str(error)


def test_sizes_must_be_positive_integers(error_for, tiny_toml):
    error = error_for(tiny_toml.replace("sizes = [2, 3, 1]", "sizes = [2, 0]"))
    assert str(error).endswith(
        "[network] sizes: expected a list of at least two positive integers, got [2, 0]"
    )


def test_activation_count_must_match_the_layers(error_for, tiny_toml):
    error = error_for(tiny_toml.replace('["tanh", "sigmoid"]', '["sigmoid"]'))
    assert "expected a list of 2 names" in str(error)


def test_data_width_must_match_the_input_layer(error_for, tiny_toml):
    error = error_for(tiny_toml.replace("sizes = [2, 3, 1]", "sizes = [3, 3, 1]"))
    assert "2 input column(s)" in str(error) and "takes 3" in str(error)


def test_class_count_must_match_the_output_layer(error_for, tiny_toml):
    text = tiny_toml.replace("sizes = [2, 3, 1]", "sizes = [2, 3, 3]")
    text = text.replace('"sigmoid"]', '"softmax"]').replace('"bce"', '"cross_entropy"')
    text = text.replace("[[0.0], [1.0], [1.0], [0.0]]", "[[1, 0], [0, 1], [0, 1], [1, 0]]")
    error = error_for(text)
    assert error.key == "[data] inputs"
    assert "2 classes" in str(error) and "3 unit(s)" in str(error)


def test_regression_target_width_must_match_the_output_layer(error_for, tiny_toml):
    text = tiny_toml.replace('"sigmoid"]', '"linear"]').replace('"bce"', '"mse"')
    text = text.replace("[[0.0], [1.0], [1.0], [0.0]]", "[[0.5, 1], [2, 1], [1, 1], [0, 1]]")
    error = error_for(text)
    assert "2 target column(s)" in str(error) and "1 unit(s)" in str(error)


def test_nan_in_inline_data_is_located(error_for, tiny_toml):
    error = error_for(tiny_toml.replace("[1.0, 0.0], [1.0, 1.0]]", "[nan, 0.0], [1.0, 1.0]]"))
    assert error.key == "[data] inputs, row 3, item 1"  # counted from 1
    assert "finite number, got nan" in str(error)


def test_non_numeric_inline_data_is_located(error_for, tiny_toml):
    error = error_for(tiny_toml.replace("[[0.0], [1.0]", '[["no"], [1.0]'))
    assert error.key == "[data] targets, row 1, item 1"
    assert 'expected a number, got "no"' in str(error)


def test_missing_csv_is_named_relative_to_the_preset(tmp_path, error_for, tiny_toml):
    text = tiny_toml.split("[data]")[0].replace("sizes = [2, 3, 1]", "sizes = [4, 3, 1]")
    text += '[data]\ncsv = "nowhere.csv"\ntarget = "y"\n'
    error = error_for(text)
    assert error.key == "[data] csv"
    assert "nowhere.csv" in str(error) and str(tmp_path) in str(error)


def test_missing_target_column_suggests_the_close_one(tmp_path, error_for, tiny_toml):
    (tmp_path / "flowers.csv").write_text("a,b,species\n1,2,x\n3,4,y\n5,6,x\n")
    text = tiny_toml.split("[data]")[0]
    text += '[data]\ncsv = "flowers.csv"\ntarget = "specie"\n'
    error = error_for(text)
    assert error.key == "[data] target"
    assert "did you mean 'species'?" in str(error)


def test_bad_csv_cell_is_reported_with_the_preset_file(tmp_path, error_for, tiny_toml):
    (tmp_path / "d.csv").write_text("a,b,y\n1,2,0\n3,oops,1\n")
    text = tiny_toml.split("[data]")[0] + '[data]\ncsv = "d.csv"\ntarget = "y"\n'
    error = error_for(text)
    assert "line 3" in str(error) and "oops" in str(error)


def test_bce_needs_a_sigmoid_output(error_for, tiny_toml):
    error = error_for(tiny_toml.replace('["tanh", "sigmoid"]', '["tanh", "linear"]'))
    assert error.key == "[loss] kind"
    assert "bce needs a sigmoid output layer" in str(error)


def test_softmax_is_only_allowed_on_the_output_layer(error_for, tiny_toml):
    error = error_for(tiny_toml.replace('["tanh", "sigmoid"]', '["softmax", "sigmoid"]'))
    assert "only allowed on the output layer" in str(error)


def test_unknown_loss_and_optimizer_names_are_reported(error_for, tiny_toml):
    assert "did you mean 'bce'" in str(error_for(tiny_toml.replace('"bce"', '"bcee"')))
    error = error_for(tiny_toml.replace('kind = "sgd"', 'kind = "adamm"'))
    assert error.key == "[optimizer] kind" and "did you mean 'adam'" in str(error)


def test_an_option_of_another_optimizer_is_rejected(error_for, tiny_toml):
    error = error_for(
        tiny_toml.replace("learning_rate = 0.5", "learning_rate = 0.5\nbetas = [0.9, 0.99]"),
    )
    assert "not an option of 'sgd'" in str(error)


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("learning_rate = 0.5", "learning_rate = 0", "[optimizer] learning_rate"),
        ("learning_rate = 0.5", 'learning_rate = "fast"', "[optimizer] learning_rate"),
        ("epochs = 5", "epochs = 0", "[training] epochs"),
        ("epochs = 5", "epochs = 5\nbatch_size = -1", "[training] batch_size"),
        ("[data]", "[data]\ntest_fraction = 1.0", "[data] test_fraction"),
        ("[data]", "[data]\nnoise = 0.1", "[data] noise"),
        ("[data]", '[data]\ngenerator = "xor"', "[data]"),
    ],
)
def test_out_of_range_or_misplaced_values_name_their_key(old, new, key, error_for, tiny_toml):
    assert error_for(tiny_toml.replace(old, new)).key == key


@pytest.mark.parametrize(
    ("old", "new", "key", "hint"),
    [
        ("[network]", '[network]\ninit = "xavir"', "[network] init", "'xavier'"),
        ("[network]", '[network]\ndtype = "float16"', "[network] dtype", "float32"),
        ("inputs = [[0.0, 0.0],", 'generator = "moon"\n#', "[data] generator", "'moons'"),
    ],
)
def test_unknown_names_suggest_a_known_one(old, new, key, hint, error_for, tiny_toml):
    text = tiny_toml.replace(old, new).replace("targets = [[0.0], [1.0], [1.0], [0.0]]", "")
    error = error_for(text)
    assert error.key == key
    assert hint in str(error)


def test_a_refused_generator_option_is_named(error_for, tiny_toml):
    text = tiny_toml.split("[data]")[0] + '[data]\ngenerator = "spiral"\nclasses = 1\n'
    error = error_for(text)
    assert error.key == "[data] classes"
    assert "≥ 2" in str(error)


def test_float32_weights_that_would_overflow_are_refused(error_for, tiny_toml):
    text = tiny_toml.replace(
        "[network]",
        '[network]\ndtype = "float32"\nweights = [[[1e39, 0], [0, 0], [0, 0]], [[0, 0, 0]]]',
    )
    error = error_for(text)
    assert error.key == "[network] weights[0]" and "float32" in str(error)


def test_a_path_that_does_not_exist_is_reported(tmp_path):
    with pytest.raises(PresetError, match="no such file") as info:
        load(tmp_path / "missing.toml")
    assert info.value.file == str(tmp_path / "missing.toml")


def test_an_unknown_name_lists_the_shipped_presets_with_a_suggestion():
    with pytest.raises(PresetError) as info:
        load("xro")
    assert "did you mean 'xor'?" in str(info.value)
    assert "seed-toy" in str(info.value)


def test_preset_errors_are_backprop_errors():
    assert issubclass(PresetError, BackpropError)


# -- writing --------------------------------------------------------------------------


def trained(name: str, steps: int = 3):
    preset = load(name)
    trainer = build_trainer(preset)
    for _ in range(steps):
        trainer.step()
    return preset, trainer


@pytest.mark.parametrize("name", ["xor", "iris", "seed-scalar"])
def test_save_then_load_reproduces_weights_and_biases_bit_for_bit(tmp_path, name):
    preset, trainer = trained(name)
    path = preset_writer.save(tmp_path / "saved.toml", preset, trainer.network)
    again = load(path)
    rebuilt = build_network(again)
    for before, after in zip(
        trainer.network.W + trainer.network.b, rebuilt.W + rebuilt.b, strict=True
    ):
        assert np.array_equal(before, after)
    assert again.description == preset.description
    assert again.graph == preset.graph
    assert len(load_data(again)[0]) == len(load_data(preset)[0])


def test_float32_weights_round_trip_bit_for_bit(tmp_path, preset_file, tiny_toml):
    text = tiny_toml.replace(
        'activations = ["tanh", "sigmoid"]', 'activations = ["tanh", "sigmoid"]\ndtype = "float32"'
    )
    preset = load(preset_file(text))
    trainer = build_trainer(preset)
    trainer.step()
    saved = preset_writer.save(tmp_path / "f32.toml", preset, trainer.network)
    rebuilt = build_network(load(saved))
    assert rebuilt.dtype == np.float32
    assert all(np.array_equal(a, b) for a, b in zip(trainer.network.W, rebuilt.W, strict=True))


def test_to_toml_takes_the_optimizers_settings(tmp_path):
    preset, trainer = trained("moons")
    trainer.optimizer.lr = 0.125
    again = presets.parse(
        preset_writer.to_toml(preset, trainer.network, trainer.optimizer), path=tmp_path / "x.toml"
    )
    assert again.optimizer == "adam" and again.learning_rate == 0.125


def test_a_saved_csv_preset_still_finds_its_csv_from_another_folder(tmp_path, monkeypatch):
    preset, trainer = trained("iris")
    target = tmp_path / "deep" / "nested" / "mine.toml"
    target.parent.mkdir(parents=True)
    preset_writer.save(target, preset, trainer.network)
    monkeypatch.chdir(tmp_path)
    assert len(load_data(load(target))[0]) == 120


def test_a_failing_save_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    preset, trainer = trained("xor")
    path = tmp_path / "keep.toml"
    path.write_text("old contents")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        preset_writer.save(path, preset, trainer.network)
    assert path.read_text() == "old contents"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.toml"]


def test_a_failing_writer_leaves_the_old_file(tmp_path, monkeypatch):
    preset, trainer = trained("xor")
    path = tmp_path / "keep.toml"
    path.write_text("old contents")

    def broken_dumps(*args, **kwargs):
        raise ValueError("cannot write")

    monkeypatch.setattr(preset_writer.tomli_w, "dumps", broken_dumps)
    with pytest.raises(ValueError, match="cannot write"):
        preset_writer.save(path, preset, trainer.network)
    assert path.read_text() == "old contents"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.toml"]

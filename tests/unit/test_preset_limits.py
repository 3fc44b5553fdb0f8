"""What a preset may ask for is bounded before anything is allocated: parameters, rows,
classes, activations, nesting. Each refusal is a one-line PresetError naming the file
and the key, how much was asked and the limit."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from backprop_tui.core.config import limits
from backprop_tui.core.config.presets import PresetError, build_trainer, load
from backprop_tui.core.data import limits as data_limits


@pytest.fixture
def preset(preset_file, bare_toml):
    """`preset(sizes, activations, data)`: a preset file with that network, an mse loss and
    those `[data]` lines."""
    return lambda sizes, activations, data: preset_file(
        bare_toml(data, sizes, activations), "big.toml"
    )


def refusal(path: Path) -> PresetError:
    with pytest.raises(PresetError) as info:
        load(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    return info.value


def test_a_layer_of_two_to_the_63_units_is_refused_with_its_parameter_count(preset):
    error = refusal(
        preset("[2, 9223372036854775807, 1]", '["tanh", "linear"]', 'generator = "xor"')
    )
    assert error.key == "[network] sizes"
    n = 2 * (2**63 - 1) + (2**63 - 1) + (2**63 - 1) + 1
    assert f"{n:,} parameters" in str(error)
    assert "the limit is 10,000,000 (80 MB)" in str(error)


def test_two_layers_of_300000_units_are_refused_before_any_weight_is_drawn(preset):
    error = refusal(
        preset(
            "[2, 300000, 300000, 1]",
            '["tanh", "tanh", "linear"]',
            'generator = "xor"',
        )
    )
    assert error.key == "[network] sizes"
    assert "90,001,500,001 parameters (720 GB as float64)" in str(error)


def test_a_hundred_thousand_classes_are_refused(preset):
    path = preset(
        "[2, 4, 100000]",
        '["tanh", "softmax"]',
        'generator = "spiral"\nclasses = 100000',
    )
    path.write_text(path.read_text().replace('"mse"', '"cross_entropy"'))
    error = refusal(path)
    assert error.key == "[data] classes"
    assert "classes must be at most 1,000, got 100,000" in str(error)


def test_ten_billion_samples_are_refused(preset):
    error = refusal(preset("[2, 1]", '["sigmoid"]', 'generator = "xor"\nn_samples = 10000000000'))
    assert error.key == "[data] n_samples"
    assert "10,000,000,000 rows; the limit is 5,000,000" in str(error)


def test_a_wide_network_on_many_rows_is_refused_for_its_activations(preset):
    error = refusal(
        preset(
            "[2, 1000, 1000, 1]",
            '["tanh", "tanh", "linear"]',
            'generator = "moons"\nn_samples = 100000',
        )
    )
    assert error.key == "[network] sizes"
    assert "100,000 rows × 2,003 units are 200,300,000 activations" in str(error)
    assert "the limit is 50,000,000" in str(error)


def test_sizes_nested_five_hundred_deep_are_a_preset_error_not_a_recursion_error(preset):
    nested = "[" * 500 + "2" + "]" * 500
    error = refusal(preset(nested, '["linear"]', 'generator = "xor"'))
    assert "nested" in str(error) and "16 deep" in str(error)


def test_sizes_nested_thirty_deep_name_their_key(preset):
    nested = "[" * 30 + "2" + "]" * 30
    error = refusal(preset(nested, '["linear"]', 'generator = "xor"'))
    assert error.key == "[network] sizes"
    assert "nested 31 deep" in str(error)


def test_a_toml_nested_five_thousand_deep_says_it_is_nested_too_deep(tmp_path):
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * 5000 + "1" + "]" * 5000 + "\n", encoding="utf-8")
    error = refusal(path)
    assert "nested too deep to read" in str(error)


def test_the_limits_hold_a_784_512_512_10_network_and_a_10_mb_csv():
    sizes = (784, 512, 512, 10)
    assert limits.parameter_count(sizes) == 669_706
    assert limits.too_many_parameters(sizes) is None
    assert data_limits.MAX_CSV_BYTES >= 10_000_000
    # A 10 MB file of 785 one-digit columns has at most 10 MB / (785 × 2 bytes) rows.
    rows = 10_000_000 // (785 * 2)
    assert limits.too_many_activations(rows, sizes) is None
    assert rows * 785 <= data_limits.MAX_DATA_VALUES
    # Its weights saved in a preset take about 15 MB of TOML.
    assert limits.MAX_PRESET_BYTES >= 20_000_000


def test_a_784_512_512_10_network_loads_and_builds(tmp_path):
    header = ",".join([f"p{i}" for i in range(784)] + ["label"])
    rows = [",".join(["0"] * 784 + [str(k % 10)]) for k in range(20)]
    (tmp_path / "digits.csv").write_text("\n".join([header, *rows]) + "\n")
    path = tmp_path / "digits.toml"
    path.write_text(
        textwrap.dedent(
            """
            [network]
            sizes = [784, 512, 512, 10]
            activations = ["relu", "relu", "softmax"]
            [loss]
            kind = "cross_entropy"
            [data]
            csv = "digits.csv"
            target = "label"
            task = "classification"
            """
        )
    )
    trainer = build_trainer(load(path))
    assert trainer.network.sizes == [784, 512, 512, 10]
    assert trainer.train_data.Y.shape == (20, 10)

"""Generators and CSV loading: shapes, determinism, geometry and every error message."""

import re
import time
from pathlib import Path

import numpy as np
import pytest
from backprop_tui.core.data import csv as csv_module
from backprop_tui.core.data import generators
from backprop_tui.core.data.csv import load_csv
from backprop_tui.core.data.dataset import one_hot_rows
from backprop_tui.core.data.files import DataError
from backprop_tui.core.data.generators import GENERATORS, generate
from backprop_tui.core.errors import BackpropError, UnknownNameError

IRIS = Path(__file__).resolve().parents[2] / "presets" / "iris.csv"
CLASSIFIERS = ["xor", "circles", "moons", "spiral", "gaussians"]


def write(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- generators -------------------------------------------------------------


def test_every_generator_is_registered():
    assert set(GENERATORS) == {"xor", "circles", "moons", "spiral", "gaussians", "sine"}


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_two_class_generators_give_two_inputs_and_one_balanced_zero_one_column(name):
    data = generate(name, n_samples=200, noise=0.1, seed=3)
    assert data.X.shape == (200, 2)
    assert data.Y.shape == (200, 1)
    assert data.task == "classification"
    assert data.class_names == ("0", "1")
    assert data.feature_names == ("x1", "x2")
    assert set(np.unique(data.Y)) == {0.0, 1.0}
    assert data.Y.sum() == 100
    assert np.isfinite(data.X).all()


@pytest.mark.parametrize("name", ["circles", "moons", "spiral", "gaussians"])
def test_one_hot_option_gives_two_target_columns(name):
    data = generate(name, n_samples=50, one_hot=True)
    assert data.Y.shape == (50, 2)
    np.testing.assert_array_equal(data.Y.sum(axis=1), 1.0)
    assert data.Y.sum(axis=0).tolist() == [25.0, 25.0]


@pytest.mark.parametrize("name", ["spiral", "gaussians"])
def test_more_than_two_classes_give_balanced_one_hot_rows(name):
    data = generate(name, n_samples=301, classes=3, seed=1)
    assert data.Y.shape == (301, 3)
    assert data.class_names == ("0", "1", "2")
    np.testing.assert_array_equal(data.Y.sum(axis=1), 1.0)
    assert data.Y.sum(axis=0).tolist() == [101.0, 100.0, 100.0]


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_same_seed_gives_identical_arrays_and_another_seed_different_ones(name):
    n = 40
    first = generate(name, n_samples=n, noise=0.1, seed=7)
    again = generate(name, n_samples=n, noise=0.1, seed=7)
    other = generate(name, n_samples=n, noise=0.1, seed=8)
    np.testing.assert_array_equal(first.X, again.X)
    np.testing.assert_array_equal(first.Y, again.Y)
    assert not np.array_equal(first.X, other.X)


def test_xor_by_default_is_the_four_exact_points():
    data = generate("xor")
    np.testing.assert_array_equal(data.X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(data.Y, [[0], [1], [1], [0]])
    assert data.task == "classification"


def test_xor_with_more_samples_scatters_around_the_corners_with_the_right_labels():
    data = generate("xor", n_samples=400, noise=0.05, seed=0)
    corner = np.round(data.X)
    assert np.abs(data.X - corner).max() < 0.3
    np.testing.assert_array_equal(data.Y[:, 0], np.logical_xor(corner[:, 0], corner[:, 1]))


def test_noise_free_circles_lie_on_radius_one_and_the_factor():
    data = generate("circles", n_samples=100, noise=0.0, seed=0)
    radius = np.linalg.norm(data.X, axis=1)
    np.testing.assert_allclose(radius[data.Y[:, 0] == 0], 1.0, atol=1e-12)
    np.testing.assert_allclose(radius[data.Y[:, 0] == 1], 0.5, atol=1e-12)


def test_noise_free_moons_follow_sklearns_half_circles():
    data = generate("moons", n_samples=100, noise=0.0)
    upper = data.X[data.Y[:, 0] == 0]
    lower = data.X[data.Y[:, 0] == 1] - [1.0, 0.5]
    np.testing.assert_allclose(np.linalg.norm(upper, axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(lower, axis=1), 1.0, atol=1e-12)
    assert (upper[:, 1] >= -1e-12).all() and (lower[:, 1] <= 1e-12).all()


def test_noise_free_spiral_arms_are_opposite_each_other():
    data = generate("spiral", n_samples=200, noise=0.0)
    arm0 = data.X[data.Y[:, 0] == 0]
    arm1 = data.X[data.Y[:, 0] == 1]
    # Arm 1 is arm 0 turned by π: the same points with both coordinates negated.
    key = lambda points: sorted(map(tuple, np.round(points, 9)))  # noqa: E731
    assert key(arm1) == key(-arm0)
    assert np.linalg.norm(data.X, axis=1).max() < 1.0


def test_sine_targets_stay_within_a_few_noise_sigmas_of_sin_x():
    data = generate("sine", n_samples=500, noise=0.05, seed=2)
    assert data.X.shape == (500, 1) and data.Y.shape == (500, 1)
    assert data.task == "regression"
    assert data.X.min() >= -np.pi and data.X.max() <= np.pi
    residual = data.Y - np.sin(data.X)
    assert np.abs(residual).max() < 5 * 0.05
    assert residual.std() == pytest.approx(0.05, rel=0.15)


def test_unknown_generator_suggests_the_closest_name():
    with pytest.raises(UnknownNameError, match="did you mean 'spiral'"):
        generate("spirl")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_samples": 0}, "n_samples must be a whole number ≥ 1, got 0"),
        ({"noise": -0.1}, "noise must be a finite number ≥ 0, got -0.1"),
        ({"classes": 1}, "classes must be a whole number ≥ 2"),
        ({"clases": 3}, "no option 'clases' \\(did you mean 'classes'\\?\\)"),
    ],
)
def test_bad_generator_arguments_raise_clear_value_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        generate("spiral", **kwargs)


# --- CSV --------------------------------------------------------------------


def test_iris_loads_as_150_rows_of_4_features_and_3_balanced_one_hot_classes():
    data = load_csv(IRIS, "species", standardize=False)
    assert data.X.shape == (150, 4) and data.Y.shape == (150, 3)
    assert data.task == "classification"
    assert data.class_names == ("setosa", "versicolor", "virginica")
    assert data.feature_names == ("sepal_length", "sepal_width", "petal_length", "petal_width")
    np.testing.assert_array_equal(data.Y.sum(axis=1), 1.0)
    assert data.Y.sum(axis=0).tolist() == [50.0, 50.0, 50.0]
    np.testing.assert_allclose(
        data.X.mean(axis=0), [5.843333, 3.057333, 3.758, 1.199333], atol=1e-6
    )
    setosa = data.X[data.Y[:, 0] == 1]
    np.testing.assert_allclose(setosa.mean(axis=0), [5.006, 3.428, 1.462, 0.246], atol=1e-9)


def test_standardized_iris_has_zero_mean_unit_std_and_records_how_to_undo_it():
    raw = load_csv(IRIS, "species", standardize=False)
    data = load_csv(IRIS, "species")
    np.testing.assert_allclose(data.X.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(data.X.std(axis=0), 1.0, atol=1e-12)
    undone = data.X * np.array(data.meta["feature_std"]) + np.array(data.meta["feature_mean"])
    np.testing.assert_allclose(undone, raw.X, atol=1e-12)


def test_a_constant_feature_column_standardizes_to_zero_not_nan(tmp_path):
    path = write(tmp_path, "a,b,y\n1,5,0\n2,5,1\n3,5,0\n")
    data = load_csv(path, "y")
    np.testing.assert_array_equal(data.X[:, 1], 0.0)
    assert np.isfinite(data.X).all()


def test_numeric_target_is_regression_unless_classification_is_asked_for(tmp_path):
    path = write(tmp_path, "x,y\n0.5,2\n1.5,10\n2.5,2\n")
    regression = load_csv(path, "y", standardize=False)
    assert regression.task == "regression"
    np.testing.assert_array_equal(regression.Y, [[2.0], [10.0], [2.0]])
    classes = load_csv(path, "y", task="classification")
    assert classes.class_names == ("2", "10")
    np.testing.assert_array_equal(classes.Y, [[0.0], [1.0], [0.0]])


def test_selected_features_are_read_in_the_order_given(tmp_path):
    path = write(tmp_path, "a,b,c,label\n1,2,3,no\n4,5,6,yes\n")
    data = load_csv(path, "label", features=["c", "a"], standardize=False)
    np.testing.assert_array_equal(data.X, [[3, 1], [6, 4]])
    assert data.class_names == ("no", "yes")


def test_missing_file_names_the_path(tmp_path):
    missing = tmp_path / "nowhere.csv"
    with pytest.raises(DataError, match=r"nowhere\.csv: no such file"):
        load_csv(missing, "y")


def test_missing_target_column_suggests_a_name_and_lists_the_header():
    with pytest.raises(DataError) as error:
        load_csv(IRIS, "specis")
    message = str(error.value)
    assert "no target column 'specis' (did you mean 'species'?)" in message
    assert "sepal_length, sepal_width, petal_length, petal_width, species" in message
    assert isinstance(error.value, BackpropError)


def test_missing_feature_column_is_named(tmp_path):
    path = write(tmp_path, "alpha,beta,y\n1,2,0\n3,4,1\n")
    with pytest.raises(DataError, match="no feature column 'alpah' \\(did you mean 'alpha'"):
        load_csv(path, "y", features=["alpah"])


def test_a_non_numeric_cell_names_the_file_line_and_column(tmp_path):
    path = write(tmp_path, "height,width,kind\n1,2,a\n3,abc,b\n", name="shapes.csv")
    with pytest.raises(
        DataError,
        match=re.escape("shapes.csv, line 3, column 'width': expected a number, got 'abc'"),
    ):
        load_csv(path, "kind")


@pytest.mark.parametrize(
    ("cell", "shown"), [("nan", "'nan'"), ("-inf", "'-inf'"), ("", "an empty cell")]
)
def test_nan_inf_and_empty_cells_are_rejected_with_their_place(tmp_path, cell, shown):
    path = write(tmp_path, f"x,y\n1,0\n2,1\n{cell},0\n")
    with pytest.raises(DataError, match=f"line 4, column 'x': expected a .*number, got {shown}"):
        load_csv(path, "y")


def test_an_empty_file_and_a_header_only_file_are_rejected(tmp_path):
    with pytest.raises(DataError, match="the file is empty"):
        load_csv(write(tmp_path, ""), "y")
    with pytest.raises(DataError, match="no data rows after the header"):
        load_csv(write(tmp_path, "x,y\n\n"), "y")


def test_a_row_with_the_wrong_number_of_fields_names_its_line(tmp_path):
    path = write(tmp_path, "x,y\n1,0\n2\n")
    with pytest.raises(DataError, match="line 3: expected 2 fields"):
        load_csv(path, "y")


def test_a_non_numeric_regression_target_names_its_line(tmp_path):
    path = write(tmp_path, "x,y\n1,0.5\n2,high\n")
    with pytest.raises(DataError, match=r"line 3, column 'y': expected a number .*got 'high'"):
        load_csv(path, "y", task="regression")


def test_a_single_class_target_is_rejected(tmp_path):
    path = write(tmp_path, "x,y\n1,cat\n2,cat\n")
    with pytest.raises(DataError, match="only one class \\('cat'\\)"):
        load_csv(path, "y")


def test_a_csv_of_40000_columns_and_6_rows_reads_in_time_linear_in_its_cells(tmp_path):
    # Quadratic header handling took 23 s on this file; reading it once takes 0.1 s.
    columns = 40_000
    header = ",".join([f"c{i}" for i in range(columns - 1)] + ["y"])
    rows = [",".join(str((r + i) % 10) for i in range(columns - 1)) + f",{r % 2}" for r in range(6)]
    path = write(tmp_path, "\n".join([header, *rows]) + "\n")
    started = time.process_time()
    features = [f"c{i}" for i in range(columns - 1)]
    data = load_csv(path, "y", features=features, standardize=False)
    seconds = time.process_time() - started
    assert data.X.shape == (6, columns - 1)
    assert data.X[5, 39_998] == (5 + 39_998) % 10
    assert seconds < 5.0


def test_a_missing_column_lists_a_long_header_in_one_short_line(tmp_path):
    header = ",".join(f"column_{i}" for i in range(5_000))
    path = write(tmp_path, header + "\n" + ",".join("1" * 5_000) + "\n")
    with pytest.raises(DataError) as error:
        load_csv(path, "target")
    message = str(error.value)
    assert "(5,000 columns)" in message and len(message) < 600


# --- limits -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_samples": 10**10}, "n_samples must be at most 5,000,000 rows, got 10,000,000,000"),
        ({"classes": 100_000}, "classes must be at most 1,000, got 100,000"),
        (
            {"n_samples": 5_000_000, "classes": 1_000},
            r"5,000,000 rows × 1,002 columns are 5,010,000,000 values \(40.1 GB as float64\); "
            r"the limit is 50,000,000 \(400 MB\)",
        ),
    ],
)
def test_a_generator_refuses_more_than_the_limits_before_drawing(kwargs, message):
    with pytest.raises(generators.OptionError, match=message):
        generate("spiral", **kwargs)


def test_one_hot_rows_are_the_rows_of_the_identity_without_building_it():
    labels = np.array([2, 0, 1, 2])
    np.testing.assert_array_equal(one_hot_rows(labels, 3), np.eye(3)[labels])
    assert one_hot_rows(labels, 3).dtype == np.float64


def test_a_csv_with_more_rows_or_classes_than_the_limits_is_refused(tmp_path, monkeypatch):
    path = write(tmp_path, "x,y\n1,a\n2,b\n3,c\n4,d\n")
    monkeypatch.setattr(csv_module, "MAX_SAMPLES", 3)
    with pytest.raises(DataError, match="more data rows than the limit of 3"):
        load_csv(path, "y")
    monkeypatch.setattr(csv_module, "MAX_SAMPLES", 4)
    monkeypatch.setattr(csv_module, "MAX_CLASSES", 3)
    with pytest.raises(DataError, match="column 'y': 4 classes; the limit is 3"):
        load_csv(path, "y")

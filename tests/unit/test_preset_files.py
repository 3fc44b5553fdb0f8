"""Only regular files are read, within a size limit: a preset or CSV path that is a FIFO,
a device, a folder, too large or too long a name is a PresetError at once."""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

import pytest
from backprop_tui.core.config import limits
from backprop_tui.core.config.presets import PresetError, load
from backprop_tui.core.data import limits as data_limits


def load_in_a_thread(path: str | os.PathLike, fifo: Path | None = None) -> BaseException:
    """What `load(path)` raised, run where a blocking read cannot hang the test: if the
    load is still waiting after a while, writing to `fifo` releases it (and the test
    then fails on its result)."""
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            load(path)
        except BaseException as error:
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=10)
    if thread.is_alive() and fifo is not None:
        with contextlib.suppress(OSError):
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(timeout=10)
    assert not thread.is_alive(), f"load({path}) blocked"
    assert outcome, f"load({path}) raised nothing"
    return outcome[0]


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.toml"
    os.mkfifo(path)
    return path


def test_a_preset_path_that_is_a_fifo_is_refused_without_waiting(fifo):
    error = load_in_a_thread(fifo, fifo)
    assert isinstance(error, PresetError)
    assert str(error) == f"{fifo}: is a FIFO (named pipe), not a regular file"


@pytest.mark.parametrize("device", ["/dev/null", "/dev/zero"])
def test_a_device_is_refused_before_it_is_read(device):
    with pytest.raises(PresetError) as info:
        load(device)
    assert str(info.value) == f"{device}: is a device, not a regular file"


def test_a_folder_is_refused(tmp_path):
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    with pytest.raises(PresetError, match="is a folder, not a file"):
        load(folder)


def test_a_file_larger_than_the_limit_is_refused_unread(tmp_path):
    path = tmp_path / "huge.toml"
    with path.open("wb") as handle:
        handle.truncate(limits.MAX_PRESET_BYTES + 1)  # sparse: no disk used
    with pytest.raises(PresetError) as info:
        load(path)
    assert str(info.value) == f"{path}: is 64 MB; the limit is 64 MB"


@pytest.mark.parametrize("name", ["a" * 300, "a" * 300 + ".toml", "folder/" + "b" * 300])
def test_a_file_name_over_255_bytes_is_a_preset_error(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder").mkdir()
    with pytest.raises(PresetError) as info:
        load(name)
    assert "the file name is too long" in str(info.value)
    assert len(str(info.value)) < 400


@pytest.fixture
def csv_preset(preset_file, bare_toml):
    """`csv_preset(csv)`: a preset file that reads its data from `csv` (target column y)."""
    return lambda csv: preset_file(bare_toml(f'csv = "{csv}"\ntarget = "y"'), "p.toml")


def test_a_csv_that_is_a_fifo_is_refused_without_waiting(tmp_path, csv_preset):
    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)
    error = load_in_a_thread(csv_preset("pipe.csv"), pipe)
    assert isinstance(error, PresetError)
    assert error.key == "[data] csv"
    assert "is a FIFO (named pipe), not a regular file" in str(error)


def test_a_csv_that_is_a_device_or_a_folder_is_refused(tmp_path, csv_preset):
    with pytest.raises(PresetError, match="is a device, not a regular file"):
        load(csv_preset("/dev/zero"))
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(PresetError, match="is a folder, not a file"):
        load(csv_preset("folder.csv"))


def test_a_csv_larger_than_the_limit_is_refused_unread(tmp_path, csv_preset):
    with (tmp_path / "huge.csv").open("wb") as handle:
        handle.truncate(data_limits.MAX_CSV_BYTES + 1)
    with pytest.raises(PresetError) as info:
        load(csv_preset("huge.csv"))
    assert info.value.key == "[data] csv"
    assert "is 32 MB; the limit is 32 MB" in str(info.value)


def test_a_csv_name_over_255_bytes_is_a_preset_error(csv_preset):
    with pytest.raises(PresetError) as info:
        load(csv_preset("c" * 300 + ".csv"))
    assert info.value.key == "[data] csv"
    assert "the file name is too long" in str(info.value)

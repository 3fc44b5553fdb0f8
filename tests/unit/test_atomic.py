"""Atomic writes: the whole file or the old one, and a readable reason when refused."""

import os

import pytest
from backprop_tui.core.atomic import WriteError, write_text_atomic
from backprop_tui.core.errors import BackpropError


def test_write_replaces_the_file_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "trace.md"
    target.write_text("old\n")
    assert write_text_atomic(target, "new text\n") == target.resolve()
    assert target.read_text() == "new text\n"
    assert os.listdir(tmp_path) == ["trace.md"]


def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary(tmp_path, monkeypatch):
    target = tmp_path / "preset.toml"
    target.write_text("old\n")

    def refuse(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(WriteError, match="No space left on device"):
        write_text_atomic(target, "new\n")
    assert target.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["preset.toml"]


def test_a_missing_folder_is_named_in_a_user_error(tmp_path):
    with pytest.raises(BackpropError, match=r"nowhere.*does not exist"):
        write_text_atomic(tmp_path / "nowhere" / "trace.md", "text")


def test_a_folder_is_not_a_file_name(tmp_path):
    with pytest.raises(WriteError, match="is a folder"):
        write_text_atomic(tmp_path, "text")


def test_newline_empty_keeps_the_texts_own_line_endings(tmp_path):
    target = tmp_path / "history.csv"
    write_text_atomic(target, "a,b\r\n1,2\r\n", newline="")
    assert target.read_bytes() == b"a,b\r\n1,2\r\n"

"""One helper makes every "did you mean" hint: in core, only core/text.py asks difflib."""

from __future__ import annotations

from pathlib import Path

from backprop_tui.core.text import closest, did_you_mean

CORE = Path(__file__).resolve().parents[2] / "core"


def test_the_closest_known_name_is_suggested():
    assert closest("tahn", ["relu", "tanh", "sigmoid"]) == "tanh"
    assert did_you_mean("tahn", ["relu", "tanh"]) == " (did you mean 'tanh'?)"


def test_nothing_is_suggested_when_nothing_is_close():
    assert closest("zzz", ["relu", "tanh"]) is None
    assert did_you_mean("zzz", ["relu", "tanh"]) == ""


def test_a_stricter_cutoff_suggests_less():
    assert closest("trian", ["train"], cutoff=0.75) == "train"
    assert closest("tr", ["train"], cutoff=0.75) is None


def test_a_suggested_name_from_a_file_is_escaped():
    assert did_you_mean("specis", ["species\x1b[2J"]) == " (did you mean 'species\\x1b[2J'?)"


def test_in_core_only_the_text_module_uses_difflib():
    users = sorted(
        str(path.relative_to(CORE))
        for path in CORE.rglob("*.py")
        if "difflib" in path.read_text(encoding="utf-8")
    )
    assert users == ["text.py"]

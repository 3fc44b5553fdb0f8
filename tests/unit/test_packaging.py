"""What an install ships: one top-level package, `backprop_tui`, with every subpackage and
the presets' data files."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOPS = ("core", "tui", "presets")


def _setuptools() -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["setuptools"]


def _on_disk() -> set[str]:
    return {
        "backprop_tui." + ".".join(init.parent.relative_to(ROOT).parts)
        for top in TOPS
        for init in (ROOT / top).rglob("__init__.py")
    }


def test_every_package_in_the_tree_is_listed_under_backprop_tui():
    listed = set(_setuptools()["packages"])
    assert listed == _on_disk()
    assert _setuptools()["package-dir"] == {f"backprop_tui.{top}": top for top in TOPS}


def test_preset_and_stylesheet_files_are_package_data():
    data = _setuptools()["package-data"]
    for path in (ROOT / "presets").iterdir():
        if path.suffix in (".toml", ".csv"):
            assert f"*{path.suffix}" in data["backprop_tui.presets"], path.name
    for path in (ROOT / "tui").rglob("*.tcss"):
        pattern = f"{path.parent.relative_to(ROOT / 'tui').as_posix()}/*.tcss"
        assert pattern in data["backprop_tui.tui"], path


def test_the_wheel_has_one_top_level_name(tmp_path):
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = tmp_path.glob("backprop_tui-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert tops == {"backprop_tui"}
    assert "backprop_tui/presets/xor.toml" in names
    assert "backprop_tui/tui/styles/app.tcss" in names
    assert "backprop_tui/core/nn/network.py" in names

"""What a non-editable install ships: every package and the presets' data files."""

import tomllib
from pathlib import Path

from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[1]


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_package_in_the_tree_is_shipped():
    include = _config()["tool"]["setuptools"]["packages"]["find"]["include"]
    shipped = set(find_packages(str(ROOT), include=include))
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("core", "tui", "presets")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert on_disk <= shipped, f"not shipped: {sorted(on_disk - shipped)}"
    assert not any(name.startswith("tests") for name in shipped)


def test_preset_and_stylesheet_files_are_package_data():
    data = _config()["tool"]["setuptools"]["package-data"]
    for path in (ROOT / "presets").iterdir():
        if path.suffix in (".toml", ".csv"):
            assert f"*{path.suffix}" in data["presets"], path.name
    for path in (ROOT / "tui").rglob("*.tcss"):
        assert path.parent == ROOT / "tui" and "*.tcss" in data["tui"], path

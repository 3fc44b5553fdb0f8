"""`tui.compat`, the one module that uses Textual's private parts: the version it
accepts, that no other module uses them, and what each of its helpers does."""

from __future__ import annotations

import ast
import contextlib
import importlib
import inspect
import io
import sys
import tomllib
from pathlib import Path

import pytest
from backprop_tui.core.errors import BackpropError
from backprop_tui.tui import compat
from rich.console import Console
from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.strip import Strip
from textual.widgets import Static

ROOT = Path(__file__).resolve().parents[2]
PRIVATE_PARTS = ("textual", "textual_plotext", "plotext")


@pytest.mark.parametrize("found", ["8.3.0", "9.0.1", "8.1.9", "0.86.3", "unknown"])
def test_a_textual_outside_the_supported_minor_version_is_refused_naming_both(found) -> None:
    with pytest.raises(compat.UnsupportedTextualError) as refused:
        compat.check_textual_version(found)
    message = str(refused.value)
    assert f"Textual {found} is installed" in message
    assert compat.SUPPORTED_RANGE in message
    # The command line reports a BackpropError as one line, without a traceback.
    assert isinstance(refused.value, BackpropError)


@pytest.mark.parametrize("found", ["8.2.0", "8.2.8", "8.2.10rc1"])
def test_every_release_of_the_supported_minor_version_is_accepted(found) -> None:
    compat.check_textual_version(found)


def test_pyproject_pins_textual_to_the_range_compat_supports() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    textual = [d for d in project["dependencies"] if d.startswith("textual") and "plot" not in d]
    assert textual == [f"textual{compat.SUPPORTED_RANGE}"]
    major, minor = compat.SUPPORTED
    assert f">={major}.{minor},<{major}.{minor + 1}" == compat.SUPPORTED_RANGE


def _private_uses(path: Path, module: object) -> list[str]:
    """`obj._name` on anything but self, and `self._name` where a Textual base class of
    the enclosing class has that name (used, or shadowed by accident)."""
    tree = ast.parse(path.read_text())
    found = [
        f"{ast.unparse(node)} (line {node.lineno})"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
        and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
    ]
    classes = {node.name: node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}
    for name, cls in inspect.getmembers(module, inspect.isclass):
        if cls.__module__ != module.__name__ or name not in classes:  # type: ignore[attr-defined]
            continue
        names: set[str] = set()
        for base in cls.__mro__:
            if base.__module__.split(".")[0] in PRIVATE_PARTS:
                names |= set(vars(base))
                with contextlib.suppress(TypeError):  # what its instances get in __init__
                    names |= set(vars(base()))
        for node in ast.walk(classes[name]):
            used = (
                node.attr
                if isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "self"
                else node.name
                if isinstance(node, ast.FunctionDef)
                else ""
            )
            if used.startswith("_") and not used.startswith("__") and used in names:
                found.append(f"{name}: self.{used} (line {node.lineno})")
    return found


def test_no_module_but_compat_uses_a_private_name_of_textual() -> None:
    uses = {}
    for path in sorted((ROOT / "tui").rglob("*.py")):
        if path.name in ("compat.py", "__main__.py"):
            continue
        parts = path.relative_to(ROOT).with_suffix("").parts
        parts = parts[:-1] if parts[-1] == "__init__" else parts
        module = importlib.import_module("backprop_tui." + ".".join(parts))
        if found := _private_uses(path, module):
            uses[str(path.relative_to(ROOT))] = found
    assert uses == {}


def test_the_private_name_check_finds_what_the_matrix_table_used_to_use(tmp_path) -> None:
    source = (
        "from textual.widgets import DataTable\n"
        "class Table(DataTable):\n"
        "    def _render_cell(self, row):\n"
        "        return self._data[row], other._compositor\n"
    )
    module = type(sys)("old_table")
    exec(compile(source, "old_table", "exec"), module.__dict__)
    module.Table.__module__ = "old_table"
    path = tmp_path / "old_table.py"
    path.write_text(source)
    found = _private_uses(path, module)
    assert any("other._compositor" in use for use in found)
    assert any("self._data" in use for use in found)
    assert any("self._render_cell" in use for use in found)


def test_a_strip_divided_at_its_own_length_is_not_kept_by_itself() -> None:
    compat.apply()
    strip = Strip([Segment("abc"), Segment("de")])
    before = sys.getrefcount(strip)
    parts = strip.divide([5])
    assert parts == [strip]
    del parts
    # Unpatched, the strip's own cache holds [strip]: one reference more, in a cycle.
    assert sys.getrefcount(strip) == before


def test_other_cuts_divide_as_before() -> None:
    compat.apply()
    strip = Strip([Segment("abcde")])
    parts = strip.divide([2, 5])
    assert [part.text for part in parts] == ["ab", "cde"]
    assert [part.text for part in strip.divide(iter([2, 5]))] == ["ab", "cde"]


class TwoLines(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("first: old", id="first")
        yield Static("second: old", id="second")


def _text(update: object) -> str:
    """What an update sends to the terminal, as text (escape codes and all)."""
    console = Console(file=io.StringIO(), width=40, height=4, force_terminal=True)
    console.print(update, end="")
    return console.file.getvalue()  # type: ignore[attr-defined]


async def test_an_app_asked_to_exit_is_exiting() -> None:
    app = TwoLines()
    async with app.run_test(size=(40, 4)) as pilot:
        await pilot.pause()
        assert not compat.is_exiting(app)
        app.exit()
        assert compat.is_exiting(app)


async def test_paint_now_paints_one_widget_and_keeps_the_others_pending() -> None:
    app = TwoLines()
    async with app.run_test(size=(40, 4)) as pilot:
        await pilot.pause()
        painted: list[str] = []
        original = app._display

        def display(screen, update) -> None:
            if update is not None:
                painted.append(_text(update))
            original(screen, update)

        app._display = display
        first, second = app.query_one("#first", Static), app.query_one("#second", Static)
        second.update("second: new")
        first.update("first: new")
        compat.paint_now(first)
        assert "first: new" in "".join(painted)
        assert "second: new" not in "".join(painted)
        await pilot.pause()
        await pilot.pause()
        assert "second: new" in "".join(painted)

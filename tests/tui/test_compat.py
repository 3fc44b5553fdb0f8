"""The Textual fix: a strip divided at its own length is not kept alive by itself."""

from __future__ import annotations

import io
import sys

from backprop_tui.tui import compat
from rich.console import Console
from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.strip import Strip
from textual.widgets import Static


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

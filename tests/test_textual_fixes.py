"""The Textual fix: a strip divided at its own length is not kept alive by itself."""

from __future__ import annotations

import sys

from rich.segment import Segment
from textual.strip import Strip

from tui import textual_fixes


def test_a_strip_divided_at_its_own_length_is_not_kept_by_itself() -> None:
    textual_fixes.apply()
    strip = Strip([Segment("abc"), Segment("de")])
    before = sys.getrefcount(strip)
    parts = strip.divide([5])
    assert parts == [strip]
    del parts
    # Unpatched, the strip's own cache holds [strip]: one reference more, in a cycle.
    assert sys.getrefcount(strip) == before


def test_other_cuts_divide_as_before() -> None:
    textual_fixes.apply()
    strip = Strip([Segment("abcde")])
    parts = strip.divide([2, 5])
    assert [part.text for part in parts] == ["ab", "cde"]
    assert [part.text for part in strip.divide(iter([2, 5]))] == ["ab", "cde"]

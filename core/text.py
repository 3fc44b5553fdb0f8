"""Text that came from a file or the command line, made safe to echo on a terminal, and
the "did you mean" hint for a misspelt name.

A preset's name, a key, a bad value or a CSV header can hold control characters: a
newline that forges a second line of output, an escape sequence that sets the terminal's
title. Everything echoed from outside goes through `shown` (or `quoted`, its repr form):
control characters are written as escapes (\\n, \\x1b, \\u2028) and long text is cut
with an ellipsis, so a message stays one line of sensible length. `shown_lines` does
the same for text whose line breaks are meant (a preset's description).
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable

SHOWN_LIMIT = 80
"""How many characters of outside text a message echoes at most."""

PATH_LIMIT = 240
"""How many characters of a file's path a message echoes at most (paths run long)."""

LINES_LIMIT = 4000
"""How many characters of outside multi-line text (a description) are kept at most."""


def _escaped(char: str) -> str:
    if char in "\n\r\t":
        return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}[char]
    code = ord(char)
    return (
        f"\\x{code:02x}"
        if code < 0x100
        else f"\\u{code:04x}"
        if code < 0x10000
        else f"\\U{code:08x}"
    )


def _is_control(char: str) -> bool:
    # Cc: C0/C1 controls; Cf: format characters (bidi overrides); Zl/Zp: line breaks;
    # Cs: lone surrogates, which a terminal's encoder cannot write.
    return unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Cs")


def _cut(text: str, limit: int | None) -> str:
    if limit is None or len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + "…"


def shown(text: object, limit: int | None = SHOWN_LIMIT) -> str:
    """`text` as one printable line: control characters escaped, at most `limit`
    characters (then cut, ending in "…"; None keeps it whole)."""
    raw = str(text)
    # Escaping can only lengthen the text: cut the input first so a megabyte value
    # costs no more than its first `limit` characters.
    if limit is not None:
        raw = raw[: limit + 1]
    # isprintable() is False for every character _is_control escapes (and for a few it
    # keeps, such as a no-break space): a quick pass for the usual, plain text.
    safe = raw if raw.isprintable() else "".join(_escaped(c) if _is_control(c) else c for c in raw)
    return _cut(safe, limit)


def quoted(value: object, limit: int | None = SHOWN_LIMIT) -> str:
    """`value` as Python writes it (`'tahn'`, quotes included), then `shown`."""
    if isinstance(value, str) and limit is not None:
        value = value[: limit + 1]
    return shown(repr(value), limit)


def shown_lines(text: object, limit: int = LINES_LIMIT) -> str:
    """Multi-line `text` made printable: its line breaks kept (\\r\\n and \\r read as
    \\n), every other control character escaped, at most `limit` characters."""
    lines = str(text)[: limit + 1].replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return _cut("\n".join(shown(line, None) for line in lines), limit)


def closest(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The choice most like `word` (difflib's ratio ≥ `cutoff`), or None."""
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return matches[0] if matches else None


def did_you_mean(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str:
    """The hint ` (did you mean 'name'?)` for the choice closest to `word`, or "" when
    none is close: the one place every "unknown name" message gets its hint."""
    match = closest(word, choices, cutoff)
    return f" (did you mean {quoted(match)}?)" if match is not None else ""

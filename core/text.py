"""Text that came from a file or the command line, made safe to echo on a terminal.

A preset's name, a key, a bad value or a CSV header can hold control characters: a
newline that forges a second line of output, an escape sequence that sets the terminal's
title. Everything echoed from outside goes through `shown`: control characters are
written as escapes (\\n, \\x1b, \\u2028) and long text is cut with an ellipsis, so a
message stays one line of sensible length.
"""

from __future__ import annotations

import unicodedata

SHOWN_LIMIT = 80
"""How many characters of outside text a message echoes at most."""


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


def shown(text: object, limit: int = SHOWN_LIMIT) -> str:
    """`text` as one printable line: control characters escaped, at most `limit`
    characters (then cut, ending in "…")."""
    safe = "".join(_escaped(c) if _is_control(c) else c for c in str(text))
    return safe if len(safe) <= limit else safe[: max(limit - 1, 0)] + "…"

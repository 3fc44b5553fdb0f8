"""Reading one value of a parsed preset: the typed readers every table's check uses,
and `PresetError`, the one exception they raise.

Each reader takes the key as messages name it ("[optimizer] learning_rate") and the
value as parsed, and returns the value typed, or raises `PresetError` naming the file,
the key and what was expected. Values from the file are echoed through `core.text`
(escaped, cut), so a message is always one line.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from backprop_tui.core.errors import BackpropError, UnknownNameError
from backprop_tui.core.text import PATH_LIMIT, closest, quoted, shown

Array = np.ndarray

KEY_LIMIT = 120
"""How many characters of a key a message shows (keys can hold names from the file)."""


class PresetError(BackpropError, ValueError):
    """A preset that cannot be used: `file`, `key` (e.g. "[network] sizes") and the reason.

    str() reads "<file>: <key>: <reason>" or, for TOML syntax, "<file>, line N: <reason>";
    always one line (control characters escaped). `file` and `key` keep the text as given.
    """

    def __init__(
        self, file: str | os.PathLike | None, key: str | None, reason: str, line: int | None = None
    ) -> None:
        self.file = os.fspath(file) if file is not None else None
        self.key = key
        self.reason = reason
        self.line = line
        where = shown(self.file, PATH_LIMIT) if self.file is not None else "preset"
        if line is not None:
            where += f", line {line}"
        if key:
            where += f": {shown(key, KEY_LIMIT)}"
        super().__init__(f"{where}: {shown(reason, None)}")


def describe(value: Any) -> str:
    """A value as the user wrote it (TOML-ish), escaped and shortened."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = f'"{value[:61]}"'
    elif isinstance(value, dict):
        text = "a table"
    else:
        text = repr(value)
    return shown(text, 60)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class Reader:
    """Typed readers for one file's values; `fail` makes its PresetErrors."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, key: str | None, reason: str) -> PresetError:
        return PresetError(self.file, key, reason)

    def table(self, raw: dict[str, Any], name: str) -> dict[str, Any]:
        value = raw.get(name, {})
        if not isinstance(value, dict):
            raise self.fail(f"[{name}]", f"expected a table, got {describe(value)}")
        return value

    def number(self, key: str, value: Any) -> float:
        if not is_number(value):
            raise self.fail(key, f"expected a number, got {describe(value)}")
        if not math.isfinite(value):
            raise self.fail(key, f"expected a finite number, got {value}")
        return float(value)

    def integer(self, key: str, value: Any, minimum: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            what = "a non-negative integer" if minimum == 0 else f"an integer ≥ {minimum}"
            raise self.fail(key, f"expected {what}, got {describe(value)}")
        return value

    def boolean(self, key: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, got {describe(value)}")
        return value

    def string(self, key: str, value: Any) -> str:
        if not isinstance(value, str):
            raise self.fail(key, f"expected a string, got {describe(value)}")
        return value

    def name(self, key: str, value: Any, lookup: Callable[[str], Any]) -> str:
        """A registry name, re-raising the registry's "did you mean" as a PresetError."""
        self.string(key, value)
        try:
            lookup(value)
        except UnknownNameError as exc:
            raise self.fail(key, str(exc)) from None
        return value

    def choice(self, key: str, value: Any, kind: str, known: Sequence[str]) -> str:
        """One of `known` (an init scheme, a dtype, a task…), with a "did you mean"."""

        def lookup(v: str) -> None:
            if v not in known:
                raise UnknownNameError(kind, v, known)

        return self.name(key, value, lookup)

    def vector(self, key: str, value: Any) -> Array:
        if not isinstance(value, list):
            raise self.fail(key, f"expected a list of numbers, got {describe(value)}")
        # Items and rows are named counting from 1, as a person counts the file's lines.
        return np.array([self.number(f"{key}, item {i + 1}", v) for i, v in enumerate(value)])

    def matrix(self, key: str, value: Any) -> Array:
        """A list of equally long lists of finite numbers, as a 2-D float64 array."""
        if not isinstance(value, list) or not value:
            raise self.fail(key, f"expected a non-empty list of rows, got {describe(value)}")
        rows = []
        for i, row in enumerate(value):
            if not isinstance(row, list):
                where = f"{key}, row {i + 1}"
                raise self.fail(where, f"expected a list of numbers, got {describe(row)}")
            rows.append(self.vector(f"{key}, row {i + 1}", row))
            if len(rows[-1]) != len(rows[0]):
                raise self.fail(
                    f"{key}, row {i + 1}",
                    f"every row needs the same length; row 1 has {len(rows[0])} "
                    f"numbers, row {i + 1} has {len(rows[-1])}",
                )
        return np.array(rows, dtype=np.float64).reshape(len(rows), len(rows[0]))

    def check_keys(self, table: str, values: dict[str, Any], allowed: Sequence[str]) -> None:
        """Every key of `values` is one of `allowed`; else the first that is not, with the
        closest allowed key or the list of them."""
        for k in values:
            if k not in allowed:
                close = closest(k, allowed)
                hint = (
                    f" (did you mean {quoted(close)}?)"
                    if close is not None
                    else f"; known keys: {', '.join(allowed)}"
                )
                raise self.fail(f"[{table}] {k}" if table else k, f"unknown key{hint}")


def read_toml_text(path: os.PathLike, file: str, limit: int, what: str, error: type) -> str:
    """The UTF-8 text of the regular file `path` of at most `limit` bytes; else `error`
    (a PresetError class) naming `file` and why. `what` names the kind: "preset"."""
    from backprop_tui.core.data.files import UnreadableFileError, read_regular_file

    try:
        raw_bytes = read_regular_file(path, limit)
    except UnreadableFileError as exc:
        raise error(file, None, exc.reason) from None
    try:
        return raw_bytes.decode("utf-8")
    except UnicodeDecodeError:
        raise error(file, None, f"not UTF-8 text, so not a TOML {what}") from None


def toml_document(text: str, file: str, limit: int, what: str, error: type) -> dict[str, Any]:
    """The TOML document `text` (at most `limit` bytes, nested at most `MAX_NESTING`
    deep), or `error` (a PresetError class) with the file, the line and column of a syntax
    error, or the key nested too deep. `what` names the kind in messages: "preset"."""
    import re
    import tomllib

    from backprop_tui.core.config.limits import MAX_NESTING, too_deep
    from backprop_tui.core.data.limits import size

    if len(text) > limit:
        raise error(file, None, f"is {size(len(text))}; the limit is {size(limit)}")
    nesting = f"a {what} nests tables and arrays at most {MAX_NESTING} deep"
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r" \(at line (\d+), column (\d+)\)$", message)
        if match:
            reason = f"invalid TOML: {message[: match.start()]} (column {match.group(2)})"
            raise error(file, None, reason, int(match.group(1))) from None
        # tomllib says "at end of document" for an unclosed value: that is the last line.
        last_line = text.rstrip("\n").count("\n") + 1
        raise error(file, None, f"invalid TOML: {message}", last_line) from None
    except RecursionError:
        raise error(file, None, f"nested too deep to read; {nesting}") from None
    deep = too_deep(raw)
    if deep is not None:
        raise error(file, deep[0], f"nested {deep[1]} deep; {nesting}")
    return raw

"""No module under core/ or tui/ is over 400 lines: a longer one does more than one thing
and is split by responsibility."""

from __future__ import annotations

from pathlib import Path

LIMIT = 400


def physical_lines(path: Path) -> int:
    """The file's lines as `wc -l` counts them, plus a last line without a newline."""
    data = path.read_bytes()
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def modules(root: Path) -> list[Path]:
    return sorted(path for top in ("core", "tui") for path in (root / top).rglob("*.py"))


def test_no_module_under_core_or_tui_is_over_400_lines(repo_root):
    found = modules(repo_root)
    assert repo_root / "core" / "__init__.py" in found
    assert repo_root / "tui" / "app.py" in found
    too_long = {
        str(path.relative_to(repo_root)): lines
        for path in found
        if (lines := physical_lines(path)) > LIMIT
    }
    assert too_long == {}, f"over {LIMIT} lines: {too_long}"


def test_lines_are_counted_as_wc_counts_them_with_a_last_line_that_lacks_its_newline(
    tmp_path,
):
    path = tmp_path / "m.py"
    path.write_bytes(b"a\n" * 400)
    assert physical_lines(path) == 400
    path.write_bytes(b"a\n" * 400 + b"b")
    assert physical_lines(path) == 401
    path.write_bytes(b'"""\x0c\n\n"""\n')  # a form feed is no line break
    assert physical_lines(path) == 3
    path.write_bytes(b"")
    assert physical_lines(path) == 0

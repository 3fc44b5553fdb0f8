"""Outside text echoed on a terminal: no control characters, one line, a bounded length."""

from backprop_tui.core.text import SHOWN_LIMIT, shown


def test_a_newline_cannot_forge_a_second_line():
    assert shown("0.5\nok: the preset is valid") == "0.5\\nok: the preset is valid"


def test_an_escape_sequence_is_written_out_not_sent():
    assert shown("\x1b]0;PWNED\x07") == "\\x1b]0;PWNED\\x07"


def test_bidi_overrides_line_separators_and_lone_surrogates_are_escaped():
    assert shown("a\u202eb\u2028c\udcff") == "a\\u202eb\\u2028c\\udcff"


def test_long_text_is_cut_with_an_ellipsis():
    out = shown("x" * 10_000)
    assert len(out) == SHOWN_LIMIT and out.endswith("…")


def test_ordinary_text_and_the_notes_symbols_pass_unchanged():
    assert shown("δ(1) = W(2)ᵀ δ(2) ⊙ σ'(z)") == "δ(1) = W(2)ᵀ δ(2) ⊙ σ'(z)"

"""Reading a typed answer and grading it: correct, close or wrong, cell by cell."""

import numpy as np
import pytest
from backprop_tui.core.learn.answer import (
    Answer,
    AnswerError,
    _parse_bytes,
    _parse_words,
    parse_answer,
)
from backprop_tui.core.learn.check import CLOSE, CORRECT, WRONG, check
from hypothesis import given, settings
from hypothesis import strategies as st

DELTA_2 = 0.13912877  # δ(2) of the notes' toy example


@pytest.mark.parametrize("typed", ["0.1391", "0.139", "0.13913", "0.139128770", "1.391e-1"])
def test_three_or_more_significant_digits_within_one_unit_of_the_last_are_correct(typed):
    assert check(DELTA_2, typed).grade == CORRECT


@pytest.mark.parametrize("typed", ["0.14", "0.138", "0.1385"])
def test_an_answer_within_one_percent_that_is_not_correct_is_close(typed):
    assert check(DELTA_2, typed).grade == CLOSE


def test_two_significant_digits_are_close_even_when_they_round_right():
    assert check(DELTA_2, "0.14").grade == CLOSE
    assert check(0.1395, "0.14").grade == CLOSE


@pytest.mark.parametrize("typed", ["0.13", "0.1412", "-0.1391", "1.391"])
def test_an_answer_more_than_one_percent_off_is_wrong(typed):
    assert check(DELTA_2, typed).grade == WRONG


@pytest.mark.parametrize(
    ("right", "typed"),
    [(0.5, "0.5"), (-4.0, "-4"), (0.0, "0"), (0.001, "1e-3"), (0.6, ".6"), (1.0, "1.")],
)
def test_the_exact_value_is_correct_with_fewer_than_three_digits(right, typed):
    assert check(right, typed).grade == CORRECT


def test_a_short_answer_that_is_not_the_exact_value_is_only_close():
    assert check(0.5004, "0.5").grade == CLOSE


def test_a_float32_value_is_exactly_its_short_decimal():
    assert check(np.float32(0.15), "0.15").grade == CORRECT


def test_one_unit_of_the_last_digit_is_inclusive_despite_binary_rounding():
    assert check(0.139, "0.140").grade == CORRECT
    assert check(0.139, "0.141").grade != CORRECT


def test_the_notes_minus_sign_and_its_exponent_are_read():
    answer = parse_answer("−0.5  6.539e−4")
    assert answer.values.tolist() == [-0.5, 6.539e-4]
    assert check([-0.5, 0.00065391], "−0.5, 6.539e−4").grade == CORRECT


def test_spaces_commas_semicolons_and_brackets_separate_numbers():
    assert parse_answer("[[0.0866, 0.0898]]").values.tolist() == [0.0866, 0.0898]
    assert parse_answer("1,2;3\t4\n5").values.tolist() == [1, 2, 3, 4, 5]
    assert parse_answer("1,,2").values.tolist() == [1, 2]


def test_numbers_are_read_row_by_row():
    verdict = check([[1.0, 2.0], [3.0, 4.0]], "1 2 3 5")
    assert verdict.off_cells == [(1, 1)]


def test_the_cells_that_are_off_are_marked_and_the_close_ones_apart():
    verdict = check([0.0131, 0.0143, 0.5], "0.0131 0.01435 0.9")
    assert verdict.grade == WRONG
    assert verdict.off.tolist() == [False, False, True]
    assert verdict.slips.tolist() == [False, True, False]
    assert verdict.off_cells == [(2,)] and verdict.slip_cells == [(1,)]


def test_a_word_that_is_not_a_number_is_named_with_its_place():
    with pytest.raises(AnswerError, match=r"'abc' \(number 2\) is not a number"):
        parse_answer("0.1 abc")


@pytest.mark.parametrize(
    "word", ["1e", "e5", ".", "-", "1.2.3", "1e5e", "1-2", "1e2.5", "+-1", "--1", "1e+-2", "0x1"]
)
def test_malformed_numbers_are_refused(word):
    with pytest.raises(AnswerError, match="is not a number"):
        parse_answer(f"1 {word}")


def test_the_wrong_count_of_numbers_says_how_many_are_expected():
    with pytest.raises(AnswerError, match=r"expected 2 numbers, got 3"):
        check([0.1, 0.2], "1 2 3")
    with pytest.raises(AnswerError, match=r"expected 4 numbers \(2 × 2, row by row\), got 0"):
        check(np.eye(2), "  ")


def test_one_text_per_cell_reads_like_one_text():
    assert parse_answer(["0.0131", "−0.0143"]).values.tolist() == [0.0131, -0.0143]
    with pytest.raises(AnswerError, match="cell 2 is empty"):
        parse_answer(["0.1", " "])
    with pytest.raises(AnswerError, match="cell 1 holds 2 numbers"):
        parse_answer(["0.1 0.2"])


def test_nan_and_infinity_are_read_and_equal_themselves():
    assert check([np.nan, np.inf, -np.inf], "nan inf −∞").grade == CORRECT
    assert check([1.0], "inf").grade == WRONG


def test_numbers_from_code_match_within_their_relative_tolerance():
    assert check([1.0, 2.0], Answer.from_values([1.0 + 5e-7, 2.0])).grade == CORRECT
    assert check([1.0, 2.0], Answer.from_values([1.0 + 5e-7, 2.0], rtol=1e-9)).grade == CLOSE
    assert check([1.0], np.array([1.0])).grade == CORRECT


def test_a_long_answer_is_read_by_the_fast_path():
    values = np.random.default_rng(0).normal(size=1000)
    text = " ".join(f"{v:.6g}" for v in values)
    codes = np.frombuffer(text.encode(), dtype=np.uint8)
    assert _parse_bytes(codes) is not None
    assert check(values, text).grade == CORRECT


def _fast(text: str):
    codes = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    return _parse_bytes(codes)


_WORD = st.builds(
    lambda sign, whole, dot, fraction, exp: (
        sign + whole + (dot + fraction if dot else "") + (f"e{exp}" if exp is not None else "")
    ),
    st.sampled_from(["", "-", "+"]),
    st.text("0123456789", max_size=8),
    st.sampled_from(["", "."]),
    st.text("0123456789", max_size=7),
    st.none() | st.integers(-20, 20).map(str) | st.sampled_from(["+3", "-07", "E2"]),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_WORD | st.text("0123456789.eE+-", min_size=1, max_size=6), min_size=1, max_size=6))
def test_the_fast_reader_agrees_with_the_word_by_word_reader(words):
    text = " ".join(w.replace("eE", "E") for w in words)
    try:
        reference = _parse_words(text.split(), text)
    except AnswerError:
        assert _fast(text) is None
        return
    fast = _fast(text)
    if fast is None:  # beyond the exact fast path: the reference reader answers
        return
    values, digits, unit = fast
    assert values.tolist() == reference.values.tolist()
    assert digits.tolist() == reference.digits.tolist()
    assert np.allclose(unit, 10.0 ** np.round(np.log10(unit)))
    np.testing.assert_allclose(
        np.where(digits >= 3, unit, 0.0), reference.tolerance, rtol=1e-12, atol=0
    )

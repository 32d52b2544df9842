"""model/answer.py: sure, not sure and not a digit, and the honesty figures, on hand-made readings."""

import math

import numpy as np
import pytest

from model.answer import (
    CURVE,
    NOT_DIGIT_GRID,
    Thresholds,
    answer,
    choose,
    curve,
    honesty,
    ink_extent,
    kinds,
    split,
    tally,
)

TH = Thresholds(sure=0.6, not_digit=0.5, min_ink=0.08)


def row(top: int, p: float) -> np.ndarray:
    """Ten digit probabilities: `p` on `top`, the rest shared evenly."""
    r = np.full(10, (1 - p) / 9)
    r[top] = p
    return r


# --- split, ink_extent ---------------------------------------------------------------------


def test_split_renormalises_the_digits_and_returns_the_extra_output():
    full = np.array([0.2, 0.2, 0.1, 0, 0, 0, 0, 0, 0, 0, 0.5])
    digits, other = split(full)
    assert np.allclose(digits, [0.4, 0.4, 0.2, 0, 0, 0, 0, 0, 0, 0]) and other == pytest.approx(0.5)


def test_split_of_ten_outputs_keeps_them_and_says_no_chance_of_no_digit():
    p = row(3, 0.7)
    digits, other = split(np.stack([p, p[::-1]]))
    assert np.allclose(digits, [p, p[::-1]]) and np.array_equal(other, [0.0, 0.0])


def test_split_of_all_mass_on_not_a_digit_spreads_the_digits_evenly():
    digits, other = split(np.array([0.0] * 10 + [1.0]))
    assert np.allclose(digits, 0.1) and other == 1.0


def test_ink_extent_is_the_longer_side_of_the_box_over_the_canvas_side():
    strokes = [np.array([[10.0, 10.0], [20.0, 15.0]]), np.array([[40.0, 12.0]])]
    assert ink_extent(strokes, 100) == pytest.approx(0.30)  # 30 wide, 5 high
    assert ink_extent([], 100) == 0.0 and ink_extent(strokes, 0) == 0.0


# --- answer, kinds -------------------------------------------------------------------------


def test_a_confident_digit_is_sure_and_names_the_runner_up():
    digits = row(3, 0.9)
    digits[5] += 0.01
    digits /= digits.sum()
    a = answer(digits, 0.0, 0.5, TH)
    assert (a.kind, a.top, a.runner_up, a.sure, a.is_digit, a.too_small) == ("sure", 3, 5, True, True, False)


def test_the_chance_of_no_digit_lowers_the_confidence_below_sure():
    a = answer(row(3, 0.9), 0.4, 0.5, TH)  # 0.9 * (1 - 0.4) = 0.54 < 0.6
    assert a.kind == "unsure" and a.confidence == pytest.approx(0.54) and a.top == 3


@pytest.mark.parametrize(("not_digit", "extent", "small"), [(0.5, 0.5, False), (0.0, 0.05, True), (0.9, 0.01, True)])
def test_not_a_digit_from_the_extra_output_or_from_too_little_ink(not_digit, extent, small):
    a = answer(row(1, 0.99), not_digit, extent, TH)
    assert a.kind == "not-digit" and not a.is_digit and a.too_small is small and a.top == 1


def test_unknown_ink_size_is_not_judged():
    assert answer(row(1, 0.99), 0.0, None, TH).kind == "sure"


def test_kinds_gives_the_same_answers_as_answer_row_by_row():
    rng = np.random.default_rng(0)
    digits = rng.dirichlet(np.full(10, 0.3), size=400)
    not_digit = rng.uniform(0, 0.7, 400)
    extent = rng.uniform(0, 0.2, 400)
    for ext in (extent, None):
        got = kinds(digits, not_digit, ext, TH)
        want = [answer(d, n, None if ext is None else e, TH).kind for d, n, e in zip(digits, not_digit, extent)]
        assert list(got) == want
        assert {"sure", "unsure"} <= set(got)
    assert "not-digit" in set(kinds(digits, not_digit, extent, TH))


def test_thresholds_refuse_numbers_outside_0_to_1():
    with pytest.raises(ValueError, match="'sure'"):
        Thresholds(sure=1.5)
    with pytest.raises(ValueError, match="'min_ink'"):
        Thresholds(min_ink=True)


# --- choose --------------------------------------------------------------------------------


def test_choose_flags_as_few_real_digits_as_allowed():
    digits = np.stack([row(k % 10, 0.9) for k in range(100)])
    labels = np.arange(100) % 10
    not_digit = np.zeros(100)
    not_digit[7] = 0.9  # one real digit the extra output is sure about
    assert choose(digits, not_digit, labels, max_flagged=0.005).not_digit == pytest.approx(0.905)  # flag none
    # allowed to flag it: the lowest threshold of all
    assert choose(digits, not_digit, labels, max_flagged=0.01).not_digit == pytest.approx(NOT_DIGIT_GRID[0])


def test_choose_sure_is_the_highest_threshold_leaving_few_right_answers_unsure():
    labels = np.arange(100) % 10
    conf = np.full(100, 0.9)
    conf[[3, 4]] = [0.3, 0.4]  # two hesitant right answers
    digits = np.stack([row(k, c) for k, c in zip(labels, conf)])
    digits[50:60] = np.stack([row((k + 1) % 10, 0.99) for k in labels[50:60]])  # wrong and confident
    th = choose(digits, np.zeros(100), labels, max_right_unsure=0.03)
    assert th.sure == pytest.approx(0.9)  # 2 of 90 right answers unsure; one step higher, all are
    assert choose(digits, np.zeros(100), labels, max_right_unsure=0.0).sure == pytest.approx(0.3)
    assert th.not_digit == 0.5  # a network without the extra output keeps the default


# --- tally, honesty, curve -------------------------------------------------------------------

# Five readings: right and sure, right but hesitant, wrong and sure, wrong and hesitant, and a right
# but tiny one (answered "not a digit" for its ink).
LABELS = np.array([0, 1, 2, 3, 4])
DIGITS = np.stack([row(0, 0.9), row(1, 0.5), row(7, 0.95), row(5, 0.4), row(4, 0.9)])
NOT_DIGIT = np.zeros(5)
EXTENT = np.array([0.5, 0.5, 0.5, 0.5, 0.01])


def test_tally_counts_each_figure_and_what_it_is_out_of():
    assert tally(DIGITS, NOT_DIGIT, LABELS, EXTENT, TH) == {
        "accuracy": (3, 5), "wrong_and_sure": (1, 5), "right_but_unsure": (2, 3), "flagged": (1, 5)}
    # Without the ink's size the tiny 4 is a sure right answer.
    assert tally(DIGITS, NOT_DIGIT, LABELS, None, TH)["right_but_unsure"] == (1, 3)


def test_honesty_is_the_tally_as_fractions():
    h = honesty(DIGITS, NOT_DIGIT, LABELS, EXTENT, TH)
    assert h == pytest.approx({"accuracy": 0.6, "wrong_and_sure": 0.2, "right_but_unsure": 2 / 3, "flagged": 0.2})
    more = honesty(DIGITS, np.array([0, 0, 0, 0.6, 0]), LABELS, None, TH)  # the extra output flags the 3
    assert more["flagged"] == pytest.approx(0.2) and more["wrong_and_sure"] == pytest.approx(0.2)


def test_honesty_of_nothing_is_undefined_not_a_crash():
    h = honesty(np.zeros((0, 10)), np.zeros(0), np.zeros(0, int), None, TH)
    assert math.isnan(h["accuracy"]) and math.isnan(h["flagged"]) and h["wrong_and_sure"] == 0.0


def test_curve_prices_each_sure_threshold_and_includes_the_models_own():
    got = curve(DIGITS, NOT_DIGIT, LABELS, EXTENT, TH, sures=(0.99, 0.3, 0.92))
    assert [t for t, _, _ in got] == [0.3, 0.6, 0.92, 0.99]
    assert np.allclose(got, [(0.3, 0.4, 1 / 3), (0.6, 0.2, 2 / 3), (0.92, 0.2, 1.0), (0.99, 0.0, 1.0)])


def test_curve_trades_wrong_and_sure_for_right_but_unsure():
    rng = np.random.default_rng(1)
    digits = rng.dirichlet(np.full(10, 0.2), size=500)
    labels = np.where(rng.random(500) < 0.8, digits.argmax(axis=1), rng.integers(0, 10, 500))
    got = curve(digits, rng.uniform(0, 0.3, 500), labels, None, Thresholds(sure=0.615))
    assert len(got) == len(CURVE) + 1 and got[0][0] == CURVE[0]
    wrong_sure, right_unsure = np.array([g[1] for g in got]), np.array([g[2] for g in got])
    assert np.all(np.diff(wrong_sure) <= 0) and np.all(np.diff(right_unsure) >= 0)
    assert wrong_sure[0] > wrong_sure[-1] and right_unsure[0] < right_unsure[-1]


def test_choose_with_validation_non_digits_sets_not_a_digit_as_high_as_catching_them_allows():
    digits = np.stack([row(k % 10, 0.9) for k in range(100)])
    labels = np.arange(100) % 10
    not_digit = np.zeros(100)
    not_digit[:3] = [0.05, 0.2, 0.3]  # three real digits with some doubt
    caught = np.linspace(0.3, 1.0, 100)  # the network's "not a digit" for 100 validation non-digits
    th = choose(digits, not_digit, labels, non_digits=caught, min_caught=0.96)
    assert (caught >= th.not_digit).mean() >= 0.96
    higher = NOT_DIGIT_GRID[th.not_digit < NOT_DIGIT_GRID][0]
    assert (caught >= higher).mean() < 0.96  # one grid step higher misses too many
    assert (not_digit >= th.not_digit).sum() == 0  # so none of the real digits is flagged
    # Without non-digits to look at, the digits alone decide: as low as flagging 1 in 100 allows.
    assert choose(digits, not_digit, labels, max_flagged=0.01).not_digit == pytest.approx(0.205)


def test_a_network_that_cannot_catch_enough_non_digits_still_flags_few_digits():
    digits = np.stack([row(k % 10, 0.9) for k in range(200)])
    labels = np.arange(200) % 10
    not_digit = np.linspace(0.0, 0.3, 200)  # real digits with a good deal of doubt
    caught = np.full(100, 0.02)  # the network hardly ever says "not a digit" to non-digits
    th = choose(digits, not_digit, labels, non_digits=caught, min_caught=0.96, max_flagged=0.005)
    assert (not_digit >= th.not_digit).mean() <= 0.005  # not the lowest threshold: digits come first

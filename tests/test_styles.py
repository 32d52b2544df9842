"""The synthetic handwriting styles and non-digit drawings (issue 13's test sets): what each adds."""

import numpy as np
import pytest

from model.nondigits import KINDS, non_digits
from model.preprocess import strokes_to_input
from model.styles import (
    PLURALS,
    STYLES,
    crossbar_seven,
    curl_nine,
    flag_one,
    listed,
    one_stroke_four,
    slashed_zero,
    variants,
)

# Plain digits as a pen draws them (y down): a 7 (bar, then the stem), a 1, a two-stroke 4, a 9.
SEVEN = [np.array([[0.0, 0.0], [1.0, 0.0], [0.4, 2.0]])]
ONE = [np.array([[0.5, 0.0], [0.5, 2.0]])]
FOUR = [np.array([[0.6, 1.0], [0.3, 0.0], [0.0, 1.2], [1.0, 1.2]]), np.array([[0.7, 0.6], [0.7, 2.0]])]
NINE = [np.array([[1.0, 0.5], [0.5, 0.0], [0.0, 0.5], [0.5, 1.0], [1.0, 0.5], [1.0, 2.0]])]
_t = np.linspace(0, 2 * np.pi, 25)
ZERO = [np.stack([0.5 + 0.5 * np.sin(_t), 1.0 - np.cos(_t)], axis=1)]  # an oval 1 wide, 2 high, from the top


def rng():
    return np.random.default_rng(0)


def test_crossbar_crosses_the_stem_at_mid_height():
    out = crossbar_seven(SEVEN, rng())
    assert len(out) == 2
    bar = out[1]
    assert 0.8 < bar[:, 1].mean() < 1.3  # half of the height 2.0
    stem_x = 0.4 + 0.6 * (1 - bar[:, 1].mean() / 2.0)
    assert bar[:, 0].min() < stem_x < bar[:, 0].max()


def test_flag_one_starts_low_on_the_left_and_joins_the_stem():
    out = flag_one(ONE, rng())
    assert len(out) == 1
    first, top = out[0][0], np.array([0.5, 0.0])
    assert first[0] < top[0] and first[1] > top[1]  # left of and below the top
    assert np.allclose(out[0][-1], [0.5, 2.0])  # the stem is still drawn to the bottom


def test_one_stroke_four_is_one_stroke_that_keeps_every_point():
    out = one_stroke_four(FOUR, rng())
    assert len(out) == 1
    for s in FOUR:
        for p in s:
            assert np.isclose(out[0], p).all(axis=1).any()


def test_curl_nine_hooks_left_below_the_tail():
    out = curl_nine(NINE, rng())
    end = NINE[0][-1]
    tail = out[-1]
    assert len(tail) > len(NINE[0])
    assert tail[-1][0] < end[0] - 0.1  # it came back to the left


def test_slashed_zero_crosses_the_oval_steeply_from_lower_left_to_upper_right():
    for seed in range(20):
        out = slashed_zero(ZERO, np.random.default_rng(seed))
        assert len(out) == 2 and np.array_equal(out[0], ZERO[0])  # the oval as it was, then the slash
        start, end = out[1][0], out[1][-1]
        assert start[0] < end[0] and start[1] > end[1]  # written from lower left to upper right
        assert start[1] >= 1.8 and end[1] <= 0.2  # from the bottom to the top of the oval, or past them
        rise, run = start[1] - end[1], end[0] - start[0]
        assert np.degrees(np.arctan2(rise, run)) == pytest.approx(62.5, abs=12.6)  # steep: 50-75 degrees
        assert np.allclose(np.diff(out[1], axis=0), (end - start) / 7)  # straight, evenly spaced


def test_every_style_has_a_name_for_help_texts():
    assert list(PLURALS) == list(STYLES)
    assert listed() == "crossbar 7s, flag 1s, one-stroke 4s, curled 9s and slashed 0s"


@pytest.mark.parametrize("style", sorted(STYLES))
def test_styles_leave_their_input_alone_and_are_reproducible(style):
    digit, _ = STYLES[style]
    data = [(digit, [s.copy() for s in d]) for d in (SEVEN, ONE, FOUR, NINE, ZERO)] + [(3, NINE)]
    before = [[s.copy() for s in strokes] for _, strokes in data]
    a, b = variants(data, style, seed=5), variants(data, style, seed=5)
    assert len(a) == 5
    assert all(np.array_equal(x, y) for va, vb in zip(a, b) for x, y in zip(va, vb))
    assert all(np.array_equal(x, y) for (_, s), bs in zip(data, before) for x, y in zip(s, bs))
    for v in a:
        img = strokes_to_input(v)
        assert img.shape == (28, 28) and img.max() == pytest.approx(1.0)


def test_non_digits_cover_every_kind_reproducibly():
    a, b = non_digits(3, seed=1), non_digits(3, seed=1)
    assert [k for k, _ in a] == [k for k in KINDS for _ in range(3)]
    assert {"scribble", "hatching", "filled", "crossed-out", "dot", "short-mark", "letter-A", "letter-#"} <= set(KINDS)
    for (_, sa), (_, sb) in zip(a, b):
        assert all(np.array_equal(x, y) and np.isfinite(x).all() for x, y in zip(sa, sb))
        strokes_to_input(sa)  # every one is a drawing the app can read
    assert not all(np.array_equal(x, y) for (_, sa), (_, sc) in zip(a, non_digits(3, seed=2)) for x, y in zip(sa, sc))

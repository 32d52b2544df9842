"""Preprocessing: MNIST's conventions, invariance to how and where a digit is drawn, odd inputs."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import ndimage

from model.preprocess import FIELD, Style, deskew_image, raster_to_input, skew, strokes_to_input


def three(scale=1.0, dx=0.0, dy=0.0, n=60):
    """A '3' as two arcs, in canvas pixels."""
    t = np.linspace(-np.pi / 2, np.pi / 2, n)
    top = np.column_stack([np.cos(t) * 40, np.sin(t) * 25 - 25])
    bottom = np.column_stack([np.cos(t) * 45, np.sin(t) * 30 + 30])
    return [(p * scale + [200 + dx, 200 + dy]) for p in (top, bottom)]


def ink_box(img, level=0.1):
    rows, cols = np.nonzero(img > level)
    return rows.max() - rows.min() + 1, cols.max() - cols.min() + 1


def test_output_follows_mnist_conventions():
    img = strokes_to_input(three())
    assert img.shape == (28, 28) and img.dtype == np.float32
    assert img.min() >= 0 and img.max() == pytest.approx(1.0)
    cy, cx = ndimage.center_of_mass(img)
    assert abs(cy - 14) < 0.25 and abs(cx - 14) < 0.25  # MNIST's measured centre, not 13.5
    h, w = ink_box(img)
    assert 19 <= max(h, w) <= 21  # the longer side fills 20 px
    assert img[:2].sum() == 0 and img[-2:].sum() == 0  # a margin all round, as in MNIST


@pytest.mark.parametrize("scale,dx,dy", [(0.25, 0, 0), (4.0, 0, 0), (1.0, 300, -150), (0.3, -180, 400)])
def test_small_large_and_off_centre_give_nearly_the_same_input(scale, dx, dy):
    ref = strokes_to_input(three())
    other = strokes_to_input(three(scale, dx, dy))
    # Stated tolerance: mean absolute difference under 1% of full intensity (rounding of sub-pixel
    # placement only); an unnormalised pipeline differs by 10-30% here.
    assert np.abs(ref - other).mean() < 0.01


def test_sparse_and_dense_sampling_of_the_same_stroke_agree():
    dense = strokes_to_input(three(n=400))
    sparse = strokes_to_input(three(n=25))
    assert np.abs(dense - sparse).mean() < 0.02


def test_a_one_keeps_its_narrow_aspect():
    one = [np.array([[100.0, 50.0], [112.0, 400.0]])]
    img = strokes_to_input(one)
    h, w = ink_box(img)
    assert h >= 19 and w <= 5  # about 20 x 3, not stretched into a 20 x 20 blob


def test_pen_width_of_the_style_sets_the_stroke_weight():
    thin = strokes_to_input(three(), Style(pen=1.6)).sum()
    thick = strokes_to_input(three(), Style(pen=3.2)).sum()
    assert thick > 1.5 * thin


@pytest.mark.parametrize(
    "strokes",
    [
        [[[5.0, 5.0]]],  # a single dot
        [[[3, 3], [3, 3], [3, 3]]],  # a dot made of repeated points
        [[[0, 0], [500, 0]]],  # a horizontal line
        [[[0, 0], [0, 500]]],  # a vertical line
        [[[0, 0], [559, 559]], [[0, 559], [559, 0]]],  # touching every edge of a canvas
        [[[-1e6, 2e6], [1e6, -3e6]]],  # huge coordinates
        [[[1e-9, 0], [2e-9, 1e-9]]],  # tiny coordinates
        [[], [[1, 2], [3, 4]]],  # an empty stroke beside a real one
    ],
)
def test_degenerate_drawings_give_a_valid_input(strokes):
    img = strokes_to_input(strokes)
    assert img.shape == (28, 28) and np.isfinite(img).all()
    assert img.min() >= 0 and img.max() == pytest.approx(1.0)


@pytest.mark.parametrize("strokes", [[], [[]], [np.zeros((0, 2))]])
def test_nothing_drawn_is_a_clear_value_error(strokes):
    with pytest.raises(ValueError, match="nothing to read"):
        strokes_to_input(strokes)


@pytest.mark.parametrize("factor,tolerance", [(1e306, 0.01), (1e-306, 0.01), (1e-315, 0.01), (2.0**-1066, 0.05)])
def test_extreme_but_finite_coordinates_read_like_ordinary_ones(factor, tolerance):
    """Coordinates near 1e308, or spanning less than 1e-308, once rendered blank (read as "1, 98%")."""
    ref = strokes_to_input(three())
    # The same drawing, scaled about the origin: only the units differ.
    tiny_or_huge = strokes_to_input([(p - 200) / 100 * factor for p in three()])
    # (8 bits of precision are left in the deepest subnormals: close, not equal)
    assert np.abs(tiny_or_huge - ref).mean() < tolerance and tiny_or_huge.max() == pytest.approx(1.0)


def test_coordinates_spanning_the_whole_float_range_stay_finite():
    img = strokes_to_input([[[-1.7e308, -1e308], [1.7e308, 1.6e308]], [[0.0, 0.0]]])
    assert np.isfinite(img).all() and img.max() == pytest.approx(1.0)
    assert (img > 0.5).sum() > 20  # a visible diagonal line, not a blank field


def test_the_smallest_positive_span_is_a_dot_not_a_blank():
    img = strokes_to_input([[[5e-324, 0.0], [1e-323, 5e-324]]])
    assert img.max() == pytest.approx(1.0) and (img > 0.5).sum() >= 2


@pytest.mark.parametrize("strokes", [[[[1, 2, 3]]], [[[np.nan, 1.0]]], [[[np.inf, 1.0], [2, 2]]], [[["a", "b"]]]])
def test_malformed_strokes_are_a_value_error(strokes):
    with pytest.raises(ValueError):
        strokes_to_input(strokes)


coordinate = st.floats(allow_nan=False, allow_infinity=False)  # every finite float, 1e-320 to 1e308
point = st.tuples(coordinate, coordinate)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(point, min_size=0, max_size=30), min_size=0, max_size=6))
def test_any_strokes_give_a_finite_input_or_a_value_error(strokes):
    try:
        img = strokes_to_input(strokes)
    except ValueError as e:
        assert sum(len(s) for s in strokes) == 0 and "nothing to read" in str(e)
        return
    assert img.shape == (FIELD, FIELD) and np.isfinite(img).all()
    assert img.min() >= 0 and img.max() <= 1


@settings(max_examples=100, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 90), st.integers(1, 90)),
              elements=st.floats(-10, 300, allow_nan=False)))
def test_any_raster_gives_a_finite_input_or_a_value_error(raster):
    try:
        img = raster_to_input(raster)
    except ValueError:
        assert raster.max() <= 0 or raster.max() == raster.min()
        return
    assert img.shape == (FIELD, FIELD) and np.isfinite(img).all()
    assert img.min() >= 0 and img.max() <= 1


def test_raster_path_matches_mnist_conventions_and_is_scale_invariant():
    big = np.zeros((400, 300))
    big[50:350, 140:160] = 1.0  # a tall bar: a '1'
    img = raster_to_input(big)
    h, w = ink_box(img)
    assert 19 <= h <= 21 and w <= 4
    small = np.zeros((80, 60))
    small[10:70, 28:32] = 1.0
    assert np.abs(raster_to_input(small) - img).mean() < 0.02
    cy, cx = ndimage.center_of_mass(img)
    assert abs(cy - 14) < 0.3 and abs(cx - 14) < 0.3


def test_raster_rejects_non_images():
    for bad in (np.zeros((0, 5)), np.zeros(10), np.zeros((3, 3)), np.full((4, 4), np.nan)):
        with pytest.raises(ValueError):
            raster_to_input(bad)


def test_deskew_straightens_a_slanted_stroke():
    slanted = strokes_to_input([np.array([[0.0, 0.0], [-8.0, 20.0]])], Style(deskew=False))
    assert abs(skew(slanted)) > 0.2
    assert abs(skew(deskew_image(slanted))) < 0.05
    upright = strokes_to_input([np.array([[0.0, 0.0], [-8.0, 20.0]])], Style(deskew=True))
    assert abs(skew(upright)) < 0.05

"""The renderer for long drawings (model/raster.py) draws what the exact one draws."""

import numpy as np
import pytest
from PIL import Image, ImageDraw
from scipy import ndimage

from model import preprocess
from model.preprocess import LONG, Style, strokes_to_input
from model.raster import dilate_disc, skeleton


@pytest.mark.parametrize("radius", [0.5, 1.0, 3.3, 9.5])
def test_disc_dilation_equals_scipy_with_a_disc_footprint(radius):
    image = np.random.default_rng(0).random((60, 50)) < 0.01
    image[0, 0] = image[-1, -1] = image[30, 0] = True  # ink at the borders too
    r = int(radius)
    yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
    disc = yy**2 + xx**2 <= radius**2
    np.testing.assert_array_equal(dilate_disc(image, radius), ndimage.binary_dilation(image, disc))


def test_skeleton_draws_the_same_pixels_as_pillow_without_the_repeats():
    rng = np.random.default_rng(1)
    stroke = np.cumsum(rng.normal(0, 0.4, (500, 2)), axis=0) + 60  # dense: many points per pixel
    canvas = Image.new("1", (120, 120), 0)
    ImageDraw.Draw(canvas).line(np.round(stroke).ravel().tolist(), fill=1, width=1)
    dot = stroke[:1] + 5  # a one-point second stroke: a single pixel
    both = skeleton(np.concatenate([stroke, dot]), np.array([len(stroke)]), 120)
    alone = skeleton(dot, np.array([], int), 120)
    assert alone.sum() == 1
    np.testing.assert_array_equal(both & ~alone, np.asarray(canvas) & ~alone)


def test_skeleton_of_many_strokes_equals_drawing_each_with_pillow():
    """Strokes of every length (one point, two, hundreds), some leaving the canvas: the skeleton
    (one array buffer per stroke, repeats dropped) draws what Pillow draws stroke by stroke."""
    rng = np.random.default_rng(7)
    for _ in range(50):
        strokes = [np.cumsum(rng.normal(0, 3, (int(n), 2)), axis=0) + rng.uniform(-10, 130, 2)
                   for n in rng.choice([1, 2, 3, 40, 400], size=int(rng.integers(1, 8)))]
        canvas = Image.new("1", (120, 120), 0)
        draw = ImageDraw.Draw(canvas)
        for s in strokes:
            flat = np.round(s).ravel().tolist()
            draw.line(flat, fill=1, width=1) if len(s) > 1 else draw.point(flat, fill=1)
        ends = np.cumsum([len(s) for s in strokes])[:-1]
        np.testing.assert_array_equal(skeleton(np.concatenate(strokes), ends, 120), np.asarray(canvas))


def spiral(n):
    t = np.linspace(0, 6 * np.pi, n)
    return [np.column_stack([np.cos(t) * t, np.sin(t) * t]) * 10 + 300]


@pytest.mark.parametrize("n", [60, 300, LONG])
@pytest.mark.parametrize("style", [Style(), Style(pen=1.2, sigma=0.0), Style(pen=3.5)])
def test_long_drawing_renderer_matches_the_exact_one(monkeypatch, n, style):
    exact = strokes_to_input(spiral(n), style)
    monkeypatch.setattr(preprocess, "LONG", 0)  # every drawing through the renderer for long ones
    fast = strokes_to_input(spiral(n), style)
    assert fast.shape == (28, 28) and fast.max() == pytest.approx(1.0)
    assert np.abs(fast - exact).mean() < 0.02 and np.abs(fast - exact).max() < 0.4
    # The same amount of ink; within 3% at odd pen widths in supersampled pixels (the default's 19),
    # within 7% at even ones, where a disc centred on a pixel is one pixel wider than Pillow's line.
    odd = round(style.pen * preprocess.SUPERSAMPLE) % 2 == 1
    assert abs(fast.sum() - exact.sum()) / exact.sum() < (0.03 if odd else 0.07)
    com = np.subtract(ndimage.center_of_mass(fast), ndimage.center_of_mass(exact))
    assert np.abs(com).max() < 0.1  # centred within a tenth of a pixel, like the exact one


def test_blur_equals_scipys_gaussian_filter():
    img = np.random.default_rng(0).random((28, 28), dtype=np.float32)
    for sigma in (0.3, 0.8, 1.7):
        assert np.array_equal(preprocess._blur(img, sigma), ndimage.gaussian_filter(img, sigma, mode="constant"))


def test_drawings_either_side_of_the_switch_look_alike():
    below, above = strokes_to_input(spiral(LONG)), strokes_to_input(spiral(LONG + 1))
    assert np.abs(below - above).mean() < 0.01

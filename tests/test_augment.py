"""The batch augmenter against a plain per-image version built from SciPy's own filters and
interpolation, from the same random draws; and the same output however the work is split."""

import numpy as np
import pytest
from scipy import ndimage

from model.augment import BLOCK, PAD, SIDE, Augment, Augmenter
from tests.fakedata import digits

PLUS = ndimage.generate_binary_structure(2, 1)  # the plus-shaped footprint


def images(n: int, seed: int = 3) -> np.ndarray:
    """Digit-like bars with ink reaching the edges too, so the zero outside is exercised."""
    x = digits(n, seed)[0].astype(np.float32) / 255
    x[::3, :, 0] = 1.0
    x[1::3, 27, :] = 0.8
    return x.reshape(n, -1)


def plain(aug: Augmenter, x: np.ndarray) -> np.ndarray:
    """What the augmenter does, one image at a time, the textbook way (consumes the same draws)."""
    n = len(x)
    d = aug._draw(n)
    out = np.empty((n, SIDE, SIDE), np.float32)
    yy, xx = np.mgrid[:SIDE, :SIDE].astype(np.float64) - (SIDE - 1) / 2
    for i, img in enumerate(x.reshape(n, SIDE, SIDE).astype(np.float64)):
        a = float(d.amount[i, 0])
        grey = ndimage.grey_dilation if a > 0 else ndimage.grey_erosion
        filtered = grey(img, footprint=PLUS, mode="constant", cval=0.0)
        thick = img + abs(a) * (filtered - img)
        m, shift = d.affine[i, :, :2].astype(np.float64), d.affine[i, :, 2] - PAD
        field = aug.fields[d.pick[i]].reshape(2, SIDE, SIDE) * float(d.strength[i, 0, 0])
        ys = m[0, 0] * yy + m[0, 1] * xx + shift[0] + field[0]
        xs = m[1, 0] * yy + m[1, 1] * xx + shift[1] + field[1]
        # grid-constant: zeros outside, and interpolation towards them across the edge
        warped = ndimage.map_coordinates(thick, [ys, xs], order=1, mode="grid-constant", cval=0.0)
        out[i] = np.clip(warped, 0, 1)
    return out.reshape(n, -1)


def test_matches_the_plain_per_image_version():
    x = images(2 * BLOCK + 37)  # a short last block too
    got = Augmenter(Augment(), seed=5)(x)
    expected = plain(Augmenter(Augment(), seed=5), x)
    assert got.shape == x.shape and got.dtype == np.float32
    np.testing.assert_allclose(got, expected, atol=2e-5)
    assert got.min() >= 0 and got.max() <= 1
    # and it does augment: every image moved, some thickened, some thinned
    assert np.all(np.abs(got - x).sum(axis=1) > 1)


def test_same_output_however_the_blocks_are_shared_between_threads():
    x = images(3 * BLOCK + 11)
    one = Augmenter(Augment(), seed=9, workers=1)
    three = Augmenter(Augment(), seed=9, workers=3)
    try:
        for _ in range(2):  # the second call reuses every buffer
            assert np.array_equal(one(x), three(x))
        assert np.array_equal(one(x[:7]), three(x[:7]))  # a call smaller than a block after bigger ones
    finally:
        three.close()


@pytest.mark.parametrize("n", [0, 1])
def test_tiny_calls(n):
    x = images(max(n, 1))[:n]
    out = Augmenter(Augment(), seed=1)(x)
    assert out.shape == (n, SIDE * SIDE)

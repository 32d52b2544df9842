"""Rendering long drawings at a cost that does not grow with their length.

`model/preprocess.py` draws a disc at every point of a drawing with Pillow, one Python call each,
so a 20,000-point scribble took a quarter of a second per reading. For drawings that long it
renders through here instead: the pen's path is drawn one pixel wide (Pillow's C loop over the
points, after dropping points that round to the same pixel), then widened to the pen's width by a
dilation with a disc, whose cost depends only on the image size. The result is the same round-capped
ink, up to half a supersampled pixel (1/16 of an input pixel) at its edges; `tests/test_raster.py`
compares the two renderers.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImagePath


def skeleton(points: np.ndarray, ends: np.ndarray, side: int) -> np.ndarray:
    """A (side, side) bool image of the strokes' centre lines.

    `points` are all strokes' points in pixel units of that image, one after another; `ends` says
    where each stroke but the last ends (as for np.split).
    """
    # Pillow rounds to whole pixels anyway: dropping a point that rounds to the same pixel as the one
    # before it (in the same stroke) changes nothing it draws, and a dense drawing has many.
    q = np.round(points)
    keep = np.ones(len(q), bool)
    keep[1:] = (q[1:, 0] != q[:-1, 0]) | (q[1:, 1] != q[:-1, 1])
    keep[ends] = True
    starts = np.flatnonzero(keep)
    canvas = Image.new("1", (side, side), 0)
    draw = ImageDraw.Draw(canvas)
    # Whole pixel values are exact in float32, and a Path takes C floats straight from the array's
    # buffer (Pillow's documented buffer interface): converting 40,000 numbers to a Python list took
    # half the time of a 20,000-point reading.
    kept = np.ascontiguousarray(q[keep], dtype=np.float32)
    bounds = [0, *np.searchsorted(starts, ends).tolist(), len(kept)]
    for a, b in zip(bounds[:-1], bounds[1:]):
        if b - a > 1:
            draw.line(ImagePath.Path(kept[a:b]), fill=1, width=1)
        else:
            draw.point(kept[a:b].ravel().tolist(), fill=1)
    return np.asarray(canvas, dtype=bool)


def dilate_disc(image: np.ndarray, radius: float) -> np.ndarray:
    """Binary dilation of a bool image by a disc of `radius` pixels (pixel centres within the radius).

    A disc is a stack of horizontal runs; each run is a sliding-window "any", computed from a running
    sum by subtracting two shifted slices. About twenty array operations whatever the image holds.
    """
    h, w = image.shape
    r = int(np.floor(radius))
    padded = np.zeros((h, w + 2 * r + 1), np.int32)
    np.cumsum(image, axis=1, out=padded[:, r + 1 : r + 1 + w])
    padded[:, r + 1 + w :] = padded[:, r + w : r + 1 + w]  # the running sum stays flat to the right
    runs: dict[int, np.ndarray] = {}
    out = np.zeros((h + 2 * r, w), bool)
    for dy in range(-r, r + 1):
        half = int(np.floor(np.sqrt(radius * radius - dy * dy)))
        if half not in runs:  # any ink within `half` pixels left or right
            runs[half] = padded[:, r + 1 + half : r + 1 + half + w] > padded[:, r - half : r - half + w]
        out[r + dy : r + dy + h] |= runs[half]
    return out[r : r + h]

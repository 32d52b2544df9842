"""Turn a drawing into the 28x28 MNIST-style input the network was trained on.

MNIST's convention (LeCun et al.): the digit's bounding box is scaled so its longer side is 20 px,
keeping the aspect ratio, anti-aliased, then placed so its centre of mass sits at the centre of a
28x28 field. Measured on MNIST's training images: the ink's longer side is 20 px in every image, the
centre of mass sits at pixel (14.0, 14.0), the solid stroke core is about 2 px wide with soft edges.

A drawing arrives as strokes (lists of points, any units, y down). Rather than shrink a big canvas
raster, which would make stroke width depend on how large and with which pen the user drew, the
points are scaled first and the ink is re-rendered at MNIST's stroke width. Size, position and pen
width of the original drawing then do not matter at all. A raster path (`raster_to_input`) exists
for images that have no strokes.

Pure NumPy/SciPy/Pillow: no pygame, so the app, evaluation and training share it and it is tested
headless.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

from model import raster

FIELD = 28  # side of the network's input
BOX = 20  # the ink's longer side inside it
SUPERSAMPLE = 8  # render at 8x and box-filter down: anti-aliasing with 1/8 px precision


@dataclass(frozen=True)
class Style:
    """How strokes are rendered into the input. Stored in the weights' metadata, because a model
    must see drawings rendered exactly the way its training strokes were."""

    pen: float = 2.4  # stroke width in input pixels (matches MNIST's ink statistics)
    sigma: float = 0.3  # gaussian blur in input pixels, softens edges like MNIST's scanned ink
    deskew: bool = False  # straighten slanted writing by image moments (training must do the same)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Style:
        return cls(pen=float(d["pen"]), sigma=float(d["sigma"]), deskew=bool(d["deskew"]))


Strokes = Sequence[np.ndarray | Sequence[Sequence[float]]]


NOTHING = "nothing to read: the drawing has no ink"
LONG = 400  # points; longer drawings render through model/raster.py, whose cost does not grow with length


def as_strokes(strokes: Strokes) -> list[np.ndarray]:
    """Validate and convert to a list of float64 (n, 2) arrays; ValueError if it is not a drawing."""
    out = []
    for s in strokes:
        a = np.asarray(s, dtype=np.float64)
        if a.size == 0:
            continue
        if a.ndim != 2 or a.shape[1] != 2:
            raise ValueError(f"a stroke must be a list of (x, y) points, got shape {a.shape}")
        out.append(a)
    if not out:
        raise ValueError(NOTHING)
    if not np.isfinite(np.concatenate(out) if len(out) > 1 else out[0]).all():  # one check for all strokes
        raise ValueError("stroke points must be finite numbers")
    return out


def strokes_to_input(strokes: Strokes, style: Style = Style()) -> np.ndarray:
    """The 28x28 float32 input in [0, 1] (white ink on black) for strokes in any units, y down.

    ValueError("nothing to read: ...") if there is nothing to render.
    """
    pts = as_strokes(strokes)
    # All points in one array (and where each stroke ends), so long drawings cost few NumPy calls.
    ends = np.cumsum([len(p) for p in pts])[:-1]
    allp = _unit_scale(np.concatenate(pts))
    if style.deskew:
        allp = np.concatenate(_deskew_strokes(np.split(allp, ends), style))
    # Fit the skeleton so the *ink* (skeleton plus the pen's width) spans BOX pixels.
    lo, hi = _column_min(allp), -_column_min(-allp)
    extent = float((hi - lo).max())
    scale = (BOX - style.pen) / extent if extent > 0 else 1.0
    centred = (allp - (lo + hi) / 2) * scale + FIELD / 2
    if len(centred) > LONG:
        return _render_long(centred, ends, style)
    img = _render(np.split(centred, ends), style)
    # Move the centre of mass to the field's centre by re-rendering shifted points: exact, whereas
    # shifting the raster would interpolate and blur it a second time.
    return _render(np.split(centred + _com_offset(img), ends), style)


def _column_min(points: np.ndarray) -> np.ndarray:
    """points.min(axis=0) for (n, 2) points, column by column: NumPy's reduction across the short
    axis is fifty times slower on a 20,000-point drawing."""
    return np.array([points[:, 0].min(), points[:, 1].min()])


def _unit_scale(points: np.ndarray) -> np.ndarray:
    """The points times a power of two that brings the largest coordinate into [0.5, 1).

    Exact (only the exponents change), and it keeps every later step finite: coordinates near 1e308
    would overflow when subtracted, spans below 1e-308 would overflow when divided into the box.
    """
    biggest = float(np.abs(points).max())
    return np.ldexp(points, -int(np.frexp(biggest)[1])) if biggest > 0 else points


def _render(strokes: list[np.ndarray], style: Style) -> np.ndarray:
    """Anti-aliased round-capped polylines, blurred, in a 28x28 float32 image scaled to max 1."""
    s = SUPERSAMPLE
    canvas = Image.new("L", (FIELD * s, FIELD * s), 0)
    draw = ImageDraw.Draw(canvas)
    width = _pen_pixels(style)
    r = width / 2
    for p in strokes:
        # Pixel (i, j) covers [j, j+1) x [i, i+1): a point's continuous coordinates map to the
        # supersampled grid by multiplying by s.
        q = (p * s).tolist()
        if len(q) > 1:
            draw.line([(x, y) for x, y in q], fill=255, width=width)
        # A disc at every vertex rounds the joints and caps (and is the dot of a one-point stroke);
        # Pillow's own joint="curve" does the same far more slowly, in Python.
        for x, y in q:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    return _finish(np.asarray(canvas.reduce(s), dtype=np.float32) / 255.0, style)


def _render_long(points: np.ndarray, ends: np.ndarray, style: Style) -> np.ndarray:
    """`strokes_to_input`'s rendering for long drawings (see model/raster.py): the ink is drawn once,
    and moved to its centre of mass in whole supersampled pixels (1/8 of an input pixel)."""
    s, side = SUPERSAMPLE, FIELD * SUPERSAMPLE
    ink = raster.dilate_disc(raster.skeleton(points * s, ends, side), _pen_pixels(style) / 2)
    first = _finish(_reduce(ink), style)
    dx, dy = np.round(_com_offset(first) * s).astype(int)
    moved = np.zeros_like(ink)
    moved[max(dy, 0) : side + min(dy, 0), max(dx, 0) : side + min(dx, 0)] = ink[
        max(-dy, 0) : side + min(-dy, 0), max(-dx, 0) : side + min(-dx, 0)
    ]
    return _finish(_reduce(moved), style)


def _pen_pixels(style: Style) -> int:
    return max(1, round(style.pen * SUPERSAMPLE))


def _reduce(ink: np.ndarray) -> np.ndarray:
    """Box-filter a supersampled bool image down to the field: the fraction of ink in each pixel."""
    s = SUPERSAMPLE
    # Rows then columns, each a contiguous sum of small integers: ten times faster than one mean.
    rows = ink.view(np.uint8).reshape(FIELD, s, FIELD * s).sum(axis=1, dtype=np.uint16)
    return rows.reshape(FIELD, FIELD, s).sum(axis=2).astype(np.float32) / (s * s)


def _finish(small: np.ndarray, style: Style) -> np.ndarray:
    return _normalise(_blur(small, style.sigma))


def _blur(img: np.ndarray, sigma: float) -> np.ndarray:
    """`ndimage.gaussian_filter(img, sigma, mode="constant")`, with the kernel computed once per sigma."""
    if sigma <= 0:
        return img
    weights = _gaussian_weights(float(sigma))
    rows = ndimage.correlate1d(img, weights, axis=0, mode="constant")
    return ndimage.correlate1d(rows, weights, axis=1, mode="constant")


@functools.lru_cache(maxsize=8)
def _gaussian_weights(sigma: float) -> np.ndarray:
    radius = int(4.0 * sigma + 0.5)  # gaussian_filter's default truncation: four standard deviations
    x = np.arange(-radius, radius + 1)
    phi = np.exp(-0.5 / (sigma * sigma) * x**2)
    return phi / phi.sum()


def _normalise(img: np.ndarray) -> np.ndarray:
    peak = float(img.max())
    if not peak > 0:
        raise ValueError(NOTHING)
    return np.clip(img / peak, 0.0, 1.0).astype(np.float32)


def _com_offset(img: np.ndarray) -> np.ndarray:
    """(dx, dy) that moves the image's centre of mass to pixel (14, 14), MNIST's measured centre."""
    cy, cx = ndimage.center_of_mass(img)
    if not np.isfinite([cx, cy]).all():
        return np.zeros(2)
    return np.array([FIELD / 2 - cx, FIELD / 2 - cy])


def skew(img: np.ndarray) -> float:
    """Horizontal shear of the ink, dx/dy, from the image's second moments (0 for upright ink)."""
    total = float(img.sum())
    if total <= 0:
        return 0.0
    ys, xs = np.mgrid[: img.shape[0], : img.shape[1]]
    cy, cx = (ys * img).sum() / total, (xs * img).sum() / total
    var_y = float(((ys - cy) ** 2 * img).sum() / total)
    cov = float(((xs - cx) * (ys - cy) * img).sum() / total)
    return cov / var_y if var_y > 1e-6 else 0.0


def _deskew_strokes(pts: list[np.ndarray], style: Style) -> list[np.ndarray]:
    # Measure the slant on a first rendering, as deskew_image does for MNIST images, then shear the
    # points themselves so the rendering stays sharp.
    k = skew(strokes_to_input(pts, Style(style.pen, style.sigma, deskew=False)))
    mid_y = np.concatenate(pts)[:, 1].mean()
    return [np.column_stack([p[:, 0] - k * (p[:, 1] - mid_y), p[:, 1]]) for p in pts]


def deskew_image(img: np.ndarray) -> np.ndarray:
    """Shear a 28x28 image so its slant is removed, keeping its centre of mass in place."""
    k = skew(img)
    if k == 0:
        return img.astype(np.float32, copy=True)
    cy, cx = ndimage.center_of_mass(img)
    # affine_transform maps output coordinates (y, x) to input ones: x_in = x + k (y - cy)
    matrix = np.array([[1.0, 0.0], [k, 1.0]])
    offset = np.array([0.0, -k * cy])
    out = ndimage.affine_transform(img.astype(np.float32), matrix, offset=offset, order=1, mode="constant")
    return np.clip(out, 0, 1).astype(np.float32)


def mnist_to_input(images: np.ndarray, style: Style = Style()) -> np.ndarray:
    """MNIST's uint8 (n, 28, 28) images as (n, 784) float32 inputs in [0, 1], deskewed if the style says.

    MNIST is already in the network's convention, so only the scaling (and the deskew the drawings
    also get) applies.
    """
    x = images.astype(np.float32) / 255.0
    if style.deskew:
        x = np.array([deskew_image(i) for i in x], np.float32)
    return x.reshape(len(x), -1)


def raster_to_input(raster: np.ndarray, style: Style = Style(), threshold: float = 0.1) -> np.ndarray:
    """The 28x28 input for a greyscale raster of any size, bright ink on dark.

    Crops to the ink (pixels above `threshold` of the maximum), fits the longer side into 20 px with
    Pillow's anti-aliased resampling, centres by centre of mass and blurs like `strokes_to_input`.
    """
    a = np.asarray(raster, dtype=np.float64)
    if a.ndim != 2 or a.size == 0:
        raise ValueError(f"a raster must be a non-empty 2-D greyscale array, got shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError("raster values must be finite")
    a = a - min(float(a.min()), 0.0)
    peak = float(a.max())
    if peak <= 0:
        raise ValueError("nothing drawn: the raster has no ink")
    rows, cols = np.nonzero(a > threshold * peak)
    crop = (a[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1] / peak).astype(np.float32)
    h, w = crop.shape
    scale = BOX / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = np.asarray(Image.fromarray(crop, mode="F").resize(size, Image.Resampling.LANCZOS))
    field = np.zeros((FIELD, FIELD), np.float32)
    top, left = (FIELD - size[1]) // 2, (FIELD - size[0]) // 2
    field[top : top + size[1], left : left + size[0]] = np.clip(small, 0, None)
    dx, dy = _com_offset(field)
    field = ndimage.shift(field, (dy, dx), order=1, mode="constant")
    if style.deskew:
        field = deskew_image(field)
    if style.sigma > 0:
        field = ndimage.gaussian_filter(field, style.sigma, mode="constant")
    return _normalise(field)

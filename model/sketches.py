"""Hand-made digit drawings: one simple stroke sketch per digit, in canvas units (0..1, y down).

They are what a person draws on the canvas, written down as points: the inside view's preview and
lesson use them, the tests use them as drawings with a known answer, and `model/inside.py` uses
them as a small data-free reference for how strongly each hidden unit typically fires. They are not
training data and are never used to fit anything.
"""

from __future__ import annotations

import numpy as np

from model.config import DIGITS

Sketch = list[np.ndarray]  # strokes, each (n, 2) points in canvas units


def _arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float, n: int = 40) -> np.ndarray:
    """Points on an elliptic arc from angle a0 to a1 in degrees (0 = right, 90 = down, y down)."""
    a = np.radians(np.linspace(a0, a1, n))
    return np.column_stack([cx + rx * np.cos(a), cy + ry * np.sin(a)])


def _line(*points: tuple[float, float], n: int = 12) -> np.ndarray:
    """A polyline through the points, each segment sampled like a mouse would (n points)."""
    out = []
    for (x0, y0), (x1, y1) in zip(points[:-1], points[1:]):
        t = np.linspace(0, 1, n, endpoint=False)[:, None]
        out.append(np.column_stack([x0 + (x1 - x0) * t[:, 0], y0 + (y1 - y0) * t[:, 0]]))
    out.append(np.array([points[-1]], np.float64))
    return np.concatenate(out)


def _sketches() -> dict[int, Sketch]:
    return {
        0: [_arc(0.50, 0.50, 0.19, 0.29, -90, 275, 60)],
        1: [_line((0.53, 0.20), (0.47, 0.80))],
        2: [np.concatenate([_arc(0.50, 0.36, 0.18, 0.15, -170, 30), _line((0.64, 0.46), (0.30, 0.80), (0.72, 0.80))])],
        3: [np.concatenate([_arc(0.50, 0.34, 0.18, 0.14, -150, 90), _arc(0.50, 0.63, 0.20, 0.17, -90, 150)])],
        4: [_line((0.38, 0.20), (0.30, 0.56), (0.74, 0.56)), _line((0.62, 0.30), (0.62, 0.82))],
        5: [np.concatenate([_line((0.70, 0.20), (0.38, 0.20), (0.35, 0.46)), _arc(0.49, 0.62, 0.20, 0.18, -130, 150)])],
        6: [np.concatenate([_line((0.64, 0.20), (0.44, 0.36), (0.33, 0.60)), _arc(0.50, 0.64, 0.17, 0.16, 180, 540)])],
        7: [_line((0.28, 0.22), (0.73, 0.22), (0.46, 0.82))],
        8: [_arc(0.50, 0.34, 0.14, 0.14, 90, 450), _arc(0.50, 0.65, 0.18, 0.16, -90, 270)],
        9: [np.concatenate([_arc(0.50, 0.36, 0.16, 0.15, 0, 360), _line((0.66, 0.36), (0.60, 0.82))])],
    }


SKETCHES: dict[int, Sketch] = _sketches()
assert set(SKETCHES) == set(DIGITS)


def sketch(digit: int, *, at: tuple[float, float] = (0.5, 0.5), size: float = 1.0, shear: float = 0.0) -> Sketch:
    """The sketch of `digit`, moved so its centre is at `at`, scaled by `size` and slanted by `shear`
    (dx per dy, positive leans right), still in canvas units."""
    out = []
    for s in SKETCHES[digit]:
        p = s - 0.5
        p = np.column_stack([p[:, 0] - shear * p[:, 1], p[:, 1]])
        out.append(p * size + np.asarray(at, np.float64))
    return out


def reference_sketches() -> list[Sketch]:
    """Every digit upright and slanted both ways: 30 drawings, a small stand-in for real data."""
    return [sketch(d, shear=k) for d in DIGITS for k in (-0.25, 0.0, 0.25)]

"""Drawings that are not digits, made up on the spot, for teaching and testing "not a digit".

A class will scribble, hatch, fill, cross out, dab a dot or write a letter to see what the network
says. Each kind here is drawn as a pen would draw it, as strokes in a unit box (x right, y down),
with random size, slant and wobble, so the set covers the kind rather than one example of it.
The letters and signs are the ones no digit resembles closely (A, K, M, W, X, #, *).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Strokes = list[np.ndarray]
Maker = Callable[[np.random.Generator], Strokes]


def _line(a, b, n: int = 8) -> np.ndarray:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return a + (b - a) * np.linspace(0.0, 1.0, n)[:, None]


def _polyline(points, n: int = 6) -> np.ndarray:
    """A pen going through the corners without lifting."""
    pts = [np.asarray(p, np.float64) for p in points]
    return np.concatenate([_line(a, b, n)[:-1] for a, b in zip(pts[:-1], pts[1:])] + [pts[-1][None]])


def _wobble(strokes: Strokes, rng: np.random.Generator, amount: float = 0.015) -> Strokes:
    """A hand is not a ruler: a smooth random displacement along each stroke, a random slant and size."""
    slant = rng.uniform(-0.25, 0.25)
    scale = rng.uniform(0.6, 1.0, size=2)
    out = []
    for s in strokes:
        noise = rng.normal(0, amount, s.shape)
        noise = np.cumsum(noise, axis=0) / np.sqrt(np.arange(1, len(s) + 1))[:, None]
        p = s + noise
        p = np.stack([p[:, 0] + slant * (0.5 - p[:, 1]), p[:, 1]], axis=1) * scale
        out.append(p)
    return out


def scribble(rng: np.random.Generator) -> Strokes:
    """A tangle of loops over most of the box, in one stroke."""
    n = rng.integers(6, 14)
    corners = rng.uniform(0.0, 1.0, size=(n, 2))
    return [_polyline(corners, 5)]


def hatching(rng: np.random.Generator) -> Strokes:
    """Parallel lines, each its own stroke."""
    k = rng.integers(4, 9)
    angle = rng.uniform(0, np.pi)
    d = np.array([np.cos(angle), np.sin(angle)]) * 0.5
    normal = np.array([-d[1], d[0]]) * 2
    return [_line(c - d, c + d) for c in (0.5 + normal * t for t in np.linspace(-0.4, 0.4, k))]


def filled(rng: np.random.Generator) -> Strokes:
    """An area coloured in: a tight zigzag, one stroke."""
    rows = rng.integers(8, 16)
    ys = np.linspace(0.0, rng.uniform(0.5, 1.0), rows)
    width = rng.uniform(0.5, 1.0)
    corners = [(width * (i % 2), y) for i, y in enumerate(ys)]
    return [_polyline(corners, 4)]


def crossed_out(rng: np.random.Generator) -> Strokes:
    """A few heavy diagonal strokes back and forth, as over a mistake."""
    k = rng.integers(3, 7)
    corners = [(float(i % 2), float(rng.uniform(0, 1))) for i in range(k)]
    return [_polyline(corners, 6)]


def dot(rng: np.random.Generator) -> Strokes:
    """One or a few dabs of the pen."""
    return [rng.uniform(0, 1, size=(1, 2)) + rng.normal(0, 0.003, size=(2, 2)) for _ in range(rng.integers(1, 4))]


def short_mark(rng: np.random.Generator) -> Strokes:
    """A tick, a dash or a comma-like flick: far too little ink for a digit."""
    a = rng.uniform(0, 1, 2)
    angle = rng.uniform(0, 2 * np.pi)
    return [_line(a, a + 0.12 * np.array([np.cos(angle), np.sin(angle)]), 4)]


# Letters and signs, as a person writes them: corners in the unit box, one polyline a stroke.
GLYPHS: dict[str, list[list[tuple[float, float]]]] = {
    "A": [[(0.0, 1.0), (0.5, 0.0), (1.0, 1.0)], [(0.22, 0.6), (0.78, 0.6)]],
    "K": [[(0.1, 0.0), (0.1, 1.0)], [(0.9, 0.0), (0.1, 0.55), (0.9, 1.0)]],
    "M": [[(0.0, 1.0), (0.05, 0.0), (0.5, 0.6), (0.95, 0.0), (1.0, 1.0)]],
    "W": [[(0.0, 0.0), (0.25, 1.0), (0.5, 0.35), (0.75, 1.0), (1.0, 0.0)]],
    "X": [[(0.0, 0.0), (1.0, 1.0)], [(1.0, 0.0), (0.0, 1.0)]],
    "#": [[(0.35, 0.0), (0.25, 1.0)], [(0.75, 0.0), (0.65, 1.0)], [(0.0, 0.35), (1.0, 0.35)], [(0.0, 0.7), (1.0, 0.7)]],
    "*": [[(0.5, 0.0), (0.5, 1.0)], [(0.07, 0.25), (0.93, 0.75)], [(0.93, 0.25), (0.07, 0.75)]],
}


def glyph(name: str) -> Maker:
    def make(rng: np.random.Generator) -> Strokes:
        return [_polyline(corners, 6) for corners in GLYPHS[name]]

    make.__name__ = f"glyph_{name}"
    return make


KINDS: dict[str, Maker] = {
    "scribble": scribble,
    "hatching": hatching,
    "filled": filled,
    "crossed-out": crossed_out,
    "dot": dot,
    "short-mark": short_mark,
    **{f"letter-{name}": glyph(name) for name in GLYPHS},
}


def make(kind: str, rng: np.random.Generator) -> Strokes:
    """One drawing of the kind, wobbled like a hand would."""
    return _wobble(KINDS[kind](rng), rng)


# One seed for each use, so the drawings a network trains on, those its thresholds are chosen on and
# those `evaluate.py --non-digits` scores it on are never the same (train.py uses the first two).
SEEDS = {"train": 0, "val": 1, "test": 2}


def non_digits(per_kind: int, seed: int = SEEDS["train"]) -> list[tuple[str, Strokes]]:
    """`per_kind` drawings of every kind, reproducible for a seed: [(kind, strokes), ...]."""
    rng = np.random.default_rng(seed)
    return [(kind, make(kind, rng)) for kind in KINDS for _ in range(per_kind)]

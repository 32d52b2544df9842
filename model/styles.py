"""Handwriting styles that people really write, made from other people's digits, on the points.

A new user's errors are of a few kinds (issue 13): European 7s with a crossbar read as 2, 9s whose
tail curls back read as 3, continental 1s with a long flag read as 7, and 4s written in one stroke
without lifting the pen read as 5 or 9; and a slashed zero (Ø) drawn in the app was "0 or 8? not
sure". UNIPEN holds too few of each to test on, so each style is
*made* from a real digit of that class: the writer's own strokes, with the one feature added the way
a pen would add it. The result goes through the app's own path (replay, preprocessing, network),
exactly like a drawn digit.

Two uses, kept apart by writer: variants of held-out writers' digits are test sets for
`evaluate.py --styles`; variants of training writers' digits may be training data.

Every function takes strokes as float (n, 2) arrays in screen orientation (x right, y down, any
units) and a random generator, and returns new strokes; it never edits its input.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Strokes = list[np.ndarray]


def _box(strokes: Strokes) -> tuple[np.ndarray, np.ndarray]:
    pts = np.concatenate(strokes)
    return pts.min(axis=0), pts.max(axis=0)


def _line(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """n points from a to b, ends included: a pen moving in a straight line."""
    t = np.linspace(0.0, 1.0, n)[:, None]
    return a + (b - a) * t


def _x_at_height(stroke: np.ndarray, y: float) -> float | None:
    """Where a polyline crosses the horizontal line at height y (the first crossing), if it does."""
    ys = stroke[:, 1]
    for i in range(len(stroke) - 1):
        y0, y1 = ys[i], ys[i + 1]
        if (y0 - y) * (y1 - y) <= 0 and y0 != y1:
            t = (y - y0) / (y1 - y0)
            return float(stroke[i, 0] + t * (stroke[i + 1, 0] - stroke[i, 0]))
    return None


def crossbar_seven(strokes: Strokes, rng: np.random.Generator) -> Strokes:
    """A European 7: a short bar across the stem at about half height, drawn as a second stroke."""
    lo, hi = _box(strokes)
    w, h = np.maximum(hi - lo, 1e-9)
    y = lo[1] + h * rng.uniform(0.45, 0.6)
    # The stem is the longest stroke's descending part: find where it crosses the bar's height.
    stem = max(strokes, key=len)
    x = _x_at_height(stem, y)
    if x is None:
        x = float(lo[0] + w / 2)
    half = max(w, 0.35 * h) * rng.uniform(0.22, 0.35)
    tilt = h * rng.uniform(-0.04, 0.04)
    left = np.array([x - half * rng.uniform(0.9, 1.2), y + tilt])
    right = np.array([x + half * rng.uniform(0.9, 1.2), y - tilt])
    return [*(s.copy() for s in strokes), _line(left, right, 8)]


def flag_one(strokes: Strokes, rng: np.random.Generator) -> Strokes:
    """A continental 1: the pen starts low on the left, flies up to the top, then draws the stem.

    The flag is joined to the stem in one stroke, as it is written; its length is a third to a half
    of the digit's height, which is what makes it look like a 7 to a network that never saw one.
    """
    lo, hi = _box(strokes)
    h = max(float(hi[1] - lo[1]), 1e-9)
    first = strokes[0]
    # Write the stem from the top down, whichever way the writer went.
    stem = first if first[0, 1] <= first[-1, 1] else first[::-1]
    top = stem[0]
    length = h * rng.uniform(0.3, 0.5)
    angle = np.deg2rad(rng.uniform(25, 50))  # below the horizontal, to the left
    start = top + length * np.array([-np.cos(angle), np.sin(angle)])
    flag = _line(start, top, 8)[:-1]
    return [np.concatenate([flag, stem]), *(s.copy() for s in strokes[1:])]


def one_stroke_four(strokes: Strokes, rng: np.random.Generator) -> Strokes:
    """A 4 written without lifting the pen: the strokes joined in writing order, the joins inked.

    Most 4s are two strokes (the open "L" then the stem); without a pen lift the move from the end
    of the "L" to the top of the stem leaves a line, which closes the top like a 9.
    """
    del rng  # the joins are where a writer's pen goes; nothing to choose
    if len(strokes) == 1:
        return [strokes[0].copy()]
    # Written in one go, the open "L" (the stroke reaching furthest left) comes first and the stem
    # (the other strokes, each written top-down) after it, whatever order this writer used.
    order = sorted(strokes, key=lambda s: float(s[:, 0].min()))
    parts = [order[0]]
    for s in order[1:]:
        s = s if s[0, 1] <= s[-1, 1] else s[::-1]
        parts.append(_line(parts[-1][-1], s[0], 6)[1:-1])
        parts.append(s)
    return [np.concatenate(parts)]


def curl_nine(strokes: Strokes, rng: np.random.Generator) -> Strokes:
    """A 9 whose tail curls back to the left at the bottom, like a hook."""
    lo, hi = _box(strokes)
    w, h = np.maximum(hi - lo, 1e-9)
    # The tail is the end of the stroke that reaches lowest.
    k = int(np.argmax([s[:, 1].max() for s in strokes]))
    tail = strokes[k] if strokes[k][-1, 1] >= strokes[k][0, 1] else strokes[k][::-1]
    end = tail[-1]
    r = max(w, 0.4 * h) * rng.uniform(0.18, 0.3)
    sweep = np.deg2rad(rng.uniform(110, 170))
    # A circular arc that continues downward, turns left and comes back up.
    theta = np.linspace(0.0, sweep, 10)[1:]
    centre = end + np.array([-r, 0.0])
    arc = centre + r * np.stack([np.cos(theta), np.sin(theta)], axis=1)
    curled = np.concatenate([tail, arc])
    return [*(s.copy() for i, s in enumerate(strokes) if i != k), curled]


def slashed_zero(strokes: Strokes, rng: np.random.Generator) -> Strokes:
    """A slashed zero (Ø), as Scandinavian writers, programmers and engineers write it to tell 0 from
    O: after the oval, one straight stroke across it from lower left to upper right, steep, and most
    often reaching past the oval at both ends. Unseen, it reads as an 8 (the slash is its waist)."""
    lo, hi = _box(strokes)
    h = max(float(hi[1] - lo[1]), 1e-9)
    centre = (lo + hi) / 2 + h * rng.uniform(-0.04, 0.04, size=2)
    angle = np.deg2rad(rng.uniform(50, 75))  # above the horizontal
    reach = h / 2 + h * rng.uniform(0.0, 0.25, size=2)  # how high each end reaches from the centre
    up = np.array([np.cos(angle), -np.sin(angle)]) / np.sin(angle)  # one unit of height up the slash
    return [*(s.copy() for s in strokes), _line(centre - reach[0] * up, centre + reach[1] * up, 8)]


STYLES: dict[str, tuple[int, Callable[[Strokes, np.random.Generator], Strokes]]] = {
    "crossbar-7": (7, crossbar_seven),
    "flag-1": (1, flag_one),
    "one-stroke-4": (4, one_stroke_four),
    "curl-9": (9, curl_nine),
    "slashed-0": (0, slashed_zero),
}
# What each style is called in help texts (train.py --styles, evaluate.py --styles), in STYLES's order.
PLURALS = {"crossbar-7": "crossbar 7s", "flag-1": "flag 1s", "one-stroke-4": "one-stroke 4s", "curl-9": "curled 9s",
           "slashed-0": "slashed 0s"}


def listed() -> str:
    """The styles in words: "crossbar 7s, flag 1s, ... and slashed 0s"."""
    *first, last = PLURALS.values()
    return f"{', '.join(first)} and {last}"


def variants(label_strokes: list[tuple[int, Strokes]], style: str, seed: int = 0) -> list[Strokes]:
    """The style applied to every digit of its class in `label_strokes`, reproducibly for a seed."""
    digit, make = STYLES[style]
    rng = np.random.default_rng(seed)
    return [make([np.asarray(s, np.float64) for s in strokes], rng) for lab, strokes in label_strokes if lab == digit]

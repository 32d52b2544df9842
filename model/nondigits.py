"""Drawings that are not digits, made up on the spot, for teaching and testing "not a digit".

A class will scribble, hatch, fill, cross out, dab a dot or write a letter to see what the network
says, and then draw what people doodle: hearts, smileys and faces, stars, suns, houses, trees,
clouds, arrows, question and exclamation marks, signs, ticks, spirals, their initials or a short
word, a digit crossed out. Each kind here is drawn as a pen would draw it, as strokes in a unit box
(x right, y down), with random size, slant and wobble, so the set covers the kind rather than one
example of it. The letters are the ones no digit resembles closely (model/letters.py says which);
real pen letters and symbols come from UNIPEN (model/letters.py), these are the doodles around them.
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


# --- doodles --------------------------------------------------------------------------------


def _arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float, n: int = 24) -> np.ndarray:
    """An elliptic arc from angle a0 to a1 (radians; 0 is right, pi/2 is down since y grows down)."""
    t = np.linspace(a0, a1, n)
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], axis=1)


def _circle(rng: np.random.Generator, cx: float, cy: float, r: float, ry: float | None = None) -> np.ndarray:
    """A closed loop started anywhere, a little over- or under-drawn, as a hand closes a circle."""
    a0 = rng.uniform(0, 2 * np.pi)
    return _arc(cx, cy, r, r if ry is None else ry, a0, a0 + 2 * np.pi * rng.uniform(0.95, 1.08), 32)


def _speck(rng: np.random.Generator, x: float, y: float) -> np.ndarray:
    """A dot as a pen makes it: a dab or a tiny flick."""
    return np.array([[x, y], [x + rng.uniform(-0.02, 0.02), y + rng.uniform(0.0, 0.03)]])


def heart(rng: np.random.Generator) -> Strokes:
    """The classic curve, in one stroke or as two halves from the top notch."""
    t = np.linspace(0, 2 * np.pi, 48)
    x, y = 16 * np.sin(t) ** 3, -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
    pts = np.stack([(x + 17) / 34, (y + 17) / 30], axis=1)
    return [pts] if rng.random() < 0.5 else [pts[:25], pts[24:]]


def smiley(rng: np.random.Generator) -> Strokes:
    """A round face, two eyes (dots or little strokes), a smile."""
    out = [_circle(rng, 0.5, 0.5, 0.48)]
    for ex in (0.33, 0.67):
        out.append(_speck(rng, ex, 0.36) if rng.random() < 0.6 else _line((ex, 0.3), (ex, 0.42), 4))
    out.append(_arc(0.5, 0.52, rng.uniform(0.18, 0.27), rng.uniform(0.12, 0.2), 0.15 * np.pi, 0.85 * np.pi, 12))
    return out


def face(rng: np.random.Generator) -> Strokes:
    """A face with more in it: round eyes, a nose, a mouth that may be straight or sad, maybe ears or hair."""
    out = [_circle(rng, 0.5, 0.52, 0.4, 0.46)]
    out += [_circle(rng, ex, 0.4, 0.06) for ex in (0.36, 0.64)]
    out.append(_polyline([(0.5, 0.45), (0.46, 0.6), (0.52, 0.6)], 4))
    mood = rng.integers(3)
    out.append(_line((0.38, 0.74), (0.62, 0.74), 6) if mood == 0 else
               _arc(0.5, 0.82 if mood == 1 else 0.68, 0.13, 0.07, (1.15 if mood == 1 else 0.15) * np.pi,
                    (1.85 if mood == 1 else 0.85) * np.pi, 10))
    if rng.random() < 0.5:  # hair
        out += [_line((x, 0.08), (x + rng.uniform(-0.05, 0.05), -0.05), 4) for x in np.linspace(0.3, 0.7, 5)]
    if rng.random() < 0.4:  # ears
        out += [_arc(0.1, 0.52, 0.05, 0.08, 0.5 * np.pi, 1.5 * np.pi, 8), _arc(0.9, 0.52, 0.05, 0.08, -0.5 * np.pi,
                                                                                0.5 * np.pi, 8)]
    return out


def star(rng: np.random.Generator) -> Strokes:
    """A five-pointed star in one stroke, or an asterisk-like burst of crossing lines."""
    if rng.random() < 0.75:
        a = -np.pi / 2 + np.arange(6) * 4 * np.pi / 5 + rng.uniform(-0.1, 0.1)
        return [_polyline(list(zip(0.5 + 0.5 * np.cos(a), 0.5 + 0.5 * np.sin(a))), 6)]
    k = rng.integers(3, 5)
    return [_line((0.5 - 0.5 * np.cos(t), 0.5 - 0.5 * np.sin(t)), (0.5 + 0.5 * np.cos(t), 0.5 + 0.5 * np.sin(t)))
            for t in np.pi * np.arange(k) / k + rng.uniform(0, 1)]


def sun(rng: np.random.Generator) -> Strokes:
    """A circle with rays all around."""
    r = rng.uniform(0.18, 0.26)
    rays = [_line((0.5 + (r + 0.06) * np.cos(t), 0.5 + (r + 0.06) * np.sin(t)),
                  (0.5 + 0.48 * np.cos(t), 0.5 + 0.48 * np.sin(t)), 4)
            for t in np.linspace(0, 2 * np.pi, rng.integers(6, 13), endpoint=False) + rng.uniform(0, 1)]
    return [_circle(rng, 0.5, 0.5, r), *rays]


def house(rng: np.random.Generator) -> Strokes:
    """Walls, a roof, a door, perhaps a window."""
    roof = rng.uniform(0.3, 0.45)
    out = [_polyline([(0.1, roof), (0.1, 1.0), (0.9, 1.0), (0.9, roof), (0.1, roof)], 5),
           _polyline([(0.02, roof + 0.03), (0.5, 0.0), (0.98, roof + 0.03)], 6),
           _polyline([(0.42, 1.0), (0.42, 0.72), (0.58, 0.72), (0.58, 1.0)], 4)]
    if rng.random() < 0.6:
        out.append(_polyline([(0.18, roof + 0.12), (0.34, roof + 0.12), (0.34, roof + 0.26), (0.18, roof + 0.26),
                              (0.18, roof + 0.12)], 3))
    return out


def tree(rng: np.random.Generator) -> Strokes:
    """A trunk under a round crown, or a fir tree."""
    trunk = [_line((0.44, 1.0), (0.44, 0.62), 5), _line((0.56, 1.0), (0.56, 0.62), 5)]
    if rng.random() < 0.5:
        bumps = rng.integers(5, 9)
        pts = np.concatenate([_arc(0.5 + 0.33 * np.cos(t), 0.36 + 0.28 * np.sin(t), 0.15, 0.13,
                                   t - 0.6 * np.pi, t + 0.6 * np.pi, 6) for t in np.linspace(0.5 * np.pi, 2.5 * np.pi,
                                                                                           bumps, endpoint=False)])
        return [*trunk, pts]
    return [*trunk, _polyline([(0.1, 0.66), (0.5, 0.0), (0.9, 0.66), (0.1, 0.66)], 6)]


def cloud(rng: np.random.Generator) -> Strokes:
    """A bumpy outline: arcs along the top, a flat or bumpy bottom."""
    k = rng.integers(3, 6)
    xs = np.linspace(0.1, 0.9, k + 1)
    top = np.concatenate([_arc((a + b) / 2, 0.45, (b - a) / 2, rng.uniform(0.15, 0.3), np.pi, 2 * np.pi, 10)
                          for a, b in zip(xs[:-1], xs[1:])])
    bottom = _arc(0.5, 0.5, 0.45, rng.uniform(0.06, 0.15), 0.0, np.pi, 16)
    return [np.concatenate([top, _line(top[-1], bottom[0], 3), bottom, _line(bottom[-1], top[0], 3)])]


def arrow(rng: np.random.Generator) -> Strokes:
    """A shaft and a head, pointing anywhere, the head drawn as one stroke or two."""
    t = rng.uniform(0, 2 * np.pi)
    d = np.array([np.cos(t), np.sin(t)]) * 0.48
    tail, tip = 0.5 - d, 0.5 + d
    back = -d / np.linalg.norm(d) * 0.25
    turn = rng.uniform(0.4, 0.7)
    wings = [tip + np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]) @ back for a in (turn, -turn)]
    head = [_polyline([wings[0], tip, wings[1]], 4)] if rng.random() < 0.6 else [_line(tip, w, 4) for w in wings]
    return [_line(tail, tip, 10), *head]


def question(rng: np.random.Generator) -> Strokes:
    """A hook and a dot."""
    hook = np.concatenate([_arc(0.5, 0.25, 0.3, 0.23, np.pi * rng.uniform(1.0, 1.15), np.pi * 2.4, 16),
                           _line((0.5, 0.48), (0.5, 0.72), 4)])
    return [hook, _speck(rng, 0.5, 0.95)]


def exclamation(rng: np.random.Generator) -> Strokes:
    """A stroke and a dot, with a clear gap between them."""
    return [_line((0.5, 0.0), (0.5 + rng.uniform(-0.05, 0.05), 0.7), 8), _speck(rng, 0.5, 0.95)]


SIGNS: dict[str, list[list[tuple[float, float]]]] = {
    "+": [[(0.5, 0.05), (0.5, 0.95)], [(0.05, 0.5), (0.95, 0.5)]],
    "=": [[(0.05, 0.3), (0.95, 0.3)], [(0.05, 0.7), (0.95, 0.7)]],
    "x": [[(0.1, 0.1), (0.9, 0.9)], [(0.9, 0.1), (0.1, 0.9)]],
    "<": [[(0.9, 0.05), (0.1, 0.5), (0.9, 0.95)]],
    ">": [[(0.1, 0.05), (0.9, 0.5), (0.1, 0.95)]],
    "%": [[(0.9, 0.0), (0.1, 1.0)]],  # and two small circles, added below
    "≠": [[(0.05, 0.35), (0.95, 0.35)], [(0.05, 0.65), (0.95, 0.65)], [(0.7, 0.05), (0.3, 0.95)]],
}


def sign(rng: np.random.Generator) -> Strokes:
    """A maths or keyboard sign: + = x < > % or not-equal."""
    name = list(SIGNS)[rng.integers(len(SIGNS))]
    out = [_polyline(c, 6) for c in SIGNS[name]]
    if name == "%":
        out += [_circle(rng, 0.22, 0.2, 0.12), _circle(rng, 0.78, 0.8, 0.12)]
    return out


def tick(rng: np.random.Generator) -> Strokes:
    """A check mark: a short stroke down, a long one up."""
    low = (rng.uniform(0.3, 0.45), 1.0)
    return [_polyline([(0.0, rng.uniform(0.5, 0.7)), low, (1.0, 0.0)], 6)]


def cross_mark(rng: np.random.Generator) -> Strokes:
    """A cross as a "wrong" mark: two strokes, or one with the pen carried over."""
    if rng.random() < 0.5:
        return [_line((0.0, 0.0), (1.0, 1.0)), _line((1.0, 0.0), (0.0, 1.0))]
    return [_polyline([(0.0, 0.0), (1.0, 1.0), (1.0, 0.0), (0.0, 1.0)], 8)]


def spiral(rng: np.random.Generator) -> Strokes:
    """Two to four turns, from the middle out."""
    turns = rng.uniform(2.0, 4.0)
    t = np.linspace(0, 2 * np.pi * turns, int(30 * turns))
    r = 0.48 * t / t[-1]
    a0 = rng.uniform(0, 2 * np.pi)
    return [np.stack([0.5 + r * np.cos(t + a0), 0.5 + r * np.sin(t + a0)], axis=1)]


# Capital letters and digits as a quick hand prints them, for words, initials and crossed-out digits:
# strokes of corners (lists of points) or arcs (cx, cy, rx, ry, a0, a1 in half-turns) in a 1 x 1 box.
PRINT: dict[str, list] = {
    "A": [[(0.0, 1.0), (0.5, 0.0), (1.0, 1.0)], [(0.22, 0.6), (0.78, 0.6)]],
    "C": [(0.55, 0.5, 0.45, 0.5, 1.8, 0.2 + 2)],
    "E": [[(0.9, 0.0), (0.1, 0.0), (0.1, 1.0), (0.9, 1.0)], [(0.1, 0.5), (0.7, 0.5)]],
    "F": [[(0.9, 0.0), (0.1, 0.0), (0.1, 1.0)], [(0.1, 0.5), (0.7, 0.5)]],
    "H": [[(0.1, 0.0), (0.1, 1.0)], [(0.9, 0.0), (0.9, 1.0)], [(0.1, 0.5), (0.9, 0.5)]],
    "K": [[(0.1, 0.0), (0.1, 1.0)], [(0.9, 0.0), (0.1, 0.55), (0.9, 1.0)]],
    "L": [[(0.1, 0.0), (0.1, 1.0), (0.9, 1.0)]],
    "M": [[(0.0, 1.0), (0.05, 0.0), (0.5, 0.6), (0.95, 0.0), (1.0, 1.0)]],
    "N": [[(0.1, 1.0), (0.1, 0.0), (0.9, 1.0), (0.9, 0.0)]],
    "P": [[(0.1, 1.0), (0.1, 0.0), (0.6, 0.0)], (0.6, 0.27, 0.3, 0.27, 1.5, 2.5), [(0.6, 0.54), (0.1, 0.54)]],
    "R": [[(0.1, 1.0), (0.1, 0.0), (0.6, 0.0)], (0.6, 0.27, 0.3, 0.27, 1.5, 2.5), [(0.6, 0.54), (0.1, 0.54),
                                                                                  (0.9, 1.0)]],
    "T": [[(0.0, 0.0), (1.0, 0.0)], [(0.5, 0.0), (0.5, 1.0)]],
    "U": [[(0.1, 0.0), (0.1, 0.6)], (0.5, 0.6, 0.4, 0.4, 1.0, 0.0), [(0.9, 0.6), (0.9, 0.0)]],
    "V": [[(0.0, 0.0), (0.5, 1.0), (1.0, 0.0)]],
    "W": [[(0.0, 0.0), (0.25, 1.0), (0.5, 0.35), (0.75, 1.0), (1.0, 0.0)]],
    "X": [[(0.0, 0.0), (1.0, 1.0)], [(1.0, 0.0), (0.0, 1.0)]],
    "Y": [[(0.0, 0.0), (0.5, 0.5), (1.0, 0.0)], [(0.5, 0.5), (0.5, 1.0)]],
    "0": [(0.5, 0.5, 0.4, 0.5, 0.0, 2.0)],
    "1": [[(0.3, 0.2), (0.55, 0.0), (0.55, 1.0)]],
    "2": [(0.5, 0.3, 0.4, 0.3, 1.1, 2.15), [(0.85, 0.45), (0.05, 1.0), (0.95, 1.0)]],
    "3": [(0.45, 0.27, 0.4, 0.27, 1.2, 2.5), (0.45, 0.73, 0.45, 0.27, 1.5, 2.8)],
    "4": [[(0.65, 1.0), (0.65, 0.0), (0.0, 0.65), (1.0, 0.65)]],
    "5": [[(0.85, 0.0), (0.15, 0.0), (0.12, 0.45)], (0.45, 0.68, 0.42, 0.32, 1.3, 2.8)],
    "6": [[(0.8, 0.0), (0.2, 0.55)], (0.5, 0.7, 0.35, 0.3, 1.0, 3.0)],
    "7": [[(0.0, 0.0), (1.0, 0.0), (0.35, 1.0)]],
    "8": [(0.5, 0.25, 0.3, 0.25, 0.0, 2.0), (0.5, 0.73, 0.38, 0.27, 0.0, 2.0)],
    "9": [(0.5, 0.3, 0.38, 0.3, 0.0, 2.0), [(0.88, 0.3), (0.75, 1.0)]],
}
LETTERS = "".join(c for c in PRINT if c.isalpha())


def _print(char: str, x0: float, y0: float, w: float, h: float) -> Strokes:
    out = []
    for part in PRINT[char]:
        pts = (_arc(*part[:4], part[4] * np.pi, part[5] * np.pi, 16) if isinstance(part, tuple)
               else _polyline(part, 5))
        out.append(np.stack([x0 + pts[:, 0] * w, y0 + pts[:, 1] * h], axis=1))
    return out


def word(rng: np.random.Generator) -> Strokes:
    """Two to five printed capitals side by side, a little uneven, as a name or a short word."""
    n = rng.integers(2, 6)
    w = 1.0 / (n * 1.25)
    out = []
    for i in range(n):
        c = LETTERS[rng.integers(len(LETTERS))]
        out += _print(c, i * w * 1.25 + rng.uniform(-0.02, 0.02), 0.3 + rng.uniform(-0.04, 0.04), w,
                      0.4 * rng.uniform(0.9, 1.1))
    return out


def initials(rng: np.random.Generator) -> Strokes:
    """Two or three capitals, each perhaps followed by a full stop."""
    n = rng.integers(2, 4)
    dots = rng.random() < 0.5
    w = 1.0 / (n * (1.5 if dots else 1.25))
    out = []
    for i in range(n):
        x = i * w * (1.5 if dots else 1.25)
        out += _print(LETTERS[rng.integers(len(LETTERS))], x, 0.25, w, 0.5)
        if dots:
            out.append(_speck(rng, x + w * 1.2, 0.74))
    return out


def crossed_digit(rng: np.random.Generator) -> Strokes:
    """A digit struck out: crossed twice, struck through back and forth, or scribbled over."""
    digit = _print(str(rng.integers(10)), 0.2, 0.0, 0.6, 1.0)
    how = rng.integers(3)
    if how == 0:
        over = [_line((0.0, 0.1), (1.0, 0.9)), _line((1.0, 0.1), (0.0, 0.9))]
    elif how == 1:
        ys = np.sort(rng.uniform(0.3, 0.7, rng.integers(3, 6)))
        over = [_polyline([(float(i % 2 == 0) * 0.9 + 0.05, y) for i, y in enumerate(ys)], 6)]
    else:
        over = scribble(rng)
    return digit + over


KINDS: dict[str, Maker] = {
    "scribble": scribble,
    "hatching": hatching,
    "filled": filled,
    "crossed-out": crossed_out,
    "dot": dot,
    "short-mark": short_mark,
    **{f"letter-{name}": glyph(name) for name in GLYPHS},
    "heart": heart,
    "smiley": smiley,
    "face": face,
    "star": star,
    "sun": sun,
    "house": house,
    "tree": tree,
    "cloud": cloud,
    "arrow": arrow,
    "question-mark": question,
    "exclamation": exclamation,
    "sign": sign,
    "tick": tick,
    "cross-mark": cross_mark,
    "spiral": spiral,
    "word": word,
    "initials": initials,
    "crossed-digit": crossed_digit,
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

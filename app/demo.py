"""Demo material shared by the screenshots, the benchmark and the icon: hand-drawn looking digits as
pen paths, and a model to show when the trained one is missing."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pygame

from model.config import CLASSES, INPUTS
from model.recognise import Recogniser

Path2D = list[tuple[float, float]]


def three(spacing_px: float = 4.0, side: int = 560, wobble: float = 0.006) -> Path2D:
    """A "3" in canvas units (0..1), with points `spacing_px` apart on a `side`-pixel canvas.

    4 px is a real mouse's density (one event every few pixels at drawing speed); a slow, smooth
    wobble makes it look drawn by hand rather than with a compass.
    """
    arcs = [(0.50, 0.33, 0.19, 0.15, -2.55, 1.55), (0.51, 0.63, 0.22, 0.17, -1.55, 2.65)]
    dense = []
    for cx, cy, rx, ry, a0, a1 in arcs:
        for i, a in enumerate(np.linspace(a0, a1, 2000)):
            x, y = cx + rx * math.cos(a), cy + ry * math.sin(a)
            dense.append((x + wobble * math.sin(i / 95), y + wobble * math.cos(i / 150)))
    return _resample(dense, spacing_px / side)


def seven(spacing_px: float = 4.0, side: int = 560) -> Path2D:
    top = [(0.27 + 0.46 * t, 0.22 + 0.01 * math.sin(t * 3)) for t in np.linspace(0, 1, 500)]
    stem = [(0.73 - 0.26 * t, 0.22 + 0.60 * t) for t in np.linspace(0, 1, 700)]
    return _resample(top + stem, spacing_px / side)


def _resample(dense: Path2D, step: float) -> Path2D:
    """Every point at least `step` from the one kept before it, plus the last one."""
    pts = [dense[0]]
    for p in dense[1:]:
        if math.dist(p, pts[-1]) >= step:
            pts.append(p)
    if pts[-1] != dense[-1]:
        pts.append(dense[-1])
    return pts


def load_or_random(weights: Path, scratch: Path) -> tuple[Recogniser, str | None]:
    """The model at `weights`, or (if it is missing) a small random one saved in `scratch`.

    Returns the recogniser and a warning to print when the random stand-in was used: screenshots
    and timings then still work before the first training, and say so.
    """
    from app.startup import load_recogniser
    from model.mlp import MLP
    from model.weights import save

    if weights.is_file():
        return load_recogniser(weights), None
    stand_in = scratch / "random.npz"
    save(stand_in, MLP([INPUTS, 32, CLASSES], seed=0), {"input": {}, "temperature": 1.0})
    return load_recogniser(stand_in), f"{weights} not found; a RANDOM model stands in - re-run once it is trained"


def icon(side: int = 256) -> pygame.Surface:
    """Digitpad's icon: a hand-drawn 3 on the dark canvas, over its probability bars."""
    from app.ink import draw_segments
    from app.theme import DESK

    surface = pygame.Surface((side, side), pygame.SRCALPHA)
    surface.fill((0, 0, 0, 0))
    r = side // 6
    pygame.draw.rect(surface, DESK.background, surface.get_rect(), border_radius=r)
    pad = side // 10
    canvas = pygame.Rect(pad, pad, side - 2 * pad, round((side - 2 * pad) * 0.64))
    ink = pygame.Surface(canvas.size)
    ink.fill(DESK.canvas)
    pts = np.array(three(spacing_px=2.0, side=canvas.h, wobble=0.0)) * [canvas.h, canvas.h]
    pts[:, 0] += (canvas.w - canvas.h) / 2
    draw_segments(ink, pts, canvas.h * 0.11, DESK.canvas, DESK.ink)
    surface.blit(ink, canvas)
    # Ten bars under the canvas, the 3's the tallest, in the app's accent colour.
    bar_w = canvas.w / CLASSES
    bottom = side - pad
    for d, p in enumerate((0.08, 0.05, 0.12, 1.0, 0.06, 0.2, 0.04, 0.1, 0.15, 0.07)):
        h = max(2, round(p * (bottom - canvas.bottom - pad // 2)))
        rect = pygame.Rect(round(canvas.x + d * bar_w + bar_w * 0.2), bottom - h, max(1, round(bar_w * 0.6)), h)
        pygame.draw.rect(surface, DESK.accent if d == 3 else DESK.bar, rect, border_radius=max(1, rect.w // 3))
    return surface
